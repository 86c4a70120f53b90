/**
 * Facts about a trace that sizing rules and the report need, computed once per
 * trace: service-time mean and tail, total work, the busiest minute, and offered
 * load per chart bucket; and the opening load a warm start is sized for.
 */
import { slotsForLatency } from '../controller/mmk-tail.js';
import { nth } from './select.js';
import type { Trace } from './trace/types.js';

/** Window the busiest-load and warm-start sizings look at. */
export const SIZING_WINDOW_MS = 60_000;

/** Summary of one trace. */
export interface TraceStats {
  requests: number;
  /** Last arrival, ms. */
  spanMs: number;
  meanServiceMs: number;
  p99ServiceMs: number;
  /** Sum of service times, slot·ms. */
  workMs: number;
  /** Offered load of the busiest sliding minute, in busy slots (work / window). */
  peakLoad: number;
  /** Mean service time of the requests of the busiest minute, ms. */
  peakServiceMs: number;
}

/** Compute {@link TraceStats}. */
export function traceStats(trace: Trace): TraceStats {
  const { arrivalMs: arr, serviceMs: svc, count: n } = trace;
  let work = 0;
  for (let i = 0; i < n; i++) work += svc[i]!;
  const p99 = n > 0 ? nth(svc.slice(0, n), Math.min(n - 1, Math.ceil(0.99 * n) - 1)) : 0;
  // Busiest sliding window by work (two pointers over the sorted arrivals).
  let lo = 0;
  let windowWork = 0;
  let peakWork = 0;
  let peakCount = 0;
  for (let hi = 0; hi < n; hi++) {
    windowWork += svc[hi]!;
    while (arr[hi]! - arr[lo]! >= SIZING_WINDOW_MS) windowWork -= svc[lo++]!;
    if (windowWork > peakWork) {
      peakWork = windowWork;
      peakCount = hi - lo + 1;
    }
  }
  return {
    requests: n,
    spanMs: n > 0 ? arr[n - 1]! : 0,
    meanServiceMs: n > 0 ? work / n : 0,
    p99ServiceMs: p99,
    workMs: work,
    peakLoad: peakWork / SIZING_WINDOW_MS,
    peakServiceMs: peakCount > 0 ? peakWork / peakCount : 0,
  };
}

/**
 * Nodes that keep the p95 wait within the latency target for an offered `load`
 * (busy slots) of tasks taking `serviceMs`: the planner's own M/M/k sizing, so the
 * static baselines are sized by the same queueing model as our policy.
 */
export function nodesForLoad(load: number, serviceMs: number, latencyTargetMs: number, slots: number, maxNodes: number): number {
  if (!(load > 0)) return 0;
  const k = slotsForLatency(load, latencyTargetMs - serviceMs, Math.max(serviceMs, 1e-3), maxNodes * slots);
  return Math.min(maxNodes, Math.max(1, Math.ceil(k / slots)));
}

/** Offered load (busy slots) per bucket of `bucketMs`, for the report's demand line. */
export function loadPerBucket(trace: Trace, bucketMs: number, buckets: number): number[] {
  const out = new Array<number>(buckets).fill(0);
  for (let i = 0; i < trace.count; i++) {
    const b = Math.min(buckets - 1, Math.floor(trace.arrivalMs[i]! / bucketMs));
    out[b]! += trace.serviceMs[i]! / bucketMs;
  }
  return out;
}

/** The load a warm start is sized for (see {@link openingLoad}). */
export interface OpeningLoad {
  /** Offered load, in busy slots (work / window). */
  load: number;
  /** Mean service time of that minute's requests, ms (0 with none). */
  serviceMs: number;
}

/**
 * The busiest sliding minute among those that begin before `untilMs` (arrivals before
 * `untilMs` plus a minute). With `untilMs` the cold start, it is the most the trace
 * asks of a fleet before anything rented at its start can take work: what a warm start
 * must already hold, since no policy can have rented for it.
 */
export function openingLoad(trace: Trace, untilMs: number): OpeningLoad {
  const { arrivalMs: arr, serviceMs: svc, count: n } = trace;
  const end = Math.max(0, untilMs) + SIZING_WINDOW_MS;
  let lo = 0;
  let work = 0;
  let best = 0;
  let bestCount = 0;
  for (let hi = 0; hi < n && arr[hi]! < end; hi++) {
    work += svc[hi]!;
    while (arr[hi]! - arr[lo]! >= SIZING_WINDOW_MS) work -= svc[lo++]!;
    if (work > best || bestCount === 0) {
      best = work;
      bestCount = hi - lo + 1;
    }
  }
  return { load: best / SIZING_WINDOW_MS, serviceMs: bestCount > 0 ? best / bestCount : 0 };
}
