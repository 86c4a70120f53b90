/**
 * What each replica publishes about a workload every tick, and how the leader adds
 * the replicas' observations into one for the planner. Pure. Counts and rates add
 * up (the hour's completions and misses too: the miss budget is the group's); the
 * arrivals' dispersion is the sum's with each replica's Poisson part independent and
 * its bursts (the excess over Poisson) coming together with the others' (replicas take
 * shares of one stream: a burst split n ways reads n times calmer on each); the service time is the mean weighted by each replica's completions; the
 * oldest wait and the slowest tail are the group's worst; per-node tasks in flight
 * add up across the replicas that share the node.
 */
import type { WorkloadObservation } from '../controller/observation.js';

/** One replica's published observation of one workload (plain JSON). */
export interface ReplicaObservation {
  replicaId: string;
  /** Clock time it was taken, ms. */
  at: number;
  queued: number;
  inFlight: number;
  arrivalRateShort: number;
  arrivalRateLong: number;
  /** Index of dispersion of its per-second arrival counts (absent: not measured). */
  arrivalDispersion?: number;
  /** Task attempts it finished per second over the long window (absent: not measured). */
  completionRateLong?: number;
  serviceTimeMs: number | null;
  serviceTimeTailMs: number | null;
  oldestQueuedMs: number;
  /** Tasks completed so far (weights the service time). */
  completed: number;
  /** Tasks running on each node, by node key. */
  nodeInFlight: Record<string, number>;
  /** Age of the oldest task running on each node, ms. */
  nodeOldestMs: Record<string, number>;
  /** Tasks it completed over the last hour and how many missed the latency target (absent: not measured). */
  slo?: { requests: number; misses: number };
}

/** Demand a replica brings to the slot shares: tasks queued and running. */
export function demandOf(o: Pick<ReplicaObservation, 'queued' | 'inFlight'>): number {
  return o.queued + o.inFlight;
}

/** The part of a local observation a replica publishes. */
export function toReplicaObservation(
  replicaId: string,
  local: WorkloadObservation,
  completed: number,
  nodeInFlight: Record<string, number>,
  nodeOldestMs: Record<string, number>,
  at: number,
): ReplicaObservation {
  return {
    replicaId,
    at,
    queued: local.queued,
    inFlight: local.inFlight,
    arrivalRateShort: local.arrivalRateShort,
    arrivalRateLong: local.arrivalRateLong,
    serviceTimeMs: local.serviceTimeMs ?? null,
    serviceTimeTailMs: local.serviceTimeTailMs ?? null,
    oldestQueuedMs: local.oldestQueuedMs,
    completed,
    nodeInFlight,
    nodeOldestMs,
    ...(local.sloWindow ? { slo: { requests: local.sloWindow.requests, misses: local.sloWindow.misses } } : {}),
    ...(local.arrivalDispersion !== undefined ? { arrivalDispersion: local.arrivalDispersion } : {}),
    ...(local.completionRateLong !== undefined ? { completionRateLong: local.completionRateLong } : {}),
  };
}

/** Parse a published observation; anything malformed is dropped (undefined). */
export function parseReplicaObservation(json: string): ReplicaObservation | undefined {
  try {
    const o = JSON.parse(json) as ReplicaObservation;
    const numbers = [o.at, o.queued, o.inFlight, o.arrivalRateShort, o.arrivalRateLong, o.oldestQueuedMs, o.completed];
    if (typeof o.replicaId !== 'string' || numbers.some((n) => typeof n !== 'number' || !Number.isFinite(n) || n < 0)) return undefined;
    if (typeof o.nodeInFlight !== 'object' || o.nodeInFlight === null) return undefined;
    // A window that does not add up is left out, not the whole observation.
    if (o.slo !== undefined && !validWindow(o.slo)) delete o.slo;
    // An optional measure that is not a number of its own is left out.
    for (const key of ['arrivalDispersion', 'completionRateLong'] as const) {
      const v: unknown = o[key];
      if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) delete o[key];
    }
    return o;
  } catch {
    return undefined;
  }
}

