/**
 * The default {@link Marketplace}: protocol v1 over HTTP with undici. One keep-alive
 * `Agent` per client (or the caller's dispatcher), a timeout on every request, size
 * limits and schema checks on every response, retries within a client-wide budget,
 * and an API key that never leaves the `Authorization` header.
 */
import { inspect } from 'node:util';
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import { realClock, type Clock } from '../clock.js';
import type { MarketplaceConnectionOptions } from '../config/compute.js';
import { MarketplaceConnectionSchema } from '../config/compute.js';
import { ComputeError } from '../errors.js';
import type { Failure } from './http-errors.js';
import type { CallContext, CallSpec } from './http-call.js';
import { executeCall } from './http-call.js';
import type { MarketplaceEndpoint } from './endpoint.js';
import { parseMarketplaceUrl } from './endpoint.js';
import type { MarketCallOptions, Marketplace } from './marketplace.js';
import type { CreateLeaseRequest, Lease, Offer, OfferQuery } from './protocol.js';
import { LeaseResponseSchema, LeasesResponseSchema, OffersResponseSchema } from './protocol.js';
import { RetryBudget } from './retry-budget.js';
import { unlimitedListeners } from '../util/abort-listeners.js';

/** Collaborators and limits of {@link HttpMarketplace} that are not part of the user's connection options. */
export interface HttpMarketplaceDeps {
  /** Drives request timeouts and retry sleeps. @default the real clock */
  clock?: Clock;
  /** Uniform in [0, 1), for retry jitter. @default Math.random */
  random?: () => number;
  /** Largest response body read, in bytes; larger ones fail with `PROTOCOL_INVALID`. @default 1_048_576 (1 MiB) */
  maxResponseBytes?: number;
  /**
   * Retry token bucket; pass one instance to several clients to share it. @default new RetryBudget() (500 tokens)
   * @internal
   */
  retryBudget?: RetryBudget;
}

/** How the marketplace looks from this client right now (for metrics). */
export interface MarketplaceHealth {
  /** The last attempt failed in a way that makes the marketplace unusable, or the retry budget is empty. */
  degraded: boolean;
  /** Failed attempts (unreachable, 408/429/5xx, 401/403, malformed) since the last good answer. */
  consecutiveFailures: number;
  /** Error code of the latest of those failures; cleared by a good answer. */
  lastError?: string;
}

/**
 * Protocol-v1 marketplace client over HTTP.
 *
 * A dispatcher given as `connection.dispatcher` (e.g. undici's `MockAgent`) is used
 * as it is and not closed by {@link HttpMarketplace.close}; do not compose undici's
 * redirect interceptor into it, or the `Authorization` header would follow redirects.
 */
export class HttpMarketplace implements Marketplace {
  readonly #endpoint: MarketplaceEndpoint;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  /**
   * Aborts every call in flight on close(). Each in-flight call listens to it, so a busy
   * fleet has more than Node's default 10 listeners on it: no leak, hence no limit.
   */
  readonly #closing = unlimitedListeners(new AbortController());
  readonly #ctx: CallContext;
  #failures = 0;
  #lastError: string | undefined;
  #closed: Promise<void> | undefined;

