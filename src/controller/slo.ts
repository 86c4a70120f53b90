/**
 * The service-level objective, defined once: a request meets the latency target when
 * its latency (queue wait + service, from `run()` to its answer) is at most
 * `latencyTargetMs`; a workload meets its SLO when at least `sloTarget` of its
 * requests do. The planner spends the rest, `1 - sloTarget`, as its miss budget
 * (demand.ts, steps/keep-warm.ts), and the simulator's SLO column counts with
 * {@link withinTarget}.
 */

/** Share of requests within the latency target a workload asks for, unless `scaling.sloTarget` says otherwise. */
export const DEFAULT_SLO_TARGET = 0.99;

/**
 * The smallest miss budget the planner plans with: a target of 1 (no request may
 * miss) has no finite fleet under a queueing model, so it is planned as 99.99 %.
 */
export const MIN_MISS_SHARE = 1e-4;

/** Whether one request met the target. */
export function withinTarget(latencyMs: number, latencyTargetMs: number): boolean {
  return latencyMs <= latencyTargetMs;
}

/** Share of requests that may miss the target: `1 - sloTarget`, at least {@link MIN_MISS_SHARE}. */
export function missShare(sloTarget: number | undefined): number {
  return Math.max(MIN_MISS_SHARE, 1 - (sloTarget ?? DEFAULT_SLO_TARGET));
}

/** Share of `count` latencies within the target (1 for none). */
export function attainment(latencies: ArrayLike<number>, count: number, latencyTargetMs: number): number {
  if (count === 0) return 1;
  let met = 0;
  for (let i = 0; i < count; i++) if (withinTarget(latencies[i]!, latencyTargetMs)) met++;
  return met / count;
}
