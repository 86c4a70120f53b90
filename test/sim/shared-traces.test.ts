/**
 * The claim, measured on the shared request-level traces (../shared/traces, not
 * committed): with the documented defaults, our policy meets the SLO on ≥ 99 % of
 * requests, costs less than every autoscaler baseline, is the cheapest of all
 * policies that meet the SLO, and stays within 1.3x the clairvoyant lower bound.
 * Skipped, with a message, when the traces are not there.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/sim/simulate.js';

const root = new URL('../../../shared/traces/', import.meta.url).pathname;
const present = existsSync(root);
if (!present) console.warn(`[sim] ../shared/traces (beside the clone) not found: full-trace runs skipped`);

const AUTOSCALERS = ['hpa', 'kpa', 'ray-serve', 'keda', 'skyserve'];

/**
 * Traces and the cost / lower-bound ratio each must stay under: 1.3, as the issue asks.
 * The LoRA trace is the closest: sparse bursts with a latency target of 166 s, where a
 * clairvoyant schedule that knows service times ahead pays 1.09x the bound
 * (bench/lora-gap.mjs), ours 1.29x and every baseline 1.9x or more. See docs/simulator.md.
 */
const TRACES: Array<[name: string, path: string, maxRatio: number]> = [
  ['Azure LLM conversation', 'azure-llm-2023/AzureLLMInferenceTrace_conv.csv', 1.3],
  ['Mooncake', 'mooncake-fast25/synthetic_trace.jsonl', 1.3],
  ['Alibaba LoRA', 'alibaba-genai-2026/lora_request_trace.csv', 1.3],
  ['ServeGen mm-image', 'servegen/multimodal/mm-image', 1.3],
];

describe.skipIf(!present)('shared traces (../shared/traces)', () => {
  for (const [name, path, maxRatio] of TRACES) {
    it(`${name}: ours meets the SLO, beats every autoscaler and is the cheapest that meets it`, async () => {
      const { report } = await simulate({ trace: root + path, seed: 1 });
      const ours = report.results[0]!;
      expect(ours.policy).toBe('adaptive');
      expect(ours.sloAttainment).toBeGreaterThanOrEqual(0.99);
      expect(ours.p95Ms).toBeLessThanOrEqual(report.settings.latencyTargetMs);
      for (const r of report.results) {
        if (AUTOSCALERS.includes(r.policy)) expect(ours.cost, `${r.policy} costs ${r.cost}`).toBeLessThan(r.cost);
        if (r.policy !== 'adaptive' && r.sloAttainment >= 0.99) expect(ours.cost, `${r.policy} costs ${r.cost}`).toBeLessThan(r.cost);
      }
      expect(ours.costPerLowerBound).toBeGreaterThanOrEqual(1);
      expect(ours.costPerLowerBound).toBeLessThanOrEqual(maxRatio);
    }, 60_000);
  }
});
