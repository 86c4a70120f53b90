/**
 * `combineMarketplaces([...])`: one {@link Marketplace} over several providers.
 * Offers from all of them, each tagged with its provider and namespaced
 * (`vastai:123`), so the planner's ranking picks across providers; lease ids are
 * namespaced the same way and every lease call goes to the provider that owns it.
 * A provider that fails or does not answer in time drops out of the offers until it
 * answers again; it never holds up the others.
 */
import { inspect } from 'node:util';
import { realClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { ComputeError } from '../errors.js';
import type { MarketCallOptions, Marketplace } from '../market/marketplace.js';
import type { CreateLeaseRequest, Lease, Offer, OfferQuery } from '../market/protocol.js';
import { ENDED_LEASE_STATES } from '../market/protocol.js';
import type { ProviderMetrics } from '../metrics/snapshot.js';

/** Options of {@link combineMarketplaces}. */
export interface CombineOptions {
  /** Names of the providers, in order; default: each marketplace's `name` (`vastai`, `runpod`), else `market<i>`. */
  names?: readonly string[];
  /** A provider's offer listing that takes longer is left out of this round, ms. @default 10000 */
  offerTimeoutMs?: number;
  /** Clock for the offer timeout. @default realClock */
  clock?: Clock;
}

/** Health of a combined marketplace: the usual fields plus one entry per provider. */
export interface CombinedHealth {
  /** Every provider is degraded. */
  degraded: boolean;
  consecutiveFailures: number;
  lastError?: string;
  providers: Record<string, ProviderMetrics>;
}

interface Member {
  name: string;
  market: Marketplace;
  /** Offers in its last answered listing (per query key). */
  offers: Map<string, number>;
  /** Its last listing failed or timed out. */
  listingFailed: boolean;
  lastError: string | undefined;
  /** Namespaced ids of its leases not seen ended. */
  live: Set<string>;
}

/** A marketplace over several, as {@link combineMarketplaces} returns it. */
export interface CombinedMarketplace extends Marketplace {
  /** Provider names, in order (the prefix of their offer and lease ids). */
  readonly names: string[];
  /** Per-provider health, offers and live leases. */
  readonly health: CombinedHealth;
}

class Combined implements CombinedMarketplace {
  readonly #members: Member[];
  readonly #byName = new Map<string, Member>();
  readonly #timeoutMs: number;
  readonly #clock: Clock;

  /** @throws ComputeError `CONFIG_INVALID` for an empty list, a non-marketplace or a bad name. */
  constructor(markets: readonly Marketplace[], options: CombineOptions = {}) {
    if (!Array.isArray(markets) || markets.length === 0) {
      throw new ComputeError('CONFIG_INVALID', 'combineMarketplaces: give at least one marketplace', { details: { path: 'markets' } });
    }
    this.#timeoutMs = options.offerTimeoutMs ?? 10_000;
    if (!(this.#timeoutMs > 0)) throw new ComputeError('CONFIG_INVALID', `combineMarketplaces: offerTimeoutMs must be > 0 (got ${String(options.offerTimeoutMs)})`, { details: { path: 'offerTimeoutMs' } });
    this.#clock = options.clock ?? realClock;
    this.#members = markets.map((market, i) => {
      if (typeof market?.listOffers !== 'function' || typeof market.createLease !== 'function') {
        throw new ComputeError('CONFIG_INVALID', `combineMarketplaces: markets[${i}] is not a Marketplace`, { details: { path: `markets.${i}` } });
      }
      const own = (market as { name?: unknown }).name;
      let name = options.names?.[i] ?? (typeof own === 'string' && own !== '' ? own : `market${i}`);
      if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new ComputeError('CONFIG_INVALID', `combineMarketplaces: names[${i}] must be letters, digits, - or _ (got ${JSON.stringify(name)})`, { details: { path: `names.${i}` } });
      for (let n = 2; this.#byName.has(name); n++) name = `${name.replace(/-\d+$/, '')}-${n}`;
      const member: Member = { name, market, offers: new Map(), listingFailed: false, lastError: undefined, live: new Set() };
      this.#byName.set(name, member);
      return member;
    });
  }

  /** Provider names, in order. */
  get names(): string[] {
    return this.#members.map((m) => m.name);
  }

  /** Per-provider health, offers and live leases (read by `compute.metrics()`). */
  get health(): CombinedHealth {
    const providers: Record<string, ProviderMetrics> = {};
    let failures = 0;
    let lastError: string | undefined;
    for (const m of this.#members) {
      const own = (m.market as { health?: { degraded?: boolean; consecutiveFailures?: number; lastError?: string } }).health;
      const degraded = m.listingFailed || own?.degraded === true;
      failures += own?.consecutiveFailures ?? (m.listingFailed ? 1 : 0);
      lastError ??= own?.lastError ?? m.lastError;
      let offers = 0;
      for (const n of m.offers.values()) offers += n;
      providers[m.name] = { degraded, offers, leases: m.live.size };
    }
    const degraded = Object.values(providers).every((p) => p.degraded);
    return lastError === undefined ? { degraded, consecutiveFailures: failures, providers } : { degraded, consecutiveFailures: failures, lastError, providers };
  }

  /** Offers of every provider that answers within `offerTimeoutMs`; rejects only when none does. */
  async listOffers(query: OfferQuery, options?: MarketCallOptions): Promise<Offer[]> {
    const key = JSON.stringify(query);
    const results = await Promise.all(this.#members.map((m) => this.#listOne(m, query, key, options)));
    if (results.every((r) => r === undefined)) {
      throw new ComputeError('MARKET_UNAVAILABLE', `no provider answered the offer listing (${this.#members.map((m) => `${m.name}: ${m.lastError ?? 'failed'}`).join('; ')})`);
    }
    return results.flatMap((r) => r ?? []);
  }

  /** Create on the provider the offer comes from. */
  async createLease(request: CreateLeaseRequest, idempotencyKey: string, options?: MarketCallOptions): Promise<Lease> {
    const [member, offerId] = this.#route(request.offerId, 'offer');
    const lease = await member.market.createLease({ ...request, offerId }, idempotencyKey, options);
    return this.#own(member, lease);
  }

  /** The lease, from its provider. */
  async getLease(id: string, options?: MarketCallOptions): Promise<Lease> {
    const [member, local] = this.#route(id, 'lease');
    return this.#own(member, await member.market.getLease(local, options));
  }

  /** Leases carrying `tag` on every provider that answers; rejects only when none does. */
  async listLeases(tag: string, options?: MarketCallOptions): Promise<Lease[]> {
    const settled = await Promise.allSettled(this.#members.map(async (m) => (await m.market.listLeases(tag, options)).map((l) => this.#own(m, l))));
    const ok = settled.filter((s): s is PromiseFulfilledResult<Lease[]> => s.status === 'fulfilled');
    if (ok.length === 0) {
      const first = settled[0] as PromiseRejectedResult;
      throw first.reason instanceof ComputeError ? first.reason : new ComputeError('MARKET_UNAVAILABLE', 'no provider answered the lease listing');
    }
    return ok.flatMap((s) => s.value);
  }

  /** Release on the lease's provider. */
  async releaseLease(id: string, options?: MarketCallOptions): Promise<Lease> {
    const [member, local] = this.#route(id, 'lease');
    return this.#own(member, await member.market.releaseLease(local, options));
  }

  /** Close every provider. */
  async close(): Promise<void> {
    await Promise.all(this.#members.map((m) => m.market.close().catch(() => undefined)));
  }

  /** JSON form: provider names only. */
  toJSON(): Record<string, unknown> {
    return { providers: this.names };
  }

  /** `util.inspect` form: provider names only. */
  [inspect.custom](): string {
    return `CombinedMarketplace { providers: ${this.names.join(', ')} }`;
  }

  async #listOne(m: Member, query: OfferQuery, key: string, options: MarketCallOptions | undefined): Promise<Offer[] | undefined> {
    const controller = new AbortController();
    const outer = options?.signal;
    const onAbort = (): void => controller.abort();
    outer?.addEventListener('abort', onAbort, { once: true });
    let timer: { cancel(): void } | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = this.#clock.setTimeout(() => {
        controller.abort();
        resolve('late');
      }, this.#timeoutMs);
    });
    try {
      const listing = m.market.listOffers(query, { signal: controller.signal });
      // A provider that rejects after we stopped waiting must not be an unhandled rejection.
      listing.catch(() => undefined);
      const result = await Promise.race([listing, late]);
      if (result === 'late') throw new ComputeError('MARKET_UNAVAILABLE', `${m.name}: no offers within ${this.#timeoutMs} ms`);
      m.listingFailed = false;
      m.lastError = undefined;
      m.offers.set(key, result.length);
      return result.map((o) => ({ ...o, id: `${m.name}:${o.id}`, provider: m.name }));
    } catch (error) {
      if (outer?.aborted) throw error;
      m.listingFailed = true;
      m.lastError = error instanceof ComputeError ? error.code : 'MARKET_UNAVAILABLE';
      m.offers.set(key, 0);
      return undefined;
    } finally {
      timer?.cancel();
      outer?.removeEventListener('abort', onAbort);
    }
  }

  #own(m: Member, lease: Lease): Lease {
    const id = `${m.name}:${lease.id}`;
    if (ENDED_LEASE_STATES.has(lease.state)) m.live.delete(id);
    else m.live.add(id);
    return { ...lease, id, offerId: lease.offerId === '' ? '' : `${m.name}:${lease.offerId}` };
  }

  #route(id: string, what: 'offer' | 'lease'): [Member, string] {
    const colon = id.indexOf(':');
    const member = colon > 0 ? this.#byName.get(id.slice(0, colon)) : undefined;
    if (!member) {
      throw new ComputeError('MARKET_REJECTED', `${what} id ${JSON.stringify(id)} names no provider of this combined marketplace (${this.names.join(', ')})`, {
        retryable: false,
        details: what === 'lease' ? { notFound: true } : {},
      });
    }
    return [member, id.slice(colon + 1)];
  }
}

/**
 * One marketplace over several providers: offers from all (tagged with their
 * provider), lease ids namespaced by provider, and one provider down never stops
 * the others. `compute.metrics().marketplace.providers` reports each by name.
 *
 * @throws ComputeError `CONFIG_INVALID` for an empty list or a bad name.
 * @example
 * createCompute({ marketplace: combineMarketplaces([vastai({ apiKey }), runpod({ apiKey: rpKey })]) });
 */
export function combineMarketplaces(markets: readonly Marketplace[], options?: CombineOptions): CombinedMarketplace {
  return new Combined(markets, options);
}
