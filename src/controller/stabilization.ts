/**
 * Downscale stabilisation as a sliding-window maximum: the node count may only fall
 * to the highest count demand asked for during the last `scaleDownDelayMs` (the rule
 * Kubernetes HPA applies to scale-down). The window is kept as a monotonic list in the
 * planner's memory: each entry's count is below the one before it, so the head is
 * the maximum and the list never holds more entries than distinct counts.
 */

/** One past recommendation. */
export interface DesiredSample {
  /** Clock time of the tick, ms. */
  at: number;
  /** Nodes demand asked for at that tick (after min/max). */
  desired: number;
}

/** Add `desired` at `now` and drop samples older than `windowMs` or dominated by it. */
export function pushDesired(window: readonly DesiredSample[], now: number, desired: number, windowMs: number): DesiredSample[] {
  const kept = window.filter((s) => s.at > now - windowMs && s.desired > desired);
  kept.push({ at: now, desired });
  return kept;
}

/** Highest count in the window (the head), or 0 for an empty window. */
export function windowMax(window: readonly DesiredSample[]): number {
  return window[0]?.desired ?? 0;
}
