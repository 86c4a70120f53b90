// Simulator speed: simulated requests per second of wall time, per policy, on one
// core; and a one-hour trace through our policy and every baseline.
//
//   node bench/sim-speed.mjs                 (from the repo root; no build step needed)
//   SIM_BENCH_HOURS=6 node bench/sim-speed.mjs   (a shorter synthetic day)
//
// It bundles src/sim with esbuild into .bench-out/sim/, then generates seeded
// traces in memory (no file I/O in the timed part):
//  - "day": 24 h of Poisson arrivals whose rate follows a daily wave between 10 and
//    30 req/s (about 1.7M requests), service times from the token model over
//    log-normal token counts (mean about 4 s): a busy, realistic LLM endpoint;
//  - "hour": the Azure LLM conversation trace when ../shared/traces has it
//    (19,366 requests), else the first hour of the synthetic day.
// Each policy's run on the day trace is timed from its first event to its summary
// (latency percentiles included; the trace generation and the lower bound are not). Exits 1 if ours is under 1M req/s or the
// hour with all baselines takes 10 s or more.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSim, root } from './sim-bundle.mjs';

const sim = await loadSim();

const hours = Number(process.env.SIM_BENCH_HOURS ?? 24);
const config = { ...sim.parseSimPolicy({}), latencyTargetMs: 73_000, latencyTargetSource: 'bench' };

function syntheticDay(hoursLong) {
  const rng = new sim.Random(42);
  const b = new sim.TraceBuilder();
  const end = hoursLong * 3_600_000;
  let t = 0;
  const lognormal = (median, sigma) => median * Math.exp(sigma * rng.normal());
  for (;;) {
    const rate = 20 + 10 * Math.sin((2 * Math.PI * t) / 86_400_000); // req/s
    t += rng.exponential(1000 / rate);
    if (t >= end) break;
    const input = lognormal(900, 0.8);
    const output = lognormal(130, 0.9);
    b.add(t, 50 + 0.1 * input + 20 * output);
  }
  return b.build({ name: `synthetic-${hoursLong}h`, path: '-', format: 'generic', serviceSource: 'tokens' });
}

function now() {
  return performance.now();
}

const day = syntheticDay(hours);
console.log(`day trace: ${day.count.toLocaleString('en-US')} requests over ${hours} h`);
// Warm the JIT on a short run first, so that the first policy timed is not penalised.
await sim.runSimulation(syntheticDay(0.5), config, { baselines: sim.BASELINE_NAMES, seed: 1 });
const wall = new Map();
let startedAt = 0;
await sim.runSimulation(day, config, {
  baselines: sim.BASELINE_NAMES,
  seed: 1,
  onPolicy: (phase, name) => {
    if (phase === 'start') startedAt = now();
    else wall.set(name, now() - startedAt);
  },
});
let oursRate = 0;
console.log('\npolicy            wall s   simulated requests/s');
for (const [name, ms] of wall) {
  const rate = day.count / (ms / 1000);
  if (name === sim.ADAPTIVE) oursRate = rate;
  console.log(`${name.padEnd(16)} ${(ms / 1000).toFixed(2).padStart(7)}   ${Math.round(rate).toLocaleString('en-US').padStart(12)}`);
}

const azure = join(root, '..', 'shared', 'traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');
let hour;
if (existsSync(azure)) {
  const policy = sim.parseSimPolicy({});
  hour = await sim.readTrace(azure, { service: { ...policy.serviceTime, defaultServiceMs: policy.serviceTime.defaultMs }, seed: 1 });
} else {
  console.log('\n(../shared/traces not found: the hour is the first hour of the synthetic day)');
  hour = syntheticDay(1);
}
const t1 = now();
const report = await sim.runSimulation(hour, config, { baselines: sim.BASELINE_NAMES, seed: 1 });
const hourMs = now() - t1;
console.log(`\none hour (${hour.name}, ${hour.count.toLocaleString('en-US')} requests), ours + ${sim.BASELINE_NAMES.length} baselines + lower bound: ${(hourMs / 1000).toFixed(2)} s`);
console.log(`ours: ${Math.round(oursRate).toLocaleString('en-US')} simulated requests/s (target >= 1,000,000); hour with all baselines: ${(hourMs / 1000).toFixed(2)} s (target < 10 s)`);
void report;
process.exitCode = oursRate >= 1_000_000 && hourMs < 10_000 ? 0 : 1;
