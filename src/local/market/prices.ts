/**
 * Prices that move: each offer's price follows a seeded, mean-reverting random walk
 * in log space around its base price, one step per `intervalMs`. Spot prices move
 * twice as much as on-demand ones. The walk is computed lazily from the clock (no
 * timers), so the same seed and the same elapsed time give the same prices.
 */
import type { Clock } from '../../clock.js';
import type { Offer } from '../../market/protocol.js';
import { hashSeed, seededRandom } from '../random.js';
import type { Random } from '../random.js';

/** How prices move. */
export interface PriceWalkOptions {
  /** Time between price steps, ms. */
  intervalMs: number;
  /** Standard deviation of one step of the log price (0.03 is about 3 %). */
  volatility: number;
  /** Pull back toward the base price per step, 0..1. */
  meanReversion: number;
  /** Largest distance from the base price, as a factor (2: between base/2 and base*2). */
  maxFactor: number;
}

interface Walk {
  base: Offer;
  random: Random;
  /** log(price / base) */
  x: number;
  sigma: number;
}

/** Offers whose prices move with time. */
export class PriceWalk {
  private readonly walks: Walk[];
  private readonly startedAt: number;
  private steps = 0;

  constructor(
    offers: readonly Offer[],
    seed: number,
    private readonly clock: Clock,
    private readonly options: PriceWalkOptions,
  ) {
    this.startedAt = clock.now();
    this.walks = offers.map((base) => ({
      base,
      random: seededRandom(hashSeed(seed, base.id)),
      x: 0,
      sigma: options.volatility * (base.interruptible ? 2 : 1),
    }));
  }

  /** Offers with prices as of now. */
  current(): Offer[] {
    const due = this.options.intervalMs > 0 ? Math.floor((this.clock.now() - this.startedAt) / this.options.intervalMs) : 0;
    // After a long idle gap, a mean-reverting walk has forgotten its past: cap the catch-up.
    this.steps = Math.max(this.steps, due - 1000);
    for (; this.steps < due; this.steps++) for (const walk of this.walks) this.step(walk);
    return this.walks.map((w) => ({ ...w.base, pricePerHour: round3(w.base.pricePerHour * Math.exp(w.x)) }));
  }

  private step(walk: Walk): void {
    const bound = Math.log(this.options.maxFactor);
    const next = walk.x * (1 - this.options.meanReversion) + walk.sigma * walk.random.normal();
    walk.x = Math.max(-bound, Math.min(bound, next));
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
