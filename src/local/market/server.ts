/**
 * The marketplace core ({@link createMarketCore}) served by one `node:http` server.
 * Both the embedded local marketplace and the `testing` fake are thin shells around
 * it; they differ in offers, prices and the {@link NodeRuntime} that runs nodes.
 */
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../../clock.js';
import type { Account } from './account.js';
import type { ApiRequest } from './api.js';
import { createMarketCore } from './core.js';
import type { MarketCore, MarketCoreOptions } from './core.js';
import { destroyServer, listenOn, readJsonBody, sendError, sendJson } from './http-util.js';
import type { LeaseStore } from './lease-store.js';

/** Options of {@link startMarketServer}, already validated by the shell around it. */
export interface MarketServerOptions extends MarketCoreOptions, ListenOptions {}

/** Where and how {@link serveMarketCore} listens. */
export interface ListenOptions {
  /** Interface to listen on. Loopback unless the caller decided otherwise. */
  host: string;
  /** Port; 0 picks a free one. */
  port: number;
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
  return serveMarketCore(createMarketCore(options), options.clock, options);
}

/** Serve a core over `node:http`; resolves once it listens. Closing the server closes the core. */
export async function serveMarketCore(core: MarketCore, clock: Clock, listen: ListenOptions): Promise<MarketServer> {
  const requestLog: RequestLogEntry[] = [];
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
    core.handle(apiRequestOf(req)).then(
      (reply) => sendJson(res, reply.status, reply.body, reply.headers),
      () => sendError(res, 500, 'INTERNAL', 'marketplace failed'),
    );
  });
  const port = await listenOn(server, listen.host, listen.port);
  if (listen.unref) server.unref();
  let closed: Promise<void> | undefined;
  // A wildcard address is not somewhere to connect to: clients on this machine use loopback.
  const wildcard = listen.host === '0.0.0.0' || listen.host === '::';
  const host = wildcard ? '127.0.0.1' : listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    url: `http://${host}:${port}`,
    port,
    store: core.store,
    requestLog,
    account: core.account,
    close: () => {
      closed ??= Promise.all([destroyServer(server), core.close()]).then(() => undefined);
      return closed;
    },
  };
}

function apiRequestOf(req: IncomingMessage): ApiRequest {
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    header: (name) => {
      const value = req.headers[name];
      // Repeated headers read as fetch's `Headers.get` would: joined with ", ".
      return Array.isArray(value) ? value.join(', ') : value;
    },
    json: () => readJsonBody(req),
  };
}
