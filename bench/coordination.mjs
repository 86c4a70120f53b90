// A replica group at scale, and what coordination costs on the task path.
// Run: npm run build && node bench/coordination.mjs   (needs redis-server on PATH; skips without it)
//
// Part 1: 50 replica runtimes in one process, one redis-server (started here, random
// loopback port, no persistence) and one embedded local marketplace. Each replica sends
// tasks for a while; the bench reports the leader's ticks per second, Redis commands per
// tick per replica, and the spread of slot shares (most minus fewest slots a replica holds).
// Part 2: dispatch overhead, side by side in alternating rounds: compute.run() against one
// ready node in a single process, and the same with `coordination` (one replica: the
// share limit and the group's bookkeeping around the task path). Target: ratio >= 0.95.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createCompute } from '../dist/index.js';
import { startLocalMarket } from '../dist/local.js';

if (spawnSync('redis-server', ['--version']).status !== 0) {
  console.log('coordination: redis-server not found, skipped (install it with `apt-get install redis-server`)');
  process.exit(0);
}

const REPLICAS = Number(process.env.REPLICAS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

const port = await freePort();
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
await sleep(300);
const redisUrl = `redis://127.0.0.1:${port}`;

// ---------------------------------------------------------------- part 1: 50 replicas
const market = await startLocalMarket({ coldStartMs: 500, preemptionRatePerHour: 0 });
const replicas = Array.from({ length: REPLICAS }, (_, i) =>
  createCompute({
    marketplace: { url: market.url, apiKey: market.apiKey },
    budget: { maxPerHour: 1000 },
    tickMs: 1000,
    coordination: { redis: redisUrl, group: 'bench', ttlMs: 5000, replicaId: `r${String(i).padStart(2, '0')}` },
  }),
);
const works = replicas.map((c) => c.workload('w', { gpu: { model: ['A100', 'H100', 'L4', 'A10G', 'T4'] }, image: 'echo', scaling: { maxNodes: 4, concurrencyPerNode: 4, scaleDownDelayMs: 30_000 } }));
const coordination = () => replicas.map((c) => c.metrics().coordination);
for (let i = 0; i < 100 && !coordination().every((m) => m.workloads.w?.leaderReplicaId); i++) await sleep(200);

let running = true;
let done = 0;
let failed = 0;
// Each replica keeps a couple of tasks going, some more than others (demand differs).
const load = works.map(async (w, i) => {
  while (running) {
    const batch = Array.from({ length: 1 + (i % 4) }, () => w.run({ n: i }, { timeoutMs: 30_000 }).then(() => done++, () => failed++));
    await Promise.all(batch);
    await sleep(50);
  }
});
await sleep(3000);
const before = coordination();
const t0 = Date.now();
const spreads = [];
for (let s = 0; s < SECONDS; s++) {
  await sleep(1000);
  const totals = coordination().map((m) => Object.values(m.workloads.w?.slotShare ?? {}).reduce((a, b) => a + b, 0));
  spreads.push(Math.max(...totals) - Math.min(...totals));
}
const after = coordination();
const seconds = (Date.now() - t0) / 1000;
running = false;
await Promise.all(load);
const leader = after.find((m) => m.workloads.w?.isLeader);
const leaderBefore = before.find((m) => m.replicaId === leader?.replicaId);
const ticks = after.reduce((n, m, i) => n + m.ticks - before[i].ticks, 0);
const ops = after.reduce((n, m, i) => n + m.redisOps - before[i].redisOps, 0);
const nodes = replicas[after.indexOf(leader)]?.metrics().workloads.w?.nodes;
console.log(`replicas: ${REPLICAS} in one process, one redis-server, one local marketplace; ${seconds.toFixed(1)} s measured; tasks done ${done}, failed ${failed}`);
console.log(`leader ticks per second:          ${leader ? ((leader.ticks - leaderBefore.ticks) / seconds).toFixed(2) : 'no leader'} (tickMs 1000)`);
console.log(`Redis commands per tick, per replica: ${(ops / Math.max(1, ticks)).toFixed(2)}  (${(ops / seconds).toFixed(0)} commands/s for the group)`);
console.log(`slot-share spread (most - fewest slots held by a replica): median ${median(spreads)}, max ${Math.max(...spreads)}; leader's fleet ${JSON.stringify(nodes)}`);
await Promise.all(replicas.map((c) => c.shutdown({ graceMs: 5000, releaseTimeoutMs: 10_000 })));
await market.close();

// ---------------------------------------------------------------- part 2: dispatch overhead
const CONCURRENCY = 16;
const TASKS = 2_000;
const ROUNDS = 10;
const serverPath = fileURLToPath(new URL('./node-server.mjs', import.meta.url));
const node = spawn(process.execPath, [serverPath], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = await once(node.stdout, 'data');
const endpoint = `http://127.0.0.1:${String(line).trim()}`;
const stamp = () => new Date().toISOString();
const lease = (state) => ({ id: 'l1', offerId: 'bench', state, endpoint, nodeToken: 'bench-token', pricePerHour: 1, createdAt: stamp(), readyAt: stamp(), endedAt: null, billedSec: 0, cost: 0, tags: { client: 'solo', workload: 'bench', node: 'bench#n.1' } });
const fakeMarket = () => ({
  listOffers: async () => [{ id: 'bench', gpu: { model: 'A100', count: 1, memoryGb: 80 }, pricePerHour: 1, currency: 'USD', billingIncrementSec: 1, minLeaseSec: 0, interruptible: false, region: 'local', reliability: 1, coldStartSec: 0, available: 1 }],
  createLease: async () => lease('running'),
  getLease: async () => lease('running'),
  listLeases: async () => [],
  releaseLease: async () => lease('terminated'),
  close: async () => {},
});
async function ready(extra) {
  const compute = createCompute({ marketplace: fakeMarket(), journal: false, ...extra });
  const work = compute.workload('bench', { gpu: { model: 'A100' }, image: 'bench', scaling: { minNodes: 1, maxNodes: 1, concurrencyPerNode: CONCURRENCY, maxQueued: 1_000_000 } });
  await new Promise((resolve) => compute.on('lease', (e) => e.type === 'ready' && resolve()));
  await sleep(1500); // the group's first shares are published
  return { compute, work };
}
const single = await ready({});
const grouped = await ready({ coordination: { redis: redisUrl, group: 'solo', ttlMs: 5000 } });
const input = { text: 'hello world', n: 42 };
async function throughput(work) {
  const start = process.hrtime.bigint();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < TASKS) await work.run(input);
  }));
  return TASKS / (Number(process.hrtime.bigint() - start) / 1e9);
}
await throughput(single.work);
await throughput(grouped.work);
const a = [];
const b = [];
for (let r = 0; r < ROUNDS; r++) {
  a.push(await throughput(single.work));
  b.push(await throughput(grouped.work));
}
const ratio = median(b) / median(a);
console.log(`dispatch throughput, median of ${ROUNDS} alternating rounds of ${TASKS} tasks at concurrency ${CONCURRENCY}:`);
console.log(`  single process ${median(a).toFixed(0)} tasks/s | replica of a group ${median(b).toFixed(0)} tasks/s | ratio ${ratio.toFixed(3)} (target >= 0.95)`);
await Promise.all([single.compute.shutdown({ graceMs: 1000, releaseTimeoutMs: 2000 }), grouped.compute.shutdown({ graceMs: 1000, releaseTimeoutMs: 2000 })]);
node.kill();
redis.kill('SIGKILL');

function median(xs) {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}
