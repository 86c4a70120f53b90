/**
 * Crash-loop backoff for leases whose node never starts (a missing handler, an image
 * that does not pull, an agent that exits at once). Renting again at once would bill
 * a lease every cold start for ever, so, as Kubernetes does for a container in
 * CrashLoopBackOff:
 *
 * - after a start failure, the same (offer, image) pair is not rented again for
 *   {@link START_BACKOFF_BASE_MS}, doubling with each failure in a row, up to
 *   {@link START_BACKOFF_MAX_MS}; other offers may still be tried meanwhile;
 * - after {@link MAX_START_FAILURES} start failures of one image in a row (on any
 *   offer), nothing more is rented for it until its own backoff ends, and waiting
 *   tasks fail with `NODE_START_FAILED` carrying the marketplace's last reason;
 * - a node of that image that starts clears both counts;
 * - "in a row" means attempts made one after another: a lease requested before the last
 *   counted failure was known (several rented in one tick, failing together) refreshes
 *   the reason but adds no failure. Three impostor nodes of one offer rented at once are
 *   one bad attempt on that offer, not a crash-looping image.
 *
 * Plain state with explicit times: the caller passes `now`, nothing reads a clock.
 */

/** Start failures of one image in a row after which its waiting tasks fail and renting stops. */
export const MAX_START_FAILURES = 3;
/** Backoff of an (offer, image) pair after its first start failure, ms; it doubles per failure in a row. */
export const START_BACKOFF_BASE_MS = 10_000;
/** Longest backoff, ms (Kubernetes' CrashLoopBackOff cap). */
export const START_BACKOFF_MAX_MS = 300_000;

interface Streak {
  failures: number;
  /** When the last counted failure was recorded (clock ms). */
  countedAt: number;
  /** No new lease before this (clock ms). */
  until: number;
  /** The marketplace's last reason. */
  reason: string;
}

/** Why an image is given up for now. */
export interface StartGiveUp {
  image: string;
  /** Start failures in a row. */
  failures: number;
  /** The marketplace's reason for the last one. */
  reason: string;
  /** When renting may be tried again (clock ms). */
  retryAt: number;
}

/** The backoff after `failures` start failures in a row, ms. */
export function startBackoffMs(failures: number): number {
  return Math.min(START_BACKOFF_MAX_MS, START_BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
}

/** Start-failure streaks per (offer, image) and per image. */
export class StartFailures {
  readonly #pairs = new Map<string, Streak>();
  readonly #images = new Map<string, Streak>();

  /**
   * A lease of `offerId` running `image`, requested at `requestedAt` (clock ms; absent:
   * counted), ended before its node served.
   */
  record(offerId: string, image: string, reason: string, now: number, requestedAt?: number): void {
    for (const [map, key] of [
      [this.#pairs, pairKey(offerId, image)],
      [this.#images, image],
    ] as const) {
      const streak = map.get(key);
      if (streak !== undefined && requestedAt !== undefined && requestedAt < streak.countedAt) {
        map.set(key, { ...streak, reason });
        continue;
      }
      const failures = (streak?.failures ?? 0) + 1;
      map.set(key, { failures, countedAt: now, until: now + startBackoffMs(failures), reason });
    }
  }

  /** A node of `offerId` running `image` became ready: its streaks are over. */
  started(offerId: string, image: string): void {
    this.#pairs.delete(pairKey(offerId, image));
    this.#images.delete(image);
  }

  /** Offers not to rent for `image` at `now` (their backoff runs). */
  backedOff(image: string, now: number): string[] {
    const out: string[] = [];
    const prefix = `${image}\u0000`;
    for (const [key, streak] of this.#pairs) if (key.startsWith(prefix) && now < streak.until) out.push(key.slice(prefix.length));
    return out;
  }

  /** Whether `image` is given up at `now`, and why. */
  givenUp(image: string, now: number): StartGiveUp | undefined {
    const streak = this.#images.get(image);
    if (streak === undefined || streak.failures < MAX_START_FAILURES || now >= streak.until) return undefined;
    return { image, failures: streak.failures, reason: streak.reason, retryAt: streak.until };
  }
}

function pairKey(offerId: string, image: string): string {
  return `${image}\u0000${offerId}`;
}
