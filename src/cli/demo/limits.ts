/**
 * Bounds of `adaptive-compute demo --duration` (a file of its own so that parsing the
 * flags does not load the recorded burst).
 */

/**
 * Shortest `--duration`, s. The cold start does not shrink with the time-lapse, the
 * p95 target does: below this the target falls near the cold start and cannot be met.
 */
export const MIN_DURATION_SEC = 20;
/** Longest `--duration`, s: past this the burst would play slower than it was recorded. */
export const MAX_DURATION_SEC = 120;
