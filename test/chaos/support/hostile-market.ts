/**
 * A protocol-v1 marketplace written from DESIGN.md section 3 alone (it imports
 * nothing from src/), with switchable misbehaviours of the kind real GPU providers
 * show: releases that do not end the lease, offer listings that hang, leases granted
 * on other terms than asked, ignored idempotency keys, lost answers, 429s.
 *
 * It keeps its own bill: each lease bills from its creation until it really ends,
 * at the price and billing increment it was actually granted on (which need not be
 * what it reports). Nodes are real HTTP servers on loopback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/** Switchable misbehaviours (all off by default: an honest marketplace). */
export interface Misbehaviour {
  /** DELETE answers 200 but the lease stays `running`, or moves to `terminating` and stays there (it bills in both). */
  deleteKeeps?: 'running' | 'terminating' | undefined;
  /** `GET /v1/offers` never answers. */
  offersHang?: boolean;
  /** Leases are granted (and billed) at this price whatever `maxPricePerHour` was sent. */
  grantPricePerHour?: number | undefined;
  /** `advertised`: the offer says hourly billing. `hidden`: it says per second, leases bill hourly anyway (billedSec 3600 at once, cost reported 0). */
  hourly?: 'advertised' | 'hidden' | undefined;
  /** Offers and leases in this currency. */
  currency?: string;
  /** Idempotency-Key is ignored: every POST makes a new lease. */
  ignoreIdempotencyKey?: boolean;
  /** The answer to the first N lease POSTs is lost (socket destroyed) after `createAfterMs`. */
  losePostAnswers?: number;
  /** When a lost-answer POST creates its lease, ms after it arrived (0: at once). */
  createAfterMs?: number;
  /** The first N lease POSTs answer 429 with Retry-After: 1 and create nothing. */
  postRateLimited?: number;
}

/** One lease as the marketplace holds it. */
export interface HostileLease {
  id: string;
  offerId: string;
  state: 'pending' | 'provisioning' | 'running' | 'terminating' | 'terminated' | 'preempted' | 'failed';
  createdAtMs: number;
  endedAtMs: number | null;
  /** First DELETE received (null: none). */
  deleteRequestedAtMs: number | null;
  /** Price and increment it really bills at. */
  pricePerHour: number;
  incrementSec: number;
  tags: Record<string, string>;
  token: string;
  endpoint: string | null;
  server: http.Server | null;
}

/** One request as the marketplace saw it. */
export interface LoggedRequest {
  at: number;
  method: string;
  path: string;
  status: number;
  idempotencyKey?: string;
  /** For POSTs answered 201: the lease created. */
  leaseId?: string;
}

/** The server and its controls. */
export interface HostileMarket {
  url: string;
  apiKey: string;
  /** Price of the one offer, $/h. */
  pricePerHour: number;
  set(change: Misbehaviour): void;
  /** What the marketplace bills, per its own terms, up to now (or up to `at`). */
  bill(at?: number): number;
  /** The bill of each lease counted only up to its first DELETE (what the SDK chose to run). */
  billUntilDelete(): number;
  leases(): HostileLease[];
  live(): HostileLease[];
  log: LoggedRequest[];
  /** End every lease for real (cleanup) and stop all servers. */
  close(): Promise<void>;
}

const OFFER_ID = 'gpu-36';

