/**
 * Why the planner decided what it did, as data. The planner returns these; the event
 * boundary (the loop's `scale` event, the simulator's log) renders them as one line
 * of text (reason-text.ts). Tests assert on these fields, not on the wording.
 */

/** What the queue looked like: tasks queued and in flight, arrivals per second the demand model used. */
export interface LoadFacts {
  queued: number;
  arrivalRate: number;
  inFlight: number;
}

/** Live nodes by readiness (`provisioning`: requested or starting). */
export interface FleetFacts {
  ready: number;
  provisioning: number;
}

/**
 * What demand asked for: `need` nodes (before `maxNodes`) for `sloTarget` of requests
 * within `latencyTargetMs`; or, with no node at all, `first-node-wait`: renting the
 * first one waits `canWaitMs` more, so that tasks coming meanwhile share it.
 */
export type NeedFacts =
  | {
      kind: 'need';
      nodes: number;
      maxNodes: number;
      latencyTargetMs: number;
      sloTarget: number;
      /** The estimate asked for `nodes` more than this, within its noise: held back (controller/rent-evidence.ts). */
      heldBack?: { nodes: number; lowLoad: number; slots: number };
    }
  | { kind: 'first-node-wait'; canWaitMs: number; latencyTargetMs: number; sloTarget: number };

/** `count` leases of one offer requested by a decision. */
export interface AddGroup {
  offerId: string;
  model: string;
  gpuCount: number;
  spot: boolean;
  pricePerHour: number;
  currency: string;
  count: number;
}

/** Why fewer nodes were rented than wanted: a budget cap, or no eligible offer. */
export type Shortfall = { kind: 'budget'; scope: 'global' | 'workload'; cap: 'maxPerHour' | 'total'; limit: number } | { kind: 'no-offer' };

/** `count` leases the budget guard released so that no cap is crossed. */
export interface BudgetRelease {
  scope: 'global' | 'workload';
  cap: 'maxPerHour' | 'total';
  limit: number;
  count: number;
}

/**
 * Why demand is below the live count, for `forMs`: `idle` (nothing queued or arriving),
 * `finishing` (idle, `inFlight` tasks still running) or `low` (demand `needs` fewer than `live`).
 */
export interface LowDemandFacts {
  kind: 'idle' | 'finishing' | 'low';
  forMs: number;
  inFlight: number;
  needs: number;
  live: number;
}

/**
 * `nodes` kept warm through a quiet spell (idle `idleForMs` so far) until it reaches
 * `keepAliveMs`, or with none until traffic returns (steps/keep-warm.ts; `predicted`:
 * from the histogram of quiet spells, else the fallback): `warmPerHour` (their price; `warmCost` for the rest of the keep-alive) spent
 * because a cold return would miss `coldMisses` requests, more than half the `missBudget`
 * of a busy spell. `spells` recorded, with their 5th and 99th percentiles when trusted.
 */
export interface KeepWarmFacts {
  kind: 'keep-warm';
  nodes: number;
  idleForMs: number;
  /** Absent: until traffic returns. */
  keepAliveMs?: number;
  /** Whether `keepAliveMs` comes from a histogram of quiet spells it trusts (else the fixed fallback). */
  predicted: boolean;
  spells: number;
  idleP5Ms: number | undefined;
  idleP99Ms: number | undefined;
  warmPerHour: number;
  warmCost?: number;
  coldMisses: number;
  missBudget: number;
}

/** `nodes` rented ahead of traffic expected back `returnAfterMs` into a quiet spell (idle `idleForMs` so far). */
export interface PreWarmFacts {
  kind: 'pre-warm';
  nodes: number;
  idleForMs: number;
  returnAfterMs: number;
  coldStartMs: number;
}

/**
 * Traffic back `backForMs` after a quiet spell: the `nodes` kept warm for it are held
 * until the long rate window (`untilMs`) has measured the return.
 */
export interface ReturnFacts {
  kind: 'return';
  nodes: number;
  backForMs: number;
  untilMs: number;
}

/**
 * `nodes` kept, where demand now needs `needsNow`, because the rate rises by a measured
 * `risePerSec` within `reachMs` (a cold start and the long window's lag) and would ask
 * for them again before a rent could bring them back (controller/rise-keep.ts).
 */
export interface RiseKeepFacts {
  kind: 'rise-keep';
  nodes: number;
  needsNow: number;
  risePerSec: number;
  reachMs: number;
}

/** What the keep-warm step did, when it did something. */
export type WarmFacts = KeepWarmFacts | PreWarmFacts | ReturnFacts;

/**
 * The step that decided. `scale-up`: at or below demand, `restored` draining nodes taken
 * back and `adds` rented (`steady`: nothing to add); `holding` and `shortfall` when fewer
 * could be had; `tradeDownPricePerHour`, a dear node given back under the hourly cap;
 * `replace`, replacements for nodes on a much dearer offer. `hold`: demand low for less
 * than `delayMs` (or `provisioning` nodes still coming). `scale-down`: `drained` nodes,
 * `kept` surplus ones serving while paid (`paidLeftMs`), `maxNodes` when above it.
 * `warm`: nodes kept or rented for a return of traffic; `rise`: nodes kept for a measured rise.
 */
export type StepReason =
  | { kind: 'no-policy' }
  | { kind: 'paused'; drain: number }
  | {
      kind: 'scale-up';
      load: LoadFacts;
      fleet: FleetFacts;
      need: NeedFacts;
      restored: number;
      adds: AddGroup[];
      holding?: number;
      shortfall?: Shortfall;
      tradeDownPricePerHour?: number;
      replace?: { count: number; pricePerHour: number };
      steady: boolean;
      warm?: WarmFacts;
      rise?: RiseKeepFacts;
    }
  | { kind: 'hold'; low: LowDemandFacts; delayMs: number; provisioning: number; warm?: WarmFacts; rise?: RiseKeepFacts }
  | { kind: 'scale-down'; low: LowDemandFacts; drained: number; maxNodes?: number; kept: number; paidLeftMs: number; warm?: WarmFacts; rise?: RiseKeepFacts };

/**
 * The measured miss budget and what the planner plans with (steps/miss-budget.ts):
 * of `requests` completed over the last `windowMs`, `misses` missed the latency target
 * (`attainment` within it, against `sloTarget`); the models plan for a miss share of
 * `plannedMissShare`. `tighten`: below target, less than `1 - sloTarget` is planned;
 * `spend`: budget left, more is; `hold`: exactly at target.
 */
export interface MissBudgetFacts {
  kind: 'miss-budget';
  mode: 'tighten' | 'spend' | 'hold';
  requests: number;
  misses: number;
  windowMs: number;
  attainment: number;
  sloTarget: number;
  plannedMissShare: number;
}

/**
 * Everything the planner says about one decision: the budget guard's releases first, the
 * step, idle drained nodes released, and the miss budget the step planned with (`slo`:
 * absent while nothing was measured).
 */
export interface PlanReason {
  budget?: BudgetRelease;
  slo?: MissBudgetFacts;
  step: StepReason;
  releasedDrained: number;
}
