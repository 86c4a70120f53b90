/**
 * Counting arrivals in the simulator: the arrival times seen so far are a sorted
 * array, so any window is one binary search (no per-second buckets to maintain).
 */

/** Arrivals among the first `seen` (sorted) at or after `fromMs`. */
export function countSince(arr: Float64Array, seen: number, fromMs: number): number {
  let lo = 0;
  let hi = seen;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < fromMs) lo = mid + 1;
    else hi = mid;
  }
  return seen - lo;
}