function validWindow(w: unknown): boolean {
  const { requests, misses } = (w ?? {}) as { requests?: unknown; misses?: unknown };
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  return ok(requests) && ok(misses) && misses <= requests;
}

/**
 * The group's observation of a workload: the leader's own (which carries its nodes,
 * memory and cold start) plus every other replica's published one no older than
 * `maxAgeMs` at `now`.
 */
export function sumObservations(
  own: WorkloadObservation,
  ownCompleted: number,
  others: readonly ReplicaObservation[],
  now: number,
  maxAgeMs: number,
): WorkloadObservation {
  const fresh = others.filter((o) => now - o.at <= maxAgeMs);
  if (fresh.length === 0) return own;
  let queued = own.queued;
  let inFlight = own.inFlight;
  let short = own.arrivalRateShort;
  let long = own.arrivalRateLong;
  let oldest = own.oldestQueuedMs;
  let tail = own.serviceTimeTailMs;
  let weighted = own.serviceTimeMs !== undefined ? own.serviceTimeMs * Math.max(1, ownCompleted) : 0;
  let weight = own.serviceTimeMs !== undefined ? Math.max(1, ownCompleted) : 0;
  const nodeInFlight = new Map<string, number>();
  const nodeOldest = new Map<string, number>();
  // The miss budget is the group's: every replica's completions and misses of the hour.
  const window = own.sloWindow === undefined ? undefined : { ...own.sloWindow };
  // Bursts that come together: their standard deviations (per second) add up.
  let burst = burstDeviation(own.arrivalDispersion, own.arrivalRateLong);
  // What the group's slots got through: every replica's, or unknown if one did not say.
  let finished = own.completionRateLong;
  for (const o of fresh) {
    finished = finished !== undefined && o.completionRateLong !== undefined ? finished + o.completionRateLong : undefined;
    burst += burstDeviation(o.arrivalDispersion, o.arrivalRateLong);
    if (window !== undefined && o.slo !== undefined) {
      window.requests += o.slo.requests;
      window.misses += o.slo.misses;
    }
    queued += o.queued;
    inFlight += o.inFlight;
    short += o.arrivalRateShort;
    long += o.arrivalRateLong;
    oldest = Math.max(oldest, o.oldestQueuedMs);
    if (o.serviceTimeTailMs !== null) tail = Math.max(tail ?? 0, o.serviceTimeTailMs);
    if (o.serviceTimeMs !== null) {
      weighted += o.serviceTimeMs * Math.max(1, o.completed);
      weight += Math.max(1, o.completed);
    }
    for (const [node, n] of Object.entries(o.nodeInFlight)) nodeInFlight.set(node, (nodeInFlight.get(node) ?? 0) + n);
    for (const [node, ms] of Object.entries(o.nodeOldestMs ?? {})) nodeOldest.set(node, Math.max(nodeOldest.get(node) ?? 0, ms));
  }
  return {
    ...own,
    queued,
    inFlight,
    arrivalRateShort: short,
    arrivalRateLong: long,
    oldestQueuedMs: oldest,
    arrivalDispersion: long > 0 ? 1 + (burst * burst) / long : own.arrivalDispersion,
    completionRateLong: finished,
    serviceTimeMs: weight > 0 ? weighted / weight : undefined,
    serviceTimeTailMs: tail,
    sloWindow: window,
    nodes: own.nodes.map((n) => ({
      ...n,
      inFlight: n.inFlight + (nodeInFlight.get(n.id) ?? 0),
      oldestTaskMs: Math.max(n.oldestTaskMs ?? 0, nodeOldest.get(n.id) ?? 0),
    })),
  };
}

/** Standard deviation of the part of a replica's per-second arrival count beyond Poisson (0 when not measured). */
function burstDeviation(dispersion: number | undefined, rate: number): number {
  return dispersion !== undefined && dispersion > 1 && rate > 0 ? Math.sqrt((dispersion - 1) * rate) : 0;
}
