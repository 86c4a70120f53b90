/**
 * The HTTP side every provider adapter shares: one keep-alive undici `Agent`, the
 * same retry, timeout, size-limit and redaction rules as the protocol-v1 client
 * (it runs through the same `executeCall`), and a health record for metrics.
 * Only the base URL, the error-body reading and the paths differ per provider.
 */
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import type { Clock } from '../clock.js';
import { ComputeError } from '../errors.js';
import { parseMarketplaceUrl } from '../market/endpoint.js';
import { executeCall } from '../market/http-call.js';
import type { CallContext } from '../market/http-call.js';
import type { Failure } from '../market/http-errors.js';
import type { MarketplaceHealth } from '../market/http-client.js';
import { RetryBudget } from '../market/retry-budget.js';
import { unlimitedListeners } from '../util/abort-listeners.js';

/** Settings of a {@link ProviderHttp}. */
export interface ProviderHttpOptions {
  /** Option prefix for messages (`vastai`, `runpod`). */
  name: string;
  apiKey: string;
  /** Origin plus the documented prefix, e.g. `https://console.vast.ai/api/v0`. */
  baseUrl: string;
  clock: Clock;
  timeoutMs: number;
  maxAttempts: number;
  dispatcher?: Dispatcher | undefined;
  random?: (() => number) | undefined;
  /** Reads the provider's error bodies (redacting `secret`). */
  refineFailure(failure: Failure, body: Buffer | 'too-large', secret: string): void;
}

/** One request. */
export interface ProviderRequest<T> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the origin (starting with `/`), query included. */
  path: string;
  schema: z.ZodType<T>;
  body?: unknown;
  signal?: AbortSignal | undefined;
  /** Attempts for this request (1: no retry, for creations). */
  maxAttempts?: number;
}

/** HTTP to one provider's API. */
export class ProviderHttp {
  /** `scheme://host[:port]` of the API. */
  readonly origin: string;
  /** Path prefix of `baseUrl` (e.g. `/api/v0`). */
  readonly basePath: string;
  readonly #ctx: CallContext;
  readonly #dispatcher: Dispatcher;
  readonly #owns: boolean;
  /**
   * Aborts every call in flight on close(). Each in-flight call listens to it, so a busy
   * fleet has more than Node's default 10 listeners on it: no leak, hence no limit.
   */
  readonly #closing = unlimitedListeners(new AbortController());
  #failures = 0;
  #lastError: string | undefined;

  /** @throws ComputeError `CONFIG_INVALID` naming `<name>.baseUrl` or `<name>.apiKey`. */
  constructor(options: ProviderHttpOptions) {
    if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
      throw new ComputeError('CONFIG_INVALID', `${options.name}.apiKey: must be a non-empty string`, { details: { path: `${options.name}.apiKey` } });
    }
    let endpoint;
    try {
      endpoint = parseMarketplaceUrl(options.baseUrl, false);
    } catch (error) {
      const reason = error instanceof ComputeError ? error.message.replace(/^marketplace\.url: /, '') : 'must be an http(s) URL';
      throw new ComputeError('CONFIG_INVALID', `${options.name}.baseUrl: ${reason.replace('marketplace.allowInsecureHttp', 'a loopback address')}`, {
        details: { path: `${options.name}.baseUrl` },
      });
    }
    this.origin = endpoint.origin;
    this.basePath = endpoint.basePath;
    this.#owns = options.dispatcher === undefined;
    this.#dispatcher = options.dispatcher ?? new Agent({ connect: { timeout: options.timeoutMs } });
    const secret = options.apiKey;
    this.#ctx = {
      dispatcher: this.#dispatcher,
      origin: this.origin,
      clock: options.clock,
      random: options.random ?? Math.random,
      timeoutMs: options.timeoutMs,
      maxAttempts: options.maxAttempts,
      maxResponseBytes: 4 * 1024 * 1024,
      budget: new RetryBudget(),
      secret,
      closing: this.#closing.signal,
      onOutcome: (failure) => this.#record(failure),
      refineFailure: (failure, body) => options.refineFailure(failure, body, secret),
    };
  }

  /** Failures since the last good answer, for metrics. */
  get health(): MarketplaceHealth {
    const degraded = this.#failures > 0 || this.#ctx.budget.exhausted;
    return this.#lastError === undefined
      ? { degraded, consecutiveFailures: this.#failures }
      : { degraded, consecutiveFailures: this.#failures, lastError: this.#lastError };
  }

  /** Whether {@link ProviderHttp.close} was called. */
  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  /** Send one request (with the usual retries) and parse the 2xx body with `schema`. */
  request<T>(req: ProviderRequest<T>): Promise<T> {
    const ctx = req.maxAttempts === undefined ? this.#ctx : { ...this.#ctx, maxAttempts: req.maxAttempts };
    return executeCall(ctx, {
      method: req.method,
      path: req.path,
      label: `${req.method} ${req.path.split('?')[0] ?? req.path}`,
      schema: req.schema,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: req.signal,
    });
  }

  /** Abort calls in flight and free connections. Idempotent. */
  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    if (this.#owns) await this.#dispatcher.close();
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
