#!/usr/bin/env node
// Derives the demo's recorded burst from the Azure LLM inference trace (conversation,
// 2023) and writes it as a TypeScript module that the CLI bundles:
//   node examples/demo-burst/derive.mjs [path/to/AzureLLMInferenceTrace_conv.csv]
// Source: Azure/AzurePublicDataset, data/AzureLLMInferenceTrace_conv.csv, CC-BY 4.0.
// Cite: Patel et al., "Splitwise: Efficient Generative LLM Inference Using Phase
// Splitting", ISCA 2024.
//
// What it keeps: the ROWS consecutive requests that start the busiest 60 s of the
// trace (arrival offset in ms from the first one, context tokens, generated tokens).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = process.argv[2] ?? join(here, '../../../shared/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv');
const out = join(here, '../../src/cli/demo/azure-conv-burst.ts');
const ROWS = 300;

const lines = readFileSync(source, 'utf8').trim().split('\n').slice(1);
const rows = lines.map((line) => {
  const [stamp, context, generated] = line.split(',');
  // "2023-11-16 18:15:46.6805900": seven fractional digits; keep milliseconds.
  const [date, time] = stamp.split(' ');
  const ms = Date.parse(`${date}T${time.slice(0, 12)}Z`);
  return { ms, input: Number(context), output: Number(generated) };
});
rows.sort((a, b) => a.ms - b.ms);

// Busiest 60 s window: two pointers over the sorted arrivals.
let best = 0;
let bestStart = 0;
for (let i = 0, j = 0; i < rows.length; i++) {
  while (rows[j].ms < rows[i].ms - 60_000) j++;
  if (i - j + 1 > best) {
    best = i - j + 1;
    bestStart = j;
  }
}
const window = rows.slice(bestStart, bestStart + ROWS);
const t0 = window[0].ms;
const data = window.map((r) => `[${r.ms - t0},${r.input},${r.output}]`);
const first = new Date(t0).toISOString();
const spanMs = window[window.length - 1].ms - t0;

const text = `/**
 * The demo's recorded demand burst: ${window.length} consecutive requests (arrival offset in ms,
 * input tokens, output tokens) from the busiest minute of the Azure LLM inference trace
 * (conversation service, 2023-11-16), starting ${first}, spanning ${(spanMs / 1000).toFixed(1)} s.
 *
 * Source: Azure/AzurePublicDataset, data/AzureLLMInferenceTrace_conv.csv, licensed
 * CC-BY 4.0. Cite: Patel et al., "Splitwise: Efficient Generative LLM Inference Using
 * Phase Splitting", ISCA 2024. Derived by examples/demo-burst/derive.mjs (generated
 * file: do not edit).
 */

/** Where the burst comes from, for the demo's header and its JSON summary. */
export const AZURE_CONV_BURST_SOURCE =
  'Azure LLM inference trace 2023 (conversation), busiest minute; CC-BY 4.0, Patel et al., Splitwise, ISCA 2024';

/** [arrival offset ms, input tokens, output tokens], sorted by arrival. */
export const AZURE_CONV_BURST: readonly (readonly [number, number, number])[] = [
${data.map((d) => `  ${d},`).join('\n')}
];
`;
writeFileSync(out, text);
console.log(`wrote ${window.length} rows spanning ${(spanMs / 1000).toFixed(1)} s (window of ${best} requests/60 s) to ${out}`);
