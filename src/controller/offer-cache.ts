/**
 * Offers change slowly next to the tick: fetch them per distinct GPU query at most
 * every `ttlMs`, keep the last good answer when the marketplace is down.
 *
 * Fetching never stalls the budget guard: {@link OfferCache.refresh} starts the
 * fetches and returns at once (the tick plans on the offers it has; `onFresh` is
 * told when new ones arrive, so the loop can plan again without waiting a tick). A
 * failed fetch backs off exponentially instead of being retried every tick. Offers
 * in another currency than the budget's are never used (no conversion), and an
 * offer whose leases broke their terms is avoided for a cool-off.
 */
import type { Clock } from '../clock.js';
import { ComputeError } from '../errors.js';
import type { Marketplace } from '../market/marketplace.js';
import type { Offer, OfferQuery } from '../market/protocol.js';
import { isFatalMarketError } from '../market/lasting-failure.js';
import type { PlannerPolicy } from './observation.js';

/** The offer query a workload's GPU requirement asks for. */
export function offerQueryFor(gpu: PlannerPolicy['gpu']): OfferQuery {
  return {
    gpu: gpu.model,
    minGpus: gpu.count,
    ...(gpu.minMemoryGb !== undefined ? { minMemoryGb: gpu.minMemoryGb } : {}),
    ...(gpu.interruptible === 'never' ? { interruptible: false } : gpu.interruptible === 'only' ? { interruptible: true } : {}),
  };
}

/** How long an offer whose lease broke its terms is not rented again, ms. */
export const OFFER_COOLOFF_MS = 10 * 60_000;
/** First pause after a failed fetch of one query, ms (doubles per failure). */
const FETCH_BACKOFF_MIN_MS = 1_000;
/** Longest pause after failed fetches, ms. */
const FETCH_BACKOFF_MAX_MS = 8_000;

interface Entry {
  offers: Offer[];
  fetchedAt: number;
  inFlight: Promise<void> | undefined;
  /** The last fetch failed in a way retrying will not fix (bad key, refused query). */
  fatal: ComputeError | undefined;
  /** The last fetch failed (the offers are the last good answer, if any). */
  failing: boolean;
  /** Some fetch succeeded (an invalidated answer is still the last one known). */
  answered: boolean;
  /** Failed fetches in a row, and when the next one may start. */
  failures: number;
  retryAt: number;
}

/** Options of the {@link OfferCache}. */
export interface OfferCacheOptions {
  /** How long an answer is fresh, ms. @default 15000 */
  ttlMs?: number;
  /** The budget's currency: offers in any other are dropped. @default 'USD' */
  currency?: string;
  /** New offers arrived (plan again). */
  onFresh?: () => void;
}

/** Cached offer lists keyed by query. */
export class OfferCache {
  private readonly entries = new Map<string, Entry>();
  /** Offer id -> clock ms until which it is not rented. */
  private readonly avoided = new Map<string, number>();
  /** Offer id -> clock ms it was refused as gone or full (see {@link OfferCache.drop}). */
  private readonly dropped = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly currency: string;
  private warnedCurrency = false;

  constructor(
    private readonly market: Marketplace,
    private readonly clock: Clock,
    private readonly warn: (error: ComputeError, during: string) => void,
    private readonly options: OfferCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 15_000;
    this.currency = options.currency ?? 'USD';
  }

  /**
   * Start fetching every stale query whose backoff has passed; returns at once
   * (never waits on the marketplace). Resolves when the fetches started here end,
   * for callers that want to (tests); the control loop does not await it.
   */
  refresh(queries: readonly OfferQuery[]): Promise<void> {
    const now = this.clock.now();
    const started: Promise<void>[] = [];
    for (const query of queries) {
      const key = JSON.stringify(query);
      let entry = this.entries.get(key);
      if (!entry) {
        entry = { offers: [], fetchedAt: -Infinity, inFlight: undefined, fatal: undefined, failing: false, answered: false, failures: 0, retryAt: -Infinity };
        this.entries.set(key, entry);
      }
      if (entry.inFlight || now < entry.retryAt || now - entry.fetchedAt < this.ttlMs) continue;
      started.push((entry.inFlight = this.fetch(entry, query)));
    }
    return Promise.all(started).then(() => undefined);
  }

