/**
 * Vast.ai behind the `Marketplace` interface (REST v0, plus the paged v1 instance
 * listing). What protocol v1 assumes and Vast lacks, the adapter supplies: the
 * lease's tags in the instance label, a lookup by that label before any retry of a
 * create, a node token and TLS key generated per lease and passed in env, and
 * release confirmed by reading the instance back.
 */
import { inspect } from 'node:util';
import { ComputeError } from '../../errors.js';
import type { MarketplaceHealth } from '../../market/http-client.js';
import type { MarketCallOptions, Marketplace } from '../../market/marketplace.js';
import type { CreateLeaseRequest, Lease, Offer, OfferQuery } from '../../market/protocol.js';
import { ProviderHttp } from '../http.js';
import { encodeLabel, decodeLabel, hasTag } from '../label.js';
import { LeaseBook } from '../lease-book.js';
import { LeaseSecrets } from '../lease-secrets.js';
import { vastEnvString } from './env-string.js';
import { refineVastFailure } from './errors.js';
import { goneLease, vastLease } from './instances.js';
import { offerSearchBody, parseVastOfferId, toOffers } from './offers.js';
import type { VastRentalType } from './offers.js';
import type { VastOptions, VastSettings } from './options.js';
import { vastSettings } from './options.js';
import { VastCreateSchema, VastDeleteSchema, VastInstancePageSchema, VastInstanceResponseSchema, VastInstanceSchema, VastOffersSchema } from './schemas.js';
import type { VastOffer } from './schemas.js';

/** Vast's label limit (create_instance.yaml). */
const LABEL_MAX = 256;
/** Pages of the v1 listing read at most (25 instances each). */
const MAX_PAGES = 200;

/** The Vast.ai adapter. Build it with `vastai()`. */
export class VastMarketplace implements Marketplace {
  /** Provider name (for `combineMarketplaces` and metrics). */
  readonly name = 'vastai';
  readonly #s: VastSettings;
  readonly #http: ProviderHttp;
  readonly #book: LeaseBook;
  /** Last listing's raw offers by offer id (the bid price comes from here). */
  #offers = new Map<string, VastOffer>();

  /** @throws ComputeError `CONFIG_INVALID` naming the bad `vastai.*` option. */
  constructor(options: VastOptions) {
    this.#s = vastSettings(options);
    this.#http = new ProviderHttp({ name: 'vastai', ...this.#s, refineFailure: refineVastFailure });
    this.#book = new LeaseBook(this.#s, { listByTag: (tag, signal) => this.#byTag(tag, signal), release: (id) => this.releaseLease(id), closed: () => this.#http.closed });
  }

  /** Health of the API, for metrics. */
  get health(): MarketplaceHealth {
    return this.#http.health;
  }

