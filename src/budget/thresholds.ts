/**
 * Budget threshold crossings (50 %, 80 %, 100 % of a cap), each reported once. The
 * caller turns them into `budget` events; this file only remembers which levels have
 * fired, so that a value hovering at a level does not emit an event every tick.
 */

/** One cap level crossed upwards. */
export interface ThresholdCrossing {
  cap: 'total' | 'maxPerHour';
  /** `'global'` or the workload name. */
  scope: string;
  percent: 50 | 80 | 100;
  /** Committed spend (total) or hourly rate (maxPerHour) when it was seen. */
  value: number;
  limit: number;
}

const LEVELS = [50, 80, 100] as const;
// A fired level is armed again only once the value drops this far below it: a
// rate that wobbles around 80 % must not emit a stream of events.
const REARM_RATIO = 0.9;
const SLACK = 1e-9;

interface Cheapest {
  pricePerHour: number;
  minimumCost: number;
}

/** Remembers fired levels and the cheapest lease seen per scope. */
export class ThresholdTracker {
  readonly #fired = new Set<string>();
  readonly #cheapest = new Map<string | undefined, Cheapest>();

  /**
   * Record a lease the workload asked for. The cheapest one seen tells when a cap
   * is at 100 %: the next lease cannot fit even if the value is still below the cap.
   */
  noteLease(workload: string, pricePerHour: number, minimumCost: number): void {
    for (const scope of [workload, undefined]) {
      const seen = this.#cheapest.get(scope);
      this.#cheapest.set(scope, {
        pricePerHour: Math.min(seen?.pricePerHour ?? Infinity, pricePerHour),
        minimumCost: Math.min(seen?.minimumCost ?? Infinity, minimumCost),
      });
    }
  }

  /** Levels newly crossed in one scope (`undefined` = global), lowest level first. */
  check(
    scope: string | undefined,
    caps: { total?: number; maxPerHour?: number },
    usage: { committed: number; hourlyRate: number },
  ): ThresholdCrossing[] {
    const out: ThresholdCrossing[] = [];
    const cheapest = this.#cheapest.get(scope);
    const checks: Array<[ThresholdCrossing['cap'], number | undefined, number, number | undefined]> = [
      ['total', caps.total, usage.committed, cheapest?.minimumCost],
      ['maxPerHour', caps.maxPerHour, usage.hourlyRate, cheapest?.pricePerHour],
    ];
    for (const [cap, limit, value, nextLease] of checks) {
      if (limit === undefined || limit <= 0) continue;
      // A full cap has passed every lower level too, even when the last lease jumped over them.
      const full = isFull(value, limit, nextLease);
      for (const percent of LEVELS) {
        const key = `${scope ?? ''}\u0000${cap}\u0000${percent}`;
        const reached = full || value >= (limit * percent) / 100 - SLACK;
        if (reached && !this.#fired.has(key)) {
          this.#fired.add(key);
          out.push({ cap, scope: scope ?? 'global', percent, value, limit });
        } else if (!reached && value < (limit * percent * REARM_RATIO) / 100) {
          this.#fired.delete(key);
        }
      }
    }
    return out;
  }
}

/** A cap is full when it is reached or the cheapest lease seen no longer fits under it. */
function isFull(value: number, limit: number, nextLease: number | undefined): boolean {
  if (value >= limit - SLACK) return true;
  return nextLease !== undefined && value + nextLease > limit + SLACK;
}