  /** The error of the last fetch for `query` when no retry can fix it, else undefined. */
  fatalError(query: OfferQuery): ComputeError | undefined {
    return this.entries.get(JSON.stringify(query))?.fatal;
  }

  /**
   * What the marketplace last answered to `query`, when its last fetch succeeded;
   * undefined when it never answered or the last try failed (an unreachable
   * marketplace is not one without offers).
   */
  answered(query: OfferQuery): readonly Offer[] | undefined {
    const entry = this.entries.get(JSON.stringify(query));
    return entry === undefined || entry.failing || !entry.answered ? undefined : entry.offers;
  }

  /** Drop cached answers (an offer turned out to be gone). */
  invalidate(): void {
    for (const entry of this.entries.values()) entry.fetchedAt = -Infinity;
  }

  /**
   * `offerId` was refused as gone or full: it is not rented again until a listing
   * asked for after the refusal shows it again; the cached answers go stale. (What
   * the marketplace answered, {@link OfferCache.answered}, still has it: a refused
   * offer is not a missing GPU model.)
   */
  drop(offerId: string): void {
    const now = this.clock.now();
    // Offers never listed again are forgotten after a while (the map stays small).
    for (const [id, at] of this.dropped) if (now - at > OFFER_COOLOFF_MS) this.dropped.delete(id);
    this.dropped.set(offerId, now);
    this.invalidate();
  }

  /** Do not rent `offerId` for {@link OFFER_COOLOFF_MS} (its lease broke its terms). */
  avoid(offerId: string, ms = OFFER_COOLOFF_MS): void {
    this.avoided.set(offerId, this.clock.now() + ms);
  }

  /** Every cached offer that may be rented now, each once. */
  all(): Offer[] {
    const now = this.clock.now();
    const byId = new Map<string, Offer>();
    for (const entry of this.entries.values()) {
      for (const offer of entry.offers) {
        const until = this.avoided.get(offer.id);
        if (until !== undefined && now < until) continue;
        if (this.dropped.has(offer.id)) continue;
        byId.set(offer.id, offer);
      }
    }
    return [...byId.values()];
  }

  private async fetch(entry: Entry, query: OfferQuery): Promise<void> {
    const askedAt = this.clock.now();
    try {
      const offers = await this.market.listOffers(query);
      entry.offers = this.sameCurrency(offers);
      // Listed again by an answer asked for after the refusal: rentable again.
      for (const offer of entry.offers) if ((this.dropped.get(offer.id) ?? Infinity) < askedAt) this.dropped.delete(offer.id);
      entry.fetchedAt = this.clock.now();
      entry.fatal = undefined;
      entry.failing = false;
      entry.answered = true;
      entry.failures = 0;
      entry.retryAt = -Infinity;
      this.options.onFresh?.();
    } catch (error) {
      entry.failing = true;
      // Keep serving with the last known offers; try again after a backoff.
      const failure = error instanceof ComputeError ? error : new ComputeError('MARKET_UNAVAILABLE', String(error));
      entry.fatal = isFatalMarketError(failure) ? failure : undefined;
      entry.failures += 1;
      entry.retryAt = this.clock.now() + Math.min(FETCH_BACKOFF_MAX_MS, FETCH_BACKOFF_MIN_MS * 2 ** (entry.failures - 1));
      this.warn(failure, 'listing offers');
    } finally {
      entry.inFlight = undefined;
    }
  }

  /** Offers priced in the budget's currency; the others are dropped (said once). */
  private sameCurrency(offers: Offer[]): Offer[] {
    const kept = offers.filter((o) => o.currency === this.currency);
    if (kept.length < offers.length && !this.warnedCurrency) {
      this.warnedCurrency = true;
      const other = offers.find((o) => o.currency !== this.currency)!;
      this.warn(
        new ComputeError('MARKET_REJECTED', `offer ${other.id} is priced in ${other.currency}, the budget in ${this.currency}: offers in another currency are never rented`, {
          retryable: false,
          details: { warning: 'offer-currency', offerId: other.id, currency: other.currency },
        }),
        'listing offers',
      );
    }
    return kept;
  }
}
