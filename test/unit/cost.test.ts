import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { billedSeconds, committedAt, committedCost, costOverHorizon, leaseCost, minimumLeaseCost, paidUntil } from '../../src/budget/cost.js';
import type { BilledLease } from '../../src/budget/cost.js';

const lease: BilledLease = { pricePerHour: 3.6, requestedAt: 0, billingIncrementSec: 60, minLeaseSec: 0 };

describe('billedSeconds', () => {
  it('rounds up to whole increments, at least one', () => {
    expect(billedSeconds(0, 60, 0)).toBe(60);
    expect(billedSeconds(1, 60, 0)).toBe(60);
    expect(billedSeconds(60, 60, 0)).toBe(60);
    expect(billedSeconds(61, 60, 0)).toBe(120);
    expect(billedSeconds(-5, 60, 0)).toBe(60);
  });

  it('charges the minimum lease, rounded up to an increment', () => {
    expect(billedSeconds(10, 1, 90)).toBe(90);
    expect(billedSeconds(10, 60, 90)).toBe(120);
    expect(billedSeconds(200, 60, 90)).toBe(240);
  });

  it('ignores float noise at an increment boundary', () => {
    expect(billedSeconds(3600.0000000001, 60, 0)).toBe(3600);
    expect(billedSeconds(0.1 + 0.2, 0.3, 0)).toBeCloseTo(0.3, 12);
  });

  it('is whole increments, covers elapsed and minimum, and wastes less than one increment', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.integer({ min: 1, max: 3600 }), fc.integer({ min: 0, max: 7200 }), (elapsed, inc, min) => {
        const billed = billedSeconds(elapsed, inc, min);
        expect(billed % inc).toBe(0);
        expect(billed).toBeGreaterThanOrEqual(Math.max(inc, min));
        expect(billed).toBeGreaterThanOrEqual(elapsed - 1e-6);
        expect(billed).toBeLessThan(Math.max(elapsed, min, inc) + inc + 1e-6);
        expect(billedSeconds(elapsed + 1, inc, min)).toBeGreaterThanOrEqual(billed);
      }),
    );
  });
});

describe('lease costs', () => {
  it('prices seconds by the hour', () => {
    expect(leaseCost(3.6, 100)).toBeCloseTo(0.1, 12);
    expect(leaseCost(0, 1000)).toBe(0);
  });

  it('commits the rest of the current increment', () => {
    expect(committedCost(lease, 0)).toBeCloseTo(0.06, 12);
    expect(committedCost(lease, 59_999)).toBeCloseTo(0.06, 12);
    expect(committedCost(lease, 61_000)).toBeCloseTo(0.12, 12);
    expect(committedAt(lease, 119_000)).toBeCloseTo(0.12, 12);
    expect(committedAt(lease, 121_000)).toBeCloseTo(0.18, 12);
  });

  it('costs at least the minimum lease', () => {
    expect(minimumLeaseCost({ pricePerHour: 3.6, billingIncrementSec: 60, minLeaseSec: 300 })).toBeCloseTo(0.3, 12);
    expect(minimumLeaseCost({ pricePerHour: 3.6, billingIncrementSec: 3600, minLeaseSec: 0 })).toBeCloseTo(3.6, 12);
    expect(costOverHorizon({ pricePerHour: 3.6, billingIncrementSec: 1, minLeaseSec: 0 }, 2000)).toBeCloseTo(0.002, 12);
    expect(costOverHorizon({ pricePerHour: 3.6, billingIncrementSec: 60, minLeaseSec: 0 }, 2000)).toBeCloseTo(0.06, 12);
  });

  it('knows when the paid increment ends', () => {
    expect(paidUntil(lease, 0)).toBe(60_000);
    expect(paidUntil(lease, 61_000)).toBe(120_000);
    expect(paidUntil({ ...lease, requestedAt: 5000, minLeaseSec: 600 }, 6000)).toBe(605_000);
  });

  it('never decreases with time and is always paid past now', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e7 }),
        fc.integer({ min: 0, max: 1e7 }),
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 0, max: 3600 }),
        (a, b, inc, min) => {
          const l = { ...lease, billingIncrementSec: inc, minLeaseSec: min };
          const [early, late] = a <= b ? [a, b] : [b, a];
          expect(committedAt(l, late)).toBeGreaterThanOrEqual(committedAt(l, early));
          expect(paidUntil(l, early)).toBeGreaterThanOrEqual(early);
          expect(committedCost(l, early)).toBeGreaterThanOrEqual(minimumLeaseCost(l) - 1e-12);
        },
      ),
    );
  });
});
