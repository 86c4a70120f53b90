import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Agent, request } from 'undici';
import { VirtualClock } from '../../src/clock.js';
import type { CreateLeaseRequest, Lease } from '../../src/market/protocol.js';
import { ErrorBodySchema, LeaseResponseSchema, LeasesResponseSchema, OffersResponseSchema } from '../../src/market/protocol.js';
import { billedCost, billedSeconds, createFakeMarketplace, defaultFakeOffers } from '../../src/testing/index.js';
import type { FakeMarketplace, FakeMarketplaceOptions } from '../../src/testing/index.js';

const agent = new Agent({ keepAliveTimeout: 100 });
afterAll(() => agent.close());

const opened: FakeMarketplace[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((m) => m.close()));
});

async function fake(options: FakeMarketplaceOptions = {}): Promise<FakeMarketplace> {
  const market = await createFakeMarketplace(options);
  opened.push(market);
  return market;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
}

async function call(
  base: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  init: { key?: string; body?: unknown; idempotencyKey?: string; token?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${init.token ?? init.key ?? 'test-key'}` };
  if (init.idempotencyKey !== undefined) headers['idempotency-key'] = init.idempotencyKey;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(base + path, {
    dispatcher: agent,
    method,
    headers,
    body: init.body === undefined ? null : JSON.stringify(init.body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: text === '' ? undefined : JSON.parse(text) };
}

const leaseBody = (offerId = 'a100-40gb', client = 'c1'): CreateLeaseRequest => ({
  offerId,
  image: 'img:1',
  maxPricePerHour: 10,
  tags: { client, workload: 'embed' },
});

async function createLease(market: FakeMarketplace, key: string, body = leaseBody()): Promise<Lease> {
  const res = await call(market.url, 'POST', '/v1/leases', { body, idempotencyKey: key });
  expect(res.status).toBe(201);
  return LeaseResponseSchema.parse(res.json).lease;
}

async function runTask(lease: Lease, input: unknown, token = lease.nodeToken ?? ''): Promise<Answer> {
  return call(lease.endpoint ?? 'http://127.0.0.1:1', 'POST', '/v1/run', {
    token,
    body: { workload: 'embed', input, taskId: `t-${JSON.stringify(input)}` },
  });
}

describe('billing math', () => {
  it('bills per increment, rounded up, the first increment at once, at least minLeaseSec', () => {
    expect(billedSeconds(0, 1, 0)).toBe(1);
    expect(billedSeconds(2_500, 1, 0)).toBe(3);
    expect(billedSeconds(3_000, 1, 0)).toBe(3);
    expect(billedSeconds(61_000, 60, 0)).toBe(120);
    expect(billedSeconds(5_000, 1, 60)).toBe(60);
    expect(billedCost(3.6, 1000)).toBe(1);
    expect(billedCost(2, 3)).toBeCloseTo(0.001667, 6);
  });

  it('accrues on a virtual clock until DELETE, then stops; DELETE is idempotent', async () => {
    const clock = new VirtualClock(1_000_000);
    const market = await fake({ clock, coldStartMs: 0 });
    const lease = await createLease(market, 'k1');
    await clock.advance(2_500);
    expect(market.lease(lease.id)?.billedSec).toBe(3);
    expect(market.bill().total).toBeCloseTo((2 * 3) / 3600, 6);

    const first = await call(market.url, 'DELETE', `/v1/leases/${lease.id}`);
    expect(first.status).toBe(200);
    const ended = LeaseResponseSchema.parse(first.json).lease;
    expect(ended.state).toBe('terminated');
    expect(ended.endedAt).toBe(new Date(1_002_500).toISOString());

    await clock.advance(60_000);
    const again = await call(market.url, 'DELETE', `/v1/leases/${lease.id}`);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    expect(market.bill()).toEqual({ total: 0.001667, leases: [{ id: lease.id, billedSec: 3, cost: 0.001667, state: 'terminated' }] });
    expect(market.liveLeases()).toEqual([]);
  });

  it('honours billingIncrementSec and minLeaseSec of custom offers', async () => {
    const clock = new VirtualClock();
    const [base] = defaultFakeOffers();
    const market = await fake({
      clock,
      coldStartMs: 0,
      offers: [{ ...base!, id: 'slow', billingIncrementSec: 60, minLeaseSec: 120, pricePerHour: 3.6 }],
    });
    const lease = await createLease(market, 'k', leaseBody('slow'));
    await clock.advance(10_000);
    expect(market.lease(lease.id)).toMatchObject({ billedSec: 120, cost: 0.12 });
    await clock.advance(170_000);
    expect(market.lease(lease.id)).toMatchObject({ billedSec: 180, cost: 0.18 });
  });
});

describe('leases', () => {
  it('moves pending -> provisioning -> running after coldStartMs and then serves the node protocol', async () => {
    const clock = new VirtualClock();
    const market = await fake({ clock, coldStartMs: 5_000 });
    const created = await createLease(market, 'k');
    expect(created).toMatchObject({ state: 'pending', endpoint: null, readyAt: null });
    await clock.advance(0);
    expect(market.lease(created.id)?.state).toBe('provisioning');
    await clock.advance(4_999);
    expect(market.lease(created.id)?.state).toBe('provisioning');
    await clock.advance(1);
    const running = market.lease(created.id)!;
    expect(running.state).toBe('running');
    expect(running.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(running.readyAt).toBe(new Date(5_000).toISOString());

    const health = await call(running.endpoint!, 'GET', '/healthz');
    expect(health).toMatchObject({ status: 200, json: { ready: true } });
    expect(await runTask(running, { text: 'hi' })).toMatchObject({ status: 200, json: { output: { echo: { text: 'hi' } } } });
    const denied = await runTask(running, { text: 'hi' }, 'wrong-token');
    expect(denied.status).toBe(401);
    expect(ErrorBodySchema.safeParse(denied.json).success).toBe(true);
  });

  it('returns the same lease for the same Idempotency-Key (201 then 200) and 422 for another body', async () => {
    const market = await fake({ coldStartMs: 10 });
    const body = leaseBody();
    const [a, b] = await Promise.all([
      call(market.url, 'POST', '/v1/leases', { body, idempotencyKey: 'same' }),
      call(market.url, 'POST', '/v1/leases', { body, idempotencyKey: 'same' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    const idA = LeaseResponseSchema.parse(a.json).lease.id;
    expect(LeaseResponseSchema.parse(b.json).lease.id).toBe(idA);
    expect(market.leases()).toHaveLength(1);
    const reused = await call(market.url, 'POST', '/v1/leases', { body: leaseBody('h100-80gb'), idempotencyKey: 'same' });
    expect(reused.status).toBe(422);
    const other = await createLease(market, 'other');
    expect(other.id).not.toBe(idA);
  });

  it('validates bodies and headers with the protocol schemas (400 with the error envelope)', async () => {
    const market = await fake();
    const noKey = await call(market.url, 'POST', '/v1/leases', { body: leaseBody() });
    expect(noKey.status).toBe(400);
    const bad = await call(market.url, 'POST', '/v1/leases', {
      body: { ...leaseBody(), maxPricePerHour: 'cheap' },
      idempotencyKey: 'x',
    });
    expect(bad.status).toBe(400);
    expect(ErrorBodySchema.parse(bad.json).error.message).toContain('maxPricePerHour');
    expect((await call(market.url, 'GET', '/v1/leases/nope')).status).toBe(404);
    expect((await call(market.url, 'GET', '/v1/offers?minGpus=two')).status).toBe(400);
  });

  it('filters offers, counts availability down with live leases, and 409s a gone offer', async () => {
    const [base] = defaultFakeOffers();
    const market = await fake({ coldStartMs: 10, offers: [...defaultFakeOffers().slice(1), { ...base!, available: 1 }] });
    const spot = OffersResponseSchema.parse((await call(market.url, 'GET', '/v1/offers?gpu=A100,H100&minGpus=1&minMemoryGb=40&interruptible=true')).json);
    expect(spot.offers.map((o) => o.id)).toEqual(['a100-40gb-spot']);
    const big = OffersResponseSchema.parse((await call(market.url, 'GET', '/v1/offers?minMemoryGb=41')).json);
    expect(big.offers.map((o) => o.id)).toEqual(['h100-80gb']);

    await createLease(market, 'k1');
    const after = OffersResponseSchema.parse((await call(market.url, 'GET', '/v1/offers?gpu=A100&interruptible=false')).json);
    expect(after.offers[0]).toMatchObject({ id: 'a100-40gb', available: 0 });
    const gone = await call(market.url, 'POST', '/v1/leases', { body: leaseBody(), idempotencyKey: 'k2' });
    expect(gone.status).toBe(409);
    const tooDear = await call(market.url, 'POST', '/v1/leases', {
      body: { ...leaseBody('h100-80gb'), maxPricePerHour: 1 },
      idempotencyKey: 'k3',
    });
    expect(tooDear.status).toBe(409);
  });

  it('lists leases by tag', async () => {
    const market = await fake({ coldStartMs: 10 });
    const mine = await createLease(market, 'a', leaseBody('l4-24gb', 'me'));
    await createLease(market, 'b', leaseBody('l4-24gb', 'someone-else'));
    const listed = LeasesResponseSchema.parse((await call(market.url, 'GET', '/v1/leases?tag=client%3Ame')).json);
    expect(listed.leases.map((l) => l.id)).toEqual([mine.id]);
  });
});

describe('nodes', () => {
  it('runs at most `slots` tasks at once; the rest wait in arrival order', async () => {
    const clock = new VirtualClock();
    const started: number[] = [];
    const market = await fake({
      clock,
      coldStartMs: 0,
      slots: 2,
      handler: async (input, ctx) => {
        started.push((input as { n: number }).n);
        await new Promise<void>((resolve) => ctx.clock.setTimeout(resolve, 100));
        return { n: (input as { n: number }).n, doneAt: ctx.clock.now() };
      },
    });
    const created = await createLease(market, 'k');
    await clock.advance(0);
    const lease = market.lease(created.id)!;
    const runs: Promise<Answer>[] = [];
    for (let n = 1; n <= 5; n++) {
      runs.push(runTask(lease, { n }));
      await vi.waitFor(() => {
        const s = market.nodeStats(lease.id);
        expect(s.running + s.queued).toBe(n);
      });
    }
    expect(market.nodeStats(lease.id)).toEqual({ running: 2, queued: 3, served: 0 });
    await clock.advance(100);
    await vi.waitFor(() => expect(market.nodeStats(lease.id)).toMatchObject({ running: 2, served: 2 }));
    await clock.advance(100);
    await vi.waitFor(() => expect(market.nodeStats(lease.id)).toMatchObject({ running: 1, served: 4 }));
    await clock.advance(100);
    const outputs = (await Promise.all(runs)).map((r) => (r.json as { output: { n: number; doneAt: number } }).output);
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(outputs.map((o) => o.doneAt)).toEqual([100, 100, 200, 200, 300]);
  });

  it('preempt(): lease preempted, billing stops, in-flight requests lose their connection', async () => {
    const clock = new VirtualClock();
    const market = await fake({ clock, coldStartMs: 0 });
    const created = await createLease(market, 'k');
    await clock.advance(1_000);
    const lease = market.lease(created.id)!;
    const inFlight = runTask(lease, { ms: 60_000 });
    await vi.waitFor(() => expect(market.nodeStats(lease.id).running).toBe(1));
    await market.preempt(lease.id);
    await expect(inFlight).rejects.toThrow();
    const billed = market.lease(lease.id)!;
    expect(billed.state).toBe('preempted');
    await clock.advance(30_000);
    expect(market.lease(lease.id)!.billedSec).toBe(billed.billedSec);
    await expect(call(lease.endpoint!, 'GET', '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('killNode(): connections refused while the lease still says running and bills', async () => {
    const clock = new VirtualClock();
    const market = await fake({ clock, coldStartMs: 0 });
    const created = await createLease(market, 'k');
    await clock.advance(0);
    const lease = market.lease(created.id)!;
    await market.killNode(lease.id);
    await expect(call(lease.endpoint!, 'GET', '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await clock.advance(10_000);
    expect(market.lease(lease.id)).toMatchObject({ state: 'running', billedSec: 10 });
    expect(market.liveLeases()).toHaveLength(1);
  });
});

describe('faults and auth', () => {
  it('401 with the error envelope for a wrong key; requestLog keeps no headers', async () => {
    const market = await fake({ apiKey: 'sekrit-key-123' });
    const res = await call(market.url, 'GET', '/v1/offers', { key: 'wrong' });
    expect(res.status).toBe(401);
    expect(ErrorBodySchema.parse(res.json).error.code).toBe('UNAUTHORIZED');
    await call(market.url, 'GET', '/v1/offers', { key: 'sekrit-key-123' });
    expect(market.requestLog.map((e) => [e.method, e.path, e.status])).toEqual([
      ['GET', '/v1/offers', 401],
      ['GET', '/v1/offers', 200],
    ]);
    expect(JSON.stringify(market.requestLog)).not.toContain('sekrit');
  });

  it('402 when the first charge of a lease would pass the balance', async () => {
    const clock = new VirtualClock();
    // $3.6/h with a 100 s minimum = $0.10 per lease.
    const [base] = defaultFakeOffers();
    const market = await fake({
      clock,
      coldStartMs: 0,
      balance: 0.25,
      offers: [{ ...base!, pricePerHour: 3.6, minLeaseSec: 100 }],
    });
    await createLease(market, 'a');
    await createLease(market, 'b');
    const res = await call(market.url, 'POST', '/v1/leases', { body: leaseBody(), idempotencyKey: 'c' });
    expect(res.status).toBe(402);
    expect(ErrorBodySchema.parse(res.json).error.code).toBe('INSUFFICIENT_FUNDS');
  });

  it('429 with Retry-After past the rate limit, until the window turns', async () => {
    const clock = new VirtualClock();
    const market = await fake({ clock, rateLimit: { requests: 2, windowMs: 2_000 } });
    expect((await call(market.url, 'GET', '/v1/offers')).status).toBe(200);
    await clock.advance(500);
    expect((await call(market.url, 'GET', '/v1/offers')).status).toBe(200);
    const limited = await call(market.url, 'GET', '/v1/offers');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('2');
    expect(limited.headers['retry-after-ms']).toBe('1500');
    await clock.advance(1_500);
    expect((await call(market.url, 'GET', '/v1/offers')).status).toBe(200);
  });

  it('failRate answers that fraction with 503, decided by the injected random', async () => {
    const rolls = [0.1, 0.9, 0.2];
    const market = await fake({ failRate: 0.5, random: () => rolls.shift() ?? 1 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(market.url, 'GET', '/v1/offers')).status);
    expect(statuses).toEqual([503, 200, 503]);
    market.setFailRate(0);
    expect((await call(market.url, 'GET', '/v1/offers')).status).toBe(200);
  });

  it('close() closes every server and is idempotent', async () => {
    const market = await createFakeMarketplace({ coldStartMs: 0 });
    const lease = await createLease(market, 'k');
    await vi.waitFor(() => expect(market.lease(lease.id)?.state).toBe('running'));
    const endpoint = market.lease(lease.id)!.endpoint!;
    await Promise.all([market.close(), market.close()]);
    await market.close();
    await expect(call(market.url, 'GET', '/v1/offers')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(call(endpoint, 'GET', '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('rejects bad options with CONFIG_INVALID naming the option', async () => {
    await expect(createFakeMarketplace({ slots: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('slots') });
    await expect(createFakeMarketplace({ failRate: 2 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    const [base] = defaultFakeOffers();
    await expect(createFakeMarketplace({ offers: [{ ...base!, pricePerHour: -1 }] })).rejects.toMatchObject({
      message: expect.stringContaining('offers.0.pricePerHour'),
    });
  });
});
