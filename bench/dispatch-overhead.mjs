// Dispatch overhead: compute.run() against one ready node vs raw undici requests to the
// same node server, side by side in one run, alternating rounds (machines here are noisy).
// Run: npm run build && node bench/dispatch-overhead.mjs
// Targets (issue 3): throughput ratio >= 0.9; added p50 latency < 0.2 ms per task.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { createCompute } from '../dist/index.js';

const CONCURRENCY = 16;
const TASKS = 20_000;
const LATENCY_TASKS = 3_000;
const ROUNDS = 3;

const child = fork(fileURLToPath(new URL('./node-server.mjs', import.meta.url)), [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
const [line] = await once(child.stdout, 'data');
const endpoint = `http://127.0.0.1:${String(line).trim()}`;

// A marketplace that hands out that one node at once: we measure dispatch, not leasing.
const now = () => new Date().toISOString();
const market = {
  listOffers: async () => [{ id: 'bench', gpu: { model: 'A100', count: 1, memoryGb: 80 }, pricePerHour: 1, currency: 'USD', billingIncrementSec: 1, minLeaseSec: 0, interruptible: false, region: 'local', reliability: 1, coldStartSec: 0, available: 1 }],
  createLease: async () => lease('running'),
  getLease: async () => lease('running'),
  listLeases: async () => [],
  releaseLease: async () => lease('terminated'),
  close: async () => {},
};
function lease(state) {
  return { id: 'l1', offerId: 'bench', state, endpoint, nodeToken: 'bench-token', pricePerHour: 1, createdAt: now(), readyAt: now(), endedAt: null, billedSec: 0, cost: 0, tags: {} };
}

const compute = createCompute({ marketplace: market });
const work = compute.workload('bench', {
  gpu: { model: 'A100' },
  image: 'bench',
  scaling: { minNodes: 1, maxNodes: 1, concurrencyPerNode: CONCURRENCY, maxQueued: 1_000_000 },
});
await new Promise((resolve) => compute.on('lease', (e) => e.type === 'ready' && resolve()));

const pool = new Pool(endpoint, { connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 60_000 });
const input = { text: 'hello world', n: 42 };
async function raw() {
  const res = await pool.request({
    path: '/v1/run', method: 'POST',
    headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json' },
    body: JSON.stringify({ workload: 'bench', input, taskId: 'x' }),
  });
  return (await res.body.json()).output;
}
const ours = () => work.run(input);

async function throughput(fn, n, concurrency) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next++ < n) await fn(); }));
  return n / ((performance.now() - t0) / 1000);
}
async function p50(fn, n) {
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) { const t = performance.now(); await fn(); samples[i] = performance.now() - t; }
  samples.sort();
  return samples[Math.floor(n / 2)];
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await throughput(raw, 2000, CONCURRENCY); // warm-up both paths
await throughput(ours, 2000, CONCURRENCY);
const r = { rawTput: [], oursTput: [], rawP50: [], oursP50: [] };
for (let round = 0; round < ROUNDS; round++) {
  r.rawTput.push(await throughput(raw, TASKS, CONCURRENCY));
  r.oursTput.push(await throughput(ours, TASKS, CONCURRENCY));
  r.rawP50.push(await p50(raw, LATENCY_TASKS));
  r.oursP50.push(await p50(ours, LATENCY_TASKS));
}
const ratio = median(r.oursTput) / median(r.rawTput);
const added = median(r.oursP50) - median(r.rawP50);
console.log('dispatch overhead (median of %d alternating rounds, %d tasks, concurrency %d)', ROUNDS, TASKS, CONCURRENCY);
console.table({
  'raw undici': { 'tasks/s': Math.round(median(r.rawTput)), 'p50 ms (sequential)': +median(r.rawP50).toFixed(3) },
  'compute.run()': { 'tasks/s': Math.round(median(r.oursTput)), 'p50 ms (sequential)': +median(r.oursP50).toFixed(3) },
});
console.log(`throughput ratio ${ratio.toFixed(3)} (target >= 0.9); added p50 ${added.toFixed(3)} ms (target < 0.2)`);
await compute.shutdown();
await pool.close();
child.kill();
process.exitCode = ratio >= 0.9 && added < 0.2 ? 0 : 1;
