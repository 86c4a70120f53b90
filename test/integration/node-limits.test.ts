/**
 * Limits on what a node sends back, against a real node server on loopback:
 * `stream()` ends with `RESPONSE_TOO_LARGE` past its per-event or per-stream size
 * (the huge event is not buffered whole first), and `nodeTimeoutMs` bounds a whole
 * attempt: a node trickling a byte at a time cannot hold a task past it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCompute, type Compute, type Marketplace } from '../../src/index.js';
import { ComputeError } from '../../src/errors.js';
import { rejectionOf } from '../support/rejection.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server | undefined;
let compute: Compute | undefined;
/** Bytes the node managed to write before the client went away. */
let written = 0;
let closedEarly = 0;
afterEach(async () => {
  await compute?.shutdown({ graceMs: 0, releaseTimeoutMs: 1_000 });
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  compute = undefined;
  written = 0;
  closedEarly = 0;
});

async function node(handler: Handler): Promise<string> {
  server = createServer((req, res) => {
    if (req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ready":true}');
    res.on('close', () => {
      if (!res.writableFinished) closedEarly++;
    });
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A marketplace whose every lease is the node above, running at once. */
function market(endpoint: string): Marketplace {
  let n = 0;
  const lease = (id: string, state: 'running' | 'terminated') => ({
    id, offerId: 'o', state, endpoint, nodeToken: 'tok-limits', pricePerHour: 1, createdAt: null, readyAt: null, endedAt: null, billedSec: 0, cost: 0, tags: {},
  });
  return {
    listOffers: async () => [{ id: 'o', gpu: { model: 'L4', count: 1, memoryGb: 24 }, pricePerHour: 1, currency: 'USD', billingIncrementSec: 1, minLeaseSec: 0, interruptible: false, region: 'x', reliability: 1, coldStartSec: 0, available: 3 }],
    createLease: async () => lease(`l${++n}`, 'running'),
    getLease: async (id) => lease(id, 'running'),
    listLeases: async () => [],
    releaseLease: async (id) => lease(id, 'terminated'),
    close: async () => {},
  };
}

/** Write `total` bytes of `pattern` in 64 KiB chunks, respecting backpressure, until done or the client leaves. */
function pump(res: ServerResponse, total: number, chunk: Buffer, end: string): void {
  const step = (): void => {
    while (written < total && !res.destroyed) {
      written += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', step);
    }
    if (!res.destroyed) res.end(end);
  };
  step();
}

function workload(c: Compute, options: Record<string, unknown> = {}) {
  return c.workload('llm', {
    gpu: { model: 'L4' },
    image: 'img',
    request: { method: 'POST', path: '/v1/chat/completions' },
    scaling: { minNodes: 1, maxNodes: 1 },
    ...options,
  });
}

async function drain(iterator: AsyncIterable<unknown>): Promise<number> {
  let events = 0;
  for await (const _ of iterator) events++;
  return events;
}

describe('stream() size limits', () => {
  it('ends with RESPONSE_TOO_LARGE on an event past maxStreamEventBytes, without reading the rest of it', async () => {
    const endpoint = await node((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"ok":1}\n\n');
      res.write('data: ');
      // One 40 MB line: the client must stop long before its end.
      pump(res, 40 * 1024 * 1024, Buffer.alloc(64 * 1024, 0x61), '\n\n');
    });
    compute = createCompute({ marketplace: market(endpoint), journal: false });
    const w = workload(compute, { maxStreamEventBytes: 1024 * 1024 });
    const seen: unknown[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const event of w.stream({ stream: true })) seen.push(event);
      })(),
      ComputeError,
    );
    expect(error.code).toBe('RESPONSE_TOO_LARGE');
    expect(error.details.limit).toBe('maxStreamEventBytes');
    expect(seen).toEqual([{ ok: 1 }]);
    // The connection was dropped: the node did not get to write its 40 MB.
    await expect.poll(() => closedEarly, { timeout: 5_000 }).toBe(1);
    expect(written).toBeLessThan(40 * 1024 * 1024);
  });

  it('ends with RESPONSE_TOO_LARGE past maxStreamBytes of small events', async () => {
    const event = Buffer.from(`data: ${JSON.stringify({ t: 'x'.repeat(1000) })}\n\n`);
    const endpoint = await node((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      pump(res, 10 * 1024 * 1024, Buffer.concat(Array.from({ length: 64 }, () => event)), 'data: [DONE]\n\n');
    });
    compute = createCompute({ marketplace: market(endpoint), journal: false });
    const w = workload(compute, { maxStreamBytes: 256 * 1024 });
    const error = await rejectionOf(drain(w.stream({ stream: true })), ComputeError);
    expect(error.code).toBe('RESPONSE_TOO_LARGE');
    expect(error.details.limit).toBe('maxStreamBytes');
  });

  it('streams as before within the limits', async () => {
    const endpoint = await node((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {"a":1}\r\n\r\ndata: {"a":2}\r\n\r\ndata: [DONE]\r\n\r\n');
    });
    compute = createCompute({ marketplace: market(endpoint), journal: false });
    const out: unknown[] = [];
    for await (const e of workload(compute).stream({ stream: true })) out.push(e);
    expect(out).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('refuses limits that are not positive integers, naming them', () => {
    compute = createCompute({ marketplace: market('http://127.0.0.1:9'), journal: false });
    expect(() => workload(compute!, { maxStreamBytes: 0 })).toThrow(/maxStreamBytes/);
    expect(() => workload(compute!, { maxStreamEventBytes: 'big' })).toThrow(/maxStreamEventBytes/);
  });
});

describe('nodeTimeoutMs bounds a whole attempt', () => {
  /** A node that sends its headers, then one byte every 50 ms, forever. */
  function trickle(res: ServerResponse, type: string): void {
    res.writeHead(200, { 'content-type': type });
    const tick = setInterval(() => {
      if (res.destroyed) return clearInterval(tick);
      res.write(type === 'text/event-stream' ? ':' : ' ');
    }, 50);
  }

  it('run(): a trickling node is cut off after nodeTimeoutMs per attempt; the task fails after maxAttempts', async () => {
    let attempts = 0;
    const endpoint = await node((_req, res) => {
      attempts++;
      trickle(res, 'application/json');
    });
    compute = createCompute({ marketplace: market(endpoint), journal: false });
    const w = workload(compute, { nodeTimeoutMs: 300, maxAttempts: 2 });
    const started = Date.now();
    const error = await rejectionOf(w.run({ x: 1 }, { timeoutMs: 20_000 }), ComputeError);
    const tookMs = Date.now() - started;
    expect(error.code).toBe('NODE_FAILED');
    expect(error.message).toContain('nodeTimeoutMs');
    expect(attempts).toBe(2);
    // Bounded by the attempts, not by the 20 s task timeout (a loose bound: a loaded machine is slow).
    expect(tookMs).toBeLessThan(10_000);
    await expect.poll(() => closedEarly, { timeout: 5_000 }).toBe(2);
  });

  it('stream(): a stream that never ends is cut off with TIMEOUT after nodeTimeoutMs', async () => {
    const endpoint = await node((_req, res) => trickle(res, 'text/event-stream'));
    compute = createCompute({ marketplace: market(endpoint), journal: false });
    const w = workload(compute, { nodeTimeoutMs: 400 });
    const error = await rejectionOf(drain(w.stream({ stream: true }, { timeoutMs: 20_000 })), ComputeError);
    expect(error.code).toBe('TIMEOUT');
    expect(error.details.nodeTimeoutMs).toBe(400);
    await expect.poll(() => closedEarly, { timeout: 5_000 }).toBe(1);
  });
});
