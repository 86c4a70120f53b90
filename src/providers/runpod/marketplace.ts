/**
 * RunPod behind the `Marketplace` interface (REST v2; v1 was retired 2026-11-15).
 * Pods carry the lease's tags in their name (RunPod has no tags and no list
 * filter), a creation is preceded by a lookup by that name before any retry,
 * node token and TLS key are generated per lease and passed in env, and release
 * is confirmed by reading the pod back until it answers 404.
 */
import { inspect } from 'node:util';
import { ComputeError, isComputeError } from '../../errors.js';
import type { MarketplaceHealth } from '../../market/http-client.js';
import type { MarketCallOptions, Marketplace } from '../../market/marketplace.js';
import type { CreateLeaseRequest, Lease, Offer, OfferQuery } from '../../market/protocol.js';
import { ProviderHttp } from '../http.js';
import { decodeLabel, encodeLabel, hasTag } from '../label.js';
import { LeaseBook } from '../lease-book.js';
import { LeaseSecrets } from '../lease-secrets.js';
import { poolRefusal, refineRunPodFailure } from './errors.js';
import { catalogPath, parseRunPodOfferId, toOffers } from './offers.js';
import type { RunPodOptions, RunPodSettings } from './options.js';
import { runpodSettings } from './options.js';
import { gonePod, podLease } from './pods.js';
import { EmptySchema, GpuCatalogSchema, PodListSchema, PodSchema } from './schemas.js';
import type { Pod } from './schemas.js';

/** Longest pod name we send (RunPod documents none; consoles cut long names). */
const NAME_MAX = 191;

/** The RunPod adapter. Build it with `runpod()`. */
export class RunPodMarketplace implements Marketplace {
  /** Provider name (for `combineMarketplaces` and metrics). */
  readonly name = 'runpod';
  readonly #s: RunPodSettings;
  readonly #http: ProviderHttp;
  readonly #book: LeaseBook;

  /** @throws ComputeError `CONFIG_INVALID` naming the bad `runpod.*` option. */
  constructor(options: RunPodOptions) {
    this.#s = runpodSettings(options);
    this.#http = new ProviderHttp({ name: 'runpod', ...this.#s, refineFailure: refineRunPodFailure });
    this.#book = new LeaseBook(this.#s, { listByTag: (tag, signal) => this.#byTag(tag, signal), release: (id) => this.releaseLease(id), closed: () => this.#http.closed });
  }

  /** Health of the API, for metrics. */
  get health(): MarketplaceHealth {
    return this.#http.health;
  }

