/**
 * The union-cover term of the lower bound against an exhaustive search: on small
 * integer instances every schedule of ready times on a one-second grid is tried, and
 * the cheapest that serves every request within the target is the term's exact
 * value. The term must never exceed it (else the bound would not be one) and should
 * meet it on almost every instance (else it would be a weak bound).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unionCoverMs } from '../../src/sim/baselines/union-cover.js';

interface Instance {
  arrivals: number[];
  services: number[];
  target: number;
  coldStart: number;
}

const HORIZON = 14;

/** Cheapest on/off schedule over [0, HORIZON): ready seconds plus min(gap, cold start) per gap (from 0 too). */
function exhaustive({ arrivals, services, target, coldStart }: Instance): number {
  let best = Infinity;
  for (let mask = 1; mask < 1 << HORIZON; mask++) {
    const runs: Array<[number, number]> = [];
    for (let t = 0; t < HORIZON; ) {
      if (((mask >> t) & 1) === 0) {
        t++;
        continue;
      }
      let u = t;
      while (u < HORIZON && (mask >> u) & 1) u++;
      runs.push([t, u]);
      t = u;
    }
    let cost = Math.min(runs[0]![0], coldStart);
    runs.forEach(([x, y], k) => {
      cost += y - x;
      if (k > 0) cost += Math.min(x - runs[k - 1]![1], coldStart);
    });
    if (cost >= best) continue;
    const served = arrivals.every((a, i) => runs.some(([x, y]) => Math.min(y, a + target) - Math.max(x, a) >= services[i]!));
    if (served) best = cost;
  }
  return best;
}

const cover = ({ arrivals, services, target, coldStart }: Instance): number =>
  unionCoverMs({
    arrivalMs: Float64Array.from(arrivals),
    serviceMs: Float64Array.from(services),
    latencyTargetMs: target,
    coldStartMs: coldStart,
    atOrigin: true,
    budget: Infinity,
  }).ms!;

const instanceArb = fc
  .record({
    target: fc.integer({ min: 2, max: 6 }),
    coldStart: fc.integer({ min: 0, max: 5 }),
    requests: fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 6 })), { minLength: 1, maxLength: 7 }),
  })
  .map(({ target, coldStart, requests }): Instance => {
    const sorted = requests.map(([a, s]) => [a, Math.min(s, target)] as const).sort((x, y) => x[0] - y[0]);
    return { target, coldStart, arrivals: sorted.map(([a]) => a), services: sorted.map(([, s]) => s) };
  });

describe('union-cover term', () => {
  it('never exceeds the cheapest schedule, and meets it on almost every instance', () => {
    let runs = 0;
    let exact = 0;
    fc.assert(
      fc.property(instanceArb, (instance) => {
        const value = cover(instance);
        const optimum = exhaustive(instance);
        runs++;
        if (Math.abs(value - optimum) < 1e-9) exact++;
        expect(value).toBeLessThanOrEqual(optimum + 1e-9);
      }),
      { numRuns: 300 },
    );
    expect(exact / runs).toBeGreaterThan(0.9);
  }, 60_000);

  it('by hand: a request waits for the next one, and one run serves both', () => {
    // Target 10: requests at 0 (4 s) and 5 (4 s). Latest starts 6 and 11: one run [6, 10]
    // serves the first at 6 and the second at [6, 10] (it arrived at 5). From the origin
    // the run costs its 4 s plus min(6, c) before it.
    expect(cover({ arrivals: [0, 5], services: [4, 4], target: 10, coldStart: 3 })).toBe(3 + 4);
    // Far apart (second at 100): two runs, and a cold start between them; the first runs
    // from the origin on a node that may be warm there, owing no cold start.
    expect(cover({ arrivals: [0, 100], services: [4, 4], target: 10, coldStart: 3 })).toBe(4 + 3 + 4);
  });

  it('gives up past its budget (the caller keeps the other terms)', () => {
    const arrivals = Array.from({ length: 2000 }, (_, i) => i * 10);
    const services = arrivals.map(() => 500);
    const input = { arrivalMs: Float64Array.from(arrivals), serviceMs: Float64Array.from(services), latencyTargetMs: 5000, coldStartMs: 100, atOrigin: true };
    const cut = unionCoverMs({ ...input, budget: 100 });
    expect(cut.ms).toBeUndefined();
    expect(cut.steps).toBeGreaterThan(100);
    expect(unionCoverMs({ ...input, budget: Infinity }).ms).toBeGreaterThan(0);
  });
});
