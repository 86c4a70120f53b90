/**
 * Secrets never leave through an error, an event, a log line, `inspect` or JSON, also
 * when a node or the marketplace echoes them back in a body. A real protocol-v1
 * marketplace and a real node server on loopback repeat the node token, the workload's
 * `env` values and the API key in their error bodies; every output the app can see is
 * captured and searched. Look-alikes (same prefix and length, other characters) are
 * echoed too and must come through untouched: redaction matches the real values,
 * not their shape.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createCompute } from '../../src/compute.js';
import { ComputeError } from '../../src/errors.js';
import { rejectionOf } from '../support/rejection.js';

const hex = (n: number): string => randomBytes(n).toString('hex');
/** The secret's shape (its `ntok-`/`envsecret-` prefix, its length), none of its characters after that. */
const lookAlike = (secret: string): string => secret.replace(/^([a-z]+-)(.*)$/, (_m, prefix: string, rest: string) => prefix + 'Z'.repeat(rest.length));

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handler(req, res, body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

describe('secrets echoed by hostile peers', () => {
  it('never reach an error, cause, event, log line, inspect or JSON; look-alikes do', async () => {
    const token = `ntok-${hex(16)}`;
    const envValue = `envsecret-${hex(12)}`;
    const apiKey = `sk-live-${hex(16)}`;
    const tokenTwin = lookAlike(token);
    const envTwin = lookAlike(envValue);
    const secrets = [token, envValue, apiKey];

    // The node: 503 then 400, each body repeating what it was sent and the look-alikes.
    let runs = 0;
    const node = await listen((req, res) => {
      if (req.url === '/healthz') return json(res, 200, { ready: true });
      runs++;
      const echo = `you sent ${req.headers.authorization}; token ${token}; env ${envValue}; twins ${tokenTwin} ${envTwin}`;
      if (runs < 3) return json(res, 503, { error: { code: 'BUSY', message: echo } });
      return json(res, 400, { error: { code: 'BAD', message: echo } });
    });

    // The marketplace: the first lease request fails with a body echoing the request (env) and the key.
    let posts = 0;
    const leases = new Map<string, Record<string, unknown>>();
    const market = await listen((req, res, body) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/v1/offers') {
        return json(res, 200, {
          offers: [{ id: 'o1', gpu: { model: 'A100', count: 1, memoryGb: 40 }, pricePerHour: 1, currency: 'USD', billingIncrementSec: 1, minLeaseSec: 0, interruptible: false, region: 'x', reliability: 1, coldStartSec: 0, available: 5 }],
        });
      }
      if (url.pathname === '/v1/leases' && req.method === 'POST') {
        if (posts++ === 0) return json(res, 500, { error: { code: 'OOPS', message: `twin ${envTwin}: cannot start ${body} for ${req.headers.authorization}`, retryable: true } });
        const request = JSON.parse(body) as { tags: Record<string, string> };
        const id = `l-${leases.size + 1}`;
        const now = new Date().toISOString();
        const lease = { id, offerId: 'o1', state: 'running', endpoint: node, nodeToken: token, pricePerHour: 1, createdAt: now, readyAt: now, endedAt: null, billedSec: 0, cost: 0, tags: request.tags };
        leases.set(id, lease);
        return json(res, 201, { lease });
      }
      if (url.pathname === '/v1/leases' && req.method === 'GET') return json(res, 200, { leases: [...leases.values()] });
      const lease = leases.get(url.pathname.split('/').pop()!);
      if (!lease) return json(res, 404, { error: { code: 'NOT_FOUND', message: `no lease; token was ${token}` } });
      if (req.method === 'DELETE') Object.assign(lease, { state: 'terminated', endedAt: new Date().toISOString() });
      return json(res, 200, { lease });
    });

    const logged: string[] = [];
    const logger = {
      info: (obj: Record<string, unknown>, msg?: string) => void logged.push(JSON.stringify(obj) + ' ' + String(msg)),
      warn: (obj: Record<string, unknown>, msg?: string) => void logged.push(JSON.stringify(obj) + ' ' + String(msg)),
    };
    const compute = createCompute({ marketplace: { url: market, apiKey, maxAttempts: 1 }, journal: false, tickMs: 100, logger });
    const seen: string[] = [];
    for (const name of ['warning', 'lease', 'scale', 'budget'] as const) {
      compute.on(name, (event: unknown) => void seen.push(inspect(event, { depth: 10 }), JSON.stringify(event)));
    }
    const work = compute.workload('w', { gpu: { model: 'A100' }, image: 'img', env: { API_TOKEN: envValue, SHORT: 'on' }, scaling: { maxNodes: 1 } });
    try {
      const error = await rejectionOf(work.run({ x: 1 }, { timeoutMs: 20_000 }), ComputeError);
      expect(error.code).toBe('NODE_FAILED');
      expect(runs).toBe(3);
      const chain: unknown[] = [];
      for (let e: unknown = error; e !== undefined && chain.length < 10; e = (e as { cause?: unknown }).cause) chain.push(e);
      seen.push(
        error.message,
        inspect(error, { depth: 10 }),
        JSON.stringify(error),
        ...chain.map((e) => `${(e as Error).message} ${(e as Error).stack}`),
        inspect(compute, { depth: 10 }),
        JSON.stringify(compute),
        inspect(work, { depth: 10 }),
        JSON.stringify(work),
        JSON.stringify(compute.metrics()),
        compute.metrics({ format: 'prometheus' }),
      );
      // The echoes arrived, redacted: the message still says what the node said.
      expect(error.message).toContain('you sent Bearer ***');
      // Look-alikes are not secrets: they come through as the node sent them.
      expect(error.message).toContain(tokenTwin);
      expect(error.message).toContain(envTwin);
      // The marketplace's echo reached a lease event or a warning, redacted.
      const marketEcho = seen.find((s) => s.includes('cannot start'));
      expect(marketEcho).toBeDefined();
      expect(marketEcho).toContain(envTwin);
    } finally {
      await compute.shutdown({ graceMs: 0, releaseTimeoutMs: 2_000 });
    }
    seen.push(...logged);
    expect(logged.length).toBeGreaterThan(0);
    for (const text of seen) for (const secret of secrets) expect(text).not.toContain(secret);
  }, 30_000);
});