  /** One offer per GPU type and cloud tier with stock, from `GET /v2/catalog/gpus?include=AVAILABILITY&product=POD`. */
  async listOffers(query: OfferQuery, options?: MarketCallOptions): Promise<Offer[]> {
    this.#assertOpen();
    // REST v2 has no interruptible pods.
    if (query.interruptible === true) return [];
    const tiers = await Promise.all(
      this.#s.clouds.map(async (cloud) => {
        const body = await this.#http.request({ method: 'GET', path: catalogPath(this.#http.basePath, cloud, query.minGpus), schema: GpuCatalogSchema, signal: options?.signal });
        return toOffers(body.gpus, query, cloud, this.#s);
      }),
    );
    return this.#book.available(tiers.flat());
  }

  /**
   * `POST /v2/pods` with exactly the documented fields: name (the lease's tags), image,
   * gpu, cloud, env (node token, TLS key, the workload's env) and the node port. Before
   * any retry the pods are listed and one carrying this lease's name is adopted.
   */
  async createLease(request: CreateLeaseRequest, idempotencyKey: string, options?: MarketCallOptions): Promise<Lease> {
    this.#assertOpen();
    const offer = parseRunPodOfferId(request.offerId);
    if (!offer) throw new ComputeError('MARKET_REJECTED', `createLease: offer id ${JSON.stringify(request.offerId)} is not a RunPod offer`, { retryable: false });
    this.#book.assertOfferLive(request.offerId);
    const key = request.tags.node ?? idempotencyKey;
    const tags = { ...request.tags, node: key };
    const name = encodeLabel(tags, NAME_MAX);
    if (name === undefined) throw new ComputeError('MARKET_REJECTED', `createLease: the lease's tags do not fit a ${NAME_MAX}-character pod name`, { retryable: false });
    const tcp = this.#s.network === 'tcp';
    const secret = this.#book.secret(key, tcp);
    const body = {
      name,
      image: request.image,
      gpu: { id: offer.gpuId, count: offer.count },
      cloud: offer.cloud,
      env: { ...(request.env ?? {}), ...LeaseSecrets.env(secret) },
      ports: [`${this.#s.nodePort}/${tcp ? 'tcp' : 'http'}`],
      ...(this.#s.args === undefined ? {} : { args: this.#s.args }),
      ...(this.#s.containerDiskGb === undefined ? {} : { disk: this.#s.containerDiskGb }),
      ...(this.#s.dataCenterIds === undefined ? {} : { dataCenterIds: [...this.#s.dataCenterIds] }),
    };
    return this.#book.create(key, request.offerId, options?.signal, async () => {
      const pod = await this.#http
        .request({ method: 'POST', path: `${this.#http.basePath}/pods`, schema: PodSchema, body, signal: options?.signal, maxAttempts: 1 })
        .catch((error: unknown) => {
          throw poolRefusal(error, request.offerId);
        });
      const lease = this.#toLease(pod);
      return { ...lease, offerId: request.offerId, state: lease.state === 'running' ? 'provisioning' : lease.state, endpoint: null, tags, pricePerHour: pod.cost ?? request.maxPricePerHour };
    });
  }

  /** `GET /v2/pods/{id}`; a pod that answers 404 is `terminated`. */
  async getLease(id: string, options?: MarketCallOptions): Promise<Lease> {
    this.#assertOpen();
    let pod: Pod;
    try {
      pod = await this.#http.request({ method: 'GET', path: this.#podPath(id), schema: PodSchema, signal: options?.signal });
    } catch (error) {
      if (isComputeError(error) && error.details.notFound === true) return this.#book.gone(id, (offerId) => gonePod(id, offerId));
      throw error;
    }
    return this.#book.vet(this.#toLease(pod));
  }

  /** Every pod whose name carries `tag` (RunPod has no list filter: filtered here). */
  async listLeases(tag: string, options?: MarketCallOptions): Promise<Lease[]> {
    this.#assertOpen();
    return this.#byTag(tag, options?.signal);
  }

  /** `DELETE /v2/pods/{id}` (204), then read it back: `terminated` once it answers 404. */
  async releaseLease(id: string, options?: MarketCallOptions): Promise<Lease> {
    this.#assertOpen();
    await this.#book.deleteSent(id, () => this.#http.request({ method: 'DELETE', path: this.#podPath(id), schema: EmptySchema, signal: options?.signal }));
    return this.getLease(id, options);
  }

  /** Free connections. Calls after `close()` reject with `SHUTDOWN`. */
  async close(): Promise<void> {
    await this.#http.close();
  }

  /** JSON form without the key. */
  toJSON(): Record<string, unknown> {
    return { provider: this.name, baseUrl: this.#s.baseUrl, network: this.#s.network, apiKey: '***' };
  }

  /** `util.inspect` form without the key. */
  [inspect.custom](): string {
    return `RunPodMarketplace { baseUrl: '${this.#s.baseUrl}', apiKey: '***' }`;
  }

  async #byTag(tag: string, signal: AbortSignal | undefined): Promise<Lease[]> {
    const body = await this.#http.request({ method: 'GET', path: `${this.#http.basePath}/pods`, schema: PodListSchema, signal });
    const leases: Lease[] = [];
    for (const raw of body.pods) {
      const parsed = PodSchema.safeParse(raw);
      if (!parsed.success) continue;
      const tags = decodeLabel(parsed.data.name);
      if (tags && hasTag(tags, tag)) leases.push(this.#toLease(parsed.data));
    }
    return leases;
  }

  #toLease(pod: Pod): Lease {
    const facts = this.#book.facts(pod.id, decodeLabel(pod.name)?.node);
    // An exited or broken pod still holds its machine (and its disk): the book releases it.
    return this.#book.settle(podLease(pod, { ...facts, settings: this.#s }));
  }

  #podPath(id: string): string {
    if (id === '' || /[/?#]/.test(id)) throw new ComputeError('MARKET_REJECTED', `lease id ${JSON.stringify(id)} is not a RunPod pod id`, { retryable: false, details: { notFound: true } });
    return `${this.#http.basePath}/pods/${encodeURIComponent(id)}`;
  }

  #assertOpen(): void {
    if (this.#http.closed) throw new ComputeError('SHUTDOWN', 'the RunPod marketplace was closed');
  }
}
