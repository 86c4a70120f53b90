/**
 * How many nodes a workload's demand needs, before min/max and budget. Pure.
 *
 * Node slots (tasks a node runs at once) are sized from three parts:
 *
 * 1. Arrivals. With arrival rate λ = max(short, long window) (a burst counts within
 *    one tick) and service time S, the offered load is a = λ·S busy slots (Little's
 *    law). Sizing slots to exactly a (what HPA / KEDA-style rules do) leaves no room
 *    for randomness and the queue grows. We take the fewest slots k for which an
 *    M/M/k queue keeps the p95 wait under the wait budget W = latencyTarget − S:
 *    P(wait > W) = ErlangC(k, a) · exp(−(k − a)·W / S) ≤ 5 %. Headroom shrinks as
 *    load grows (square-root staffing), so big fleets run hot and small ones do not
 *    miss the target.
 * 2. Tasks in flight hold slots now: slots ≥ inFlight. By Little's law λ·S already
 *    estimates them in steady state, so the two are combined with max, not summed.
 * 3. The backlog. `queued` tasks must clear within W_clear = max(W, tick, cold start):
 *    the loop cannot react faster than a tick, and a node asked for now serves only
 *    after its cold start, so clearing faster would buy nodes that arrive after the
 *    queue is gone (each extra node pays its cold start to do at least as long of
 *    backlog work). That takes Q·S / W_clear slots, capped at Q: a task never uses
 *    two slots, which is when the floor ceil((queued + inFlight) / concurrency) holds.
 *
 * nodes = ceil((max(k, inFlight) + min(Q, Q·S/W_clear)) / concurrencyPerNode).
 * Unknown service time: S = latencyTarget / 2. No queued task, none in flight and no
 * arrival in the short window: demand is zero (scale to zero can start).
 */
import type { PlannerPolicy, WorkloadObservation } from './observation.js';

/** The latency quantile the target is held at. */
export const LATENCY_QUANTILE = 0.95;

// Guards against a zero or absurdly small service time dividing by zero.
const MIN_SERVICE_MS = 1e-3;
const EPSILON = 1e-9;

/** The demand estimate of one workload at one tick. */
export interface DemandEstimate {
  /** Nodes the demand needs (not yet clamped to min/max). */
  nodes: number;
  /** No demand at all: nothing queued or in flight, no arrival in the short window. */
  idle: boolean;
  /** Arrival rate used (tasks/s). */
  arrivalRate: number;
  /** Service time used (ms). */
  serviceTimeMs: number;
  /** The service time was not measured yet and was assumed. */
  serviceTimeAssumed: boolean;
  /** Slots for arrivals at the latency target. */
  arrivalSlots: number;
  /** Extra slots to clear the backlog. */
  backlogSlots: number;
}

/**
 * Fewest slots k with P(wait > waitBudgetMs) ≤ 1 − {@link LATENCY_QUANTILE} in an
 * M/M/k queue with offered load `load` (Erlangs). Returns a value above `maxSlots`
 * when even that many slots are not enough (the caller clamps).
 */
export function slotsForLatency(load: number, waitBudgetMs: number, serviceTimeMs: number, maxSlots: number): number {
  if (load <= 0) return 0;
  const lowest = Math.floor(load) + 1;
  if (lowest > maxSlots) return lowest;
  const allowed = 1 - LATENCY_QUANTILE;
  const budget = Math.max(0, waitBudgetMs) / Math.max(serviceTimeMs, MIN_SERVICE_MS);
  // Erlang B by its stable recursion, then Erlang C from it.
  let erlangB = 1;
  for (let k = 1; k <= maxSlots; k++) {
    erlangB = (load * erlangB) / (k + load * erlangB);
    if (k < lowest) continue;
    const erlangC = (k * erlangB) / (k - load * (1 - erlangB));
    if (erlangC * Math.exp(-(k - load) * budget) <= allowed) return k;
  }
  return maxSlots + 1;
}

/** Nodes the workload's demand needs now; see the module comment for the formula. */
export function estimateDemand(workload: WorkloadObservation, policy: PlannerPolicy, tickMs: number): DemandEstimate {
  const serviceTimeAssumed = workload.serviceTimeMs === undefined;
  const serviceTimeMs = Math.max(workload.serviceTimeMs ?? policy.latencyTargetMs / 2, MIN_SERVICE_MS);
  const queued = Math.max(0, workload.queued);
  const inFlight = Math.max(0, workload.inFlight);
  const idle = queued === 0 && inFlight === 0 && !(workload.arrivalRateShort > 0);
  const arrivalRate = idle ? 0 : Math.max(workload.arrivalRateShort, workload.arrivalRateLong, 0);
  const concurrency = Math.max(1, policy.concurrencyPerNode);
  const maxSlots = policy.maxNodes * concurrency;
  const waitBudgetMs = policy.latencyTargetMs - serviceTimeMs;

  const load = (arrivalRate * serviceTimeMs) / 1000;
  const arrivalSlots = slotsForLatency(load, waitBudgetMs, serviceTimeMs, maxSlots);
  const clearWithinMs = Math.max(waitBudgetMs, tickMs, workload.coldStartMs, MIN_SERVICE_MS);
  const backlogSlots = Math.min(queued, (queued * serviceTimeMs) / clearWithinMs);
  const slots = Math.max(arrivalSlots, inFlight) + backlogSlots;
  const nodes = idle ? 0 : Math.max(1, Math.ceil(slots / concurrency - EPSILON));
  return { nodes, idle, arrivalRate, serviceTimeMs, serviceTimeAssumed, arrivalSlots, backlogSlots };
}
