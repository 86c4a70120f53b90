/**
 * A protocol-v1 marketplace for tests: a real `node:http` server on 127.0.0.1 whose
 * leases start real node servers, with per-second billing, idempotent lease
 * creation and switches for the faults a real marketplace has (5xx, 429, 402,
 * preemption, crashed nodes). No network beyond loopback, no dependency beyond zod.
 *
 * @example
 * ```ts
 * const market = await createFakeMarketplace({ coldStartMs: 50 });
 * const compute = createCompute({ marketplace: { url: market.url, apiKey: market.apiKey } });
 * // ... run work ...
 * expect(market.bill().total).toBeLessThan(0.01);
 * await market.close();
 * ```
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { realClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { ComputeError } from '../errors.js';
import { ENDED_LEASE_STATES, OfferSchema } from '../market/protocol.js';
import type { Lease, LeaseState, Offer } from '../market/protocol.js';
import { bearerToken, destroyServer, listenLoopback, sameSecret, sendError } from './fake-http.js';
import { LeaseStore } from './fake-lease-store.js';
import type { LeaseRecord } from './fake-lease-store.js';
import { echoTaskHandler } from './fake-node.js';
import type { FakeNodeStats, FakeTaskHandler } from './fake-node.js';
import { defaultFakeOffers } from './fake-offers.js';
import { routeApi } from './fake-routes.js';
import type { RouteState } from './fake-routes.js';

/** Options of {@link createFakeMarketplace}. */
export interface FakeMarketplaceOptions {
  /** The key clients must send as `Authorization: Bearer`; others get 401. @default 'test-key' */
  apiKey?: string;
  /** Offers served. @default {@link defaultFakeOffers}: A100 on-demand $2/h, A100 spot $0.9/h, H100 $4/h, L4 $0.6/h */
  offers?: readonly Offer[];
  /** Time from lease creation to `running`, for every lease (offers' `coldStartSec` is informational). @default 1000 */
  coldStartMs?: number;
  /** Tasks a node runs at once; more wait in a FIFO on the node. @default 2 */
  slots?: number;
  /** Computes task outputs on the nodes. @default {@link echoTaskHandler} (sleeps `input.ms`, returns `{ echo: input }`) */
  handler?: FakeTaskHandler;
  /** Drives cold starts, billing and the default handler's sleeps. @default realClock */
  clock?: Clock;
  /** Fraction of API calls answered 503 before anything else happens. @default 0 */
  failRate?: number;
  /** Uniform in [0, 1), decides which calls `failRate` fails. @default Math.random */
  random?: () => number;
  /** At most `requests` API calls per fixed `windowMs` window; more get 429 with `Retry-After`. @default unlimited */
  rateLimit?: { requests: number; windowMs: number };
  /** Account balance; a lease whose first charge would take the bill past it gets 402. @default unlimited */
  balance?: number;
}

/** One served API request. Headers are never recorded. */
export interface FakeRequestLogEntry {
  /** HTTP method. */
  method: string;
  /** Path with query string. */
  path: string;
  /** Status sent; 0 when the connection closed before an answer. */
  status: number;
  /** Clock time the answer was sent. */
  at: number;
}

/** What {@link FakeMarketplace.bill} reports. */
export interface FakeBill {
  /** Sum of all lease costs, as of now. */
  total: number;
  /** Per lease, oldest first. */
  leases: { id: string; billedSec: number; cost: number; state: LeaseState }[];
}

/** A running fake marketplace and its test helpers. */
export interface FakeMarketplace {
  /** Base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The API key it accepts. */
  readonly apiKey: string;
  /** Every API request served, in order of answer. */
  readonly requestLog: readonly FakeRequestLogEntry[];
  /** The bill as of now. */
  bill(): FakeBill;
  /** Every lease ever created, as protocol v1 shows it. */
  leases(): Lease[];
  /** Leases that still bill (not terminated, preempted or failed). */
  liveLeases(): Lease[];
  /** One lease, or undefined. */
  lease(id: string): Lease | undefined;
  /** Preempt a lease: state `preempted`, billing stops, its node dies mid-request. */
  preempt(leaseId: string): Promise<void>;
  /** Crash a lease's node: connections die, but the lease still says `running` and bills. */
  killNode(leaseId: string): Promise<void>;
  /** Load of a lease's node: tasks running, waiting for a slot, finished. */
  nodeStats(leaseId: string): FakeNodeStats;
  /** Replace the offers (existing leases keep their price). */
  setOffers(offers: readonly Offer[]): void;
  /** Change the injected 503 rate. */
  setFailRate(rate: number): void;
  /** Close every server. Idempotent. */
  close(): Promise<void>;
}

