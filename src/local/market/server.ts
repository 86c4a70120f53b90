/**
 * The marketplace server core: one `node:http` server that serves protocol v1 (and
 * the `GET /v1/account` extension) over a {@link LeaseStore}, with the faults a real
 * marketplace has (401, 402, 409, 429 + Retry-After, injected 503s). Both the
 * embedded local marketplace and the `testing` fake are thin shells around it; they
 * differ in offers, prices and the {@link NodeRuntime} that runs nodes.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../clock.js';
import type { Offer } from '../../market/protocol.js';
import { buildAccount } from './account.js';
import type { Account } from './account.js';
import { bearerToken, destroyServer, listenOn, sameSecret, sendError } from './http-util.js';
import { LeaseStore } from './lease-store.js';
import type { LeaseChangeListener } from './lease-store.js';
import type { NodeRuntime } from './node-runtime.js';
import { fixedWindow } from './rate-limit.js';
import type { RateLimit } from './rate-limit.js';
import { routeApi } from './routes.js';
import type { RouteState } from './routes.js';

/** Options of {@link startMarketServer}, already validated by the shell around it. */
export interface MarketServerOptions {
  /** Key clients must send as `Authorization: Bearer`. */
  apiKey: string;
  clock: Clock;
  /** Interface to listen on. Loopback unless the caller decided otherwise. */
  host: string;
  /** Port; 0 picks a free one. */
  port: number;
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
  /** Let the process exit while the server listens (an embedded server must not hold an app open). @default false */
  unref?: boolean;
}

/** One served API request. Headers are never recorded. */
export interface RequestLogEntry {
  /** HTTP method. */
  method: string;
  /** Path with query string. */
  path: string;
  /** Status sent; 0 when the connection closed before an answer. */
  status: number;
  /** Clock time the answer was sent. */
  at: number;
}

/** A listening marketplace server. */
export interface MarketServer {
  /** `http://<host>:<port>`. */
  readonly url: string;
  /** Port bound. */
  readonly port: number;
  /** The leases. */
  readonly store: LeaseStore;
  /** Every API request served, in order of answer. */
  readonly requestLog: RequestLogEntry[];
  /** The bill as of now. */
  account(): Account;
  /** Stop listening, drop connections and kill every node. Idempotent. */
  close(): Promise<void>;
}

/** Start the server core; resolves once it listens. */
export async function startMarketServer(options: MarketServerOptions): Promise<MarketServer> {
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
  const requestLog: RequestLogEntry[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const failRate = options.failRate?.() ?? 0;
    if (failRate > 0 && (options.random ?? Math.random)() < failRate) return sendError(res, 503, 'UNAVAILABLE', 'injected failure');
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
    handle(req, res).catch(() => sendError(res, 500, 'INTERNAL', 'marketplace failed'));
  });
  const port = await listenOn(server, options.host, options.port);
  if (options.unref) server.unref();
  let closed: Promise<void> | undefined;
  // A wildcard address is not somewhere to connect to: clients on this machine use loopback.
  const wildcard = options.host === '0.0.0.0' || options.host === '::';
  const host = wildcard ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    store,
    requestLog,
    account,
    close: () => {
      closed ??= Promise.all([destroyServer(server), store.closeAll()]).then(() => undefined);
      return closed;
    },
  };
}
