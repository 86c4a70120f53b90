/**
 * Why the planner decided what it did, as data. The planner returns these; the event
 * boundary (the loop's `scale` event, the simulator's log) renders them as one line
 * of text (reason-text.ts). Tests assert on these fields, not on the wording.
 */

/** What the queue looked like. */
export interface LoadFacts {
  queued: number;
  /** Arrivals per second the demand model used (0: none in the windows). */
  arrivalRate: number;
  inFlight: number;
}

/** How many nodes were live, by readiness. */
export interface FleetFacts {
  ready: number;
  /** Requested or provisioning (not ready yet). */
  provisioning: number;
}

/** What demand asked for. */
export type NeedFacts =
  | {
      kind: 'need';
      /** Nodes demand needs now (before maxNodes). */
      nodes: number;
      maxNodes: number;
      latencyTargetMs: number;
      /** Share of requests the target must hold for (`scaling.sloTarget`). */
      sloTarget: number;
    }
  | {
      /** With no node at all, renting the first one waits this long more: tasks that come meanwhile share it. */
      kind: 'first-node-wait';
      canWaitMs: number;
      latencyTargetMs: number;
      sloTarget: number;
    };

/** Leases of one offer requested by a decision. */
export interface AddGroup {
  offerId: string;
  model: string;
  gpuCount: number;
  spot: boolean;
  pricePerHour: number;
  currency: string;
  count: number;
}

/** Why fewer nodes were rented than wanted. */
export type Shortfall =
  | { kind: 'budget'; scope: 'global' | 'workload'; cap: 'maxPerHour' | 'total'; limit: number }
  | { kind: 'no-offer' };

/** Leases the budget guard released so that no cap is crossed. */
export interface BudgetRelease {
  scope: 'global' | 'workload';
  cap: 'maxPerHour' | 'total';
  limit: number;
  count: number;
}

/** Why demand is below the live count. */
export interface LowDemandFacts {
  /** `idle`: nothing queued, nothing arriving; `finishing`: idle but tasks still run; `low`: demand needs fewer nodes. */
  kind: 'idle' | 'finishing' | 'low';
  /** How long demand has been this low, ms. */
  forMs: number;
  /** Tasks still running (for `finishing`). */
  inFlight: number;
  /** Nodes demand needs (for `low`). */
  needs: number;
  /** Live nodes now. */
  live: number;
}

/** Keep-alive after traffic stopped, from the workload's idle-spell history (see steps/keep-warm.ts). */
export interface KeepWarmFacts {
  kind: 'keep-warm';
  /** Nodes kept warm (beyond what demand needs now). */
  nodes: number;
  /** Idle so far, ms. */
  idleForMs: number;
  /** Kept warm until the idle spell reaches this, ms. */
  keepAliveMs: number;
  /** Idle spells recorded, their 5th and 99th percentiles (ms; absent with too few). */
  spells: number;
  idleP5Ms: number | undefined;
  idleP99Ms: number | undefined;
  /** Cost of keeping them warm for the rest of the keep-alive (budget currency)... */
  warmCost: number;
  /** ...against the requests a cold return would miss, and the miss budget of a busy spell (`1 - sloTarget` of its requests). */
  coldMisses: number;
  missBudget: number;
}

/** Renting ahead of a predicted return of traffic. */
export interface PreWarmFacts {
  kind: 'pre-warm';
  nodes: number;
  /** Idle so far, ms. */
  idleForMs: number;
  /** Traffic is expected back after an idle spell of this length, ms (5th percentile of past spells). */
  returnAfterMs: number;
  coldStartMs: number;
}

/** The part of the plan that did the deciding. */
export type StepReason =
  | { kind: 'no-policy' }
  | { kind: 'paused'; drain: number }
  | {
      /** At or below what demand needs: rent, take back draining nodes, or hold steady. */
      kind: 'scale-up';
      load: LoadFacts;
      fleet: FleetFacts;
      need: NeedFacts;
      restored: number;
      adds: AddGroup[];
      /** Set when fewer than wanted could be had: the count held at and why. */
      holding?: number;
      shortfall?: Shortfall;
      /** Hourly price of a dear node given back to rent cheaper ones within the hourly cap. */
      tradeDownPricePerHour?: number;
      /** Replacements rented for nodes on a much dearer offer than the best one now. */
      replace?: { count: number; pricePerHour: number };
      /** Nothing to add: the fleet matches demand. */
      steady: boolean;
      /** Nodes kept or rented for a predicted return of traffic (part of the count). */
      warm?: KeepWarmFacts | PreWarmFacts;
    }
  | {
      /** Demand below the live count but not for long enough (or capacity still coming). */
      kind: 'hold';
      low: LowDemandFacts;
      delayMs: number;
      /** The delay passed; held only because nodes are still provisioning. */
      provisioning: number;
      warm?: KeepWarmFacts | PreWarmFacts;
    }
  | {
      kind: 'scale-down';
      low: LowDemandFacts;
      drained: number;
      /** Set when the live count is above maxNodes. */
      maxNodes?: number;
      /** Surplus nodes kept serving because their paid time runs on anyway. */
      kept: number;
      paidLeftMs: number;
      warm?: KeepWarmFacts | PreWarmFacts;
    };

/** Everything the planner says about one workload's decision. */
export interface PlanReason {
  /** Leases released by the budget guard first (budget wins). */
  budget?: BudgetRelease;
  step: StepReason;
  /** Draining nodes with nothing in flight, released. */
  releasedDrained: number;
}
