/**
 * The marketplace core without a transport: protocol v1 (and the `GET /v1/account`
 * extension) over a {@link LeaseStore}, with the faults a real marketplace has
 * (401, 402, 409, 429 + Retry-After, injected 503s). The `node:http` server
 * (server.ts) and the msw handlers of `adaptive-compute/testing` both answer
 * through {@link MarketCore.handle}, so lease logic, billing and faults exist once.
 */
import type { Clock } from '../../clock.js';
import type { Offer } from '../../market/protocol.js';
import { buildAccount } from './account.js';
import type { Account } from './account.js';
import { bearerOf, errorReply } from './api.js';
import type { ApiReply, ApiRequest } from './api.js';
import { sameSecret } from './http-util.js';
import { LeaseStore } from './lease-store.js';
import type { LeaseChangeListener } from './lease-store.js';
import type { NodeRuntime } from './node-runtime.js';
import { fixedWindow } from './rate-limit.js';
import type { RateLimit } from './rate-limit.js';
import { routeApi } from './routes.js';
import type { RouteState } from './routes.js';

/** Options of {@link createMarketCore}, already validated by the shell around it. */
export interface MarketCoreOptions {
  /** Key clients must send as `Authorization: Bearer`. */
  apiKey: string;
  /** Drives lease timing, billing and the rate-limit window. */
  clock: Clock;
  /** Offers as of now; called on every request that needs them. */
  offers: () => readonly Offer[];
  /** Runs the leases' nodes. */
  runtime: NodeRuntime;
  /** Creation to node boot, ms. */
  coldStartMs: number;
  /** Account balance; 402 once a lease's minimum charge would pass it. */
  balance?: number | undefined;
  /** Past it, 429 with Retry-After. */
  rateLimit?: RateLimit | undefined;
  /** Fraction of calls answered 503 before anything else (read on each call). */
  failRate?: () => number;
  /** Uniform in [0, 1), decides which calls `failRate` fails. */
  random?: () => number;
  /** When a lease starts running: ms until it is preempted, or undefined. */
  preemptAfterMs?: (offer: Offer) => number | undefined;
  /** Told about every lease state change. */
  onLeaseChange?: LeaseChangeListener;
  /** Currency of the bill. @default 'USD' */
  currency?: string;
}

/** A marketplace that answers {@link ApiRequest}s. */
export interface MarketCore {
  /** The leases. */
  readonly store: LeaseStore;
  /** The bill as of now. */
  account(): Account;
  /** Answer one request: fault injection, auth and rate limit first, then the routes. */
  handle(req: ApiRequest): Promise<ApiReply>;
  /** Kill every node and cancel every lease timer. Idempotent. */
  close(): Promise<void>;
}

/** Build a marketplace core; it serves nothing until an adapter feeds it requests. */
export function createMarketCore(options: MarketCoreOptions): MarketCore {
  const { apiKey, clock } = options;
  const store = new LeaseStore({
    clock,
    coldStartMs: options.coldStartMs,
    runtime: options.runtime,
    ...(options.preemptAfterMs ? { preemptAfterMs: options.preemptAfterMs } : {}),
    ...(options.onLeaseChange ? { onChange: options.onLeaseChange } : {}),
  });
  const limiter = options.rateLimit === undefined ? undefined : fixedWindow(options.rateLimit, clock);
  const account = (): Account => buildAccount(store, clock.now(), options.balance, options.currency ?? 'USD');
  const state: RouteState = {
    store,
    offers: options.offers,
    billTotal: () => account().total,
    account,
    balance: options.balance,
  };
  let closed: Promise<void> | undefined;
  return {
    store,
    account,
    handle: async (req) => {
      const failRate = options.failRate?.() ?? 0;
      if (failRate > 0 && (options.random ?? Math.random)() < failRate) return errorReply(503, 'UNAVAILABLE', 'injected failure');
      if (!sameSecret(bearerOf(req.header('authorization')), apiKey)) return errorReply(401, 'UNAUTHORIZED', 'missing or wrong API key');
      const waitMs = limiter?.();
      if (waitMs !== undefined) {
        return errorReply(429, 'RATE_LIMITED', 'too many requests', {
          'retry-after': String(Math.ceil(waitMs / 1000)),
          'retry-after-ms': String(waitMs),
        });
      }
      return routeApi(state, req);
    },
    close: () => {
      closed ??= store.closeAll();
      return closed;
    },
  };
}