  /** @throws ComputeError `CONFIG_INVALID` naming the bad `marketplace.*` option. */
  constructor(connection: MarketplaceConnectionOptions, deps: HttpMarketplaceDeps = {}) {
    const parsed = MarketplaceConnectionSchema.safeParse(connection);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = `marketplace.${issue?.path.map(String).join('.') ?? ''}`;
      throw new ComputeError('CONFIG_INVALID', `${path}: ${issue?.message ?? 'invalid'}`, { details: { path } });
    }
    const conn = parsed.data;
    const maxResponseBytes = deps.maxResponseBytes ?? 1_048_576;
    if (!Number.isInteger(maxResponseBytes) || maxResponseBytes <= 0) {
      throw new ComputeError('CONFIG_INVALID', `maxResponseBytes: must be a positive integer, got ${String(maxResponseBytes)}`);
    }
    this.#endpoint = parseMarketplaceUrl(conn.url, conn.allowInsecureHttp);
    this.#ownsDispatcher = conn.dispatcher === undefined;
    // undici 7 follows no redirects unless asked to, which is what we want.
    this.#dispatcher = conn.dispatcher ?? new Agent({ connect: { timeout: conn.timeoutMs } });
    this.#ctx = {
      dispatcher: this.#dispatcher,
      origin: this.#endpoint.origin,
      clock: deps.clock ?? realClock,
      random: deps.random ?? Math.random,
      timeoutMs: conn.timeoutMs,
      maxAttempts: conn.maxAttempts,
      maxResponseBytes,
      budget: deps.retryBudget ?? new RetryBudget(),
      secret: conn.apiKey,
      closing: this.#closing.signal,
      onOutcome: (failure) => this.#record(failure),
    };
  }

  /** The marketplace base URL (no credentials can be in it). */
  get url(): string {
    return this.#endpoint.origin + this.#endpoint.basePath;
  }

  /** Current health, for metrics. */
  get health(): MarketplaceHealth {
    const degraded = this.#failures > 0 || this.#ctx.budget.exhausted;
    return this.#lastError === undefined
      ? { degraded, consecutiveFailures: this.#failures }
      : { degraded, consecutiveFailures: this.#failures, lastError: this.#lastError };
  }

  /** `GET /v1/offers` with the query's filters. */
  async listOffers(query: OfferQuery, options?: MarketCallOptions): Promise<Offer[]> {
    // No model: every offer (the parameter is left out, as protocol v1 makes every filter optional).
    const params = query.gpu.length > 0 ? [`gpu=${query.gpu.map(encodeURIComponent).join(',')}`, `minGpus=${query.minGpus}`] : [`minGpus=${query.minGpus}`];
    if (query.minMemoryGb !== undefined) params.push(`minMemoryGb=${query.minMemoryGb}`);
    if (query.interruptible !== undefined) params.push(`interruptible=${query.interruptible}`);
    const body = await this.#call('GET', `/v1/offers?${params.join('&')}`, OffersResponseSchema, options);
    return body.offers;
  }

  /** `POST /v1/leases`; every retry sends the same `Idempotency-Key`. */
  async createLease(request: CreateLeaseRequest, idempotencyKey: string, options?: MarketCallOptions): Promise<Lease> {
    if (idempotencyKey === '') throw new ComputeError('MARKET_REJECTED', 'createLease: idempotencyKey must not be empty');
    const body = await this.#call('POST', '/v1/leases', LeaseResponseSchema, options, {
      body: JSON.stringify(request),
      headers: { 'idempotency-key': idempotencyKey },
    });
    return body.lease;
  }

  /** `GET /v1/leases/:id`. A missing lease is `MARKET_REJECTED` with `details.notFound`. */
  async getLease(id: string, options?: MarketCallOptions): Promise<Lease> {
    return (await this.#call('GET', leasePath(id), LeaseResponseSchema, options)).lease;
  }

  /** `GET /v1/leases?tag=key:value`. */
  async listLeases(tag: string, options?: MarketCallOptions): Promise<Lease[]> {
    const body = await this.#call('GET', `/v1/leases?tag=${encodeURIComponent(tag)}`, LeasesResponseSchema, options);
    return body.leases;
  }

  /**
   * `DELETE /v1/leases/:id`. An ended lease comes back as it is (the server makes
   * DELETE idempotent); a 404 stays `MARKET_REJECTED` with `details.notFound` so the
   * caller decides whether "unknown" means "released".
   */
  async releaseLease(id: string, options?: MarketCallOptions): Promise<Lease> {
    return (await this.#call('DELETE', leasePath(id), LeaseResponseSchema, options)).lease;
  }

  /** Abort calls in flight (they reject with `SHUTDOWN`) and free connections. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort();
      if (this.#ownsDispatcher) await this.#dispatcher.close();
    })();
    return this.#closed;
  }

  /** JSON form without the key. */
  toJSON(): Record<string, unknown> {
    return { url: this.url, apiKey: '***', timeoutMs: this.#ctx.timeoutMs, maxAttempts: this.#ctx.maxAttempts };
  }

  /** `util.inspect` / `console.log` form without the key. */
  [inspect.custom](): string {
    return `HttpMarketplace { url: '${this.url}', apiKey: '***' }`;
  }

  #call<T>(
    method: CallSpec<T>['method'],
    path: string,
    schema: CallSpec<T>['schema'],
    options: MarketCallOptions | undefined,
    extra: Pick<CallSpec<T>, 'body' | 'headers'> = {},
  ): Promise<T> {
    const label = `${method} ${path.split('?')[0] ?? path}`;
    return executeCall(this.#ctx, {
      method,
      path: this.#endpoint.basePath + path,
      label,
      schema,
      signal: options?.signal,
      ...extra,
    });
  }

  #record(failure: Failure | undefined): void {
    if (failure === undefined || !failure.unhealthy) {
      this.#failures = 0;
      this.#lastError = undefined;
      return;
    }
    this.#failures += 1;
    this.#lastError = failure.code;
  }
}

function leasePath(id: string): string {
  if (id === '') throw new ComputeError('MARKET_REJECTED', 'lease id must not be empty');
  return `/v1/leases/${encodeURIComponent(id)}`;
}
