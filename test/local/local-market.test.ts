/**
 * The embedded local marketplace over loopback: protocol v1 with the shared schemas,
 * moving prices, billing, faults, and leases whose nodes are real agent processes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import type { CreateLeaseRequest, Lease } from '../../src/market/protocol.js';
import { ErrorBodySchema, LeaseResponseSchema, OffersResponseSchema } from '../../src/market/protocol.js';
import { AccountResponseSchema } from '../../src/local/market/account.js';
import { startLocalMarket } from '../../src/local/market/local-market.js';
import type { LocalMarketServer } from '../../src/local/market/local-market.js';
import type { LocalMarketOptions } from '../../src/local/market/options.js';
import { agent, call } from './http.js';
import { isRunning, waitUntil } from './processes.js';
import { tempDir } from '../support/temp-dir.js';

afterAll(() => agent.close());
const opened: LocalMarketServer[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((m) => m.close()));
});

async function market(options: LocalMarketOptions = {}): Promise<LocalMarketServer> {
  const m = await startLocalMarket({ coldStartMs: 0, ...options });
  opened.push(m);
  return m;
}

const body = (offerId = 'a100-40gb', extra: Partial<CreateLeaseRequest> = {}): CreateLeaseRequest => ({
  offerId,
  image: 'echo',
  maxPricePerHour: 100,
  tags: { client: 'test', workload: 'w' },
  ...extra,
});

async function lease(m: LocalMarketServer, key: string, request = body()): Promise<Lease> {
  const res = await call(m.url, 'POST', '/v1/leases', { token: m.apiKey, body: request, idempotencyKey: key });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return LeaseResponseSchema.parse(res.json).lease;
}

async function running(m: LocalMarketServer, id: string): Promise<Lease> {
  expect(await waitUntil(() => m.lease(id)?.state === 'running', 20_000)).toBe(true);
  return m.lease(id)!;
}

describe('offers and prices', () => {
  it('serves several GPU models, on demand and spot, filtered like protocol v1 says', async () => {
    const m = await market();
    const all = OffersResponseSchema.parse((await call(m.url, 'GET', '/v1/offers')).json).offers;
    expect(new Set(all.map((o) => o.gpu.model)).size).toBeGreaterThanOrEqual(4);
    expect(all.some((o) => o.interruptible) && all.some((o) => !o.interruptible)).toBe(true);
    const spot = OffersResponseSchema.parse((await call(m.url, 'GET', '/v1/offers?gpu=A100&minMemoryGb=80&interruptible=true')).json).offers;
    expect(spot.map((o) => o.id)).toEqual(['a100-80gb-spot']);
  });

  it('moves prices by a seeded random walk: the same seed and time give the same prices', async () => {
    const prices = async (seed: number): Promise<number[]> => {
      const clock = new VirtualClock(1_000_000);
      const m = await market({ seed, clock, prices: { intervalMs: 1_000, volatility: 0.1 } });
      const seen: number[] = [];
      for (let i = 0; i < 5; i++) {
        await clock.advance(1_000);
        seen.push(m.offers().find((o) => o.id === 'h100-80gb')!.pricePerHour);
      }
      return seen;
    };
    const a = await prices(7);
    expect(await prices(7)).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(1);
    expect(await prices(8)).not.toEqual(a);
  });

  it('honours maxPricePerHour at lease creation (409 when the price is above it)', async () => {
    const m = await market({ prices: false });
    const price = m.offers().find((o) => o.id === 'l4-24gb')!.pricePerHour;
    const res = await call(m.url, 'POST', '/v1/leases', { body: body('l4-24gb', { maxPricePerHour: price - 0.01 }), idempotencyKey: 'k' });
    expect(res.status).toBe(409);
    expect(ErrorBodySchema.parse(res.json).error.code).toBe('OFFER_GONE');
  });
});

describe('protocol faults and the bill', () => {
  it('401 on a bad key, 429 with Retry-After past the rate limit, 402 past the balance, 409 when sold out', async () => {
    const m = await market({ apiKey: 'k-123', rateLimit: { requests: 3, windowMs: 60_000 } });
    expect((await call(m.url, 'GET', '/v1/offers', { token: 'wrong' })).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await call(m.url, 'GET', '/v1/offers', { token: 'k-123' })).status).toBe(200);
    const limited = await call(m.url, 'GET', '/v1/offers', { token: 'k-123' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    const poor = await market({ balance: 0.001, minLeaseSec: 60, prices: false });
    const first = await call(poor.url, 'POST', '/v1/leases', { body: body('l4-24gb'), idempotencyKey: 'a' });
    expect(first.status).toBe(402);
    expect(ErrorBodySchema.parse(first.json).error.code).toBe('INSUFFICIENT_FUNDS');

    const scarce = await market({ available: 1, coldStartMs: 60_000 });
    await lease(scarce, 'one', body('l4-24gb'));
    expect((await call(scarce.url, 'POST', '/v1/leases', { body: body('l4-24gb'), idempotencyKey: 'two' })).status).toBe(409);
  });

  it('returns the same lease for a repeated Idempotency-Key, and bills per increment in GET /v1/account', async () => {
    const clock = new VirtualClock(5_000_000);
    const m = await market({ clock, coldStartMs: 60_000, billingIncrementSec: 10, prices: false });
    const a = await lease(m, 'same', body('a100-40gb'));
    const again = await call(m.url, 'POST', '/v1/leases', { body: body('a100-40gb'), idempotencyKey: 'same' });
    expect(again.status).toBe(200);
    expect(LeaseResponseSchema.parse(again.json).lease.id).toBe(a.id);
    await clock.advance(25_000);
    expect((await call(m.url, 'DELETE', `/v1/leases/${a.id}`)).status).toBe(200);
    await clock.advance(60_000);
    const account = AccountResponseSchema.parse((await call(m.url, 'GET', '/v1/account')).json).account;
    expect(account.leases).toHaveLength(1);
    expect(account.leases[0]).toMatchObject({ id: a.id, state: 'terminated', billedSec: 30, elapsedSec: 25 });
    expect(account.total).toBeCloseTo((a.pricePerHour * 30) / 3600, 6);
  });
});

describe('nodes are agent processes', () => {
  it('starts an agent after the cold start, serves the node protocol, and stops it on release', async () => {
    const m = await market({ coldStartMs: 200 });
    const created = await lease(m, 'k');
    expect(created.state).toBe('pending');
    const live = await running(m, created.id);
    const pid = m.agentPids().get(created.id)!;
    expect(isRunning(pid)).toBe(true);
    expect((await call(live.endpoint!, 'GET', '/healthz')).json).toEqual({ ready: true });
    const ok = await call(live.endpoint!, 'POST', '/v1/run', { token: live.nodeToken!, body: { workload: 'w', input: { a: 1, ms: 20 }, taskId: 't1' } });
    expect(ok).toMatchObject({ status: 200, json: { output: { echo: { a: 1, ms: 20 } } } });
    const denied = await call(live.endpoint!, 'POST', '/v1/run', { token: 'nope', body: { workload: 'w', input: {}, taskId: 't2' } });
    expect(denied.status).toBe(401);
    await call(m.url, 'DELETE', `/v1/leases/${created.id}`);
    expect(isRunning(pid)).toBe(false);
    expect(m.lease(created.id)?.state).toBe('terminated');
  });

  it('preempts an interruptible lease at the configured rate: the process dies, the lease shows preempted', async () => {
    // 36 000 per hour: a mean of 100 ms to preemption.
    const m = await market({ preemptionRatePerHour: 36_000 });
    const spot = await lease(m, 's', body('l4-24gb-spot'));
    const onDemand = await lease(m, 'd', body('l4-24gb'));
    await running(m, onDemand.id);
    expect(await waitUntil(() => m.lease(spot.id)?.state === 'preempted', 20_000)).toBe(true);
    // The lease shows preempted first; its process is killed then and gone once it exits.
    expect(await waitUntil(() => !m.agentPids().has(spot.id), 5_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(m.lease(onDemand.id)?.state).toBe('running');
  });

  it("runs a user handler module named by the lease image, and fails the lease when the module is unusable", async () => {
    const dir = tempDir('ac-handler');
    writeFileSync(
      join(dir, 'upper.mjs'),
      `export default async (input, ctx) => ({ output: { upper: String(input.text).toUpperCase(), task: ctx.taskId, env: ctx.env.GREETING, sawToken: 'ADAPTIVE_COMPUTE_NODE_TOKEN' in ctx.env || 'ADAPTIVE_COMPUTE_NODE_TOKEN' in process.env }, serviceMs: 50 });`,
    );
    writeFileSync(join(dir, 'broken.mjs'), `export const notAHandler = 1;`);
    const m = await market({ cwd: dir });
    const good = await running(m, (await lease(m, 'g', body('l4-24gb', { image: './upper.mjs', env: { GREETING: 'hi' } }))).id);
    const res = await call(good.endpoint!, 'POST', '/v1/run', { token: good.nodeToken!, body: { workload: 'w', input: { text: 'abc' }, taskId: 't9' } });
    expect(res.json).toEqual({ output: { upper: 'ABC', task: 't9', env: 'hi', sawToken: false } });

    const bad = await lease(m, 'b', body('l4-24gb', { image: './broken.mjs' }));
    expect(await waitUntil(() => m.lease(bad.id)?.state === 'failed', 20_000)).toBe(true);
    const line = m.account().leases.find((l) => l.id === bad.id)!;
    expect(line.failure).toContain('must export a function');
  });

  it('close() stops every agent process before it resolves', async () => {
    const m = await startLocalMarket({ coldStartMs: 0 });
    const ids = [(await lease(m, 'a')).id, (await lease(m, 'b', body('l4-24gb'))).id];
    for (const id of ids) await running(m, id);
    const pids = [...m.agentPids().values()];
    expect(pids).toHaveLength(2);
    await m.close();
    expect(pids.filter(isRunning)).toEqual([]);
  });

  it('rejects bad options with CONFIG_INVALID naming the option', async () => {
    await expect(startLocalMarket({ slots: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('slots') });
    await expect(startLocalMarket({ prices: { volatility: -1 } })).rejects.toMatchObject({ message: expect.stringContaining('prices.volatility') });
  });
});
