/**
 * What a baseline autoscaler is in the simulator: a decision rule and nothing else.
 * Baselines share the simulator's nodes, queue and billing with our policy; only
 * `decide` differs. It sees what the system it imitates would see (ready and
 * provisioning nodes, queue, tasks in flight, windowed averages) and returns the
 * node count it wants; the shared actuator rents or drains to get there.
 */

/** The state a baseline decides on. */
export interface PolicyView {
  /** Clock time, ms since the start of the trace. */
  now: number;
  /** Nodes taking work (spot ones included). */
  ready: number;
  /** Nodes requested and still in their cold start. */
  provisioning: number;
  /** Of the ready nodes, the interruptible ones; and spot nodes provisioning. */
  readySpot: number;
  provisioningSpot: number;
  /** Tasks waiting for a slot and tasks running. */
  queued: number;
  inFlight: number;
  /** Tasks a node runs at once. */
  slots: number;
  /** Arrivals in the last `sec` seconds. */
  arrivals(sec: number): number;
  /** Mean of (queued + in flight) over the last `sec` seconds. */
  avgConcurrency(sec: number): number;
  /** Mean tasks in flight over the last `sec` seconds. */
  avgInFlight(sec: number): number;
  /** Whether spot capacity can be rented now. */
  spotAvailable: boolean;
}

/** A fleet split between on-demand and spot nodes. */
export interface Fleet {
  onDemand: number;
  spot: number;
}

/** Facts a baseline may be configured from (as its user would configure it). */
export interface PolicyContext {
  slots: number;
  minNodes: number;
  maxNodes: number;
  latencyTargetMs: number;
  /** Mean service time of the trace (what a user would benchmark), ms. */
  meanServiceMs: number;
  coldStartMs: number;
  /** Spot offers exist in this run. */
  spotEnabled: boolean;
  /** Nodes every autoscaler starts with (warm start); constant policies ignore it. */
  initialNodes: number;
  /**
   * Multiplies the autoscaler's main target per node (its utilisation, concurrency,
   * queue-length or QPS target): `--tune-baselines` tries 0.25 to 2. @default 1
   */
  targetFactor?: number | undefined;
}

/** An autoscaler's main knob as set in a run: its name upstream and the value per node. */
export interface TargetKnob {
  /** The setting's name in the autoscaler's own configuration. */
  name: string;
  /** Its value in this run (per node where it is a per-node target). */
  value: number;
}

/** A baseline decision rule. */
export interface Policy {
  /** Short id used on the command line and in the report (`hpa`, `kpa`, ...). */
  readonly name: string;
  /** What it imitates, in a few words. */
  readonly title: string;
  /** Decision period, ms (Infinity: decided once, before the first request). */
  readonly periodMs: number;
  /**
   * From zero nodes, a new task triggers a decision at once (Knative's activator,
   * Ray's and SkyServe's scale-from-zero); otherwise the next period does.
   */
  readonly wakeOnArrival: boolean;
  /** Nodes ready at the start. */
  readonly initialNodes: number;
  /** Nodes it holds for good on an empty queue (its floor). */
  readonly restingNodes: number;
  /** The main target knob in force (autoscalers only). */
  readonly knob?: TargetKnob;
  /** Desired live (non-draining) nodes, or a split between on-demand and spot. */
  decide(view: PolicyView): number | Fleet;
  /** A spot node was preempted (SkyServe replaces it). */
  onPreempted?(now: number): void;
}

/** Clamp to the policy's node range. */
export function clampNodes(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}
