/**
 * What every step of one tick's plan shares: the tick's time, the offers, and the
 * running budget that earlier workloads of the same tick have drawn on.
 */
import type { Offer } from '../../market/protocol.js';
import type { ForcedRelease, RunningBudget } from '../budget-guard.js';
import type { PlannerPolicy } from '../observation.js';

/** Shared state of one tick's plan (the running budget and `taken` change as workloads rent). */
export interface TickContext {
  now: number;
  tickMs: number;
  /** Look-ahead horizon of the budget, ms. */
  horizonMs: number;
  offers: readonly Offer[];
  budget: RunningBudget;
  forced: Map<string, ForcedRelease>;
  /** Leases of each offer already requested this tick (offers have limited `available`). */
  taken: Map<string, number>;
}

/** What a workload asks of an offer. */
export type Requirement = PlannerPolicy['gpu'] & { maxPricePerHour?: number | undefined };

/** The offer requirement of a policy. */
export function requirementOf(policy: PlannerPolicy): Requirement {
  const { model, count, minMemoryGb, interruptible } = policy.gpu;
  return { model, count, minMemoryGb, interruptible, maxPricePerHour: policy.maxPricePerHour };
}
