/**
 * Spend the measured miss budget. The user asks that `sloTarget` of requests finish
 * within `latencyTargetMs`; the rest, ε = `1 - sloTarget`, may miss. The planner's
 * models (the M/M/k tail in demand.ts, the cold-return trade in keep-warm.ts) each
 * plan for a share of misses; this step sets that share from what the last hour
 * measured (the observation's `sloWindow`, metrics/attainment-window.ts) instead of
 * always planning at ε, so that what the models get wrong is made up for:
 *
 * - The share planned for the coming requests is the one that would bring the window
 *   back to exactly ε if as many requests come as it holds: with `n` requests and `m`
 *   misses, `2ε - m/n`. Below target (`m/n > ε`) that is less than ε: more headroom,
 *   nodes kept warm through quiet spells that a cold return would cost misses in.
 *   With the budget little spent it is up to 2ε: less headroom, cheaper.
 * - A window of a few requests says little about a share of one in a hundred: the
 *   counts are taken together with {@link PRIOR_BUDGETS} budgets' worth of requests
 *   (`PRIOR_BUDGETS / ε`) that met it exactly, which pulls the planned share toward ε
 *   and keeps its side of ε (below target stays below target).
 * - The planned share stays within [ε / {@link MAX_TIGHTEN}, ε · {@link MAX_SPEND}]: a
 *   window that missed badly asks for much more headroom, not an unbounded fleet.
 *
 * Pure: the facts it returns say what was measured and what is planned.
 */
import type { PlannerPolicy, WorkloadObservation } from '../observation.js';
import type { MissBudgetFacts } from '../reason.js';
import { DEFAULT_SLO_TARGET, MIN_MISS_SHARE, missShare, windowAttainment } from '../slo.js';

/** Budgets' worth of requests at exactly the target that the window is taken together with. */
export const PRIOR_BUDGETS = 2;
/** The planned miss share is at least ε divided by this. */
export const MAX_TIGHTEN = 4;
/** The planned miss share is at most ε times this. */
export const MAX_SPEND = 2;

/** What the planner's models plan for this tick, and why. */
export interface MissBudgetPlan {
  /** The policy with `sloTarget` set to the share planned for (the user's, when nothing was measured). */
  policy: PlannerPolicy;
  /** Undefined when nothing was measured. */
  facts: MissBudgetFacts | undefined;
}

/** The miss share to plan with at this tick; see the module comment. */
export function spendMissBudget(w: WorkloadObservation, policy: PlannerPolicy): MissBudgetPlan {
  const window = w.sloWindow;
  if (window === undefined || window.requests <= 0) return { policy, facts: undefined };
  const sloTarget = policy.sloTarget ?? DEFAULT_SLO_TARGET;
  const eps = missShare(sloTarget);
  const requests = window.requests;
  const misses = Math.min(Math.max(0, window.misses), requests);
  const prior = PRIOR_BUDGETS / eps;
  // Miss share of the window with the prior's requests (which missed at exactly ε).
  const measured = (misses + eps * prior) / (requests + prior);
  const planned = Math.max(MIN_MISS_SHARE, Math.min(eps * MAX_SPEND, Math.max(eps / MAX_TIGHTEN, 2 * eps - measured)));
  const attainment = windowAttainment(requests, misses);
  const facts: MissBudgetFacts = {
    kind: 'miss-budget',
    mode: misses > eps * requests ? 'tighten' : planned > eps ? 'spend' : 'hold',
    requests,
    misses,
    windowMs: window.windowMs,
    attainment,
    sloTarget,
    plannedMissShare: planned,
  };
  return { policy: planned === eps ? policy : { ...policy, sloTarget: 1 - planned }, facts };
}
