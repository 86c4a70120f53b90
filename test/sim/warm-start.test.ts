/**
 * The simulator's warm start: every autoscaler begins with the nodes the busiest minute
 * of the first cold start needs, since nothing rented at the trace's start can serve
 * sooner. Sized by the first minute alone, a trace that opens on a rise was lost to the
 * first cold start by every policy alike.
 */
import { describe, expect, it } from 'vitest';
import { parseSimPolicy, resolveLatencyTarget } from '../../src/sim/config.js';
import { ADAPTIVE, runPolicy } from '../../src/sim/run.js';
import { openingLoad, traceStats } from '../../src/sim/trace-stats.js';
import { TraceBuilder } from '../../src/sim/trace/builder.js';
import type { Trace } from '../../src/sim/trace/types.js';

/** `perSec(t)` arrivals a second at second t (spread evenly), each taking `serviceMs`. */
function trace(seconds: number, perSec: (t: number) => number, serviceMs: number): Trace {
  const b = new TraceBuilder();
  for (let t = 0; t < seconds; t++) {
    const n = perSec(t);
    for (let k = 0; k < n; k++) b.add(t * 1000 + (k * 1000) / n, serviceMs);
  }
  return b.build({ name: 't', path: '-', format: 'generic', serviceSource: 'trace' });
}

describe('openingLoad', () => {
  it('is the busiest minute among those that begin within the window', () => {
    // 1/s for two minutes, then 4/s: the opening minute alone reads 1/s.
    const t = trace(600, (s) => (s < 120 ? 1 : 4), 2000);
    expect(openingLoad(t, 0).load).toBeCloseTo(2, 5); // 60 tasks x 2 s over 60 s
    // A 90 s cold start reaches minutes that begin up to 90 s in: 30 s of them at 4/s.
    expect(openingLoad(t, 90_000).load).toBeCloseTo((30 * 1 + 30 * 4) * 2 / 60, 5);
    // Three minutes: a whole minute at 4/s.
    expect(openingLoad(t, 180_000).load).toBeCloseTo(8, 5);
    expect(openingLoad(t, 180_000).serviceMs).toBe(2000);
  });

  it('leaves out what comes after the window, and is zero for an empty trace', () => {
    // One task at 0, then 3/s from 300 s: a 60 s window sees the lone task only.
    const late = trace(600, (s) => (s === 0 ? 1 : s < 300 ? 0 : 3), 1000);
    expect(openingLoad(late, 60_000).load).toBeCloseTo(1 / 60, 9);
    const empty = new TraceBuilder().build({ name: 'e', path: '-', format: 'generic', serviceSource: 'trace' });
    expect(openingLoad(empty, 60_000)).toEqual({ load: 0, serviceMs: 0 });
  });
});

describe('the warm start in a run', () => {
  it('holds a rise that comes within the first cold start, which no rent at the start could serve', () => {
    // A trace that opens low, as a trace cut from a running service may: 2/s for 30 s,
    // then 6/s for nine and a half minutes; 4 s tasks, a 180 s cold start, a 30 s target.
    // The first minute alone asks for 2 to 3 nodes; 6/s needs 4 from second 30, long
    // before a node rented at the start could take work.
    const t = trace(600, (s) => (s < 30 ? 2 : 6), 4000);
    const stats = traceStats(t);
    const policy = { coldStartSec: 180, latencyTargetMs: 30_000 };
    const config = resolveLatencyTarget(parseSimPolicy(policy), stats.p99ServiceMs);
    const result = runPolicy({ trace: t, config, stats, seed: 1, sampleMs: 1000, timeline: undefined }, ADAPTIVE);
    expect(result.nodes[0]).toBeGreaterThanOrEqual(4);
    expect(result.sloAttainment).toBeGreaterThanOrEqual(0.99);
    // Without a warm start the same rise is lost to the cold start.
    const cold = resolveLatencyTarget(parseSimPolicy({ ...policy, warmStart: false }), stats.p99ServiceMs);
    const coldResult = runPolicy({ trace: t, config: cold, stats, seed: 1, sampleMs: 1000, timeline: undefined }, ADAPTIVE);
    expect(coldResult.sloAttainment).toBeLessThan(0.9);
  });
});
