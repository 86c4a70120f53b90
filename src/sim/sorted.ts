/**
 * Binary searches over ascending arrays of times (arrivals, completions), shared by
 * the simulator's readers of them.
 */

/** First index in `values[0..length)` whose value is at or after `t` (`length` when none). */
export function firstAtOrAfter(values: Float64Array, t: number, length = values.length): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is after `t` (`values.length` when none). */
export function firstAfter(values: Float64Array, t: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
