import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BudgetLedger } from '../../src/budget/ledger.js';
import { makeOffer } from './planner-driver.js';

// $3.60/h, 60 s increments, 120 s minimum: reserving costs $0.12.
const offer = makeOffer({ pricePerHour: 3.6, billingIncrementSec: 60, minLeaseSec: 120 });

describe('BudgetLedger: reservations and accrual', () => {
  it('reserves the minimum cost and the hourly price', () => {
    const ledger = new BudgetLedger();
    expect(ledger.reserve('embed', 'k1', offer, 0)).toEqual({ ok: true });
    const view = ledger.view(0);
    expect(view.committed).toBeCloseTo(0.12, 12);
    expect(view.hourlyRate).toBeCloseTo(3.6, 12);
    expect(view.workloads.embed).toMatchObject({ hourlyRate: 3.6 });
  });

  it('accrues by the increment and ends at the larger of local and server cost', () => {
    const ledger = new BudgetLedger();
    ledger.reserve('embed', 'k1', offer, 0);
    ledger.activate('k1', 'lease-1');
    // 150 s: 3 increments committed, 150 s spent.
    const snap = ledger.snapshot(150_000);
    expect(snap.committed).toBeCloseTo(0.18, 12);
    expect(snap.spent).toBeCloseTo(0.15, 12);
    expect(ledger.end('k1', 150_000, 0.2)).toBeCloseTo(0.2, 12);
    const after = ledger.snapshot(999_000);
    expect(after).toMatchObject({ hourlyRate: 0 });
    expect(after.committed).toBeCloseTo(0.2, 12);
    expect(after.byWorkload.embed!.spent).toBeCloseTo(0.2, 12);
    expect(ledger.has('k1')).toBe(false);
  });

  it('takes a larger server-reported cost while the lease runs', () => {
    const ledger = new BudgetLedger();
    ledger.reserve('embed', 'k1', offer, 0);
    ledger.observeServerCost('k1', 0.5);
    ledger.observeServerCost('k1', 0.3);
    expect(ledger.view(10_000).committed).toBeCloseTo(0.5, 12);
    expect(ledger.end('k1', 10_000)).toBeCloseTo(0.5, 12);
  });

  it('frees a reservation whose creation failed', () => {
    const ledger = new BudgetLedger({ total: 0.2 });
    ledger.reserve('embed', 'k1', offer, 0);
    expect(ledger.reserve('embed', 'k2', offer, 0)).toEqual({ ok: false, reason: 'total', cap: 'global' });
    expect(ledger.cancel('k1')).toBe(true);
    expect(ledger.view(0).committed).toBe(0);
    expect(ledger.reserve('embed', 'k2', offer, 0)).toEqual({ ok: true });
  });

  it('does not count a retried reservation twice', () => {
    const ledger = new BudgetLedger();
    ledger.reserve('embed', 'k1', offer, 0);
    ledger.reserve('embed', 'k1', offer, 0);
    expect(ledger.view(0).hourlyRate).toBeCloseTo(3.6, 12);
  });
});

describe('BudgetLedger: caps', () => {
  it('refuses past the global maxPerHour', () => {
    const ledger = new BudgetLedger({ maxPerHour: 7 });
    expect(ledger.reserve('a', 'k1', offer, 0).ok).toBe(true);
    expect(ledger.reserve('a', 'k2', offer, 0)).toEqual({ ok: false, reason: 'maxPerHour', cap: 'global' });
  });

  it('nests workload caps inside the global ones', () => {
    const ledger = new BudgetLedger({ maxPerHour: 20 }, { a: { maxPerHour: 4 } });
    expect(ledger.reserve('a', 'k1', offer, 0).ok).toBe(true);
    expect(ledger.reserve('a', 'k2', offer, 0)).toEqual({ ok: false, reason: 'maxPerHour', cap: 'workload' });
    expect(ledger.reserve('b', 'k3', offer, 0).ok).toBe(true);
    ledger.setWorkloadCaps('b', { total: 0.2 });
    expect(ledger.reserve('b', 'k4', offer, 0)).toEqual({ ok: false, reason: 'total', cap: 'workload' });
    expect(ledger.view(0).workloads.b).toMatchObject({ total: 0.2 });
  });

  it('forecasts when committed reaches the total at the current rate', () => {
    const ledger = new BudgetLedger({ total: 10 });
    expect(ledger.snapshot(0).forecastExhaustedAt).toBeNull();
    ledger.reserve('a', 'k1', offer, 0);
    const snap = ledger.snapshot(0);
    expect(snap.remaining).toBeCloseTo(9.88, 12);
    // (10 - 0.12) / 3.6 h.
    expect(snap.forecastExhaustedAt).toBeCloseTo((9.88 / 3.6) * 3_600_000, 3);
    expect(snap.total).toBe(10);
  });

  it('keeps every cap after each successful reservation (random operations)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('reserve' as const), w: fc.constantFrom('a', 'b'), price: fc.double({ min: 0.1, max: 5, noNaN: true }), inc: fc.constantFrom(1, 60, 600) }),
      fc.record({ kind: fc.constant('end' as const), pick: fc.nat(), server: fc.double({ min: 0, max: 2, noNaN: true }) }),
      fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 600_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.double({ min: 1, max: 30, noNaN: true }), fc.double({ min: 1, max: 30, noNaN: true }), (ops, total, maxPerHour) => {
        const ledger = new BudgetLedger({ total, maxPerHour }, { a: { total: total / 2, maxPerHour: maxPerHour / 2 } });
        const keys: string[] = [];
        let now = 0;
        let lastCommitted = 0;
        for (const [i, o] of ops.entries()) {
          if (o.kind === 'wait') now += o.ms;
          else if (o.kind === 'reserve') {
            const r = ledger.reserve(o.w, `k${i}`, makeOffer({ pricePerHour: o.price, billingIncrementSec: o.inc, minLeaseSec: 0 }), now);
            if (!r.ok) continue;
            keys.push(`k${i}`);
            const view = ledger.view(now);
            expect(view.committed).toBeLessThanOrEqual(total + 1e-9);
            expect(view.hourlyRate).toBeLessThanOrEqual(maxPerHour + 1e-9);
            // The reservation checks the scope it reserves in: workload a's caps hold when a
            // reserves. (a's commitment can grow while time passes without any reservation;
            // releasing before that is the planner's job, not the ledger's.)
            if (o.w === 'a') {
              expect(view.workloads.a?.committed ?? 0).toBeLessThanOrEqual(total / 2 + 1e-9);
              expect(view.workloads.a?.hourlyRate ?? 0).toBeLessThanOrEqual(maxPerHour / 2 + 1e-9);
            }
          } else if (keys.length > 0) {
            const [key] = keys.splice(o.pick % keys.length, 1);
            if (o.kind === 'end') ledger.end(key!, now, o.server);
            else ledger.cancel(key!);
          }
          const snap = ledger.snapshot(now);
          expect(snap.committed).toBeGreaterThanOrEqual(snap.spent - 1e-9);
          if (o.kind !== 'cancel') expect(snap.committed).toBeGreaterThanOrEqual(lastCommitted - 1e-9);
          lastCommitted = snap.committed;
        }
      }),
    );
  });
});

