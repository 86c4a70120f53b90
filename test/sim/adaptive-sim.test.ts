/**
 * Our policy in the simulator applies every part of the planner's decision, as the live
 * controller does: here, taking a draining node back into service instead of renting.
 */
import { describe, expect, it } from 'vitest';
import { parseSimPolicy, resolveLatencyTarget } from '../../src/sim/config.js';
import { ADAPTIVE, runPolicy } from '../../src/sim/run.js';
import { traceStats } from '../../src/sim/trace-stats.js';
import { TraceBuilder } from '../../src/sim/trace/builder.js';

function run(rows: Array<[atMs: number, serviceMs: number]>) {
  const b = new TraceBuilder();
  for (const [at, svc] of rows) b.add(at, svc);
  const trace = b.build({ name: 't', path: '-', format: 'generic', serviceSource: 'trace' });
  const stats = traceStats(trace);
  const config = resolveLatencyTarget(parseSimPolicy({}), stats.p99ServiceMs);
  return runPolicy({ trace, config, stats, seed: 1, sampleMs: 1000, timeline: undefined }, ADAPTIVE);
}

describe('our policy in the simulator', () => {
  it('takes a draining node back when work comes while its last task still runs', () => {
    // One 100 s task, then nothing for 40 s: the node (warm at the start) drains while the
    // task runs. A request at 40 s finds it draining: taken back, it serves that request at
    // once. Renting instead would make it wait a 60 s cold start and pay a second lease.
    const result = run([
      [0, 100_000],
      [40_000, 1000],
    ]);
    expect(result.sloAttainment).toBe(1);
    expect(result.p50Ms).toBeLessThan(5000);
    expect(result.nodeSeconds).toBeLessThanOrEqual(101);
  });

  it('gives a node back once its last task ends when nothing new arrives', () => {
    // Nothing arrives for 200 s after a 100 s task: the node is released when the task
    // ends, not held idle for the scale-down delay after it (the delay ran while it
    // worked). The next request rents anew: 60 s cold start + 1 s.
    const result = run([
      [0, 100_000],
      [200_000, 1000],
    ]);
    // After the last request the run goes on until the policy lets its node go: that
    // tail (at most the 10 s scale-down delay) is paid, and is the only idle time.
    expect(result.idleNodeSeconds).toBeLessThanOrEqual(10 + 1);
    expect(result.nodeSeconds).toBeLessThanOrEqual(100 + 61 + 1 + 10 + 1);
  });
});
