/**
 * RunPod behind the `Marketplace` interface (REST v2; v1 was retired 2026-11-15).
 * Pods carry the lease's tags in their name (RunPod has no tags and no list
 * filter), a creation is preceded by a lookup by that name before any retry,
 * node token and TLS key are generated per lease and passed in env, and release
 * is confirmed by reading the pod back until it answers 404.
 */
import { inspect } from 'node:util';
import type { Clock } from '../../clock.js';
import { ComputeError, isComputeError } from '../../errors.js';
import type { MarketplaceHealth } from '../../market/http-client.js';
import type { MarketCallOptions, Marketplace } from '../../market/marketplace.js';
import type { CreateLeaseRequest, Lease, Offer, OfferQuery } from '../../market/protocol.js';
import { ENDED_LEASE_STATES } from '../../market/protocol.js';
import { createOnce } from '../create-once.js';
import { GoneOffers } from '../gone-offers.js';
import { ProviderHttp } from '../http.js';
import { decodeLabel, encodeLabel, hasTag } from '../label.js';
import { LeaseSecrets } from '../lease-secrets.js';
import { PinChecks } from '../tls/pin-check.js';
import { vetRunning } from '../vet-running.js';
import { refineRunPodFailure } from './errors.js';
import { catalogPath, parseRunPodOfferId, toOffers } from './offers.js';
import type { RunPodOptions, RunPodSettings } from './options.js';
import { runpodSettings } from './options.js';
import { gonePod, podLease } from './pods.js';
import { EmptySchema, GpuCatalogSchema, PodListSchema, PodSchema } from './schemas.js';
import type { Pod } from './schemas.js';

/** Longest pod name we send (RunPod documents none; consoles cut long names). */
const NAME_MAX = 191;
/** A just-created pod may not be readable yet: a 404 then means "not yet", not "gone". */
const READ_BACK_GRACE_MS = 60_000;

/** The RunPod adapter. Build it with `runpod()`. */
export class RunPodMarketplace implements Marketplace {
  /** Provider name (for `combineMarketplaces` and metrics). */
  readonly name = 'runpod';
  readonly #s: RunPodSettings;
  readonly #http: ProviderHttp;
  readonly #clock: Clock;
  readonly #secrets = new LeaseSecrets();
  readonly #gone: GoneOffers;
  readonly #pins: PinChecks;
  readonly #offerOf = new Map<string, string>();
  readonly #createdAt = new Map<string, number>();
  readonly #deleting = new Set<string>();
  readonly #tried = new Set<string>();
  readonly #cleaning = new Set<string>();

