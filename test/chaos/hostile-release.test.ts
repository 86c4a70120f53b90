/**
 * A marketplace that does not end leases when asked, and one whose offer listing
 * hangs: the budget still holds (what the SDK chose to run stays within `total`, and
 * what it counts is never below the marketplace's own bill), a warning and
 * `metrics().marketplace` name the leases still billing, and `shutdown()` says which.
 */
import { describe, expect, it } from 'vitest';
import { startHostileMarket } from './support/hostile-market.js';
import { TOTAL, expectNoSecrets, hostileRun, hostileWorkload, until } from './support/hostile-run.js';

describe('hostile marketplace: releases that do not end the lease', () => {
  it('DELETE answers 200 but the lease stays running: still counted and reported until it really ends', async () => {
    const market = await startHostileMarket();
    market.set({ deleteKeeps: 'running' });
    const run = hostileRun(market);
    const w = hostileWorkload(run.compute);
    const outputs = await Promise.all(Array.from({ length: 12 }, (_, i) => w.run({ ms: 150, i })));
    expect(outputs).toHaveLength(12);

    // Scale-down sends DELETEs the marketplace ignores.
    await until(() => market.live().length > 0 && market.live().every((l) => l.deleteRequestedAtMs !== null), 10_000, 'every lease asked to end');
    const ids = market.live().map((l) => l.id).sort();
    const m = run.compute.metrics();
    expect(m.marketplace.unconfirmedReleases.map((l) => l.leaseId).sort()).toEqual(ids);
    expect(m.leases.live).toBe(ids.length);
    expect(run.compute.metrics({ format: 'prometheus' })).toMatch(new RegExp(`unconfirmed_releases ${ids.length}\\n`));
    // Still billing on the marketplace, so still counted here: never below its own bill.
    await new Promise((r) => setTimeout(r, 1_200));
    expect(run.compute.metrics().budget.committed).toBeGreaterThanOrEqual(market.bill() - 1e-9);

    const warned = (): unknown[] => run.warningsOf('release-unconfirmed').map((e) => e.error.details.leaseId);
    await until(() => ids.every((id) => warned().includes(id)), 10_000, 'a warning naming each unconfirmed release');
    expect(run.compute.metrics().marketplace.degraded).toBe(true);
    // What the SDK chose to run stays within the total; the rest is the marketplace's refusal.
    expect(market.billUntilDelete()).toBeLessThanOrEqual(TOTAL);

    // The marketplace starts honouring DELETE: the retried releases are confirmed.
    market.set({ deleteKeeps: undefined });
    await until(() => market.live().length === 0, 10_000, 'the retried DELETEs end every lease');
    await until(() => run.compute.metrics().leases.live === 0, 2_000, 'the SDK sees them ended');
    expect(run.compute.metrics().marketplace.unconfirmedReleases).toEqual([]);
    expect(market.log.filter((r) => r.method === 'DELETE').length).toBeGreaterThan(ids.length);
    const result = await run.compute.shutdown({ releaseTimeoutMs: 1_000 });
    expect(result.stillBilling).toEqual([]);
    expectNoSecrets(run, market);
  }, 40_000);

  it('leases stuck in `terminating` (which bills): shutdown() waits releaseTimeoutMs, then resolves naming them', async () => {
    const market = await startHostileMarket();
    market.set({ deleteKeeps: 'terminating' });
    const run = hostileRun(market);
    const w = hostileWorkload(run.compute, 'stuck', { scaleDownDelayMs: 60_000 });
    await Promise.all(Array.from({ length: 8 }, (_, i) => w.run({ ms: 100, i })));
    const held = market.live().map((l) => l.id).sort();
    expect(held.length).toBeGreaterThan(0);

    const started = Date.now();
    const result = await run.compute.shutdown({ graceMs: 0, releaseTimeoutMs: 1_500 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(result.stillBilling.map((l) => l.leaseId).sort()).toEqual(held);
    expect(result.stillBilling.every((l) => l.state === 'terminating' && l.workload === 'stuck')).toBe(true);
    const last = run.warnings.at(-1)!;
    expect(last.during).toBe('shutdown');
    expect(last.error.details).toMatchObject({ warning: 'release-unconfirmed', leaseIds: expect.arrayContaining(held) as unknown });
    // The marketplace's own view: they really are still billing.
    expect(market.live().map((l) => l.state)).toEqual(held.map(() => 'terminating'));
    expect(market.billUntilDelete()).toBeLessThanOrEqual(TOTAL);
    expectNoSecrets(run, market);
  }, 30_000);

  it('an orphan left by an earlier process that the marketplace will not end: retried, reported, named at shutdown', async () => {
    const market = await startHostileMarket();
    market.set({ deleteKeeps: 'terminating' });
    const created = await fetch(`${market.url}/v1/leases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${market.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ offerId: 'gpu-36', image: 'i', maxPricePerHour: 36, tags: { client: 'orphan-client', workload: 'old' } }),
    });
    const orphan = ((await created.json()) as { lease: { id: string } }).lease.id;
    const run = hostileRun(market, { clientId: 'orphan-client' });
    expect(await run.compute.recovered()).toBe(0);
    expect(run.compute.metrics().marketplace.unconfirmedReleases).toMatchObject([{ leaseId: orphan, workload: 'old', state: 'terminating' }]);
    const result = await run.compute.shutdown({ graceMs: 0, releaseTimeoutMs: 500 });
    expect(result.stillBilling.map((l) => l.leaseId)).toEqual([orphan]);
    expect(market.log.filter((r) => r.method === 'DELETE').length).toBeGreaterThanOrEqual(2);
    expect(market.live().map((l) => l.id)).toEqual([orphan]);
  }, 20_000);

  it('GET /v1/offers hangs while DELETE works: the budget guard still releases at the cap', async () => {
    const market = await startHostileMarket();
    const run = hostileRun(market, { marketplace: { url: market.url, apiKey: market.apiKey, timeoutMs: 4_000, maxAttempts: 2 } });
    const held = hostileWorkload(run.compute, 'held', { minNodes: 3, maxNodes: 3, scaleDownDelayMs: 60_000 });
    await Promise.all(Array.from({ length: 6 }, (_, i) => held.run({ ms: 50, i })));
    expect(market.live()).toHaveLength(3);

    // From now on every offer fetch hangs; a second workload needs a fetch of its own.
    market.set({ offersHang: true });
    run.compute.workload('other', { gpu: { model: 'H100' }, image: 'i', scaling: { minNodes: 1, maxNodes: 1 } });

    // Three leases at $36/h reach the $0.30 total in about ten seconds: the guard must end them then.
    await until(() => market.live().length === 0, 20_000, 'the budget guard releases every lease');
    expect(market.bill()).toBeLessThanOrEqual(TOTAL + 1e-9);
    expect(run.compute.metrics().budget.committed).toBeGreaterThanOrEqual(market.bill() - 1e-9);
    expect(market.log.some((r) => r.method === 'GET' && r.path.startsWith('/v1/offers') && r.status === -1)).toBe(true);
    await until(() => run.warnings.some((e) => e.during === 'listing offers'), 15_000, 'a warning about the offer listing');
    const result = await run.compute.shutdown({ graceMs: 0, releaseTimeoutMs: 1_000 });
    expect(result.stillBilling).toEqual([]);
    expectNoSecrets(run, market);
  }, 45_000);
});
