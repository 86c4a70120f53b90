// Opt-in live smoke test of a real provider adapter (npm run smoke:vast, npm run smoke:runpod).
// Rents the cheapest matching node for at most two minutes under a $0.50 cap, runs one
// task on it, releases everything, and prints what was spent. Without the provider's
// API key in the environment it does nothing and says so (exit 0). Never part of npm test.
//
//   VAST_API_KEY=... npm run smoke:vast        RUNPOD_API_KEY=... npm run smoke:runpod
//   SMOKE_IMAGE   image to run (default node:20-slim, starting the agent with npx)
//   SMOKE_GPUS    comma-separated GPU models (default: small cheap ones)
import { createCompute } from 'adaptive-compute';
import { runpod, vastai } from 'adaptive-compute/providers';

const provider = process.argv[2];
const KEYS = { vastai: 'VAST_API_KEY', runpod: 'RUNPOD_API_KEY' };
if (!(provider in KEYS)) {
  console.error('usage: node scripts/smoke-provider.mjs vastai|runpod');
  process.exit(2);
}
const apiKey = process.env[KEYS[provider]];
if (!apiKey) {
  console.log(`smoke:${provider} skipped: ${KEYS[provider]} is not set (this test rents a real GPU node and needs a key)`);
  process.exit(0);
}

const LIMIT_MS = 120_000;
const CAP_USD = 0.5;
const image = process.env.SMOKE_IMAGE ?? 'node:20-slim';
const agentCommand = 'npx -y adaptive-compute@^0.2.0 agent';
const usesDefaultImage = process.env.SMOKE_IMAGE === undefined;
const market =
  provider === 'vastai'
    ? vastai({ apiKey, ...(usesDefaultImage ? { args: ['sh', '-c', agentCommand] } : {}) })
    : runpod({ apiKey, ...(usesDefaultImage ? { args: `sh -c '${agentCommand}'` } : {}) });
const compute = createCompute({ marketplace: market, budget: { maxPerHour: CAP_USD, total: CAP_USD }, journal: false });
const gpus = (process.env.SMOKE_GPUS ?? 'RTX 3060,RTX 3070,RTX 3080,RTX 3090,RTX 4070,RTX 4080,RTX 4090,RTX A4000,RTX A5000').split(',');
const smoke = compute.workload('smoke', {
  gpu: { model: gpus, count: 1, interruptible: 'never' },
  image,
  scaling: { minNodes: 0, maxNodes: 1, latencyTargetMs: 60_000, concurrencyPerNode: 1, scaleDownDelayMs: 0, maxProvisionSec: 110 },
  timeoutMs: LIMIT_MS - 5_000,
});
compute.on('lease', (e) => console.log(`lease ${e.type}: ${e.gpu} at $${e.pricePerHour}/h (${e.reason})`));
const started = Date.now();
let code = 0;
try {
  const out = await smoke.run({ hello: provider });
  console.log(`task answered after ${Math.round((Date.now() - started) / 1000)} s:`, JSON.stringify(out));
} catch (error) {
  code = 1;
  console.error(`task failed: ${error.code ?? ''} ${error.message}`);
} finally {
  const result = await compute.shutdown({ graceMs: 1_000, releaseTimeoutMs: 60_000 });
  const m = compute.metrics();
  console.log(`spent $${m.budget.spent.toFixed(4)} (cap $${CAP_USD}); shutdown: ${JSON.stringify(result ?? {})}`);
}
process.exit(code);
