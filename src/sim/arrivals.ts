/**
 * Counting arrivals in the simulator: the arrival times seen so far are a sorted
 * array, so any window is one binary search (no per-second buckets to maintain).
 */
import { firstAtOrAfter } from './sorted.js';

/** Arrivals among the first `seen` (sorted) at or after `fromMs`. */
export function countSince(arr: Float64Array, seen: number, fromMs: number): number {
  return seen - firstAtOrAfter(arr, fromMs, seen);
}
