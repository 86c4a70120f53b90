/**
 * The {@link Marketplace} `createCompute()` uses when no `marketplace` is given: an
 * embedded local marketplace that starts on first need (the first offer listing or
 * lease request) and speaks protocol v1 to it over loopback through the same
 * {@link HttpMarketplace} client a remote marketplace gets. `close()` (called by
 * `compute.shutdown()`) stops the server and every agent process.
 */
import { inspect } from 'node:util';
import { realClock } from '../../clock.js';
import type { Clock } from '../../clock.js';
import { ComputeError } from '../../errors.js';
import { HttpMarketplace } from '../../market/http-client.js';
import type { MarketplaceHealth } from '../../market/http-client.js';
import type { MarketCallOptions, Marketplace } from '../../market/marketplace.js';
import type { CreateLeaseRequest, Lease, Offer, OfferQuery } from '../../market/protocol.js';
import type { LocalMarketServer } from './local-market.js';
import { parseLocalMarketOptions } from './options.js';
import type { LocalMarketOptions } from './options.js';

interface Started {
  server: LocalMarketServer;
  client: HttpMarketplace;
}

/**
 * A lazily started local marketplace. Pass one as `createCompute({ marketplace })`
 * to tune it (cold start, prices, preemption); you then close it yourself after
 * `compute.shutdown()`.
 */
export class LocalMarketplace implements Marketplace {
  readonly #options: LocalMarketOptions;
  readonly #clock: Clock;
  #starting: Promise<Started> | undefined;
  #started: Started | undefined;
  #closed: Promise<void> | undefined;

  /** Checks the options at once (`CONFIG_INVALID`); starts nothing. */
  constructor(options: LocalMarketOptions = {}) {
    parseLocalMarketOptions(options);
    this.#options = options;
    this.#clock = options.clock ?? realClock;
  }

  /** The running server (bill, leases, agent pids), once started. */
  get server(): LocalMarketServer | undefined {
    return this.#started?.server;
  }

  /** Health of the loopback client, for `compute.metrics().marketplace`. */
  get health(): MarketplaceHealth {
    return this.#started?.client.health ?? { degraded: false, consecutiveFailures: 0 };
  }

  /** Start now rather than on first need. Idempotent; rejects after `close()`. */
  async start(): Promise<LocalMarketServer> {
    return (await this.#ensure()).server;
  }

  /** `GET /v1/offers` (starts the marketplace). */
  async listOffers(query: OfferQuery, options?: MarketCallOptions): Promise<Offer[]> {
    return (await this.#ensure()).client.listOffers(query, options);
  }

  /** `POST /v1/leases` (starts the marketplace). */
  async createLease(request: CreateLeaseRequest, idempotencyKey: string, options?: MarketCallOptions): Promise<Lease> {
    return (await this.#ensure()).client.createLease(request, idempotencyKey, options);
  }

  /** `GET /v1/leases/:id`; before the start no lease exists. */
  async getLease(id: string, options?: MarketCallOptions): Promise<Lease> {
    return (await this.#runningOrNotFound(id)).client.getLease(id, options);
  }

  /** `GET /v1/leases?tag=`; before the start there are none (a fresh local marketplace has no leases to reconcile). */
  async listLeases(tag: string, options?: MarketCallOptions): Promise<Lease[]> {
    if (this.#closed) throw closedError();
    if (this.#starting === undefined) return [];
    return (await this.#ensure()).client.listLeases(tag, options);
  }

  /** `DELETE /v1/leases/:id`; before the start no lease exists. */
  async releaseLease(id: string, options?: MarketCallOptions): Promise<Lease> {
    return (await this.#runningOrNotFound(id)).client.releaseLease(id, options);
  }

  /** Stop the server and every agent process. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      const started = await this.#starting?.catch(() => undefined);
      if (started === undefined) return;
      await started.client.close();
      await started.server.close();
    })();
    return this.#closed;
  }

  /** `util.inspect` form: no key. */
  [inspect.custom](): string {
    return `LocalMarketplace { url: ${this.#started ? `'${this.#started.server.url}'` : '(not started)'}, apiKey: '***' }`;
  }

  #ensure(): Promise<Started> {
    if (this.#closed) return Promise.reject(closedError());
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<Started> {
    try {
      // Loaded on first need: importing the package must not load the server, the agent
      // launcher or child_process (an app that rents remotely never needs them).
      const { startLocalMarket } = await import('./local-market.js');
      const server = await startLocalMarket(this.#options);
      const client = new HttpMarketplace(
        { url: server.url, apiKey: server.apiKey, timeoutMs: 10_000, maxAttempts: 3, allowInsecureHttp: false },
        { clock: this.#clock },
      );
      this.#started = { server, client };
      return this.#started;
    } catch (error) {
      // Let a later call try again (a port that was busy may be free by then).
      this.#starting = undefined;
      if (error instanceof ComputeError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new ComputeError('MARKET_UNAVAILABLE', `local marketplace could not start: ${message}`, { cause: error });
    }
  }

  async #runningOrNotFound(id: string): Promise<Started> {
    if (this.#closed) throw closedError();
    if (this.#starting === undefined) {
      throw new ComputeError('MARKET_REJECTED', `local marketplace: no lease ${id}`, { details: { notFound: true } });
    }
    return this.#ensure();
  }
}

function closedError(): ComputeError {
  return new ComputeError('SHUTDOWN', 'the local marketplace is closed', { retryable: false });
}
