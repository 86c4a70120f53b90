/**
 * Typed events `compute.on(...)` delivers. Every event carries a reason a human can
 * read and the clock time it happened. None carries a secret.
 */
import type { ComputeError } from './errors.js';

/** The controller changed (or decided to change) a workload's capacity. */
export interface ScaleEvent {
  workload: string;
  /** Clock time of the decision, ms. */
  at: number;
  /** Node count the planner wants. */
  desired: number;
  /** Nodes by state after the decision was applied. */
  nodes: { requested: number; provisioning: number; ready: number; draining: number };
  /** Leases requested by this decision. */
  added: number;
  /** Draining nodes taken back into service by this decision. */
  restored: number;
  /** Nodes put into draining by this decision. */
  drained: number;
  /** Nodes released by this decision. */
  released: number;
  /** One line: what the planner saw and why it acted (for people; its wording may change). */
  reason: string;
  /** The same, as data (for programs; the fields stay when the wording changes). */
  cause: ScaleCause;
}

/**
 * A scale decision's reason as data: `step.kind` names the planner step that decided
 * (`scale-up`, `hold`, `scale-down`, `paused`, `no-policy`) and its other fields are the
 * facts it acted on (e.g. `need.nodes`, `adds[].count`, `warm.coldMisses`; see
 * docs/observability.md). `budget` is set when a budget cap forced leases out first.
 */
export interface ScaleCause {
  step: { kind: string } & Record<string, unknown>;
  budget?: { scope: 'global' | 'workload'; cap: 'maxPerHour' | 'total'; limit: number; count: number };
  releasedDrained: number;
}

/** What happened to a lease. */
export type LeaseEventType = 'acquired' | 'ready' | 'draining' | 'released' | 'preempted' | 'failed';

/** A lease changed state. */
export interface LeaseEvent {
  type: LeaseEventType;
  workload: string;
  /** Marketplace lease id (null if the request never produced one). */
  leaseId: string | null;
  offerId: string;
  /** GPU model and count, e.g. `1x A100`. */
  gpu: string;
  pricePerHour: number;
  interruptible: boolean;
  /** Clock time, ms. */
  at: number;
  /** When the lease was requested, ms. */
  requestedAt: number;
  reason: string;
  /**
   * Set when the planned lease met offers that were gone or full: on the `failed`
   * event of a refused request, and on the `acquired` event of the request that
   * took its place (as data; `reason` says the same in words).
   */
  offerGone?: OfferGone;
}

/**
 * A planned lease moving past offers the marketplace refused as gone or full
 * (`OFFER_GONE`), within one tick.
 */
export interface OfferGone {
  /** Offers refused, in the order tried (on a `failed` event, its own offer is the last). */
  refused: string[];
  /** The offer requested in their place, at once (null: none acceptable was left; the next tick plans again). */
  next: string | null;
}

/**
 * A budget cap crossed 50 %, 80 % or 100 %: fired once `value` reaches the level,
 * never before (a cap may refuse a node that would not fit before it is full; that
 * is `BUDGET_EXHAUSTED`, not a 100 % event).
 */
export interface BudgetEvent {
  cap: 'total' | 'maxPerHour';
  /** `global`, or the workload name for a per-workload cap. */
  scope: string;
  percent: 50 | 80 | 100;
  /** Committed spend (total) or hourly rate (maxPerHour) at the crossing. */
  value: number;
  limit: number;
  currency: string;
  at: number;
  reason: string;
}

/** A background problem the runtime recovered from or is retrying (marketplace down...). */
export interface WarningEvent {
  at: number;
  /** One line for a person: what the runtime was doing and what went wrong (`during: error.message`). */
  message: string;
  error: ComputeError;
  /** What the runtime was doing. */
  during: string;
}

/** A {@link WarningEvent} with its `message` said from `during` and the error. */
export function warningEvent(at: number, error: ComputeError, during: string): WarningEvent {
  return { at, message: `${during}: ${error.message}`, error, during };
}

/** Event map for `compute.on()`. */
export interface ComputeEvents {
  scale: [ScaleEvent];
  lease: [LeaseEvent];
  budget: [BudgetEvent];
  warning: [WarningEvent];
}
