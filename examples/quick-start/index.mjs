// Purpose: the smallest complete program: declare a workload, run tasks on rented (here: emulated local) GPU nodes, shut down.
// Run: node examples/quick-start/index.mjs   (no marketplace account, no network)
// @ts-check
import { ComputeError, createCompute } from 'adaptive-compute';
import { z } from 'zod';

// No `marketplace` option: the embedded local marketplace on 127.0.0.1, whose nodes
// are emulated GPUs (processes on this machine). For a real one, pass
// `marketplace: { url, apiKey }` and nothing else changes.
const compute = createCompute({ budget: { maxPerHour: 10, total: 1 } });

const embed = compute.workload('embed', {
  gpu: { model: ['A100', 'H100'], count: 1 },
  // Locally, the image picks the node's handler: `echo` answers `{ echo: input }`
  // after `input.ms` ms of emulated GPU time.
  image: 'echo',
  scaling: { minNodes: 0, maxNodes: 2, latencyTargetMs: 2_000, concurrencyPerNode: 4, scaleDownDelayMs: 1_000 },
  input: z.object({ text: z.string(), ms: z.number() }),
});

compute.on('scale', (e) => console.log(`[scale] ${e.workload}: desired ${e.desired} (${e.reason})`));
compute.on('lease', (e) => console.log(`[lease] ${e.type} ${e.gpu} at $${e.pricePerHour.toFixed(2)}/h`));

try {
  // The first call waits for a node to be rented and to start (the cold start).
  const first = await embed.run({ text: 'hello', ms: 50 }, { timeoutMs: 30_000 });
  console.log('first answer:', JSON.stringify(first));

  // map(): ordered results, at most `concurrency` tasks in flight.
  const texts = Array.from({ length: 20 }, (_, i) => ({ text: `document ${i}`, ms: 100 }));
  let done = 0;
  for await (const _ of embed.map(texts, { concurrency: 8 })) done++;
  console.log(`map: ${done} results in order`);

  const m = compute.metrics();
  console.log(`p95 latency ${Math.round(m.workloads.embed?.latencyMs.p95 ?? 0)} ms, spent $${m.budget.spent.toFixed(5)}`);
} catch (error) {
  // Every failure is a ComputeError with a stable code.
  if (error instanceof ComputeError) console.error(`failed: ${error.code}: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
} finally {
  // Settles every task and releases every lease: nothing keeps billing.
  await compute.shutdown();
}
