/**
 * The clairvoyant lower bound: hand-computed cases, and a property over random
 * traces and settings: it is never above what any policy paid while meeting the
 * latency target on every request (ours, the static fleets and every autoscaler).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowerBound } from '../../src/sim/baselines/lower-bound.js';
import { BASELINE_NAMES } from '../../src/sim/baselines/index.js';
import { parseSimPolicy, type SimConfig } from '../../src/sim/config.js';
import { runSimulation } from '../../src/sim/run.js';
import { TraceBuilder } from '../../src/sim/trace/builder.js';
import type { Trace } from '../../src/sim/trace/types.js';

function trace(rows: ReadonlyArray<readonly [number, number]>): Trace {
  const b = new TraceBuilder();
  for (const [at, svc] of rows) b.add(at, svc);
  return b.build({ name: 'random', path: '-', format: 'generic', serviceSource: 'trace' });
}

const bound = (rows: ReadonlyArray<readonly [number, number]>, L: number, C: number, c: number) => {
  const t = trace(rows);
  return lowerBound({ arrivalMs: t.arrivalMs, serviceMs: t.serviceMs, count: t.count, latencyTargetMs: L, slots: C, coldStartMs: c, pricePerHour: 3600 });
};

describe('lower bound, by hand', () => {
  it('one request: its service (warm nodes may exist at time 0)', () => {
    // Arrival at 0 (the origin), 10 s of service: 10 node-seconds; at $3600/h that is $10.
    expect(bound([[0, 10_000]], 20_000, 1, 60_000).cost).toBeCloseTo(10, 9);
  });

  it('two requests far apart: each service plus one cold start for the gap', () => {
    // Windows [0, 20] and [500, 520]: components apart; the gap (480 s) costs min(480, 60).
    expect(bound([[0, 10_000], [500_000, 10_000]], 20_000, 1, 60_000).nodeSeconds).toBeCloseTo(10 + 60 + 10, 9);
  });

  it('work over slots when requests overlap', () => {
    // Four 10 s requests at once on 2 slots: 40 / 2 = 20 node-seconds.
    expect(bound([[0, 10_000], [0, 10_000], [0, 10_000], [0, 10_000]], 30_000, 2, 60_000).nodeSeconds).toBeCloseTo(20, 9);
  });

  it('the times a node must be ready when one mostly idles (union cover)', () => {
    // 10 s requests at 0, 25, 40 and 80 s, target 30 s, 8 slots, 60 s cold start. The one
    // at 0 must start by 20 s, so a node is ready by then; 25 and 40 s can share it until
    // 50 s; 80 s comes 30 s later, less than a cold start, so keeping the node (or its
    // replacement's cold start) costs those 30 s, then 10 s of service. From the origin
    // (warm nodes allowed) a node up from 0, or one cold-starting from 0: 20 s before the
    // first start, 30 s ready, 30 s gap, 10 s: 90 s. Work over slots (5 s) and the chain of
    // disjoint windows 0, 40, 80 (3·10 + 2·10 = 50 s) say less.
    const sparse = bound([[0, 10_000], [25_000, 10_000], [40_000, 10_000], [80_000, 10_000]], 30_000, 8, 60_000);
    expect(sparse.nodeSeconds).toBeCloseTo(90, 9);
  });

  it('dense tiny requests with a target just over a cold start: some node is ready all along', () => {
    // A 10 ms request every second for 10 minutes, target 61 s, cold start 60 s: every window
    // of 61 s needs a ready node, and a gap between two runs saves at most a second or two of
    // the 60 s its cold start costs, so a node is paid for nearly the whole 600 s. Work over
    // slots says 6 s; the chain of disjoint windows about half the span. (The relaxations
    // that keep the term a bound cost it a few percent here.)
    const rows = Array.from({ length: 600 }, (_, i) => [i * 1000, 10] as const);
    const dense = bound(rows, 61_000, 8, 60_000);
    expect(dense.nodeSeconds).toBeGreaterThan(570);
    expect(dense.nodeSeconds).toBeLessThanOrEqual(600);
  });

  it('leaves out requests no policy can serve in time', () => {
    const b = bound([[0, 50_000], [1000, 5000]], 20_000, 1, 0);
    expect(b.infeasible).toBe(1);
    expect(b.nodeSeconds).toBeCloseTo(5, 9);
  });
});

const rowsArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 900_000 }), fc.integer({ min: 100, max: 30_000 })), { minLength: 1, maxLength: 40 });
const settingsArb = fc.record({
  concurrencyPerNode: fc.integer({ min: 1, max: 4 }),
  coldStartSec: fc.integer({ min: 0, max: 90 }),
  slack: fc.integer({ min: 1_000, max: 200_000 }),
  billingIncrementSec: fc.constantFrom(1, 60),
  minLeaseSec: fc.constantFrom(0, 60),
  scaleDownDelayMs: fc.integer({ min: 0, max: 60_000 }),
  warmStart: fc.boolean(),
  spot: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1000 }),
});

describe('lower bound, as a property', () => {
  it('is at most what every policy paid while meeting the target on every request', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(rowsArb, settingsArb, async (rows, s) => {
        const t = trace(rows);
        const longest = Math.max(...rows.map(([, svc]) => svc));
        const policy = parseSimPolicy({
          concurrencyPerNode: s.concurrencyPerNode,
          coldStartSec: s.coldStartSec,
          billingIncrementSec: s.billingIncrementSec,
          minLeaseSec: s.minLeaseSec,
          scaleDownDelayMs: s.scaleDownDelayMs,
          warmStart: s.warmStart,
          maxNodes: 50,
          ...(s.spot ? { spot: { preemptionsPerHour: 2 } } : {}),
        });
        const config: SimConfig = { ...policy, latencyTargetMs: longest + s.slack, latencyTargetSource: 'test' };
        const report = await runSimulation(t, config, { baselines: BASELINE_NAMES, seed: s.seed });
        for (const r of report.results) {
          if (r.sloAttainment < 1 || r.unfinished > 0) continue;
          compared++;
          expect(report.lowerBound.cost, `${r.policy} paid ${r.cost}`).toBeLessThanOrEqual(r.cost + 1e-9);
        }
      }),
      { numRuns: 120 },
    );
    // The property is not vacuous: most runs have policies that met every target.
    expect(compared).toBeGreaterThan(300);
  }, 60_000);
});
