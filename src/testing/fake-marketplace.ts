/**
 * A protocol-v1 marketplace for tests: a real `node:http` server on 127.0.0.1 whose
 * leases start real node servers, with per-second billing, idempotent lease
 * creation and switches for the faults a real marketplace has (5xx, 429, 402,
 * preemption, crashed nodes). No network beyond loopback, no dependency beyond zod.
 * It is the marketplace server core the embedded local marketplace also runs,
 * with in-process nodes instead of agent processes and offers that hold still.
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
import { realClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { ComputeError } from '../errors.js';
import { ENDED_LEASE_STATES, OfferSchema } from '../market/protocol.js';
import type { Lease, LeaseState, Offer } from '../market/protocol.js';
import type { Account } from '../local/market/account.js';
import { startMarketServer } from '../local/market/server.js';
import type { RequestLogEntry } from '../local/market/server.js';
import type { LeaseRecord } from '../local/market/lease-store.js';
import { echoTaskHandler } from './fake-node.js';
import type { FakeNode, FakeNodeStats, FakeTaskHandler } from './fake-node.js';
import { defaultFakeOffers } from './fake-offers.js';
import { FakeNodeRuntime } from './fake-runtime.js';

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
export type FakeRequestLogEntry = RequestLogEntry;

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
  /** The bill as `GET /v1/account` (a local extension of protocol v1) reports it. */
  account(): Account;
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
  if (options.rateLimit !== undefined) checkRateLimit(options.rateLimit);
  const runtime = new FakeNodeRuntime({ clock, slots, handler: options.handler ?? echoTaskHandler });
  const core = await startMarketServer({
    apiKey,
    clock,
    host: '127.0.0.1',
    port: 0,
    offers: () => offers,
    runtime,
    coldStartMs,
    balance: options.balance,
    rateLimit: options.rateLimit,
    failRate: () => failRate,
    random,
  });
  const { store } = core;
  const bill = (): FakeBill => {
    const account = core.account();
    return { total: account.total, leases: account.leases.map((l) => ({ id: l.id, billedSec: l.billedSec, cost: l.cost, state: l.state })) };
  };
  const record = (id: string): LeaseRecord => {
    const found = store.get(id);
    if (found === undefined) {
      throw new ComputeError('MARKET_REJECTED', `fake marketplace: no lease ${id}`, { details: { notFound: true } });
    }
    return found;
  };
  const nodeOf = (id: string): { node: FakeNode; launched: Promise<void> } => {
    const found = runtime.node(record(id).id);
    if (found === undefined) throw new ComputeError('MARKET_REJECTED', `fake marketplace: lease ${id} has no node`);
    return found;
  };

  return {
    url: core.url,
    apiKey,
    requestLog: core.requestLog,
    bill,
    account: core.account,
    leases: () => store.all().map((r) => store.view(r)),
    liveLeases: () => store.all().filter((r) => !ENDED_LEASE_STATES.has(r.state)).map((r) => store.view(r)),
    lease: (id) => {
      const found = store.get(id);
      return found === undefined ? undefined : store.view(found);
    },
    preempt: async (id) => store.end(record(id), 'preempted'),
    killNode: async (id) => {
      const { node, launched } = nodeOf(id);
      await launched.catch(() => undefined);
      await node.kill();
    },
    nodeStats: (id) => nodeOf(id).node.stats,
    setOffers: (next) => {
      offers = checkOffers(next);
    },
    setFailRate: (next) => {
      failRate = rate(next);
    },
    close: () => core.close(),
  };
}

function checkRateLimit(limit: { requests: number; windowMs: number }): void {
  if (!Number.isInteger(limit.requests) || limit.requests < 1) invalid('rateLimit.requests', 'must be an integer >= 1', limit.requests);
  nonNegative(limit.windowMs, 'rateLimit.windowMs');
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