describe('BudgetLedger: thresholds', () => {
  // $36/h, 60 s increments: every lease commits $0.60 at once.
  const big = makeOffer({ pricePerHour: 36, billingIncrementSec: 60, minLeaseSec: 0 });

  it('reports 50, 80 and 100 % of total once each, when committed spend crosses them and never before', () => {
    const ledger = new BudgetLedger({ total: 10 });
    let n = 0;
    const reserveUpTo = (count: number): void => {
      while (n < count) ledger.reserve('a', `k${n++}`, big, 0);
    };
    reserveUpTo(9); // 5.40
    expect(ledger.thresholdsCrossed(0)).toEqual([{ cap: 'total', scope: 'global', percent: 50, value: expect.closeTo(5.4, 9), limit: 10 }]);
    expect(ledger.thresholdsCrossed(0)).toEqual([]);
    reserveUpTo(14); // 8.40
    expect(ledger.thresholdsCrossed(0).map((c) => [c.scope, c.percent])).toEqual([['global', 80]]);
    reserveUpTo(16); // 9.60: the next $0.60 does not fit, but the cap is not reached
    expect(ledger.reserve('a', 'again', big, 0)).toMatchObject({ ok: false, reason: 'total' });
    expect(ledger.thresholdsCrossed(0)).toEqual([]);
    // $24/h for 60 s: $0.40, exactly what is left.
    expect(ledger.reserve('a', 'last', makeOffer({ pricePerHour: 24, billingIncrementSec: 60, minLeaseSec: 0 }), 0)).toEqual({ ok: true });
    expect(ledger.thresholdsCrossed(0)).toEqual([{ cap: 'total', scope: 'global', percent: 100, value: expect.closeTo(10, 9), limit: 10 }]);
    expect(ledger.thresholdsCrossed(0)).toEqual([]);
  });

  it('reports the hourly cap per scope when the rate crosses each level, and re-arms after the rate falls', () => {
    // 36 of 60 is 60 %: only the 50 % level, though a second $36 lease cannot fit.
    const ledger = new BudgetLedger({}, { a: { maxPerHour: 60 } });
    ledger.reserve('a', 'k1', big, 0);
    expect(ledger.thresholdsCrossed(0).map((c) => [c.scope, c.cap, c.percent])).toEqual([['a', 'maxPerHour', 50]]);
    ledger.reserve('a', 'k2', makeOffer({ pricePerHour: 24, billingIncrementSec: 60, minLeaseSec: 0 }), 0);
    expect(ledger.thresholdsCrossed(0).map((c) => [c.scope, c.cap, c.percent])).toEqual([
      ['a', 'maxPerHour', 80],
      ['a', 'maxPerHour', 100],
    ]);
    ledger.end('k1', 1000); // 24 of 60: every level re-arms
    expect(ledger.thresholdsCrossed(1000)).toEqual([]);
    ledger.reserve('a', 'k3', big, 1000);
    expect(ledger.thresholdsCrossed(1000).map((c) => c.percent)).toEqual([50, 80, 100]);
  });
});
