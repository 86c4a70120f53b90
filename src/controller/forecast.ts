/**
 * How well the planner's rate forecast has been doing: the share of the wait budget
 * held back for what the forecast gets wrong is sized from it. The planner forecasts
 * the arrival rate one cold start ahead, when capacity rented now arrives; if the
 * rate then is higher, the backlog grows by the difference for about a cold start
 * before more capacity can help. Each forecast is kept until its time comes, then
 * scored against the long-window rate seen then, by how far the rate came in above it:
 * a forecast that was too high cost capacity, not waiting, and needs no margin (bursts
 * that end before the capacity asked for them arrives would otherwise widen the margin
 * that asks for more still). The relative shortfalls' mean square is
 * kept over the last few dozen forecasts (about five minutes), so a spike keeps the
 * margin wide until it is well past. Pure: memory in, memory out.
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
  /** Mean square of the relative errors, each scored forecast weighing as {@link ERROR_MEMORY} says. */
  meanSquare: number;
}

/**
 * How many scored forecasts the record remembers: each weighs 1/30 and the weight of
 * older ones decays by that much per new one. At one forecast per 10 s, five minutes.
 */
export const ERROR_MEMORY = 30;

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
 * forecast per {@link FORECAST_EVERY_MS} at most). Time without forecasts (an idle
 * workload is not planned for) changes nothing: only scored forecasts move the record.
 */
export function trackForecast(record: ForecastRecord | undefined, now: number, observedRate: number, next: PendingForecast | undefined): ForecastRecord {
  // A new record starts from the prior, so that it takes a calm stretch of many forecasts,
  // not the first few lucky ones, to narrow the margin.
  let meanSquare = record?.meanSquare ?? PRIOR_ERROR * PRIOR_ERROR;
  const pending: PendingForecast[] = [];
  for (const f of record?.pending ?? []) {
    if (f.due > now) {
      pending.push(f);
      continue;
    }
    const error = Math.max(0, observedRate - f.rate) / Math.max(observedRate, f.rate, SMALLEST_RATE);
    meanSquare += (error * error - meanSquare) / ERROR_MEMORY;
  }
  const last = pending[pending.length - 1];
  const adding = next !== undefined && (last === undefined || next.due - last.due >= FORECAST_EVERY_MS);
  // Most ticks neither score nor add one: the record is returned as it was.
  if (record !== undefined && !adding && pending.length === record.pending.length) return record;
  if (adding) pending.push(next);
  return { pending, meanSquare };
}

/** Root-mean-square relative shortfall of the scored forecasts (the prior before any), or undefined without a record. */
export function forecastError(record: ForecastRecord | undefined): number | undefined {
  return record === undefined ? undefined : Math.sqrt(record.meanSquare);
}
