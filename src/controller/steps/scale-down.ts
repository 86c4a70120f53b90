/**
 * Demand below the live count: scale down only once it stayed low for the
 * scale-down delay and nothing is still in its cold start, to the highest count
 * demand asked for during the delay (a sliding-window maximum). Pure.
 */
import type { DemandEstimate } from '../demand.js';
import type { NodeView, PlannerPolicy, WorkloadObservation } from '../observation.js';
import type { LowDemandFacts, StepReason } from '../reason.js';
import { windowMax, type DesiredSample } from '../stabilization.js';
import { timeToFree } from '../time-to-free.js';
import { pickSurplus } from './surplus.js';

/** What the scale-down step decided. */
export interface ScaleDownOutcome {
  desired: number;
  drain: string[];
  /** Since when demand has been low (null: the low period is over: what is left matches demand). */
  lowDemandSince: number | null;
  /** Nodes live once it is applied. */
  holding: number;
  reason: Extract<StepReason, { kind: 'hold' | 'scale-down' }>;
}

/** The inputs of {@link scaleDown}. */
export interface ScaleDownInput {
  w: WorkloadObservation;
  policy: PlannerPolicy;
  demand: DemandEstimate;
  /** Nodes demand keeps (after min/max), below the live count. */
  target: number;
  /** Non-draining nodes not being moved off. */
  live: readonly NodeView[];
  recentDesired: readonly DesiredSample[];
  now: number;
  /** Look-ahead horizon: a surplus node paid beyond it (plus a service time) keeps serving. */
  horizonMs: number;
}

/** Hold, or drain the surplus whose paid time ends soonest. */
export function scaleDown(input: ScaleDownInput): ScaleDownOutcome {
  const { w, policy, demand, target, live, recentDesired, now, horizonMs } = input;
  const current = live.length;
  const coming = live.filter((n) => n.state !== 'ready').length;
  const since = w.memory.lowDemandSince ?? now;
  const lowFor = now - since;
  const excess = Math.max(0, current - policy.maxNodes);
  // Nothing is given back while capacity is still coming: the look-ahead that asked for it
  // improves as it nears, and acting on that would undo a scale-up that is under way.
  const settled = lowFor >= policy.scaleDownDelayMs && coming === 0;
  const downTo = settled ? Math.min(windowMax(recentDesired), policy.maxNodes, current) : policy.maxNodes;
  const low: LowDemandFacts = {
    kind: demand.idle ? (w.inFlight > 0 ? 'finishing' : 'idle') : 'low',
    forMs: lowFor,
    inFlight: w.inFlight,
    needs: target,
    live: current,
  };
  if (!settled && excess === 0) {
    return { desired: current, drain: [], lowDemandSince: since, holding: current, reason: { kind: 'hold', low, delayMs: policy.scaleDownDelayMs, provisioning: coming } };
  }
  const freeIn = (node: NodeView): number => timeToFree(node, w.serviceTimeSpreadMs, demand.serviceTimeMs);
  const { drain, kept, paidLeftMs } = pickSurplus(live, current - downTo, excess, horizonMs + demand.serviceTimeMs, now, w.queued > 0, freeIn);
  const reason: ScaleDownOutcome['reason'] = { kind: 'scale-down', low, drained: drain.length, kept, paidLeftMs };
  if (excess > 0) reason.maxNodes = policy.maxNodes;
  // Demand still below what is left: stay in the low period, so the rest can follow
  // as soon as the window's maximum allows, without a second full delay.
  const lowDemandSince = current - drain.length <= target ? null : since;
  return { desired: downTo, drain, lowDemandSince, holding: current - drain.length, reason };
}
