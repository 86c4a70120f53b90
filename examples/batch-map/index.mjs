// Purpose: batch inference over a file: map() a JSONL file of prompts through a workload, results in input order on stdout, a progress bar on stderr.
// Run: node examples/batch-map/index.mjs [prompts.jsonl] > results.jsonl
// @ts-check
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createCompute } from 'adaptive-compute';
import { LocalMarketplace } from 'adaptive-compute/local';
import { z } from 'zod';

const file = process.argv[2] ?? fileURLToPath(new URL('./prompts.jsonl', import.meta.url));

const Prompt = z.object({ id: z.number(), prompt: z.string(), maxTokens: z.number().int().positive() });

/**
 * The file's prompts, one parsed line at a time: map() pulls lazily, so a file of
 * millions of lines never sits in memory at once.
 * @param {string} path
 */
async function* readPrompts(path) {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim() !== '') yield Prompt.parse(JSON.parse(line));
}

/** @param {string} path */
async function countLines(path) {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) if (line.trim() !== '') n++;
  return n;
}

/**
 * A one-line progress bar on stderr (stdout stays clean for the results). Without a
 * terminal (CI logs), one line per 25 %.
 * @param {number} total
 */
function progressBar(total) {
  const started = Date.now();
  let lastQuarter = -1;
  return {
    /** @param {number} done */
    update(done) {
      const ratio = total === 0 ? 1 : done / total;
      const width = 30;
      const bar = '#'.repeat(Math.round(ratio * width)).padEnd(width, '.');
      const text = `[${bar}] ${done}/${total} ${Math.round(ratio * 100)}% ${((Date.now() - started) / 1000).toFixed(1)} s`;
      if (process.stderr.isTTY) process.stderr.write(`\r${text}`);
      else if (Math.floor(ratio * 4) > lastQuarter) {
        lastQuarter = Math.floor(ratio * 4);
        process.stderr.write(`${text}\n`);
      }
    },
    end() {
      if (process.stderr.isTTY) process.stderr.write('\n');
    },
  };
}

// Short cold starts so the example finishes in seconds; 8 tasks per emulated GPU.
const market = new LocalMarketplace({ coldStartMs: 300, slots: 8, prices: false, preemptionRatePerHour: 0 });
const compute = createCompute({ marketplace: market, journal: false, tickMs: 250, budget: { total: 1 } });
const generate = compute.workload('generate', {
  gpu: { model: 'L4' },
  // The built-in `tokens` handler: LLM-shaped service time, `maxTokens` words of text.
  image: 'tokens',
  input: Prompt,
  scaling: { maxNodes: 3, concurrencyPerNode: 8, latencyTargetMs: 1_000, scaleDownDelayMs: 1_000 },
});

try {
  const total = await countLines(file);
  const progress = progressBar(total);
  progress.update(0);
  let done = 0;
  let tokens = 0;
  // Outputs come back in input order, so the ids of the inputs map() has pulled
  // line up with the outputs first in, first out.
  /** @type {number[]} */
  const ids = [];
  const inputs = (async function* () {
    for await (const p of readPrompts(file)) {
      ids.push(p.id);
      yield p;
    }
  })();
  // At most 32 tasks in flight at once; the controller rents nodes for them.
  for await (const out of generate.map(inputs, { concurrency: 32, timeoutMs: 30_000 })) {
    const { text, outputTokens } = /** @type {{ text: string, outputTokens: number }} */ (out);
    done++;
    tokens += outputTokens;
    process.stdout.write(`${JSON.stringify({ id: ids.shift(), outputTokens, text })}\n`);
    progress.update(done);
  }
  progress.end();
  const { budget } = compute.metrics();
  process.stderr.write(`${done} prompts, ${tokens} tokens generated, $${budget.spent.toFixed(5)} spent\n`);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await compute.shutdown();
  await market.close();
}