/** Start a fake marketplace on 127.0.0.1 (free port). */
export async function createFakeMarketplace(options: FakeMarketplaceOptions = {}): Promise<FakeMarketplace> {
  const apiKey = options.apiKey ?? 'test-key';
  const clock = options.clock ?? realClock;
  const random = options.random ?? Math.random;
  const coldStartMs = nonNegative(options.coldStartMs ?? 1000, 'coldStartMs');
  const slots = options.slots ?? 2;
  if (!Number.isInteger(slots) || slots < 1) invalid('slots', 'must be an integer >= 1', slots);
  if (apiKey === '') invalid('apiKey', 'must not be empty', apiKey);
  let failRate = rate(options.failRate ?? 0);
  let offers = checkOffers(options.offers ?? defaultFakeOffers());
  const limiter = options.rateLimit === undefined ? undefined : fixedWindow(options.rateLimit, clock);

  const store = new LeaseStore({ clock, coldStartMs, slots, handler: options.handler ?? echoTaskHandler });
  const bill = (): FakeBill => {
    const leases = store.all().map((r) => {
      const v = store.view(r);
      return { id: v.id, billedSec: v.billedSec, cost: v.cost, state: v.state };
    });
    return { total: Math.round(leases.reduce((sum, l) => sum + l.cost, 0) * 1e6) / 1e6, leases };
  };
  const state: RouteState = { store, offers: () => offers, billTotal: () => bill().total, balance: options.balance };
  const requestLog: FakeRequestLogEntry[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (failRate > 0 && random() < failRate) return sendError(res, 503, 'UNAVAILABLE', 'injected failure');
    if (!sameSecret(bearerToken(req), apiKey)) return sendError(res, 401, 'UNAUTHORIZED', 'missing or wrong API key');
    const waitMs = limiter?.();
    if (waitMs !== undefined) {
      return sendError(res, 429, 'RATE_LIMITED', 'too many requests', {
        'retry-after': String(Math.ceil(waitMs / 1000)),
        'retry-after-ms': String(waitMs),
      });
    }
    await routeApi(state, req, res);
  };
  const server = createServer((req, res) => {
    let logged = false;
    const log = (): void => {
      if (logged) return;
      logged = true;
      const status = res.headersSent ? res.statusCode : 0;
      requestLog.push({ method: req.method ?? '', path: req.url ?? '', status, at: clock.now() });
    };
    res.once('finish', log);
    res.once('close', log);
    handle(req, res).catch(() => sendError(res, 500, 'INTERNAL', 'fake marketplace failed'));
  });
  const port = await listenLoopback(server);

  const record = (id: string): LeaseRecord => {
    const found = store.get(id);
    if (found === undefined) {
      throw new ComputeError('MARKET_REJECTED', `fake marketplace: no lease ${id}`, { details: { notFound: true } });
    }
    return found;
  };
  let closed: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requestLog,
    bill,
    leases: () => store.all().map((r) => store.view(r)),
    liveLeases: () => store.all().filter((r) => !ENDED_LEASE_STATES.has(r.state)).map((r) => store.view(r)),
    lease: (id) => {
      const found = store.get(id);
      return found === undefined ? undefined : store.view(found);
    },
    preempt: async (id) => store.end(record(id), 'preempted'),
    killNode: async (id) => {
      const r = record(id);
      await r.started.catch(() => undefined);
      await r.node.kill();
    },
    nodeStats: (id) => record(id).node.stats,
    setOffers: (next) => {
      offers = checkOffers(next);
    },
    setFailRate: (next) => {
      failRate = rate(next);
    },
    close: () => {
      closed ??= Promise.all([destroyServer(server), store.closeAll()]).then(() => undefined);
      return closed;
    },
  };
}

/** A fixed-window limiter: returns ms to wait when over the limit, else counts the call. */
function fixedWindow(limit: { requests: number; windowMs: number }, clock: Clock): () => number | undefined {
  if (!Number.isInteger(limit.requests) || limit.requests < 1) invalid('rateLimit.requests', 'must be an integer >= 1', limit.requests);
  nonNegative(limit.windowMs, 'rateLimit.windowMs');
  let windowStart = clock.now();
  let count = 0;
  return () => {
    const now = clock.now();
    if (now - windowStart >= limit.windowMs) {
      windowStart = now;
      count = 0;
    }
    if (count >= limit.requests) return Math.max(1, windowStart + limit.windowMs - now);
    count += 1;
    return undefined;
  };
}

function checkOffers(offers: readonly Offer[]): Offer[] {
  return offers.map((offer, i) => {
    const parsed = OfferSchema.safeParse(offer);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    return invalid(`offers.${i}.${issue?.path.join('.') ?? ''}`, issue?.message ?? 'invalid offer', undefined);
  });
}

function rate(value: number): number {
  if (!(value >= 0 && value <= 1)) invalid('failRate', 'must be within 0..1', value);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!(Number.isFinite(value) && value >= 0)) invalid(name, 'must be a finite number >= 0', value);
  return value;
}

function invalid(path: string, message: string, got: unknown): never {
  const suffix = got === undefined ? '' : `, got ${JSON.stringify(got)}`;
  throw new ComputeError('CONFIG_INVALID', `fake marketplace ${path}: ${message}${suffix}`, { details: { path } });
}
