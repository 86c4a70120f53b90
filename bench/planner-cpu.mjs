// Planner CPU per tick at 100 workloads x 50 nodes, today's planner against the one
// before issue 14 (commit f548ec6: one planWorkload of stacked cases, text reasons):
//
//   node bench/planner-cpu.mjs
//
// Both are bundled from source with esbuild (the older one from `git archive`), fed the
// same observations (each workload busy: queue, arrivals, 50 ready nodes, a memory
// carried from tick to tick), and timed over the same ticks with process.cpuUsage.
// Prints CPU per tick for each and the ratio (today / before).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './sim-bundle.mjs';

const BASE = 'f548ec6';
const WORKLOADS = 100;
const NODES = 50;
const TICKS = 200;
const esbuild = join(root, 'node_modules', '.bin', 'esbuild');
const out = join(root, '.bench-out', 'planner-cpu');
mkdirSync(out, { recursive: true });

function bundle(srcRoot, name) {
  const file = join(out, `${name}.js`);
  execFileSync(esbuild, [join(srcRoot, 'src/controller/planner.ts'), '--bundle', '--platform=node', '--format=esm', '--target=node20', `--outfile=${file}`, '--log-level=warning']);
  return import(file);
}

const today = await bundle(root, 'today');
let before;
try {
  const baseDir = join(out, 'base');
  rmSync(baseDir, { recursive: true, force: true });
  mkdirSync(baseDir, { recursive: true });
  execFileSync('sh', ['-c', `git -C "${root}" archive ${BASE} src | tar -x -C "${baseDir}"`]);
  before = await bundle(baseDir, 'before');
} catch {
  console.log(`planner-cpu: commit ${BASE} is not in this checkout; timing today's planner alone`);
}

const offer = { id: 'a100', gpu: { model: 'A100', count: 1, memoryGb: 80 }, pricePerHour: 2, currency: 'USD', billingIncrementSec: 60, minLeaseSec: 60, interruptible: false, region: 'x', reliability: 1, coldStartSec: 30, available: 100_000 };
const policy = { minNodes: 0, maxNodes: 80, latencyTargetMs: 2000, concurrencyPerNode: 4, scaleDownDelayMs: 60_000, gpu: { model: ['A100'], count: 1, interruptible: 'never' } };
const policies = Object.fromEntries(Array.from({ length: WORKLOADS }, (_, i) => [`w${i}`, policy]));
const budget = { maxPerHour: undefined, total: undefined, hourlyRate: 0, committed: 0, workloads: {} };
const spread = Array.from({ length: 20 }, (_, k) => 300 + 40 * k);

function observation(now, memories, k) {
  return {
    now,
    tickMs: 1000,
    workloads: Array.from({ length: WORKLOADS }, (_, i) => ({
      name: `w${i}`,
      queued: (i * 7 + k) % 30,
      inFlight: 150 + ((i + k) % 40),
      arrivalRateShort: 90 + ((i * 13 + k) % 25),
      arrivalRateLong: 95 + (i % 10),
      observedForMs: now,
      serviceTimeMs: 700,
      serviceTimeSpreadMs: spread,
      serviceTimeTailMs: 1100,
      oldestQueuedMs: 200,
      coldStartMs: 30_000,
      arrivalCount: 1000 * k + i,
      lastArrivalAt: now - 5,
      idleSpellsMs: [],
      nodes: Array.from({ length: NODES }, (_, n) => ({ id: `w${i}-n${n}`, state: 'ready', inFlight: 3, oldestTaskMs: 400, pricePerHour: 2, requestedAt: now - 120_000 - n * 1000, billingIncrementSec: 60, minLeaseSec: 60, interruptible: false })),
      paused: false,
      memory: memories[i],
    })),
  };
}

function time(plan) {
  let memories = Array.from({ length: WORKLOADS }, () => ({ lowDemandSince: null, recentDesired: [], avoidSpotUntil: 0 }));
  const t0 = 1_700_000_000_000;
  // Warm-up, then the timed ticks; building observations is outside the timing.
  for (let k = 0; k < 20; k++) memories = plan(observation(t0 + k * 1000, memories, k), policies, [offer], budget).workloads.map((d) => d.memory);
  let cpu = 0;
  for (let k = 20; k < 20 + TICKS; k++) {
    const obs = observation(t0 + k * 1000, memories, k);
    const start = process.cpuUsage();
    const decision = plan(obs, policies, [offer], budget);
    const used = process.cpuUsage(start);
    cpu += used.user + used.system;
    memories = decision.workloads.map((d) => d.memory);
  }
  return cpu / TICKS / 1000;
}

// Alternate the two a few times so that machine load hits both alike; take each one's best.
const runs = { today: [], before: [] };
for (let r = 0; r < 3; r++) {
  runs.today.push(time(today.plan));
  if (before) runs.before.push(time(before.plan));
}
const best = (xs) => Math.min(...xs);
console.log(`planner CPU per tick, ${WORKLOADS} workloads x ${NODES} nodes (best of 3 x ${TICKS} ticks):`);
console.log(`  today            ${best(runs.today).toFixed(2)} ms`);
if (before) {
  console.log(`  before (${BASE})  ${best(runs.before).toFixed(2)} ms`);
  console.log(`  ratio today / before: ${(best(runs.today) / best(runs.before)).toFixed(2)}`);
}