  /** Offers from `POST /bundles/`: on-demand, interruptible (bid), or both when the query allows either. */
  async listOffers(query: OfferQuery, options?: MarketCallOptions): Promise<Offer[]> {
    const types: VastRentalType[] = query.interruptible === true ? ['bid'] : query.interruptible === false ? ['on-demand'] : ['on-demand', 'bid'];
    const results = await Promise.all(
      types.map(async (type) => {
        const body = await this.#http.request({ method: 'POST', path: this.#v0('/bundles/'), schema: VastOffersSchema, body: offerSearchBody(query, type, this.#s), signal: options?.signal });
        return toOffers(body.offers, query, type, this.#s);
      }),
    );
    const offers: Offer[] = [];
    for (const result of results) {
      for (const [id, raw] of result.byId) this.#offers.set(id, raw);
      offers.push(...this.#book.available(result.offers));
    }
    return offers;
  }

  /**
   * `PUT /asks/{id}/` with the image, the env string (node token, TLS key, the
   * workload's env, `-p <port>:<port>`) and a label derived from the lease key. Before
   * any retry, the instances are listed by that label and one found is adopted.
   */
  async createLease(request: CreateLeaseRequest, idempotencyKey: string, options?: MarketCallOptions): Promise<Lease> {
    this.#assertOpen();
    const offer = parseVastOfferId(request.offerId);
    this.#book.assertOfferLive(request.offerId);
    if (!offer) throw new ComputeError('MARKET_REJECTED', `createLease: offer id ${JSON.stringify(request.offerId)} is not a Vast.ai offer`, { retryable: false });
    const key = request.tags.node ?? idempotencyKey;
    const tags = { ...request.tags, node: key };
    const label = encodeLabel(tags, LABEL_MAX);
    if (label === undefined) throw new ComputeError('MARKET_REJECTED', `createLease: the lease's tags do not fit Vast.ai's ${LABEL_MAX}-character label`, { retryable: false });
    const secret = this.#book.secret(key, true);
    const env = vastEnvString({ ...(request.env ?? {}), ...LeaseSecrets.env(secret) }, this.#s.nodePort);
    const price = offer.type === 'bid' ? this.#bidPrice(request) : undefined;
    const body = {
      image: request.image,
      disk: this.#s.diskGb,
      label,
      env,
      runtype: 'args',
      ...(this.#s.args ? { args: this.#s.args } : {}),
      ...(price === undefined ? {} : { price }),
    };
    return this.#book.create(key, request.offerId, options?.signal, async () => {
      const made = await this.#http.request({ method: 'PUT', path: this.#v0(`/asks/${offer.askId}/`), schema: VastCreateSchema, body, signal: options?.signal, maxAttempts: 1 });
      return { ...goneLease(made.new_contract, { offerId: request.offerId }, tags), state: 'provisioning', nodeToken: secret.nodeToken, pricePerHour: request.maxPricePerHour, ...(secret.tls ? { tlsPin: secret.tls.pin } : {}) };
    });
  }

  /** `GET /instances/{id}/`; an instance that is gone (`{instances: null}`) is `terminated`. */
  async getLease(id: string, options?: MarketCallOptions): Promise<Lease> {
    this.#assertOpen();
    const body = await this.#http.request({ method: 'GET', path: this.#v0(`/instances/${instancePath(id)}/`), schema: VastInstanceResponseSchema, signal: options?.signal });
    if (!body.instances) return this.#book.gone(id, (offerId) => goneLease(id, { offerId }));
    return this.#book.vet(this.#toLease(body.instances));
  }

  /** Every instance whose label carries `tag`, from the paged `/api/v1/instances/` listing. */
  async listLeases(tag: string, options?: MarketCallOptions): Promise<Lease[]> {
    this.#assertOpen();
    return this.#byTag(tag, options?.signal);
  }

  /** `DELETE /instances/{id}/`, then read it back: `terminated` once gone, `terminating` until then. */
  async releaseLease(id: string, options?: MarketCallOptions): Promise<Lease> {
    this.#assertOpen();
    await this.#book.deleteSent(id, () => this.#http.request({ method: 'DELETE', path: this.#v0(`/instances/${instancePath(id)}/`), schema: VastDeleteSchema, signal: options?.signal }));
    return this.getLease(id, options);
  }

  /** Free connections. Calls after `close()` reject with `SHUTDOWN`. */
  async close(): Promise<void> {
    await this.#http.close();
  }

  /** JSON form without the key. */
  toJSON(): Record<string, unknown> {
    return { provider: this.name, baseUrl: this.#s.baseUrl, apiKey: '***' };
  }

  /** `util.inspect` form without the key. */
  [inspect.custom](): string {
    return `VastMarketplace { baseUrl: '${this.#s.baseUrl}', apiKey: '***' }`;
  }

  async #byTag(tag: string, signal: AbortSignal | undefined): Promise<Lease[]> {
    const leases: Lease[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = `limit=25${after === undefined ? '' : `&after_token=${encodeURIComponent(after)}`}`;
      const body = await this.#http.request({ method: 'GET', path: `/api/v1/instances/?${query}`, schema: VastInstancePageSchema, signal });
      for (const raw of body.instances ?? []) {
        const parsed = VastInstanceSchema.safeParse(raw);
        if (!parsed.success) continue;
        const tags = decodeLabel(parsed.data.label);
        if (tags && hasTag(tags, tag)) leases.push(this.#toLease(parsed.data));
      }
      if (!body.next_token) break;
      after = body.next_token;
    }
    return leases;
  }

  #toLease(instance: Parameters<typeof vastLease>[0]): Lease {
    const facts = this.#book.facts(instance.id, decodeLabel(instance.label)?.node);
    return this.#book.settle(vastLease(instance, { ...facts, nodePort: this.#s.nodePort }));
  }

  #bidPrice(request: CreateLeaseRequest): number {
    const raw = this.#offers.get(request.offerId);
    const minBid = raw?.min_bid;
    if (minBid === undefined || minBid === null) {
      throw new ComputeError('OFFER_GONE', `createLease: no current bid price for offer ${request.offerId}; list offers again`);
    }
    // Vast's bid range (create_instance.yaml): 0.001..128 $/h.
    return Math.min(128, Math.max(0.001, minBid));
  }

  #v0(path: string): string {
    return this.#http.basePath + path;
  }

  #assertOpen(): void {
    if (this.#http.closed) throw new ComputeError('SHUTDOWN', 'the Vast.ai marketplace was closed');
  }
}

function instancePath(id: string): string {
  if (!/^\d+$/.test(id)) throw new ComputeError('MARKET_REJECTED', `lease id ${JSON.stringify(id)} is not a Vast.ai instance id`, { retryable: false, details: { notFound: true } });
  return id;
}