  /** @throws ComputeError `CONFIG_INVALID` naming the bad `runpod.*` option. */
  constructor(options: RunPodOptions) {
    this.#s = runpodSettings(options);
    this.#clock = this.#s.clock;
    this.#gone = new GoneOffers(this.#clock);
    this.#pins = new PinChecks(this.#clock);
    this.#http = new ProviderHttp({
      name: 'runpod',
      apiKey: this.#s.apiKey,
      baseUrl: this.#s.baseUrl,
      clock: this.#clock,
      timeoutMs: this.#s.timeoutMs,
      maxAttempts: this.#s.maxAttempts,
      dispatcher: this.#s.dispatcher,
      refineFailure: refineRunPodFailure,
    });
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
    return tiers.flat().filter((o) => !this.#gone.has(o.id));
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
    if (this.#gone.has(request.offerId)) throw new ComputeError('OFFER_GONE', `createLease: offer ${request.offerId} was refused recently; list offers again`);
    const key = request.tags.node ?? idempotencyKey;
    const tags = { ...request.tags, node: key };
    const name = encodeLabel(tags, NAME_MAX);
    if (name === undefined) throw new ComputeError('MARKET_REJECTED', `createLease: the lease's tags do not fit a ${NAME_MAX}-character pod name`, { retryable: false });
    const tcp = this.#s.network === 'tcp';
    const secret = this.#secrets.obtain(key, tcp);
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
    const lookFirst = this.#tried.has(key);
    this.#tried.add(key);
    return createOnce({
      clock: this.#clock,
      random: Math.random,
      // Two more than reads: a provider rate-limits creations hardest (Vast: a minimum interval per endpoint).
      attempts: this.#s.maxAttempts + 2,
      lookFirst,
      find: async () => (await this.#byTag(`node:${key}`, options)).filter((l) => !ENDED_LEASE_STATES.has(l.state) && l.state !== 'terminating'),
      release: (id) => this.releaseLease(id),
      create: async () => {
        try {
          const pod = await this.#http.request({ method: 'POST', path: `${this.#http.basePath}/pods`, schema: PodSchema, body, signal: options?.signal, maxAttempts: 1 });
          this.#offerOf.set(pod.id, request.offerId);
          this.#createdAt.set(pod.id, this.#clock.now());
          const lease = this.#toLease(pod);
          return { ...lease, state: lease.state === 'running' ? 'provisioning' : lease.state, endpoint: null, tags, pricePerHour: pod.cost ?? request.maxPricePerHour };
        } catch (error) {
          if (isComputeError(error, 'OFFER_GONE')) this.#gone.add(request.offerId);
          throw error;
        }
      },
    });
  }

  /** `GET /v2/pods/{id}`; a pod that answers 404 is `terminated`. */
  async getLease(id: string, options?: MarketCallOptions): Promise<Lease> {
    this.#assertOpen();
    let pod: Pod;
    try {
      pod = await this.#http.request({ method: 'GET', path: this.#podPath(id), schema: PodSchema, signal: options?.signal });
    } catch (error) {
      if (isComputeError(error) && error.details.notFound === true) return this.#gone_(id);
      throw error;
    }
    return vetRunning(this.#toLease(pod), this.#pins, (lease) => this.#impostor(lease));
  }

  /** Every pod whose name carries `tag` (RunPod has no list filter: filtered here). */
  async listLeases(tag: string, options?: MarketCallOptions): Promise<Lease[]> {
    this.#assertOpen();
    return this.#byTag(tag, options);
  }

  /** `DELETE /v2/pods/{id}` (204), then read it back: `terminated` once it answers 404. */
  async releaseLease(id: string, options?: MarketCallOptions): Promise<Lease> {
    this.#assertOpen();
    try {
      await this.#http.request({ method: 'DELETE', path: this.#podPath(id), schema: EmptySchema, signal: options?.signal });
    } catch (error) {
      if (!(isComputeError(error) && error.details.notFound === true)) throw error;
    }
    this.#deleting.add(id);
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

  async #byTag(tag: string, options: MarketCallOptions | undefined): Promise<Lease[]> {
    const body = await this.#http.request({ method: 'GET', path: `${this.#http.basePath}/pods`, schema: PodListSchema, signal: options?.signal });
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
    const tags = decodeLabel(pod.name);
    const lease = podLease(pod, { secret: this.#secrets.find(tags?.node), deleting: this.#deleting.has(pod.id), offerId: this.#offerOf.get(pod.id), settings: this.#s });
    // An exited or broken pod still holds its machine (and its disk): it must go.
    if (lease.state === 'failed' && tags !== undefined) this.#cleanUp(lease.id);
    return lease;
  }

  #impostor(lease: Lease): void {
    const offerId = this.#offerOf.get(lease.id);
    if (offerId !== undefined) this.#gone.add(offerId);
    this.#cleanUp(lease.id);
  }

  #cleanUp(id: string): void {
    if (this.#cleaning.has(id) || this.#http.closed) return;
    this.#cleaning.add(id);
    void this.releaseLease(id).catch(() => this.#cleaning.delete(id));
  }

  #gone_(id: string): Lease {
    const created = this.#createdAt.get(id);
    const offerId = this.#offerOf.get(id);
    if (created !== undefined && !this.#deleting.has(id) && this.#clock.now() - created < READ_BACK_GRACE_MS) {
      return { ...gonePod(id, offerId), state: 'provisioning' };
    }
    this.#deleting.delete(id);
    this.#createdAt.delete(id);
    this.#pins.forget(id);
    return gonePod(id, offerId);
  }

  #podPath(id: string): string {
    if (id === '' || /[/?#]/.test(id)) throw new ComputeError('MARKET_REJECTED', `lease id ${JSON.stringify(id)} is not a RunPod pod id`, { retryable: false, details: { notFound: true } });
    return `${this.#http.basePath}/pods/${encodeURIComponent(id)}`;
  }

  #assertOpen(): void {
    if (this.#http.closed) throw new ComputeError('SHUTDOWN', 'the RunPod marketplace was closed');
  }
}
