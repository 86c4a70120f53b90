import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { realClock, VirtualClock } from '../../src/clock.js';
import type { Clock } from '../../src/clock.js';
import { MarketplaceConnectionSchema } from '../../src/config/compute.js';
import type { MarketplaceConnection } from '../../src/config/compute.js';
import { ComputeError, MarketError } from '../../src/errors.js';
import { isLoopbackHost } from '../../src/market/endpoint.js';
import { redactSecret } from '../../src/market/http-errors.js';
import { HttpMarketplace } from '../../src/market/http-client.js';
import type { HttpMarketplaceDeps } from '../../src/market/http-client.js';
import type { CreateLeaseRequest, Lease } from '../../src/market/protocol.js';
import { parseRetryAfterMs, retryDelayMs } from '../../src/market/retry.js';
import { RetryBudget } from '../../src/market/retry-budget.js';
import { createFakeMarketplace } from '../../src/testing/index.js';
import type { FakeMarketplace } from '../../src/testing/index.js';
import { rejectionOf } from '../support/rejection.js';

const SECRET = 'sk-live-SUPERSECRET-0123456789abcdef';

// ---------------------------------------------------------------- helpers

interface Hit {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface AdHoc {
  url: string;
  hits: Hit[];
  close(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** A throwaway server; `respond` gets the 0-based hit number. */
async function adhoc(respond: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<AdHoc> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      respond(req, res, hits.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  cleanups.push(close);
  return { url: `http://127.0.0.1:${port}`, hits, close };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function client(
  url: string,
  connection: Partial<MarketplaceConnection> = {},
  deps: Partial<HttpMarketplaceDeps> & { clock?: Clock } = {},
): HttpMarketplace {
  const conn = MarketplaceConnectionSchema.parse({ url, apiKey: SECRET, ...connection });
  const c = new HttpMarketplace(conn, { clock: realClock, random: () => 0, ...deps });
  cleanups.push(() => c.close());
  return c;
}

const LEASE: Lease = {
  id: 'l-1',
  offerId: 'o-1',
  state: 'pending',
  endpoint: null,
  nodeToken: null,
  pricePerHour: 1,
  createdAt: '2025-01-01T00:00:00.000Z',
  readyAt: null,
  endedAt: null,
  billedSec: 0,
  cost: 0,
  tags: { client: 'c1' },
};

const REQUEST: CreateLeaseRequest = {
  offerId: 'a100-40gb',
  image: 'img:1',
  maxPricePerHour: 5,
  tags: { client: 'c1', workload: 'embed' },
};

function failure(promise: Promise<unknown>): Promise<MarketError> {
  return rejectionOf(promise, MarketError);
}

/** Everything a log line, a crash report or a debugger could print about an error. */
function renderings(error: unknown): string[] {
  const out: string[] = [String(error), JSON.stringify(error), inspect(error, { depth: 10, showHidden: true })];
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    out.push(e.message, e.stack ?? '', JSON.stringify((e as { details?: unknown }).details ?? {}));
  }
  return out;
}

function expectNoSecret(error: unknown): void {
  for (const text of renderings(error)) expect(text).not.toContain(SECRET);
  for (const text of renderings(error)) expect(text.toLowerCase()).not.toContain('supersecret');
}

// ---------------------------------------------------------------- pure parts

describe('retry delays', () => {
  it('uses the server hint within 0..60 s, else 500 ms * 2^n capped at 8 s minus up to 25 % jitter', () => {
    expect(retryDelayMs({ retry: 0, hintMs: 7_000, random: () => 0.9 })).toBe(7_000);
    expect(retryDelayMs({ retry: 0, hintMs: 0, random: () => 0.9 })).toBe(0);
    expect(retryDelayMs({ retry: 0, hintMs: 61_000, random: () => 0 })).toBe(500);
    expect(retryDelayMs({ retry: 0, hintMs: -5, random: () => 0 })).toBe(500);
    expect([0, 1, 2, 3, 4, 5].map((retry) => retryDelayMs({ retry, random: () => 0 }))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(retryDelayMs({ retry: 1, random: () => 1 })).toBe(750);
    expect(retryDelayMs({ retry: 0, random: () => 0.5 })).toBe(438);
  });

  it('reads retry-after-ms first, then retry-after as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfterMs({ 'retry-after-ms': '250', 'retry-after': '9' }, now)).toBe(250);
    expect(parseRetryAfterMs({ 'retry-after': '3' }, now)).toBe(3_000);
    expect(parseRetryAfterMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:12 GMT' }, now)).toBe(12_000);
    expect(parseRetryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfterMs({}, now)).toBeUndefined();
  });

  it('retry budget: 5 per retry, 10 per timeout retry, +1 per success up to capacity', () => {
    const budget = new RetryBudget({ capacity: 20 });
    expect(budget.tryAcquire('timeout')).toBe(true);
    expect(budget.tryAcquire('retry')).toBe(true);
    expect(budget.tokens).toBe(5);
    expect(budget.tryAcquire('timeout')).toBe(false);
    expect(budget.tokens).toBe(5);
    expect(budget.tryAcquire('retry')).toBe(true);
    expect(budget.exhausted).toBe(true);
    for (let i = 0; i < 30; i++) budget.recordSuccess();
    expect(budget.tokens).toBe(20);
    expect(new RetryBudget().tokens).toBe(500);
  });

  it('redacts the key, bearer tokens and look-alike prefixes, then truncates', () => {
    expect(redactSecret(`bad key ${SECRET}!`, SECRET)).toBe('bad key ***!');
    expect(redactSecret('Authorization: Bearer abc.def', SECRET)).toBe('Authorization: Bearer ***');
    // A shortened echo of the real key is masked; a look-alike with the same prefix is not.
    expect(redactSecret(`key sk-live-SUP… rejected`, SECRET)).toBe('key ***… rejected');
    expect(redactSecret(`key …456789abcdef rejected`, SECRET)).toBe('key …*** rejected');
    expect(redactSecret(`other key sk-live-XYZ-0000000000000000 works`, SECRET)).toBe('other key sk-live-XYZ-0000000000000000 works');
    expect(redactSecret(`short key abc1 ${'abc1'} stays`, 'abc1')).toBe('short key *** *** stays');
    expect(redactSecret('x'.repeat(300), SECRET, 200)).toHaveLength(201);
  });
});

describe('construction', () => {
  it('refuses plain http to a non-loopback host unless allowInsecureHttp', () => {
    const build = (url: string, allowInsecureHttp = false): HttpMarketplace =>
      new HttpMarketplace(MarketplaceConnectionSchema.parse({ url, apiKey: SECRET, allowInsecureHttp }), { clock: realClock });
    let thrown: unknown;
    try {
      build('http://market.example.com');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ComputeError);
    expect(thrown).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('marketplace.url') });
    expectNoSecret(thrown);
    for (const ok of ['http://127.0.0.1:9', 'http://127.1.2.3', 'http://localhost:8080', 'http://[::1]:80', 'https://market.example.com']) {
      void build(ok).close();
    }
    void build('http://market.example.com', true).close();
    expect(() => build('http://10.0.0.1')).toThrow(/allowInsecureHttp/);
    expect(() => build('https://user:pw@market.example.com')).toThrow(/credentials/);
  });

  it('knows loopback hosts', () => {
    expect(['localhost', '127.0.0.1', '127.255.0.9', '[::1]', 'LOCALHOST.'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', 'localhost.example.com', '128.0.0.1', '[::2]', '127.0.0.1.nip.io'].some(isLoopbackHost)).toBe(false);
  });

  it('reports bad connection options as CONFIG_INVALID with the marketplace.* path', () => {
    const bad = { url: 'https://m.example.com', apiKey: '', timeoutMs: 10, maxAttempts: 3, allowInsecureHttp: false };
    expect(() => new HttpMarketplace(bad, { clock: realClock })).toThrow(/marketplace\.apiKey/);
  });

  it('never shows the key in inspect, JSON or string form', async () => {
    const c = client('https://market.example.com');
    for (const text of [inspect(c, { depth: 10, showHidden: true }), JSON.stringify(c), String(c), `${JSON.stringify({ c })}`]) {
      expect(text).not.toContain(SECRET);
    }
    expect(inspect(c)).toContain('https://market.example.com');
  });
});

// ---------------------------------------------------------------- against the fake marketplace

describe('against the fake marketplace', () => {
  async function market(options: Parameters<typeof createFakeMarketplace>[0] = {}): Promise<FakeMarketplace> {
    const m = await createFakeMarketplace({ apiKey: SECRET, coldStartMs: 20, ...options });
    cleanups.push(() => m.close());
    return m;
  }

  it('speaks protocol v1 end to end', async () => {
    const m = await market();
    const c = client(m.url);
    const offers = await c.listOffers({ gpu: ['A100', 'H100'], minGpus: 1, minMemoryGb: 40, interruptible: false });
    expect(offers.map((o) => o.id).sort()).toEqual(['a100-40gb', 'h100-80gb']);
    expect(m.requestLog.at(-1)?.path).toBe('/v1/offers?gpu=A100,H100&minGpus=1&minMemoryGb=40&interruptible=false');

    const lease = await c.createLease(REQUEST, 'key-1');
    expect(lease.state).toBe('pending');
    await vi.waitFor(async () => expect((await c.getLease(lease.id)).state).toBe('running'));
    expect((await c.listLeases('client:c1')).map((l) => l.id)).toEqual([lease.id]);
    expect(await c.listLeases('client:nobody')).toEqual([]);

    const released = await c.releaseLease(lease.id);
    expect(released.state).toBe('terminated');
    expect((await c.releaseLease(lease.id)).endedAt).toBe(released.endedAt);
    const missing = await failure(c.getLease('does/not/exist'));
    expect(missing).toMatchObject({ code: 'MARKET_REJECTED', status: 404, details: { notFound: true } });
    expect(m.requestLog.at(-1)?.path).toBe('/v1/leases/does%2Fnot%2Fexist');
    expect(c.health).toEqual({ degraded: false, consecutiveFailures: 0 });
  });

  it('maps 401 to MARKET_UNAUTHORIZED without retrying, 402 and 409 to their codes', async () => {
    const m = await market({ balance: 0 });
    const wrong = client(m.url, { apiKey: 'not-the-key' });
    const unauthorized = await failure(wrong.listOffers({ gpu: ['A100'], minGpus: 1 }));
    expect(unauthorized).toMatchObject({ code: 'MARKET_UNAUTHORIZED', status: 401, retryable: false });
    expect(m.requestLog).toHaveLength(1);
    expect(wrong.health).toMatchObject({ degraded: true, consecutiveFailures: 1, lastError: 'MARKET_UNAUTHORIZED' });

    const c = client(m.url);
    expect(await failure(c.createLease(REQUEST, 'k'))).toMatchObject({ code: 'MARKET_INSUFFICIENT_FUNDS', status: 402 });
    expect(await failure(c.createLease({ ...REQUEST, offerId: 'gone' }, 'k2'))).toMatchObject({ code: 'OFFER_GONE', status: 409 });
  });

  it('retries injected 503s and succeeds', async () => {
    const rolls = [0, 0, 1];
    const m = await market({ failRate: 0.5, random: () => rolls.shift() ?? 1 });
    const c = client(m.url, {}, { random: () => 1 }); // 375 ms, then 750 ms
    const offers = await c.listOffers({ gpu: ['L4'], minGpus: 1 });
    expect(offers.map((o) => o.id)).toEqual(['l4-24gb']);
    expect(m.requestLog.map((e) => e.status)).toEqual([503, 503, 200]);
  });
});

// ---------------------------------------------------------------- fault injection with ad-hoc servers

describe('retries and faults', () => {
  it('does not resend a lease POST whose 503 may have been acted on: outcome unknown, the caller looks it up', async () => {
    const server = await adhoc((_req, res, n) =>
      n === 0
        ? json(res, 503, { error: { code: 'DOWN', message: 'try later' } }, { 'retry-after-ms': '5' })
        : json(res, 201, { lease: LEASE }),
    );
    const c = client(server.url);
    const error = await failure(c.createLease(REQUEST, 'idem-123'));
    expect(error).toMatchObject({ code: 'MARKET_UNAVAILABLE', status: 503, details: { outcomeUnknown: true, attempts: 1 } });
    expect(server.hits).toHaveLength(1);
    expect(server.hits[0]!.headers).toMatchObject({ authorization: `Bearer ${SECRET}`, accept: 'application/json', 'idempotency-key': 'idem-123' });
    expect(JSON.parse(server.hits[0]!.body) as unknown).toEqual(REQUEST);
  });

  it('resends a lease POST refused with 429 (the create was refused, not unknown) with the same Idempotency-Key', async () => {
    const server = await adhoc((_req, res, n) =>
      n === 0 ? json(res, 429, { error: { code: 'SLOW', message: 'slow down' } }, { 'retry-after-ms': '5' }) : json(res, 201, { lease: LEASE }),
    );
    const c = client(server.url);
    expect(await c.createLease(REQUEST, 'idem-429')).toEqual(LEASE);
    expect(server.hits.map((h) => h.headers['idempotency-key'])).toEqual(['idem-429', 'idem-429']);
  });

  it('a lease POST refused with 429 past the retries is not "outcome unknown"', async () => {
    const server = await adhoc((_req, res) => json(res, 429, { error: { code: 'SLOW', message: 'slow down' } }, { 'retry-after-ms': '1' }));
    const error = await failure(client(server.url, { maxAttempts: 2 }).createLease(REQUEST, 'k'));
    expect(error).toMatchObject({ code: 'MARKET_UNAVAILABLE', status: 429 });
    expect(error.details.outcomeUnknown).toBeUndefined();
    expect(server.hits).toHaveLength(2);
  });

  it('waits what Retry-After says on a 429 (virtual clock)', async () => {
    const clock = new VirtualClock();
    const server = await adhoc((_req, res, n) =>
      n === 0 ? json(res, 429, { error: { code: 'SLOW', message: 'slow down' } }, { 'retry-after': '7' }) : json(res, 200, { offers: [] }),
    );
    const c = client(server.url, {}, { clock });
    const call = c.listOffers({ gpu: ['A100'], minGpus: 1 });
    await vi.waitFor(() => expect(clock.nextTimerAt()).toBe(7_000));
    await clock.advance(6_999);
    expect(server.hits).toHaveLength(1);
    await clock.advance(1);
    expect(await call).toEqual([]);
    expect(server.hits).toHaveLength(2);
  });

  it('backs off 500 ms * 2^n with jitter from the injected random when there is no hint', async () => {
    const clock = new VirtualClock();
    const server = await adhoc((_req, res, n) => (n < 2 ? json(res, 502, {}) : json(res, 200, { leases: [] })));
    const c = client(server.url, {}, { clock, random: () => 0.5 });
    const call = c.listLeases('client:x');
    await vi.waitFor(() => expect(clock.nextTimerAt()).toBe(438));
    await clock.advance(438);
    await vi.waitFor(() => expect(clock.nextTimerAt()).toBe(438 + 875));
    await clock.advance(875);
    expect(await call).toEqual([]);
    expect(server.hits).toHaveLength(3);
    expect(server.hits[0]!.url).toBe('/v1/leases?tag=client%3Ax');
  });

  it('gives up after maxAttempts with MARKET_UNAVAILABLE and the server message', async () => {
    const server = await adhoc((_req, res) => json(res, 500, { error: { code: 'E', message: `boom ${'x'.repeat(300)}` } }, { 'retry-after-ms': '0' }));
    const c = client(server.url, { maxAttempts: 2 });
    const error = await failure(c.getLease('a'));
    expect(error).toMatchObject({ code: 'MARKET_UNAVAILABLE', status: 500, retryable: true, request: 'GET /v1/leases/a' });
    expect(error.details).toMatchObject({ attempts: 2, serverCode: 'E' });
    expect(error.message).toContain('boom');
    expect(error.message.length).toBeLessThan(300);
    expect(server.hits).toHaveLength(2);
    expect(c.health).toEqual({ degraded: true, consecutiveFailures: 2, lastError: 'MARKET_UNAVAILABLE' });
  });

  it('never retries other 4xx', async () => {
    const server = await adhoc((_req, res) => json(res, 422, { error: { code: 'BAD', message: 'image missing' } }));
    const error = await failure(client(server.url).createLease(REQUEST, 'k'));
    expect(error).toMatchObject({ code: 'MARKET_REJECTED', status: 422, retryable: false });
    expect(error.details.outcomeUnknown).toBeUndefined();
    expect(error.message).toContain('image missing');
    expect(server.hits).toHaveLength(1);
  });

  it('fails fast once the client-wide retry budget is empty', async () => {
    const server = await adhoc((_req, res) => json(res, 503, {}, { 'retry-after-ms': '0' }));
    const budget = new RetryBudget({ capacity: 10 });
    const c = client(server.url, {}, { retryBudget: budget });
    expect((await failure(c.listOffers({ gpu: ['A100'], minGpus: 1 }))).details).toMatchObject({ attempts: 3 });
    expect(budget.tokens).toBe(0);
    const fast = await failure(c.listOffers({ gpu: ['A100'], minGpus: 1 }));
    expect(fast).toMatchObject({ code: 'MARKET_UNAVAILABLE', details: { attempts: 1, retryBudgetExhausted: true } });
    expect(fast.message).toContain('retry budget');
    expect(server.hits).toHaveLength(4);
    expect(c.health.degraded).toBe(true);
  });

  it('times out on the clock, retries at the timeout price', async () => {
    const clock = new VirtualClock();
    const server = await adhoc(() => undefined); // never answers
    const budget = new RetryBudget();
    const c = client(server.url, { timeoutMs: 5_000, maxAttempts: 2 }, { clock, retryBudget: budget });
    const call = failure(c.getLease('slow'));
    await vi.waitFor(() => expect(server.hits).toHaveLength(1));
    await clock.advance(5_000);
    await vi.waitFor(() => expect(clock.nextTimerAt()).toBe(5_500));
    await clock.advance(500);
    await vi.waitFor(() => expect(server.hits).toHaveLength(2));
    await clock.advance(5_000);
    const error = await call;
    expect(error).toMatchObject({ code: 'MARKET_UNAVAILABLE', details: { timeout: true, attempts: 2 } });
    expect(error.message).toContain('timed out after 5000 ms');
    expect(budget.tokens).toBe(490);
  });

  it('marks a lease POST whose connection dropped as outcomeUnknown, a refused one not', async () => {
    const server = await adhoc((req) => req.socket.destroy());
    const c = client(server.url, { maxAttempts: 1 });
    const dropped = await failure(c.createLease(REQUEST, 'k'));
    expect(dropped).toMatchObject({ code: 'MARKET_UNAVAILABLE', details: { outcomeUnknown: true } });
    await server.close();
    const refused = await failure(c.createLease(REQUEST, 'k'));
    expect(refused.details).toMatchObject({ errorCode: 'ECONNREFUSED' });
    expect(refused.details.outcomeUnknown).toBeUndefined();
  });

  it('maps connection refused to MARKET_UNAVAILABLE and retries it', async () => {
    const server = await adhoc(() => undefined);
    await server.close();
    const c = client(server.url, { maxAttempts: 2 }, { random: () => 1 });
    const error = await failure(c.listOffers({ gpu: ['A100'], minGpus: 1 }));
    expect(error).toMatchObject({ code: 'MARKET_UNAVAILABLE', retryable: true, details: { errorCode: 'ECONNREFUSED', attempts: 2 } });
    expect(error.cause).toMatchObject({ code: 'ECONNREFUSED' });
    expectNoSecret(error);
  });

  it('does not follow redirects: the credential stays home', async () => {
    const elsewhere = await adhoc((_req, res) => json(res, 200, { offers: [] }));
    const server = await adhoc((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/v1/offers` });
      res.end();
    });
    const error = await failure(client(server.url).listOffers({ gpu: ['A100'], minGpus: 1 }));
    expect(error).toMatchObject({ code: 'MARKET_REJECTED', status: 307, details: { redirect: true } });
    expect(error.message).toContain(elsewhere.url);
    expect(elsewhere.hits).toHaveLength(0);
    expect(server.hits).toHaveLength(1);
  });

  it('sends requests under the base path of marketplace.url', async () => {
    const server = await adhoc((_req, res) => json(res, 200, { lease: LEASE }));
    await client(`${server.url}/api/market/`).releaseLease('l 1');
    expect(server.hits[0]).toMatchObject({ method: 'DELETE', url: '/api/market/v1/leases/l%201' });
  });
});

describe('response checks', () => {
  it('rejects a body over the size limit with PROTOCOL_INVALID (declared or streamed)', async () => {
    const big = JSON.stringify({ offers: [], pad: 'x'.repeat(4_000) });
    const server = await adhoc((req, res) => {
      if (req.url?.startsWith('/v1/offers')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(big.length) });
        res.end(big);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }); // chunked, no length
        res.write(big.slice(0, 2_000));
        setTimeout(() => res.end(big.slice(2_000)), 5);
      }
    });
    const c = client(server.url, {}, { maxResponseBytes: 1_024 });
    const declared = await failure(c.listOffers({ gpu: ['A100'], minGpus: 1 }));
    expect(declared).toMatchObject({ code: 'PROTOCOL_INVALID', details: { tooLarge: true } });
    expect(declared.message).toContain('1024 bytes');
    expect(await failure(c.listLeases('client:x'))).toMatchObject({ code: 'PROTOCOL_INVALID', details: { tooLarge: true } });
    expect(server.hits).toHaveLength(2);
  });

  it('rejects a malformed body naming the request and the field path, never quoting the body', async () => {
    const offer = { id: SECRET, gpu: { model: 'A100', count: 'one', memoryGb: 40 } };
    const server = await adhoc((_req, res) => json(res, 200, { offers: [offer] }));
    const error = await failure(client(server.url).listOffers({ gpu: ['A100'], minGpus: 1 }));
    expect(error).toMatchObject({ code: 'PROTOCOL_INVALID', request: 'GET /v1/offers', retryable: false });
    expect(error.message).toContain('GET /v1/offers');
    expect(error.message).toContain('offers.0.gpu.count');
    expect(error.details.paths).toContain('offers.0.gpu.count');
    expectNoSecret(error);
  });

  it('rejects a body that is not JSON without quoting it', async () => {
    const server = await adhoc((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`<html>${SECRET}</html>`);
    });
    const error = await failure(client(server.url).getLease('x'));
    expect(error).toMatchObject({ code: 'PROTOCOL_INVALID', message: 'GET /v1/leases/x: response body is not valid JSON' });
    expectNoSecret(error);
  });
});

describe('secrets and cancellation', () => {
  it('keeps the API key out of every error, even when the server echoes it', async () => {
    const server = await adhoc((req, res, n) => {
      const echo = `key ${req.headers.authorization ?? ''} / ${SECRET} / ${SECRET.slice(0, 12)}…`;
      if (n === 0) json(res, 401, { error: { code: SECRET, message: echo } });
      else if (n === 1) json(res, 500, { error: { code: 'E', message: echo } });
      else {
        res.writeHead(302, { location: `https://${SECRET.toLowerCase()}.example.com/?key=${SECRET}` });
        res.end();
      }
    });
    const c = client(server.url, { maxAttempts: 1 });
    const errors = [
      await failure(c.getLease('a')),
      await failure(c.getLease('b')),
      await failure(c.getLease('c')),
    ];
    expect(errors.map((e) => e.code)).toEqual(['MARKET_UNAUTHORIZED', 'MARKET_UNAVAILABLE', 'MARKET_REJECTED']);
    expect(errors[0]!.message).toContain('Bearer ***');
    expect(errors[0]!.message).not.toContain(SECRET.slice(0, 12));
    for (const error of errors) expectNoSecret(error);
    expect(inspect(c, { depth: 10 })).not.toContain(SECRET);
  });

  it('rejects with ABORTED when the caller aborts during a retry wait', async () => {
    const clock = new VirtualClock();
    const server = await adhoc((_req, res) => json(res, 503, {}));
    const c = client(server.url, {}, { clock });
    const controller = new AbortController();
    const call = failure(c.listOffers({ gpu: ['A100'], minGpus: 1 }, { signal: controller.signal }));
    await vi.waitFor(() => expect(clock.nextTimerAt()).toBe(500));
    controller.abort();
    expect(await call).toMatchObject({ code: 'ABORTED', request: 'GET /v1/offers' });
    expect(server.hits).toHaveLength(1);
  });

  it('close() ends calls in flight with SHUTDOWN and refuses new ones', async () => {
    const server = await adhoc(() => undefined);
    const c = client(server.url);
    const call = failure(c.getLease('x'));
    await vi.waitFor(() => expect(server.hits).toHaveLength(1));
    await c.close();
    expect(await call).toMatchObject({ code: 'SHUTDOWN' });
    expect(await failure(c.getLease('y'))).toMatchObject({ code: 'SHUTDOWN' });
    await c.close();
  });
});

describe('many calls in flight', () => {
  it('twenty calls at once on one client raise no listener warning (each listens to the close signal)', async () => {
    const server = await adhoc((_req, res) => setTimeout(() => json(res, 200, { lease: LEASE }), 50));
    const c = client(server.url);
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const leases = await Promise.all(Array.from({ length: 20 }, (_, i) => c.getLease(`l-${i}`)));
      expect(leases).toHaveLength(20);
      expect(server.hits).toHaveLength(20);
      // Node emits process warnings on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((name) => name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
