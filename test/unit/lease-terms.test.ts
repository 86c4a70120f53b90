/**
 * What the budget counts for a lease when the marketplace reports other figures
 * than ours (the ledger takes the higher), and which reported terms break what was
 * asked (price cap, currency, billing increment, minimum, billed time, cost).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BudgetLedger } from '../../src/budget/ledger.js';
import { termsBreach } from '../../src/leases/lease-terms.js';
import { releaseRetryDelayMs } from '../../src/leases/lease-release.js';
import { LeaseSchema, type Lease } from '../../src/market/protocol.js';
import { makeOffer } from './planner-driver.js';

// $36/h billed per second: $0.01 a second.
const offer = makeOffer({ pricePerHour: 36, billingIncrementSec: 1, minLeaseSec: 0 });
const asked = { offer, maxPricePerHour: 36, currency: 'USD' };
const lease = (fields: Partial<Lease>): Lease => LeaseSchema.parse({ id: 'l1', state: 'running', pricePerHour: 36, ...fields });

describe('BudgetLedger.observe: the higher of our accrual and the marketplace report', () => {
  it('a higher reported price re-prices the lease, for the time already run too', () => {
    const ledger = new BudgetLedger();
    ledger.reserve('w', 'k', offer, 0);
    ledger.activate('k', 'l1');
    expect(ledger.view(10_000).committed).toBeCloseTo(0.1, 9);
    ledger.observe('k', { pricePerHour: 360 });
    expect(ledger.view(10_000).committed).toBeCloseTo(1, 9);
    expect(ledger.view(10_000).hourlyRate).toBe(360);
  });

  it('billedSec x price counts when it is above our accrual (hourly terms at creation)', () => {
    const ledger = new BudgetLedger();
    ledger.reserve('w', 'k', offer, 0);
    ledger.observe('k', { billedSec: 3600, cost: 0 });
    expect(ledger.view(1_000).committed).toBeCloseTo(36, 9);
    expect(ledger.end('k', 2_000)).toBeCloseTo(36, 9);
  });

  it('coarser reported terms replace the offer’s', () => {
    const ledger = new BudgetLedger();
    ledger.reserve('w', 'k', offer, 0);
    ledger.observe('k', { billingIncrementSec: 60, minLeaseSec: 120 });
    expect(ledger.view(1_000).committed).toBeCloseTo(1.2, 9);
  });

  it('a report below our accrual never lowers what the budget counts (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3_600_000 }), fc.double({ min: 0, max: 36, noNaN: true }), fc.integer({ min: 0, max: 3600 }), (at, price, billedSec) => {
        const ours = new BudgetLedger();
        const told = new BudgetLedger();
        for (const l of [ours, told]) l.reserve('w', 'k', offer, 0);
        told.observe('k', { pricePerHour: price, billedSec, cost: (price * billedSec) / 3600 });
        expect(told.view(at).committed).toBeGreaterThanOrEqual(ours.view(at).committed - 1e-12);
      }),
    );
  });
});

describe('termsBreach', () => {
  it('accepts a lease on the terms asked, with a marketplace rounding up to the next second', () => {
    expect(termsBreach(lease({ billedSec: 11, cost: 0.11 }), asked, 10.2)).toBeUndefined();
  });

  it('names each broken term', () => {
    expect(termsBreach(lease({ pricePerHour: 360 }), asked, 0)).toMatchObject({ term: 'price', reported: 360, limit: 36 });
    expect(termsBreach(lease({ currency: 'EUR' }), asked, 0)).toMatchObject({ term: 'currency', reported: 'EUR', limit: 'USD' });
    expect(termsBreach(lease({ billingIncrementSec: 3600 }), asked, 0)).toMatchObject({ term: 'billingIncrementSec', reported: 3600, limit: 1 });
    expect(termsBreach(lease({ minLeaseSec: 600 }), asked, 0)).toMatchObject({ term: 'minLeaseSec', reported: 600, limit: 0 });
    expect(termsBreach(lease({ billedSec: 3600, cost: 0 }), asked, 0.3)).toMatchObject({ term: 'billedSec', reported: 3600 });
    expect(termsBreach(lease({ billedSec: 5, cost: 2 }), asked, 5)).toMatchObject({ term: 'cost', reported: 2 });
  });

  it('an offer that says hourly allows hourly billing', () => {
    const hourly = { ...asked, offer: makeOffer({ pricePerHour: 36, billingIncrementSec: 3600, minLeaseSec: 3600 }) };
    expect(termsBreach(lease({ billedSec: 3600, cost: 36, billingIncrementSec: 3600 }), hourly, 1)).toBeUndefined();
  });
});

describe('release retries', () => {
  it('back off 0.5 s doubling, capped at 8 s', () => {
    expect([1, 2, 3, 4, 5, 6, 9].map(releaseRetryDelayMs)).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });
});
