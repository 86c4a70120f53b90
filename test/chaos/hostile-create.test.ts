/**
 * Creating leases against a marketplace that ignores `Idempotency-Key` and loses
 * answers, that rate-limits lease POSTs, and with a journal that cannot be written:
 * one lease per request (duplicates found are released and counted), a 429 is a
 * refusal (resent, never looked up as "unknown"), and no lease is rented that the
 * journal could not record.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ComputeError } from '../../src/index.js';
import { tempDir } from '../support/temp-dir.js';
import { startHostileMarket, type HostileLease } from './support/hostile-market.js';
import { TOTAL, expectNoSecrets, hostileRun, hostileWorkload, until } from './support/hostile-run.js';

function byRequest(leases: HostileLease[]): Map<string, HostileLease[]> {
  const groups = new Map<string, HostileLease[]>();
  for (const l of leases) groups.set(l.tags.node ?? '', [...(groups.get(l.tags.node ?? '') ?? []), l]);
  return groups;
}

describe('hostile marketplace: lease creation', () => {
  it('Idempotency-Key ignored and POST answers lost: the lease is found by tag, never created twice', async () => {
    const market = await startHostileMarket();
    market.set({ ignoreIdempotencyKey: true, losePostAnswers: 2 });
    const run = hostileRun(market);
    const w = hostileWorkload(run.compute);
    const outputs = await Promise.all(Array.from({ length: 12 }, (_, i) => w.run({ ms: 100, i })));
    expect(outputs).toHaveLength(12);
    expect(market.log.filter((r) => r.method === 'POST' && r.status === -2)).toHaveLength(2);
    // Each request has exactly one lease on the marketplace, the lost ones included.
    for (const [, leases] of byRequest(market.leases())) expect(leases).toHaveLength(1);
    expect(run.warningsOf('duplicate-lease')).toEqual([]);
    const result = await run.compute.shutdown({ graceMs: 0, releaseTimeoutMs: 2_000 });
    expect(result.stillBilling).toEqual([]);
    expect(market.live()).toEqual([]);
    expect(market.bill()).toBeLessThanOrEqual(TOTAL);
    expectNoSecrets(run, market);
  }, 30_000);

  it('a lost POST whose lease appears only later: the second lease is adopted, the late one released and counted', async () => {
    const market = await startHostileMarket();
    market.set({ ignoreIdempotencyKey: true, losePostAnswers: 1, createAfterMs: 1_200 });
    const run = hostileRun(market);
    const w = hostileWorkload(run.compute, 'late', { maxNodes: 1 });
    expect(await w.run({ ms: 50 })).toEqual({ echo: { ms: 50 } });

    await until(() => run.warningsOf('duplicate-lease').length > 0, 8_000, 'a warning about the duplicate');
    const groups = [...byRequest(market.leases()).values()].filter((g) => g.length > 1);
    expect(groups).toHaveLength(1);
    const duplicate = run.warningsOf('duplicate-lease')[0]!.error.details.leaseId;
    expect(groups[0]!.map((l) => l.id)).toContain(duplicate);
    await until(() => market.leases().find((l) => l.id === duplicate)!.endedAtMs !== null, 3_000, 'the duplicate ends');
    // It billed, and is counted: never less than the marketplace's own bill.
    expect(run.compute.metrics().budget.committed).toBeGreaterThanOrEqual(market.bill() - 1e-9);
    const result = await run.compute.shutdown({ graceMs: 0, releaseTimeoutMs: 2_000 });
    expect(result.stillBilling).toEqual([]);
    expect(market.live()).toEqual([]);
    expect(market.bill()).toBeLessThanOrEqual(TOTAL);
    expectNoSecrets(run, market);
  }, 30_000);

  it('429 on the lease POST is a refusal: resent with the same key after Retry-After, with no lookup in between', async () => {
    const market = await startHostileMarket();
    market.set({ postRateLimited: 1 });
    const run = hostileRun(market);
    const w = hostileWorkload(run.compute, 'limited', { maxNodes: 1 });
    expect(await w.run({ ms: 20 })).toEqual({ echo: { ms: 20 } });
    const first = market.log.findIndex((r) => r.method === 'POST');
    expect(market.log[first]!.status).toBe(429);
    const next = market.log.findIndex((r, i) => i > first && r.method === 'POST');
    expect(market.log[next]).toMatchObject({ status: 201, idempotencyKey: market.log[first]!.idempotencyKey });
    expect(market.log[next]!.at - market.log[first]!.at).toBeGreaterThanOrEqual(900);
    // "Outcome unknown" would list leases by tag before sending again: a 429 never does.
    const between = market.log.slice(first + 1, next);
    expect(between.filter((r) => r.path.startsWith('/v1/leases?tag='))).toEqual([]);
    expect(market.leases()).toHaveLength(1);
    await run.compute.shutdown({ graceMs: 0, releaseTimeoutMs: 1_000 });
    expectNoSecrets(run, market);
  }, 20_000);

  it('a journal write that fails: no lease is rented (warning), and renting resumes once it can be written', async () => {
    const market = await startHostileMarket();
    const dir = join(tempDir('hostile-journal'), 'journal');
    mkdirSync(dir);
    const run = hostileRun(market, { journal: join(dir, 'leases.json') });
    const w = hostileWorkload(run.compute, 'journaled', { maxNodes: 1 });
    // The folder becomes a file: every journal write from now on fails.
    rmSync(dir, { recursive: true, force: true });
    writeFileSync(dir, 'not a folder');
    const refused = await w.run({ ms: 10 }, { timeoutMs: 1_500 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ComputeError);
    expect(run.warnings.some((e) => e.during === 'recording a lease in the journal')).toBe(true);
    expect(market.log.filter((r) => r.method === 'POST')).toEqual([]);

    rmSync(dir, { force: true });
    mkdirSync(dir);
    expect(await w.run({ ms: 10 }, { timeoutMs: 10_000 })).toEqual({ echo: { ms: 10 } });
    expect(market.log.filter((r) => r.method === 'POST')).toHaveLength(1);
    const result = await run.compute.shutdown({ graceMs: 0, releaseTimeoutMs: 1_000 });
    expect(result.stillBilling).toEqual([]);
    expect(market.bill()).toBeLessThanOrEqual(TOTAL);
  }, 20_000);
});
