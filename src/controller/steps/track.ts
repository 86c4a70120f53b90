/**
 * What the planner remembers from one tick to the next: the arrival trend, the
 * rate forecasts and their record, the recent desired counts (downscale
 * stabilisation), and when spot is avoided after a preemption. Pure: the planner
 * is the only writer of its memory; a preemption arrives as a fact of the
 * observation (`preemptedAt`), not as an edit of the memory from outside.
 */
import type { DemandEstimate } from '../demand.js';
import { trackForecast, type ForecastRecord } from '../forecast.js';
import type { PlannerMemory, PlannerPolicy, WorkloadObservation } from '../observation.js';
import type { SwapInProgress } from '../rebalance.js';
import type { WarmMemory } from './keep-warm.js';
import { pushDesired, type DesiredSample } from '../stabilization.js';
import { LONG_RATE_WINDOW_MS, pushRate, type RateSample } from '../trend.js';

/** The parts of the memory that every branch of the plan carries forward as they are. */
export interface Carried {
  avoidSpotUntil: number;
  arrivingSince: number | undefined;
  /** When the long window was last seen empty. */
  quietAt: number | undefined;
  forecast: ForecastRecord | undefined;
  /** Busy spells for keep-warm (replaced by that step's own, see keep-warm.ts). */
  warm: WarmMemory | undefined;
}

/** The memory's carried parts at `now`: the spot cool-off after the latest preemption, the arrival streak. */
export function carried(w: WorkloadObservation, policy: PlannerPolicy | undefined, now: number): Carried {
  const preempted = w.preemptedAt !== undefined && policy !== undefined ? w.preemptedAt + (policy.spotCooloffMs ?? 0) : -Infinity;
  return {
    avoidSpotUntil: Math.max(w.memory.avoidSpotUntil, preempted),
    // No arrival in the long window: whatever comes next starts a new count (and no trend).
    arrivingSince: w.arrivalRateLong > 0 ? (w.memory.arrivingSince ?? now) : undefined,
    quietAt: w.arrivalRateLong > 0 ? w.memory.quietAt : now,
    forecast: w.memory.forecast,
    warm: w.memory.warm,
  };
}

/** What this tick's demand adds to the memory: the desired-count window, the rate samples, the forecast record. */
export interface Tracked {
  recentDesired: DesiredSample[];
  rates: readonly RateSample[] | undefined;
  forecast: ForecastRecord | undefined;
}

/** Record this tick's demand (target: nodes demand keeps, after min/max). */
export function trackDemand(w: WorkloadObservation, base: Carried, demand: DemandEstimate, target: number, policy: PlannerPolicy, now: number): Tracked {
  const recentDesired = pushDesired(w.memory.recentDesired, now, target, policy.scaleDownDelayMs);
  // A long rate still filling its window is no trend: after a start, or after a break in
  // arrivals, it climbs for a minute however the traffic came. Sampled once it is full.
  const since = base.arrivingSince;
  const longRateFull = (w.observedForMs ?? Infinity) >= LONG_RATE_WINDOW_MS && since !== undefined && now - since >= LONG_RATE_WINDOW_MS;
  const rates = longRateFull ? pushRate(w.memory.rates, now, w.arrivalRateLong) : since === undefined ? undefined : w.memory.rates;
  // Forecasts are scored against the long rate, so only once it is a rate and not a window filling up.
  const forecast = longRateFull ? trackForecast(base.forecast, now, w.arrivalRateLong, demand.forecast) : base.forecast;
  return { recentDesired, rates, forecast };
}

/**
 * The memory for the next tick. Built field by field, not spread: this runs every
 * tick and object spread is V8's slow path.
 */
export function nextMemory(
  base: Carried,
  lowDemandSince: number | null,
  recentDesired: PlannerMemory['recentDesired'],
  rates: PlannerMemory['rates'],
  forecast: ForecastRecord | undefined,
  swap: SwapInProgress | undefined,
): PlannerMemory {
  const memory: PlannerMemory = { lowDemandSince, recentDesired, avoidSpotUntil: base.avoidSpotUntil };
  if (rates !== undefined) memory.rates = rates;
  if (base.arrivingSince !== undefined) memory.arrivingSince = base.arrivingSince;
  if (base.quietAt !== undefined) memory.quietAt = base.quietAt;
  if (forecast !== undefined) memory.forecast = forecast;
  if (swap !== undefined) memory.swap = swap;
  if (base.warm !== undefined) memory.warm = base.warm;
  return memory;
}
