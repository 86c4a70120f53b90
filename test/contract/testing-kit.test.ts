/**
 * `adaptive-compute/testing` as a user's suite uses it: the msw handlers driving
 * the SDK end to end through their dispatcher, with `setupServer` for `fetch`
 * code, the fake's knobs (service time, task failures, preemption) and its
 * assertions, and the dispatcher's transport behaviour (streaming, abort,
 * unhandled requests, network errors).
 */
import { AssertionError } from 'node:assert';
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createCompute } from '../../src/index.js';
import type { Compute } from '../../src/api.js';
import { createFakeMarketplace, handlersDispatcher, marketplaceHandlers } from '../../src/testing/index.js';
import type { FakeMarketplaceControls } from '../../src/testing/index.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function track<T extends FakeMarketplaceControls>(market: T): T {
  cleanup.push(() => market.close());
  return market;
}

function trackCompute(compute: Compute): Compute {
  cleanup.push(async () => {
    await compute.shutdown();
  });
  return compute;
}

describe('marketplaceHandlers + createCompute', () => {
  it('runs tasks end to end through the handlers dispatcher and bills them', async () => {
    const market = track(await marketplaceHandlers({ coldStartMs: 50, serviceMs: 20 }));
    const compute = trackCompute(createCompute({ marketplace: market.connection, nodeDispatcher: market.dispatcher, journal: false }));
    const w = compute.workload('echo', { gpu: { model: 'A100' }, image: 'i', scaling: { maxNodes: 3, concurrencyPerNode: 2 } });
    const out = await Promise.all(Array.from({ length: 20 }, (_, i) => w.run({ i })));
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => ({ echo: { i } })));
    expect(market.liveLeases().length).toBeGreaterThan(0);
    expect(() => market.expectNoLiveLeases()).toThrow(AssertionError);
    await compute.shutdown();
    market.expectNoLiveLeases();
    expect(market.bill().total).toBeGreaterThan(0);
    market.expectBillAtMost(0.01);
    expect(() => market.expectBillAtMost(0)).toThrow(/expected the bill to be at most 0/);
    for (const lease of market.leases()) expect(lease.endpoint ?? `https://${lease.id}.nodes.marketplace.test`).toContain('.nodes.marketplace.test');
    // Request log: every call answered, no headers (so no key) kept.
    expect(market.requestLog.some((e) => e.method === 'POST' && e.path === '/v1/leases' && e.status === 201)).toBe(true);
    expect(JSON.stringify(market.requestLog)).not.toContain(market.apiKey);
  });

  it('preempts as preemptAfterMs says; the tasks of the preempted node complete elsewhere', async () => {
    let preemptions = 0;
    // Only the first spot lease is preempted, once its tasks are surely in flight.
    const market = track(await marketplaceHandlers({ coldStartMs: 30, preemptAfterMs: (offer) => (offer.interruptible && preemptions++ === 0 ? 400 : undefined) }));
    const compute = trackCompute(createCompute({ marketplace: market.connection, nodeDispatcher: market.dispatcher, journal: false }));
    const events: string[] = [];
    compute.on('lease', (e) => events.push(e.type));
    const w = compute.workload('spot', { gpu: { model: 'A100' }, image: 'i', scaling: { maxNodes: 1, concurrencyPerNode: 2 } });
    const out = await Promise.all([0, 1].map((i) => w.run({ i, ms: 800 })));
    expect(out).toEqual([{ echo: { i: 0, ms: 800 } }, { echo: { i: 1, ms: 800 } }]);
    const [first, ...rest] = market.leases();
    expect(first).toMatchObject({ offerId: 'a100-40gb-spot', state: 'preempted' });
    expect(rest.length).toBeGreaterThan(0);
    expect(events).toContain('preempted');
  });

  it('serves fetch code through setupServer: the marketplace API and the leased node', async () => {
    const market = track(await marketplaceHandlers({ coldStartMs: 0, apiKey: 'k' }));
    const server = setupServer(...market);
    server.listen({ onUnhandledRequest: 'error' });
    cleanup.push(async () => server.close());
    const auth = { authorization: 'Bearer k' };
    const offers = (await (await fetch(`${market.url}/v1/offers?gpu=H100`, { headers: auth })).json()) as { offers: { id: string }[] };
    expect(offers.offers.map((o) => o.id)).toEqual(['h100-80gb']);
    const created = await fetch(`${market.url}/v1/leases`, {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': 'k1', 'content-type': 'application/json' },
      body: JSON.stringify({ offerId: 'h100-80gb', image: 'i', maxPricePerHour: 5, tags: { client: 'fetch' } }),
    });
    expect(created.status).toBe(201);
    const { lease } = (await created.json()) as { lease: { id: string } };
    let endpoint: string | null = null;
    let nodeToken = '';
    for (let i = 0; i < 50 && endpoint === null; i++) {
      const got = (await (await fetch(`${market.url}/v1/leases/${lease.id}`, { headers: auth })).json()) as { lease: { endpoint: string | null; nodeToken: string } };
      endpoint = got.lease.endpoint;
      nodeToken = got.lease.nodeToken;
      if (endpoint === null) await new Promise((r) => setTimeout(r, 10));
    }
    expect(endpoint).toBe(`https://${lease.id}.nodes.marketplace.test`);
    expect(await (await fetch(`${endpoint}/healthz`)).json()).toEqual({ ready: true });
    const run = await fetch(`${endpoint}/v1/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${nodeToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workload: 'w', input: { x: 1 }, taskId: 't' }),
    });
    expect(await run.json()).toEqual({ output: { echo: { x: 1 } } });
    expect((await fetch(`${market.url}/v1/nothing-here`, { headers: auth })).status).toBe(404);
  });

  it('names a bad option', async () => {
    await expect(marketplaceHandlers({ baseUrl: 'ftp://x' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('baseUrl') });
    await expect(marketplaceHandlers({ taskFailRate: 2 })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('taskFailRate') });
    await expect(createFakeMarketplace({ preemptAfterMs: -1 })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('preemptAfterMs') });
  });
});

describe('createFakeMarketplace knobs', () => {
  it('serviceMs holds a node slot per task; taskFailRate fails tasks on the node, which the SDK retries', async () => {
    let calls = 0;
    // Fail the first task attempt only.
    const market = track(await createFakeMarketplace({ coldStartMs: 20, serviceMs: 80, taskFailRate: 0.5, random: () => (calls++ === 0 ? 0 : 0.9) }));
    const compute = trackCompute(createCompute({ marketplace: { url: market.url, apiKey: market.apiKey }, journal: false }));
    const w = compute.workload('w', { gpu: { model: 'L4' }, image: 'i', scaling: { maxNodes: 1, concurrencyPerNode: 1 } });
    const started = Date.now();
    expect(await w.run({ a: 1 })).toEqual({ echo: { a: 1 } });
    // Two attempts, each holding the slot for the service time.
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    const [lease] = market.leases();
    expect(market.nodeStats(lease!.id).served).toBe(2);
  });
});

describe('handlersDispatcher (transport)', () => {
  it('streams a response chunk by chunk, fails unhandled requests as ECONNREFUSED and Response.error() as a socket error', async () => {
    const dispatcher = await handlersDispatcher([
      http.get('https://svc.test/sse', () => {
        const encoder = new TextEncoder();
        let n = 0;
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            await new Promise((r) => setTimeout(r, 5));
            if (n === 3) return controller.close();
            controller.enqueue(encoder.encode(`data: ${n++}\n\n`));
          },
        });
        return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
      }),
      http.get('https://svc.test/dead', () => Response.error()),
    ]);
    cleanup.push(() => dispatcher.close());
    const res = await request('https://svc.test/sse', { dispatcher });
    expect(res.headers['content-type']).toBe('text/event-stream');
    const chunks: string[] = [];
    for await (const chunk of res.body) chunks.push(String(chunk));
    expect(chunks).toEqual(['data: 0\n\n', 'data: 1\n\n', 'data: 2\n\n']);
    await expect(request('https://svc.test/nope', { dispatcher })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(request('https://svc.test/dead', { dispatcher })).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
  });

  it('aborts the handler request when the caller aborts', async () => {
    let handlerSignal: AbortSignal | undefined;
    const dispatcher = await handlersDispatcher([
      http.get('https://svc.test/slow', async ({ request: req }) => {
        handlerSignal = req.signal;
        await new Promise((r) => setTimeout(r, 2_000));
        return new Response('late');
      }),
    ]);
    cleanup.push(() => dispatcher.close());
    const controller = new AbortController();
    const pending = request('https://svc.test/slow', { dispatcher, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(handlerSignal?.aborted).toBe(true);
  });
});
