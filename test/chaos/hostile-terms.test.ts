/**
 * A marketplace that grants leases on other terms than asked: ten times the price
 * cap sent, hourly billing behind a per-second offer, hourly billing it advertises,
 * another currency. Each lease is checked on the answer that reveals its terms and
 * released within a second; only one lease of an unproven offer is ever at stake,
 * and the SDK counts at least what the marketplace bills.
 */
import { describe, expect, it } from 'vitest';
import { ComputeError } from '../../src/index.js';
import { startHostileMarket } from './support/hostile-market.js';
import { TOTAL, expectNoSecrets, hostileRun, hostileWorkload, until } from './support/hostile-run.js';

const created = (log: { method: string; status: number }[]): number => log.filter((r) => r.method === 'POST' && r.status === 201).length;

describe('hostile marketplace: lease terms', () => {
  it('the 201 says 360/h although 36/h was the cap sent: DELETE within a second, offer avoided, bill within the total', async () => {
    const market = await startHostileMarket();
    market.set({ grantPricePerHour: 360 });
    const run = hostileRun(market);
    const w = hostileWorkload(run.compute);
    const tasks = Array.from({ length: 12 }, (_, i) => w.run({ ms: 100, i }, { timeoutMs: 2_500 }).catch((e: unknown) => e));

    await until(() => run.warningsOf('lease-terms').length > 0, 5_000, 'a warning about the lease terms');
    const warning = run.warningsOf('lease-terms')[0]!;
    expect(warning.error.details).toMatchObject({ term: 'price', reported: 360, limit: 36 });
    const post = market.log.find((r) => r.method === 'POST' && r.status === 201)!;
    const lease = market.leases().find((l) => l.id === post.leaseId)!;
    await until(() => lease.deleteRequestedAtMs !== null, 1_500, 'a DELETE of the overpriced lease');
    expect(lease.deleteRequestedAtMs! - post.at).toBeLessThan(1_000);
    // Counted at the price it really bills at, until it ends.
    await until(() => market.live().length === 0, 3_000, 'the overpriced lease ends');
    expect(run.compute.metrics().budget.committed).toBeGreaterThanOrEqual(market.bill() - 1e-9);

    // The offer is avoided: nothing more is rented while the tasks wait, and they settle.
    const outcomes = await Promise.all(tasks);
    expect(outcomes.every((o) => o instanceof ComputeError)).toBe(true);
    expect(created(market.log)).toBe(1);
    expect(market.bill()).toBeLessThanOrEqual(TOTAL);
    const result = await run.compute.shutdown({ graceMs: 0, releaseTimeoutMs: 1_000 });
    expect(result.stillBilling).toEqual([]);
    expectNoSecrets(run, market);
  }, 30_000);

  it('hourly billing the offer hides (billedSec 3600 at creation, cost 0): released at once, counted at the hour, never rented twice', async () => {
    const market = await startHostileMarket();
    market.set({ hourly: 'hidden' });
    const run = hostileRun(market);
    const w = hostileWorkload(run.compute);
    const tasks = Array.from({ length: 8 }, (_, i) => w.run({ ms: 100, i }, { timeoutMs: 2_000 }).catch((e: unknown) => e));

    await until(() => run.warningsOf('lease-terms').length > 0, 5_000, 'a warning about the billing terms');
    expect(run.warningsOf('lease-terms')[0]!.error.details).toMatchObject({ term: 'billedSec', reported: 3600 });
    await until(() => market.live().length === 0, 3_000, 'the hourly lease ends');
    await Promise.all(tasks);
    // One hour at $36 is what the marketplace bills; the SDK counts no less, and so rents nothing more.
    expect(market.bill()).toBeCloseTo(36, 6);
    expect(run.compute.metrics().budget.committed).toBeGreaterThanOrEqual(market.bill() - 1e-9);
    expect(created(market.log)).toBe(1);
    await run.compute.shutdown({ graceMs: 0, releaseTimeoutMs: 1_000 });
    expectNoSecrets(run, market);
  }, 30_000);

  it('hourly billing the offer advertises: its hour is reserved before renting, so nothing is rented under $0.30', async () => {
    const market = await startHostileMarket();
    market.set({ hourly: 'advertised' });
    const run = hostileRun(market);
    const w = hostileWorkload(run.compute);
    const outcome = await w.run({ ms: 10 }, { timeoutMs: 3_000 }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(ComputeError);
    expect((outcome as ComputeError).code).toBe('BUDGET_EXHAUSTED');
    expect(market.log.some((r) => r.method === 'GET' && r.path.startsWith('/v1/offers'))).toBe(true);
    expect(market.log.filter((r) => r.method === 'POST')).toEqual([]);
    expect(market.bill()).toBe(0);
    expectNoSecrets(run, market);
  }, 20_000);

  it('offers in another currency are never rented under a USD budget', async () => {
    const market = await startHostileMarket();
    market.set({ currency: 'EUR' });
    const run = hostileRun(market);
    const w = hostileWorkload(run.compute);
    const outcome = await w.run({ ms: 10 }, { timeoutMs: 1_500 }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(ComputeError);
    await until(() => run.warningsOf('offer-currency').length > 0, 2_000, 'a warning about the currency');
    expect(run.warningsOf('offer-currency')[0]!.error.details).toMatchObject({ currency: 'EUR' });
    expect(market.log.filter((r) => r.method === 'POST')).toEqual([]);
    expect(market.bill()).toBe(0);
  }, 20_000);
});