/** Start the marketplace on 127.0.0.1 (random port). */
export async function startHostileMarket(options: { pricePerHour?: number; coldStartMs?: number; available?: number } = {}): Promise<HostileMarket> {
  const apiKey = `hk-${randomUUID()}`;
  const price = options.pricePerHour ?? 36;
  const coldStartMs = options.coldStartMs ?? 200;
  const mis: Misbehaviour = {};
  const leases = new Map<string, HostileLease>();
  const byKey = new Map<string, HostileLease>();
  const log: LoggedRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  let posts = 0;

  const incrementOf = (): number => (mis.hourly ? 3600 : 1);
  const billedSec = (l: HostileLease, at: number): number => {
    const end = Math.min(at, l.endedAtMs ?? at);
    const sec = Math.max(0, end - l.createdAtMs) / 1000;
    return Math.max(1, Math.ceil(sec / l.incrementSec - 1e-9)) * l.incrementSec;
  };
  const costOf = (l: HostileLease, at: number): number => (billedSec(l, at) * l.pricePerHour) / 3600;

  const view = (l: HostileLease): Record<string, unknown> => {
    const now = Date.now();
    const hidden = mis.hourly === 'hidden';
    return {
      id: l.id,
      offerId: l.offerId,
      state: l.state,
      endpoint: l.state === 'running' ? l.endpoint : null,
      nodeToken: l.state === 'running' ? l.token : null,
      pricePerHour: l.pricePerHour,
      createdAt: new Date(l.createdAtMs).toISOString(),
      readyAt: null,
      endedAt: l.endedAtMs === null ? null : new Date(l.endedAtMs).toISOString(),
      billedSec: billedSec(l, now),
      cost: hidden ? 0 : Number(costOf(l, now).toFixed(6)),
      tags: l.tags,
      ...(mis.currency ? { currency: mis.currency } : {}),
    };
  };

  const startNode = (l: HostileLease): void => {
    const node = http.createServer((req, res) => {
      if (req.url === '/healthz') return send(res, 200, { ready: true });
      if (req.method !== 'POST' || req.url !== '/v1/run') return send(res, 404, { error: { code: 'not_found', message: 'no route' } });
      if (req.headers.authorization !== `Bearer ${l.token}`) return send(res, 401, { error: { code: 'unauthorized', message: 'bad node token' } });
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { input } = JSON.parse(body || '{}') as { input?: { ms?: number } };
        setTimeout(() => send(res, 200, { output: { echo: input } }), Number(input?.ms ?? 0));
      });
    });
    node.listen(0, '127.0.0.1', () => {
      l.endpoint = `http://127.0.0.1:${(node.address() as AddressInfo).port}`;
    });
    l.server = node;
    setTimeout(() => {
      if (l.state === 'provisioning') l.state = 'running';
    }, coldStartMs);
  };

  const end = (l: HostileLease, state: 'terminated' | 'failed' | 'preempted'): void => {
    if (l.endedAtMs !== null) return;
    l.endedAtMs = Date.now();
    l.state = state;
    l.server?.close();
    l.server?.closeAllConnections();
  };

  const create = (body: { offerId: string; tags?: Record<string, string> }, idem: string | undefined): HostileLease => {
    const l: HostileLease = {
      id: `hl-${randomUUID().slice(0, 8)}`,
      offerId: body.offerId,
      state: 'provisioning',
      createdAtMs: Date.now(),
      endedAtMs: null,
      deleteRequestedAtMs: null,
      pricePerHour: mis.grantPricePerHour ?? price,
      incrementSec: incrementOf(),
      tags: body.tags ?? {},
      token: `ntok-${randomUUID()}`,
      endpoint: null,
      server: null,
    };
    leases.set(l.id, l);
    if (idem && !mis.ignoreIdempotencyKey) byKey.set(idem, l);
    startNode(l);
    return l;
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const entry: LoggedRequest = { at: Date.now(), method: req.method ?? '', path: url.pathname + url.search, status: 0 };
    const idem = req.headers['idempotency-key'];
    if (typeof idem === 'string') entry.idempotencyKey = idem;
    log.push(entry);
    const answer = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      entry.status = status;
      send(res, status, payload, headers);
    };
    if (req.headers.authorization !== `Bearer ${apiKey}`) return answer(401, { error: { code: 'unauthorized', message: 'bad key', retryable: false } });
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      if (req.method === 'GET' && url.pathname === '/v1/offers') {
        if (mis.offersHang) {
          hanging.add(res);
          entry.status = -1;
          return;
        }
        return answer(200, {
          offers: [
            {
              id: OFFER_ID,
              gpu: { model: 'A100', count: 1, memoryGb: 80 },
              pricePerHour: price,
              currency: mis.currency ?? 'USD',
              billingIncrementSec: mis.hourly === 'advertised' ? 3600 : 1,
              minLeaseSec: mis.hourly === 'advertised' ? 3600 : 0,
              interruptible: false,
              region: 'hostile-1',
              reliability: 0.99,
              coldStartSec: coldStartMs / 1000,
              available: options.available ?? 16,
            },
          ],
        });
      }
      if (req.method === 'POST' && url.pathname === '/v1/leases') {
        posts++;
        if (posts <= (mis.postRateLimited ?? 0)) return answer(429, { error: { code: 'rate_limited', message: 'slow down', retryable: true } }, { 'retry-after': '1' });
        const key = typeof idem === 'string' ? idem : undefined;
        const known = key ? byKey.get(key) : undefined;
        if (known) return answer(201, { lease: view(known) });
        const body = JSON.parse(raw || '{}') as { offerId: string; maxPricePerHour: number; tags?: Record<string, string> };
        if (body.offerId !== OFFER_ID) return answer(409, { error: { code: 'offer_gone', message: 'no such offer', retryable: false } });
        if (posts <= (mis.losePostAnswers ?? 0)) {
          entry.status = -2;
          const later = mis.createAfterMs ?? 0;
          if (later > 0) setTimeout(() => create(body, key), later);
          else create(body, key);
          // The answer is lost: the connection drops after the lease was (or will be) made.
          setTimeout(() => req.socket.destroy(), Math.min(later, 50));
          return;
        }
        const l = create(body, key);
        entry.leaseId = l.id;
        return answer(201, { lease: view(l) });
      }
      const tag = url.searchParams.get('tag');
      if (req.method === 'GET' && url.pathname === '/v1/leases' && tag) {
        const [k, v] = [tag.slice(0, tag.indexOf(':')), tag.slice(tag.indexOf(':') + 1)];
        return answer(200, { leases: [...leases.values()].filter((l) => l.tags[k] === v).map(view) });
      }
      const match = /^\/v1\/leases\/([^/]+)$/.exec(url.pathname);
      const lease = match ? leases.get(decodeURIComponent(match[1]!)) : undefined;
      if (match && !lease) return answer(404, { error: { code: 'not_found', message: 'no such lease', retryable: false } });
      if (req.method === 'GET' && lease) return answer(200, { lease: view(lease) });
      if (req.method === 'DELETE' && lease) {
        lease.deleteRequestedAtMs ??= Date.now();
        if (lease.endedAtMs === null) {
          if (mis.deleteKeeps === 'terminating') lease.state = 'terminating';
          else if (mis.deleteKeeps !== 'running') end(lease, 'terminated');
        }
        return answer(200, { lease: view(lease) });
      }
      return answer(404, { error: { code: 'not_found', message: 'no route', retryable: false } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    apiKey,
    pricePerHour: price,
    log,
    set: (change) => Object.assign(mis, change),
    bill: (at = Date.now()) => [...leases.values()].reduce((sum, l) => sum + costOf(l, at), 0),
    billUntilDelete: () => [...leases.values()].reduce((sum, l) => sum + costOf(l, l.deleteRequestedAtMs ?? Date.now()), 0),
    leases: () => [...leases.values()],
    live: () => [...leases.values()].filter((l) => l.endedAtMs === null),
    close: async () => {
      for (const l of leases.values()) end(l, 'terminated');
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: http.ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
