/**
 * Protocol-v1 routes of the marketplace server core (the embedded local marketplace
 * and the `testing` fake). Request bodies are checked with the shared zod schemas;
 * every error uses the protocol's error envelope. `GET /v1/account` is a local
 * extension (see account.ts). Routes take and return transport-free values
 * (api.ts), so the `node:http` server and the msw handlers share them.
 */
import { CreateLeaseRequestSchema } from '../../market/protocol.js';
import type { Offer } from '../../market/protocol.js';
import type { Account } from './account.js';
import { errorReply, jsonReply } from './api.js';
import type { ApiReply, ApiRequest } from './api.js';
import { minimumCharge } from './billing.js';
import type { LeaseStore } from './lease-store.js';

/** What the routes read from the marketplace around them. */
export interface RouteState {
  store: LeaseStore;
  /** Offers as of now (prices may move between calls). */
  offers(): readonly Offer[];
  /** Sum of every lease's bill as of now. */
  billTotal(): number;
  /** The bill, for `GET /v1/account`. */
  account(): Account;
  /** Money on the account; a lease whose minimum charge would pass it gets 402. */
  balance: number | undefined;
}

/** Answer one authenticated protocol-v1 request. */
export async function routeApi(state: RouteState, req: ApiRequest): Promise<ApiReply> {
  const url = new URL(req.url, 'http://market.invalid');
  const path = url.pathname;
  const method = req.method;
  if (path === '/v1/offers') {
    if (method !== 'GET') return errorReply(405, 'METHOD_NOT_ALLOWED', 'use GET');
    return listOffers(state, url.searchParams);
  }
  if (path === '/v1/account') {
    if (method !== 'GET') return errorReply(405, 'METHOD_NOT_ALLOWED', 'use GET');
    return jsonReply(200, { account: state.account() });
  }
  if (path === '/v1/leases') {
    if (method === 'POST') return createLease(state, req);
    if (method === 'GET') return listLeases(state, url.searchParams);
    return errorReply(405, 'METHOD_NOT_ALLOWED', 'use GET or POST');
  }
  const match = /^\/v1\/leases\/([^/]+)$/.exec(path);
  if (match !== null) {
    const record = state.store.get(safeDecode(match[1] ?? ''));
    if (record === undefined) return errorReply(404, 'LEASE_NOT_FOUND', 'no such lease');
    if (method === 'GET') return jsonReply(200, { lease: state.store.view(record) });
    if (method === 'DELETE') {
      await state.store.end(record, 'terminated');
      return jsonReply(200, { lease: state.store.view(record) });
    }
    return errorReply(405, 'METHOD_NOT_ALLOWED', 'use GET or DELETE');
  }
  return errorReply(404, 'NOT_FOUND', `no route ${method} ${path}`);
}

function listOffers(state: RouteState, query: URLSearchParams): ApiReply {
  const gpu = query.get('gpu');
  const models = gpu === null || gpu === '' ? undefined : new Set(gpu.split(','));
  const minGpus = numberParam(query, 'minGpus');
  const minMemoryGb = numberParam(query, 'minMemoryGb');
  const interruptible = query.get('interruptible');
  if (Number.isNaN(minGpus) || Number.isNaN(minMemoryGb)) {
    return errorReply(400, 'INVALID_QUERY', 'minGpus and minMemoryGb must be numbers');
  }
  if (interruptible !== null && interruptible !== 'true' && interruptible !== 'false') {
    return errorReply(400, 'INVALID_QUERY', 'interruptible must be true or false');
  }
  const offers = state
    .offers()
    .filter(
      (o) =>
        (models === undefined || models.has(o.gpu.model)) &&
        (minGpus === undefined || o.gpu.count >= minGpus) &&
        (minMemoryGb === undefined || o.gpu.memoryGb >= minMemoryGb) &&
        (interruptible === null || o.interruptible === (interruptible === 'true')),
    )
    .map((o) => ({ ...o, available: Math.max(0, o.available - state.store.liveCount(o.id)) }));
  return jsonReply(200, { offers });
}

async function createLease(state: RouteState, req: ApiRequest): Promise<ApiReply> {
  const key = req.header('idempotency-key');
  if (key === undefined || key === '') {
    return errorReply(400, 'IDEMPOTENCY_KEY_REQUIRED', 'POST /v1/leases needs an Idempotency-Key header');
  }
  const body = await req.json();
  if (!body.ok) return errorReply(400, 'INVALID_REQUEST', body.message);
  const parsed = CreateLeaseRequestSchema.safeParse(body.value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    return errorReply(400, 'INVALID_REQUEST', issues);
  }
  const request = parsed.data;
  const fingerprint = JSON.stringify(request);
  const earlier = state.store.byIdempotencyKey(key);
  if (earlier !== undefined) {
    if (earlier.fingerprint !== fingerprint) {
      return errorReply(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different body');
    }
    await earlier.record.node.launched;
    return jsonReply(200, { lease: state.store.view(earlier.record) });
  }
  const offer = state.offers().find((o) => o.id === request.offerId);
  if (offer === undefined || offer.available - state.store.liveCount(offer.id) <= 0) {
    return errorReply(409, 'OFFER_GONE', `offer ${request.offerId} is not available`);
  }
  if (offer.pricePerHour > request.maxPricePerHour) {
    return errorReply(409, 'OFFER_GONE', `offer ${offer.id} costs ${offer.pricePerHour}/h now, more than maxPricePerHour ${request.maxPricePerHour}`);
  }
  if (state.balance !== undefined && state.billTotal() + minimumCharge(offer) > state.balance) {
    return errorReply(402, 'INSUFFICIENT_FUNDS', 'the account balance does not cover this lease');
  }
  const record = state.store.create(offer, request, key, fingerprint);
  await record.node.launched;
  return jsonReply(201, { lease: state.store.view(record) });
}

function listLeases(state: RouteState, query: URLSearchParams): ApiReply {
  const tag = query.get('tag');
  let filter: ((tags: Record<string, string>) => boolean) | undefined;
  if (tag !== null) {
    const at = tag.indexOf(':');
    if (at <= 0) return errorReply(400, 'INVALID_QUERY', 'tag must be key:value');
    const key = tag.slice(0, at);
    const value = tag.slice(at + 1);
    filter = (tags) => tags[key] === value;
  }
  const leases = state.store
    .all()
    .filter((r) => filter === undefined || filter(r.request.tags))
    .map((r) => state.store.view(r));
  return jsonReply(200, { leases });
}

function numberParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  return raw === null || raw === '' ? undefined : Number(raw);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
