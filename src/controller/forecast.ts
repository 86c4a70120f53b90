/**
 * How well the planner's rate forecast has been doing: the share of the wait budget
 * held back for what the forecast gets wrong is sized from it. The planner forecasts
 * the arrival rate one cold start ahead, when capacity rented now arrives; if the
 * rate then is higher, the backlog grows by the difference for about a cold start
 * before more capacity can help. Each forecast is kept until its time comes, then
 * scored against the long-window rate seen then; the relative errors' mean square is
 * kept with a five-minute memory, so a spike keeps the margin wide until it is well
 * past. Pure: memory in, memory out.
 */

/** One forecast waiting to be scored. */
export interface PendingForecast {
  /** When to score it (ms, clock time): when the long window is centred on the forecast time. */
  due: number;
  /** The arrival rate it expects then, per second. */
  rate: number;
}

/** The forecasts in flight and the record of the scored ones. */
export interface ForecastRecord {
  pending: readonly PendingForecast[];
  /** Mean square of the relative errors, decayed with {@link ERROR_MEMORY_MS}; undefined before the first. */
  meanSquare?: number;
  /** When `meanSquare` was last updated (ms). */
  at?: number;
}

/** How long a scored error keeps weighing (time constant of the decay), ms. */
export const ERROR_MEMORY_MS = 300_000;

/**
 * The relative error assumed before any forecast is scored: half the rate. The margin
 * it gives is the one the planner held before it kept a record (half the wait budget).
 */
export const PRIOR_ERROR = 0.5;

/** Forecasts are taken at most this often, ms (the rate samples' spacing). */
export const FORECAST_EVERY_MS = 10_000;

// Relative errors are taken against the larger of the two rates and at least one arrival a
// minute, so that an idle stretch (forecast 0, one arrival seen) reads as a whole miss, not infinity.
const SMALLEST_RATE = 1 / 60;

/**
 * Score the forecasts due by `now` against `observedRate`, and add `next` (one
 * forecast per {@link FORECAST_EVERY_MS} at most).
 */
export function trackForecast(record: ForecastRecord | undefined, now: number, observedRate: number, next: PendingForecast | undefined): ForecastRecord {
  // A new record starts from the prior, so that it takes a calm stretch of several error
  // memories, not the first few lucky forecasts, to narrow the margin.
  let meanSquare = record === undefined ? PRIOR_ERROR * PRIOR_ERROR : record.meanSquare;
  let at = record === undefined ? now : record.at;
  const pending: PendingForecast[] = [];
  for (const f of record?.pending ?? []) {
    if (f.due > now) {
      pending.push(f);
      continue;
    }
    const error = (observedRate - f.rate) / Math.max(observedRate, f.rate, SMALLEST_RATE);
    if (meanSquare === undefined || at === undefined) meanSquare = error * error;
    else {
      const keep = Math.exp(-Math.max(0, now - at) / ERROR_MEMORY_MS);
      meanSquare = keep * meanSquare + (1 - keep) * error * error;
    }
    at = now;
  }
  const last = pending[pending.length - 1];
  const adding = next !== undefined && (last === undefined || next.due - last.due >= FORECAST_EVERY_MS);
  // Most ticks neither score nor add one: the record is returned as it was.
  if (record !== undefined && !adding && pending.length === record.pending.length) return record;
  if (adding) pending.push(next);
  const out: ForecastRecord = { pending };
  if (meanSquare !== undefined) out.meanSquare = meanSquare;
  if (at !== undefined) out.at = at;
  return out;
}

/** Root-mean-square relative error of the scored forecasts, or undefined before the first. */
export function forecastError(record: ForecastRecord | undefined): number | undefined {
  return record?.meanSquare === undefined ? undefined : Math.sqrt(record.meanSquare);
}
