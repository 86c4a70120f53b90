/**
 * The service-level objective, defined once: a request meets the latency target when
 * its latency (queue wait + service, from `run()` to its answer) is at most
 * `latencyTargetMs`; a workload meets its SLO when at least `sloTarget` of its
 * requests do. The rest, `1 - sloTarget`, is the miss budget. It is measured over a
 * rolling window of completed requests (metrics/attainment-window.ts: the last hour)
 * and reported by `metrics()` ({@link missBudgetOf}); the planner spends what is left of
 * it (steps/miss-budget.ts) through its queueing model (demand.ts) and on cold returns
 * of traffic (steps/keep-warm.ts). The simulator's SLO column is {@link attainment}
 * over the whole trace.
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

/** A window's miss budget in requests: what `1 - sloTarget` of its requests allows, what missed, what is left. */
export interface MissBudget {
  /** Misses the window's requests allow: `(1 - sloTarget) * requests`. */
  allowed: number;
  /** Requests of the window that missed the target. */
  spent: number;
  /** `allowed - spent`: misses the window can still take; negative when the SLO is missed. */
  left: number;
}

/** The miss budget of a window of `requests` completions of which `misses` missed. */
export function missBudgetOf(requests: number, misses: number, sloTarget: number | undefined): MissBudget {
  const allowed = (1 - (sloTarget ?? DEFAULT_SLO_TARGET)) * requests;
  return { allowed, spent: misses, left: allowed - misses };
}

/** Share of a window's requests within the target (1 for none). */
export function windowAttainment(requests: number, misses: number): number {
  return requests === 0 ? 1 : (requests - misses) / requests;
}
