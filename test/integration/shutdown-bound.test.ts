/**
 * `shutdown({ releaseTimeoutMs })` returns within that time plus a second even when
 * the marketplace never answers a DELETE, nor the tag listing that recovery and the
 * final sweep send: a hung call cannot hold shutdown past its deadline. The lease is
 * then named in `stillBilling`. A real protocol-v1 server and node on loopback.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCompute } from '../../src/index.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, res, body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json = (res: ServerResponse, status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

describe('shutdown() is bounded by releaseTimeoutMs', () => {
  it('returns within releaseTimeoutMs + 1 s when DELETE and the tag listing hang, naming the lease still billing', async () => {
    const node = await listen((req, res) => json(res, 200, req.url === '/healthz' ? { ready: true } : { output: 1 }));
    let deletes = 0;
    let lease: Record<string, unknown> | undefined;
    const market = await listen((req, res, body) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/v1/offers') {
        return json(res, 200, { offers: [{ id: 'o1', gpu: { model: 'A100', count: 1, memoryGb: 40 }, pricePerHour: 36, currency: 'USD', billingIncrementSec: 1, minLeaseSec: 0, interruptible: false, region: 'x', reliability: 1, coldStartSec: 0, available: 5 }] });
      }
      if (url.pathname === '/v1/leases' && req.method === 'POST') {
        if (lease) return json(res, 409, { error: { code: 'OFFER_GONE', message: 'one is enough', retryable: false } });
        const now = new Date().toISOString();
        lease = { id: 'l-1', offerId: 'o1', state: 'running', endpoint: node, nodeToken: 'tok-bound', pricePerHour: 36, createdAt: now, readyAt: now, endedAt: null, billedSec: 0, cost: 0, tags: (JSON.parse(body) as { tags: unknown }).tags };
        return json(res, 201, { lease });
      }
      // Hung: the tag listing (recovery, sweeps) and every DELETE never answer.
      if (url.pathname === '/v1/leases') return;
      if (req.method === 'DELETE') {
        deletes++;
        return;
      }
      return lease ? json(res, 200, { lease }) : json(res, 404, { error: { code: 'NOT_FOUND', message: 'no', retryable: false } });
    });

    const compute = createCompute({ marketplace: { url: market, apiKey: 'k', timeoutMs: 30_000 }, journal: false, tickMs: 100 });
    const ready = new Promise<void>((resolve) => compute.on('lease', (e) => e.type === 'ready' && resolve()));
    compute.workload('w', { gpu: { model: 'A100' }, image: 'i', scaling: { minNodes: 1, maxNodes: 1 } });
    await ready;

    const releaseTimeoutMs = 2_000;
    const started = Date.now();
    const result = await compute.shutdown({ graceMs: 0, releaseTimeoutMs });
    const tookMs = Date.now() - started;
    expect(deletes).toBeGreaterThan(0);
    expect(tookMs).toBeLessThanOrEqual(releaseTimeoutMs + 1_000);
    expect(result.stillBilling.map((l) => l.leaseId)).toEqual(['l-1']);
  }, 60_000);
});
