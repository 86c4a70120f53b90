/**
 * The protocol-v1 contract, as one scenario run against every implementation:
 * driven through the SDK's own `HttpMarketplace` and `NodeClient` (so the client
 * is covered too), with raw calls only where the client has no method (the
 * `GET /v1/account` extension, a missing Idempotency-Key, a wrong node token).
 * Steps run in order and share the leases they create.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock } from '../../src/clock.js';
import { NodeClient } from '../../src/dispatch/node-client.js';
import { AccountResponseSchema } from '../../src/local/market/account.js';
import { HttpMarketplace } from '../../src/market/http-client.js';
import { ErrorBodySchema } from '../../src/market/protocol.js';
import type { CreateLeaseRequest, Lease } from '../../src/market/protocol.js';
import type { ContractTarget } from './targets.js';

interface RawAnswer {
  status: number;
  json: unknown;
}

/** Register the scenario for one implementation; `start` builds it, the suite closes it. */
export function protocolContract(name: string, start: () => Promise<ContractTarget>): void {
  describe(`protocol v1 contract: ${name}`, () => {
    let target: ContractTarget;
    let market: HttpMarketplace;
    let loopback: Agent;
    let dispatcher: Dispatcher;
    const client = `contract-${randomUUID().slice(0, 8)}`;
    const body = (offerId: string): CreateLeaseRequest => ({
      offerId,
      image: 'echo',
      maxPricePerHour: 10,
      tags: { client, workload: 'contract' },
    });
    const marketplace = (apiKey: string): HttpMarketplace =>
      new HttpMarketplace(
        { url: target.url, apiKey, timeoutMs: 5_000, maxAttempts: 1, allowInsecureHttp: false, ...(target.dispatcher ? { dispatcher: target.dispatcher } : {}) },
        { clock: realClock },
      );
    const raw = async (method: 'GET' | 'POST', path: string, headers: Record<string, string>, json?: unknown): Promise<RawAnswer> => {
      const res = await request(target.url + path, {
        dispatcher,
        method,
        headers: { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: json === undefined ? null : JSON.stringify(json),
      });
      const text = await res.body.text();
      return { status: res.statusCode, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
    };
    const rejection = async (promise: Promise<unknown>): Promise<{ code?: string; details?: Record<string, unknown>; message: string }> => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, 'expected a rejection').toBeInstanceOf(Error);
      return error as { code?: string; details?: Record<string, unknown>; message: string };
    };
    /** Poll a lease until `done`, letting marketplace time pass; bounded in real time. */
    const until = async (id: string, done: (lease: Lease) => boolean): Promise<Lease> => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const lease = await market.getLease(id);
        if (done(lease) || Date.now() > deadline) return lease;
        await target.advance(50);
      }
    };

    let lease: Lease;
    let running: Lease;

    beforeAll(async () => {
      target = await start();
      market = marketplace(target.apiKey);
      loopback = new Agent({ keepAliveTimeout: 100 });
      dispatcher = target.dispatcher ?? loopback;
    }, 30_000);

    afterAll(async () => {
      await market?.close();
      await loopback?.close();
      await target?.close();
    }, 30_000);

    it('lists offers filtered by GPU model, count, memory and interruptible', async () => {
      const ids = async (q: Parameters<HttpMarketplace['listOffers']>[0]): Promise<string[]> => (await market.listOffers(q)).map((o) => o.id).sort();
      expect(await ids({ gpu: ['A100'], minGpus: 1 })).toEqual(['a100-40', 'a100-80-spot']);
      expect(await ids({ gpu: ['A100', 'H100'], minGpus: 1, minMemoryGb: 80 })).toEqual(['a100-80-spot', 'h100-single']);
      expect(await ids({ gpu: ['A100', 'H100', 'L4'], minGpus: 1, interruptible: false })).toEqual(['a100-40', 'h100-single', 'l4x2']);
      expect(await ids({ gpu: ['L4'], minGpus: 2 })).toEqual(['l4x2']);
      expect(await ids({ gpu: ['TPU'], minGpus: 1 })).toEqual([]);
      const [a100] = await market.listOffers({ gpu: ['A100'], minGpus: 1, interruptible: false });
      expect(a100).toMatchObject({ id: 'a100-40', pricePerHour: 2, currency: 'USD', billingIncrementSec: 1, available: 4, gpu: { model: 'A100', count: 1, memoryGb: 40 } });
    });

    it('answers 401 with the error envelope to a wrong API key, and the client does not retry it', async () => {
      const wrong = marketplace('not-the-key');
      try {
        const error = await rejection(wrong.listOffers({ gpu: ['A100'], minGpus: 1 }));
        expect(error.code).toBe('MARKET_UNAUTHORIZED');
        expect(error.message).not.toContain('not-the-key');
      } finally {
        await wrong.close();
      }
      const res = await raw('GET', '/v1/offers', { authorization: 'Bearer nope' });
      expect(res.status).toBe(401);
      expect(ErrorBodySchema.parse(res.json).error).toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
    });

    it('creates a lease once per Idempotency-Key: the same key twice gives the same lease', async () => {
      const key = randomUUID();
      lease = await market.createLease(body('a100-40'), key);
      expect(lease).toMatchObject({ offerId: 'a100-40', pricePerHour: 2, tags: { client, workload: 'contract' }, endedAt: null });
      expect(['pending', 'provisioning']).toContain(lease.state);
      expect(lease.endpoint).toBeNull();
      const again = await market.createLease(body('a100-40'), key);
      expect(again.id).toBe(lease.id);
      const res = await raw('POST', '/v1/leases', { authorization: `Bearer ${target.apiKey}` }, body('a100-40'));
      expect(res.status).toBe(400);
      expect(ErrorBodySchema.parse(res.json).error.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    });

    it('gets a lease by id, lists leases by tag, and answers 404 for an unknown lease', async () => {
      expect((await market.getLease(lease.id)).id).toBe(lease.id);
      const tagged = await market.listLeases(`client:${client}`);
      expect(tagged.map((l) => l.id)).toEqual([lease.id]);
      expect(await market.listLeases(`client:someone-else-${client}`)).toEqual([]);
      const error = await rejection(market.getLease('lease-does-not-exist'));
      expect(error.code).toBe('MARKET_REJECTED');
      expect(error.details?.notFound).toBe(true);
    });

    it('answers 409 for an offer that is unknown or has no node left', async () => {
      expect((await rejection(market.createLease(body('no-such-offer'), randomUUID()))).code).toBe('OFFER_GONE');
      const single = await market.createLease(body('h100-single'), randomUUID());
      expect((await rejection(market.createLease(body('h100-single'), randomUUID()))).code).toBe('OFFER_GONE');
      const [h100] = await market.listOffers({ gpu: ['H100'], minGpus: 1 });
      expect(h100?.available).toBe(0);
      await market.releaseLease(single.id);
    });

    it('runs the lease after the cold start; its node answers /healthz and /v1/run with the node token', async () => {
      running = await until(lease.id, (l) => l.state === 'running');
      expect(running.state).toBe('running');
      expect(running.endpoint).toMatch(/^https?:\/\//);
      expect(running.nodeToken).toEqual(expect.any(String));
      expect(Date.parse(running.readyAt ?? '') - Date.parse(running.createdAt ?? '')).toBeGreaterThanOrEqual(COLD_START_FLOOR_MS);
      const node = new NodeClient({
        leaseId: running.id,
        endpoint: running.endpoint ?? '',
        nodeToken: running.nodeToken ?? '',
        connections: 2,
        ...(target.dispatcher ? { dispatcher: target.dispatcher } : {}),
      });
      try {
        expect(await node.healthy(AbortSignal.timeout(5_000), 5_000)).toBe(true);
        expect(await node.run({ workload: 'contract', input: { n: 7 }, taskId: 't-1' })).toEqual({ echo: { n: 7 } });
        const bad = await request(`${running.endpoint ?? ''}/v1/run`, {
          dispatcher,
          method: 'POST',
          headers: { authorization: 'Bearer wrong-token', 'content-type': 'application/json' },
          body: JSON.stringify({ workload: 'contract', input: {}, taskId: 't-2' }),
        });
        expect(bad.statusCode).toBe(401);
        expect(ErrorBodySchema.parse(await bad.body.json()).error.code).toBe('UNAUTHORIZED');
      } finally {
        await node.close();
      }
    });

    it('bills per second: the bill grows with time, in the lease and in GET /v1/account', async () => {
      const before = await market.getLease(lease.id);
      await target.advance(1_100);
      const after = await market.getLease(lease.id);
      expect(after.billedSec).toBeGreaterThan(before.billedSec);
      expect(after.cost).toBeGreaterThan(before.cost);
      const res = await raw('GET', '/v1/account', { authorization: `Bearer ${target.apiKey}` });
      expect(res.status).toBe(200);
      const account = AccountResponseSchema.parse(res.json).account;
      const line = account.leases.find((l) => l.id === lease.id);
      expect(line?.cost).toBeGreaterThanOrEqual(after.cost);
      expect(account.total).toBeGreaterThanOrEqual(line?.cost ?? Infinity);
      expect(target.bill().leases).toBe(account.leases.length);
    });

    it('releases idempotently: DELETE twice gives the same ended lease; billing stops; the node is gone', async () => {
      const first = await market.releaseLease(lease.id);
      expect(first.state).toBe('terminated');
      expect(first.endedAt).not.toBeNull();
      const second = await market.releaseLease(lease.id);
      expect(second).toMatchObject({ id: lease.id, state: 'terminated', endedAt: first.endedAt, cost: first.cost });
      await target.advance(1_100);
      expect((await market.getLease(lease.id)).cost).toBe(first.cost);
      const node = new NodeClient({
        leaseId: running.id,
        endpoint: running.endpoint ?? '',
        nodeToken: running.nodeToken ?? '',
        connections: 1,
        ...(target.dispatcher ? { dispatcher: target.dispatcher } : {}),
      });
      try {
        expect(await node.healthy(AbortSignal.timeout(2_000), 2_000)).toBe(false);
      } finally {
        await node.close();
      }
      expect((await market.listLeases(`client:${client}`)).filter((l) => l.state !== 'terminated')).toEqual([]);
    });
  });
}

/** Readiness may be reported a little early on real time (timer granularity), never much. */
const COLD_START_FLOOR_MS = 250;
