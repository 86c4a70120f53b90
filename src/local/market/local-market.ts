/**
 * The embedded local marketplace: the marketplace server core with offers for
 * several GPU models whose prices move, interruptible leases that get preempted,
 * and nodes that are real `adaptive-compute agent` processes. `adaptive-compute
 * market` runs it as a server; `createCompute()` with no `marketplace` starts one
 * in-process on first need (see {@link LocalMarketplace}).
 *
 * @example
 * ```ts
 * const market = await startLocalMarket({ coldStartMs: 500 });
 * const compute = createCompute({ marketplace: { url: market.url, apiKey: market.apiKey } });
 * // ... run work, shut down ...
 * console.log(market.account().total);
 * await market.close(); // every agent process has exited when this resolves
 * ```
 */
import { existsSync } from 'node:fs';
import { realClock } from '../../clock.js';
import { ComputeError } from '../../errors.js';
import { ENDED_LEASE_STATES } from '../../market/protocol.js';
import type { Lease, Offer } from '../../market/protocol.js';
import { hashSeed, seededRandom } from '../random.js';
import type { Account } from './account.js';
import { findAgentEntry } from './agent-entry.js';
import { AgentProcessRuntime } from './agent-runtime.js';
import { defaultLocalOffers } from './local-offers.js';
import { parseLocalMarketOptions } from './options.js';
import type { LocalMarketOptions } from './options.js';
import { PriceWalk } from './prices.js';
import { startMarketServer } from './server.js';
import type { RequestLogEntry } from './server.js';

/** A running local marketplace. */
export interface LocalMarketServer {
  /** Base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The key it accepts (pass it as `marketplace.apiKey`). */
  readonly apiKey: string;
  /** Every API request served (no headers are kept). */
  readonly requestLog: readonly RequestLogEntry[];
  /** Offers with prices as of now. */
  offers(): Offer[];
  /** The bill as of now (what `GET /v1/account` serves). */
  account(): Account;
  /** Every lease ever created, as protocol v1 shows it. */
  leases(): Lease[];
  /** Leases that still bill. */
  liveLeases(): Lease[];
  /** One lease, or undefined. */
  lease(id: string): Lease | undefined;
  /** Preempt a lease now: its agent process is killed, the lease shows `preempted`. */
  preempt(leaseId: string): Promise<void>;
  /** Pids of agent processes still running, by lease id. */
  agentPids(): Map<string, number>;
  /** Stop listening and stop every agent; resolves once they have all exited. Idempotent. */
  close(): Promise<void>;
}

/** Start a local marketplace; resolves once it listens. Throws `CONFIG_INVALID` on a bad option. */
export async function startLocalMarket(options?: LocalMarketOptions): Promise<LocalMarketServer> {
  const config = parseLocalMarketOptions(options);
  const clock = config.clock ?? realClock;
  const entry = config.agentEntry ?? findAgentEntry();
  if (entry === undefined || !existsSync(entry)) {
    throw new ComputeError(
      'MARKET_REJECTED',
      'local marketplace: cannot find the node agent script (dist/cli.js of adaptive-compute); in a clone, run `npm run build` first',
      { retryable: false },
    );
  }
  const baseOffers =
    config.offers ??
    defaultLocalOffers({
      // Advertise what a lease really takes: the cold start plus the agent's own start-up.
      coldStartSec: Math.round((config.coldStartMs + 300) / 100) / 10,
      billingIncrementSec: config.billingIncrementSec,
      minLeaseSec: config.minLeaseSec,
      available: config.available,
    });
  const walk = config.prices === false ? undefined : new PriceWalk(baseOffers, config.seed, clock, config.prices);
  const preemption = seededRandom(hashSeed(config.seed, 'preemption'));
  const rate = config.preemptionRatePerHour;
  const runtime = new AgentProcessRuntime({
    entry,
    slots: config.slots,
    seed: config.seed,
    defaultHandler: config.defaultHandler,
    host: config.host,
    cwd: config.cwd ?? process.cwd(),
    bootTimeoutMs: config.bootTimeoutMs,
    killGraceMs: 3_000,
    unref: !config.keepProcessAlive,
    clock,
  });
  const core = await startMarketServer({
    apiKey: config.apiKey,
    clock,
    host: config.host,
    port: config.port,
    offers: () => (walk ? walk.current() : baseOffers),
    runtime,
    coldStartMs: config.coldStartMs,
    balance: config.balance,
    rateLimit: config.rateLimit,
    preemptAfterMs: (offer) => (offer.interruptible && rate > 0 ? preemption.exponential(3_600_000 / rate) : undefined),
    ...(config.onLeaseChange ? { onLeaseChange: config.onLeaseChange } : {}),
    unref: !config.keepProcessAlive,
  });
  const { store } = core;
  return {
    url: core.url,
    apiKey: config.apiKey,
    requestLog: core.requestLog,
    offers: () => (walk ? walk.current() : [...baseOffers]),
    account: core.account,
    leases: () => store.all().map((r) => store.view(r)),
    liveLeases: () => store.all().filter((r) => !ENDED_LEASE_STATES.has(r.state)).map((r) => store.view(r)),
    lease: (id) => {
      const found = store.get(id);
      return found === undefined ? undefined : store.view(found);
    },
    preempt: async (id) => {
      const found = store.get(id);
      if (found === undefined) throw new ComputeError('MARKET_REJECTED', `local marketplace: no lease ${id}`, { details: { notFound: true } });
      await store.end(found, 'preempted');
    },
    agentPids: () => runtime.pids(),
    close: () => core.close(),
  };
}
