/**
 * Budget threshold crossings (50 %, 80 %, 100 % of a cap), each reported once. The
 * caller turns them into `budget` events; this file only remembers which levels have
 * fired, so that a value hovering at a level does not emit an event every tick.
 *
 * A level fires when the value crosses it, and only then: for `total` the value is
 * committed spend (accrued cost plus what live leases must still pay, the figure the
 * cap is enforced on), for `maxPerHour` the summed hourly price of live leases. A cap
 * that refuses the next lease before it is full (the lease would not fit in what is
 * left) does not fire 100 %: that refusal is `BUDGET_EXHAUSTED`, with its own message.
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
// Float sums of exact prices must still reach a level they meet exactly.
const SLACK = 1e-9;

/** Where one level stands now: reached (fire it unless it fired), or clearly below (arm it again). */
export interface LevelState {
  /** Stable name of the level: scope, cap and percent. */
  key: string;
  reached: boolean;
  /** Fell far enough below the level to fire again on the next crossing. */
  rearm: boolean;
  crossing: ThresholdCrossing;
}

/**
 * Where each level of one scope (`undefined` = global) stands, lowest level first,
 * with no memory: the single-process tracker below keeps the fired levels itself, a
 * replica group keeps them in Redis (src/coordination/) so that a crossing fires once
 * for the group whichever replica sees it.
 */
export function levelStates(
  scope: string | undefined,
  caps: { total?: number; maxPerHour?: number },
  usage: { committed: number; hourlyRate: number },
): LevelState[] {
  const out: LevelState[] = [];
  const checks: Array<[ThresholdCrossing['cap'], number | undefined, number]> = [
    ['total', caps.total, usage.committed],
    ['maxPerHour', caps.maxPerHour, usage.hourlyRate],
  ];
  for (const [cap, limit, value] of checks) {
    if (limit === undefined || limit <= 0) continue;
    for (const percent of LEVELS) {
      const level = (limit * percent) / 100;
      const reached = value >= level - SLACK * Math.max(1, level);
      out.push({
        key: `${scope ?? ''}\u0000${cap}\u0000${percent}`,
        reached,
        rearm: !reached && value < level * REARM_RATIO,
        crossing: { cap, scope: scope ?? 'global', percent, value, limit },
      });
    }
  }
  return out;
}

/** Remembers fired levels per scope. */
export class ThresholdTracker {
  readonly #fired = new Set<string>();

  /** Levels newly crossed in one scope (`undefined` = global), lowest level first. */
  check(
    scope: string | undefined,
    caps: { total?: number; maxPerHour?: number },
    usage: { committed: number; hourlyRate: number },
  ): ThresholdCrossing[] {
    const out: ThresholdCrossing[] = [];
    for (const level of levelStates(scope, caps, usage)) {
      if (level.reached && !this.#fired.has(level.key)) {
        this.#fired.add(level.key);
        out.push(level.crossing);
      } else if (level.rearm) {
        this.#fired.delete(level.key);
      }
    }
    return out;
  }
}
