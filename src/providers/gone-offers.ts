/**
 * Offers a provider refused for capacity ("gone or full"), left out of listings for
 * a while so the planner moves on to the next offer instead of asking again.
 */
import type { Clock } from '../clock.js';

/** How long a refused offer stays out. */
export const GONE_OFFER_COOL_OFF_MS = 5 * 60_000;

/** A small set with expiry. */
export class GoneOffers {
  readonly #until = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  /** Leave `offerId` out for the cool-off. */
  add(offerId: string): void {
    this.#until.set(offerId, this.clock.now() + GONE_OFFER_COOL_OFF_MS);
  }

  /** Whether `offerId` is still out. */
  has(offerId: string): boolean {
    const until = this.#until.get(offerId);
    if (until === undefined) return false;
    if (this.clock.now() < until) return true;
    this.#until.delete(offerId);
    return false;
  }
}
