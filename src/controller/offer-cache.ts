/**
 * Offers change slowly next to the tick: fetch them per distinct GPU query at most
 * every `ttlMs`, keep the last good answer when the marketplace is down.
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
}

/** Cached offer lists keyed by query. */
export class OfferCache {
  private readonly entries = new Map<string, Entry>();

  /** @param ttlMs how long an answer is fresh. @default 15000 */
  constructor(
    private readonly market: Marketplace,
    private readonly clock: Clock,
    private readonly warn: (error: ComputeError, during: string) => void,
    private readonly ttlMs = 15_000,
  ) {}

  /** Fetch every stale query (in parallel); resolves when done. Never rejects. */
  async refresh(queries: readonly OfferQuery[]): Promise<void> {
    const now = this.clock.now();
    const waits: Promise<void>[] = [];
    for (const query of queries) {
      const key = JSON.stringify(query);
      let entry = this.entries.get(key);
      if (!entry) {
        entry = { offers: [], fetchedAt: -Infinity, inFlight: undefined, fatal: undefined, failing: false, answered: false };
        this.entries.set(key, entry);
      }
      if (entry.inFlight) waits.push(entry.inFlight);
      else if (now - entry.fetchedAt >= this.ttlMs) waits.push((entry.inFlight = this.fetch(entry, query)));
    }
    await Promise.all(waits);
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

  /** Every cached offer, each once. */
  all(): Offer[] {
    const byId = new Map<string, Offer>();
    for (const entry of this.entries.values()) for (const offer of entry.offers) byId.set(offer.id, offer);
    return [...byId.values()];
  }

  private async fetch(entry: Entry, query: OfferQuery): Promise<void> {
    try {
      entry.offers = await this.market.listOffers(query);
      entry.fetchedAt = this.clock.now();
      entry.fatal = undefined;
      entry.failing = false;
      entry.answered = true;
    } catch (error) {
      entry.failing = true;
      // Keep serving with the last known offers; try again next tick.
      const failure = error instanceof ComputeError ? error : new ComputeError('MARKET_UNAVAILABLE', String(error));
      entry.fatal = isFatalMarketError(failure) ? failure : undefined;
      this.warn(failure, 'listing offers');
    } finally {
      entry.inFlight = undefined;
    }
  }
}
