/**
 * msw 2 request handlers for protocol v1: the fake marketplace's core (the same
 * lease store, billing, routes and faults as the loopback fake and the embedded
 * local marketplace) answering msw's fetch `Request`s, plus the node protocol of
 * every leased node under its own made-up origin.
 *
 * Transport, decided once: msw's `setupServer` intercepts global `fetch` and
 * `node:http`, not undici's own `request()`/`Pool`, which is what this SDK sends
 * with. So the handlers come with an undici {@link Dispatcher} that answers from
 * them in-process; pass it as `marketplace.dispatcher` and `nodeDispatcher` and
 * both marketplace and node calls reach the handlers, with no socket to a
 * marketplace and nothing patched globally. The same handlers also work in
 * `setupServer(...market.handlers)` for code of yours that uses `fetch`.
 *
 * @example
 * ```ts
 * const market = await marketplaceHandlers({ coldStartMs: 50 });
 * const compute = createCompute({ marketplace: market.connection, nodeDispatcher: market.dispatcher });
 * // ... run work, then:
 * await compute.shutdown();
 * market.expectNoLiveLeases();
 * await market.close();
 * ```
 */
import type { HttpHandler, RequestHandler } from 'msw';
import type { Dispatcher } from 'undici';
import { realClock } from '../../clock.js';
import type { Clock } from '../../clock.js';
import type { RequestLogEntry } from '../../local/market/server.js';
import { createFakeCore } from '../fake-core.js';
import type { FakeMarketplaceControls } from '../fake-core.js';
import { invalid } from '../fake-options.js';
import type { FakeMarketplaceOptions } from '../fake-options.js';
import { answerWithCore } from './fetch-adapter.js';
import { HandlersDispatcher } from './handlers-dispatcher.js';
import { loadMsw } from './load-msw.js';
import { ProxiedNodeRuntime } from './node-proxy.js';

/** Options of {@link marketplaceHandlers}: the fake marketplace's knobs, and where it pretends to live. */
export interface MarketplaceHandlersOptions extends FakeMarketplaceOptions {
  /**
   * Base URL the handlers answer at. Leased nodes answer at
   * `<scheme>://<leaseId>.nodes.<host>`. An `https` URL on a reserved `.test` name
   * passes the SDK's plain-HTTP check and can never reach a real host.
   * @default 'https://marketplace.test'
   */
  baseUrl?: string;
}

/** The `marketplace` option of `createCompute()` that reaches the handlers. */
export interface HandlersConnection {
  /** The handlers' base URL. */
  url: string;
  /** The API key the handlers accept. */
  apiKey: string;
  /** Answers from the handlers (see {@link MarketplaceHandlers.dispatcher}). */
  dispatcher: Dispatcher;
}

/** msw handlers serving a fake marketplace, with its controls and assertions. */
export interface MarketplaceHandlers extends FakeMarketplaceControls {
  /** The handlers' base URL, e.g. `https://marketplace.test`. */
  readonly url: string;
  /** msw request handlers: the marketplace API under `url`, and every leased node under its own origin. */
  readonly handlers: HttpHandler[];
  /**
   * An undici dispatcher that answers from {@link MarketplaceHandlers.handlers}:
   * pass it as `marketplace.dispatcher` and as `nodeDispatcher`.
   */
  readonly dispatcher: Dispatcher;
  /** `{ url, apiKey, dispatcher }`: the `marketplace` option of `createCompute()`. */
  readonly connection: HandlersConnection;
  /** The handlers, so that `setupServer(...market)` works as `setupServer(...market.handlers)`. */
  [Symbol.iterator](): Iterator<HttpHandler>;
}

/**
 * Build msw handlers for a fake protocol-v1 marketplace. Loads msw on first call
 * (an optional peer dependency; rejects with `CONFIG_INVALID` when it is missing).
 * Throws `CONFIG_INVALID` on a bad option, naming it.
 */
export async function marketplaceHandlers(options: MarketplaceHandlersOptions = {}): Promise<MarketplaceHandlers> {
  const base = parseBaseUrl(options.baseUrl ?? 'https://marketplace.test');
  const clock = options.clock ?? realClock;
  const msw = await loadMsw();
  const nodes = new ProxiedNodeRuntime((leaseId) => `${base.protocol}//${leaseId}.nodes.${base.host}`);
  const fake = createFakeCore(options, (runtime) => nodes.attach(runtime));
  const requestLog: RequestLogEntry[] = [];
  const adapter = { core: fake.core, clock, basePath: base.path, requestLog };
  const api = ({ request }: { request: Request }): Promise<Response> => answerWithCore(request, adapter);
  const { http } = msw;
  const root = base.origin + base.path;
  const handlers: HttpHandler[] = [
    http.get(`${root}/v1/offers`, api),
    http.get(`${root}/v1/account`, api),
    http.get(`${root}/v1/leases`, api),
    http.post(`${root}/v1/leases`, api),
    http.get(`${root}/v1/leases/:id`, api),
    http.delete(`${root}/v1/leases/:id`, api),
    http.all(`${base.protocol}//:lease.nodes.${base.host}/*`, ({ request, params }) => nodes.forward(String(params.lease), request)),
    // Anything else under the base gets the protocol's own 404/405 envelope, not msw's "unhandled".
    http.all(`${root}/*`, api),
  ];
  const dispatcher = new HandlersDispatcher((request) => msw.getResponse(handlers, request), clock);
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      await dispatcher.destroy();
      await fake.core.close();
      await nodes.close();
    })();
    return closed;
  };
  const url = root;
  return {
    ...fake.controls(requestLog, close),
    url,
    handlers,
    dispatcher,
    connection: { url, apiKey: fake.apiKey, dispatcher },
    [Symbol.iterator]: () => handlers[Symbol.iterator](),
  };
}

/**
 * An undici dispatcher that answers every request from the given msw handlers
 * (yours, or `market.handlers` combined with yours), for code that sends with
 * undici rather than `fetch`. A request no handler answers fails as
 * `ECONNREFUSED`. Loads msw on first call.
 *
 * @param clock drives `headersTimeout` of the requests it answers. @default realClock
 */
export async function handlersDispatcher(handlers: readonly RequestHandler[], clock: Clock = realClock): Promise<Dispatcher> {
  const msw = await loadMsw();
  const list = [...handlers];
  return new HandlersDispatcher((request) => msw.getResponse(list, request), clock);
}

function parseBaseUrl(raw: string): { origin: string; protocol: string; host: string; path: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalid('baseUrl', 'must be an http(s) URL', raw);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') invalid('baseUrl', 'must be an http(s) URL', raw);
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    invalid('baseUrl', 'must not have credentials, a query or a fragment', raw);
  }
  return { origin: url.origin, protocol: url.protocol, host: url.host, path: url.pathname.replace(/\/+$/, '') };
}
