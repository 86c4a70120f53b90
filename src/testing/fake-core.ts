/**
 * What a fake marketplace is, whatever carries its requests: the shared marketplace
 * core with in-process nodes, the fake's options applied, and the test controls
 * and assertions. {@link createFakeMarketplace} serves it over loopback;
 * `marketplaceHandlers()` answers msw requests with it.
 */
import { AssertionError } from 'node:assert';
import { realClock, sleep } from '../clock.js';
import { ComputeError } from '../errors.js';
import { ENDED_LEASE_STATES } from '../market/protocol.js';
import type { Lease, LeaseState, Offer } from '../market/protocol.js';
import type { Account } from '../local/market/account.js';
import { createMarketCore } from '../local/market/core.js';
import type { MarketCore } from '../local/market/core.js';
import type { LeaseRecord } from '../local/market/lease-store.js';
import type { NodeRuntime } from '../local/market/node-runtime.js';
import type { RequestLogEntry } from '../local/market/server.js';
import { echoTaskHandler } from './fake-node.js';
import type { FakeNode, FakeNodeStats, FakeTaskHandler } from './fake-node.js';
import { defaultFakeOffers } from './fake-offers.js';
import { checkOffers, checkRateLimit, fraction, invalid, nonNegative } from './fake-options.js';
import type { FakeMarketplaceOptions } from './fake-options.js';
import { FakeNodeRuntime } from './fake-runtime.js';

/** One served API request. Headers are never recorded. */
export type FakeRequestLogEntry = RequestLogEntry;

/** What `bill()` reports. */
export interface FakeBill {
  /** Sum of all lease costs, as of now. */
  total: number;
  /** Per lease, oldest first. */
  leases: { id: string; billedSec: number; cost: number; state: LeaseState }[];
}

/** Test controls and assertions of a fake marketplace, served over loopback or by msw handlers. */
export interface FakeMarketplaceControls {
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
  /**
   * Assert that no lease still bills (typically after `compute.shutdown()`).
   * @throws AssertionError (from `node:assert`) listing the live leases
   */
  expectNoLiveLeases(): void;
  /**
   * Assert that the bill total is at most `max` (in the offers' currency).
   * @throws AssertionError (from `node:assert`) with the total and the per-lease lines
   */
  expectBillAtMost(max: number): void;
  /** Close every server and node. Idempotent. */
  close(): Promise<void>;
}

/** A fake marketplace before a transport is attached. */
export interface FakeCore {
  /** The shared marketplace core, to be served by a transport. */
  readonly core: MarketCore;
  /** The API key the core accepts. */
  readonly apiKey: string;
  /** Controls over the core; `requestLog` and `close` come from the transport. */
  controls(requestLog: readonly FakeRequestLogEntry[], close: () => Promise<void>): FakeMarketplaceControls;
}

/** Validate the options and build the core. `wrapRuntime` lets a transport relabel node endpoints. */
export function createFakeCore(options: FakeMarketplaceOptions, wrapRuntime?: (runtime: NodeRuntime) => NodeRuntime): FakeCore {
  const apiKey = options.apiKey ?? 'test-key';
  const clock = options.clock ?? realClock;
  const random = options.random ?? Math.random;
  const coldStartMs = nonNegative(options.coldStartMs ?? 1000, 'coldStartMs');
  const slots = options.slots ?? 2;
  if (!Number.isInteger(slots) || slots < 1) invalid('slots', 'must be an integer >= 1', slots);
  if (apiKey === '') invalid('apiKey', 'must not be empty', apiKey);
  let failRate = fraction(options.failRate ?? 0, 'failRate');
  let offers = checkOffers(options.offers ?? defaultFakeOffers());
  if (options.rateLimit !== undefined) checkRateLimit(options.rateLimit);
  const handler = withFaults(options.handler ?? echoTaskHandler, options, random);
  const runtime = new FakeNodeRuntime({ clock, slots, handler });
  const core = createMarketCore({
    apiKey,
    clock,
    offers: () => offers,
    runtime: wrapRuntime ? wrapRuntime(runtime) : runtime,
    coldStartMs,
    balance: options.balance,
    rateLimit: options.rateLimit,
    failRate: () => failRate,
    random,
    ...preemption(options.preemptAfterMs),
  });
  const { store } = core;
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
  const bill = (): FakeBill => {
    const account = core.account();
    return { total: account.total, leases: account.leases.map((l) => ({ id: l.id, billedSec: l.billedSec, cost: l.cost, state: l.state })) };
  };
  const liveLeases = (): Lease[] => store.all().filter((r) => !ENDED_LEASE_STATES.has(r.state)).map((r) => store.view(r));

  return {
    core,
    apiKey,
    controls: (requestLog, close) => ({
      apiKey,
      requestLog,
      bill,
      account: core.account,
      leases: () => store.all().map((r) => store.view(r)),
      liveLeases,
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
        failRate = fraction(next, 'failRate');
      },
      expectNoLiveLeases: () => {
        const live = liveLeases();
        if (live.length === 0) return;
        // Ids, offers and states only: a lease view also carries its node token.
        const lines = live.map((l) => `${l.id} (${l.offerId}, ${l.state})`).join(', ');
        throw new AssertionError({ message: `expected no live leases, found ${live.length}: ${lines}`, actual: live.length, expected: 0, operator: '===' });
      },
      expectBillAtMost: (max) => {
        const current = bill();
        if (current.total <= max) return;
        const lines = current.leases.map((l) => `${l.id} ${l.billedSec}s ${l.cost}`).join(', ');
        throw new AssertionError({ message: `expected the bill to be at most ${max}, it is ${current.total} (${lines})`, actual: current.total, expected: max, operator: '<=' });
      },
      close,
    }),
  };
}

/** The handler with the emulated service time and injected task failures around it. */
function withFaults(handler: FakeTaskHandler, options: FakeMarketplaceOptions, random: () => number): FakeTaskHandler {
  const { serviceMs } = options;
  const failRate = fraction(options.taskFailRate ?? 0, 'taskFailRate');
  if (typeof serviceMs === 'number') nonNegative(serviceMs, 'serviceMs');
  else if (serviceMs !== undefined && typeof serviceMs !== 'function') invalid('serviceMs', 'must be a number or a function', serviceMs);
  if (serviceMs === undefined && failRate === 0) return handler;
  return async (input, ctx) => {
    const ms = typeof serviceMs === 'function' ? serviceMs(input) : (serviceMs ?? 0);
    if (ms > 0) await sleep(ctx.clock, ms, ctx.signal);
    // Failing after the service time is what a GPU job that crashes looks like: the slot was used.
    if (failRate > 0 && random() < failRate) throw new ComputeError('NODE_FAILED', 'injected task failure');
    return handler(input, ctx);
  };
}

function preemption(option: FakeMarketplaceOptions['preemptAfterMs']): { preemptAfterMs?: (offer: Offer) => number | undefined } {
  if (option === undefined) return {};
  if (typeof option === 'function') return { preemptAfterMs: option };
  nonNegative(option, 'preemptAfterMs');
  return { preemptAfterMs: (offer) => (offer.interruptible ? option : undefined) };
}
