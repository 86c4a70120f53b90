/**
 * A steady stream near a whole number of nodes, through the simulator: the estimates
 * cross the threshold for one more node at every noise peak, and each crossing used to
 * rent a node paid for its whole cold start (1.13x a fixed fleet sized to the mean at a
 * 60 s cold start and a 60 s target, 1.79x at 180 s and 30 s). With rents held to the
 * evidence (controller/rent-evidence.ts) ours runs the fleet the stream needs.
 */
import { describe, expect, it } from 'vitest';
import { parseSimPolicy, resolveLatencyTarget } from '../../src/sim/config.js';
import { Random } from '../../src/sim/random.js';
import { ADAPTIVE, runPolicy } from '../../src/sim/run.js';
import { traceStats } from '../../src/sim/trace-stats.js';
import { TraceBuilder } from '../../src/sim/trace/builder.js';

/** Poisson arrivals at `rate` a second for an hour, each 1 to 6 s of service (seeded). */
function poissonHour(rate: number, seed: number) {
  const rnd = new Random(seed);
  const b = new TraceBuilder();
  for (let t = -Math.log(1 - rnd.next()) / rate; t < 3600; t += -Math.log(1 - rnd.next()) / rate) b.add(t * 1000, 1000 + rnd.next() * 5000);
  return b.build({ name: 'steady', path: '-', format: 'generic', serviceSource: 'trace' });
}

/** Ours and the fixed fleet sized to the mean, on a seeded hour at 2/s (7 busy slots of a node's 8). */
function oursAndFixed(seed: number, coldStartSec: number, latencyTargetMs: number) {
  const trace = poissonHour(2, seed);
  const stats = traceStats(trace);
  const config = resolveLatencyTarget(parseSimPolicy({ coldStartSec, latencyTargetMs }), stats.p99ServiceMs);
  const input = { trace, config, stats, seed: 1, sampleMs: 10_000, timeline: undefined };
  return { ours: runPolicy(input, ADAPTIVE), fixed: runPolicy(input, 'fixed-reserved') };
}

describe('a steady stream near one node', () => {
  it('is carried by the fleet it needs: within 5 % of a fixed fleet sized to the mean, and within target', () => {
    const { ours, fixed } = oursAndFixed(21, 60, 60_000);
    expect(fixed.sloAttainment).toBeGreaterThanOrEqual(0.99);
    expect(fixed.nodeSeconds).toBeLessThan(1.05 * 3600);
    expect(ours.sloAttainment).toBeGreaterThanOrEqual(0.99);
    expect(ours.cost).toBeLessThanOrEqual(1.05 * fixed.cost);
  });

  it('is not rented for at every queue of chance when a cold start is six times the target', () => {
    // 180 s cold start, 30 s target: a queue of half the steady wait budget comes and goes
    // at 7 busy slots of 8, and the last few seconds behind it read 3 to 4/s. Worked off
    // at the ten-minute rate it is held; at the last few seconds' rate, four seeded hours
    // came to 1.29x the fixed fleet on average (1.14x now).
    const ratios: number[] = [];
    for (const seed of [21, 22, 23, 24]) {
      const { ours, fixed } = oursAndFixed(seed, 180, 30_000);
      expect(fixed.sloAttainment).toBeGreaterThanOrEqual(0.99);
      expect(ours.sloAttainment).toBeGreaterThanOrEqual(0.99);
      ratios.push(ours.cost / fixed.cost);
    }
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    expect(mean).toBeLessThanOrEqual(1.2);
  });
});
