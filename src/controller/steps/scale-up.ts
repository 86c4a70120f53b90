/**
 * Demand at or above the live count: take back draining nodes, rent the rest, and,
 * with a steady fleet, replace nodes on a much dearer offer than the best one now
 * (or, held back by the hourly cap, give back one dear node to rent cheaper ones).
 * Pure over the tick's running budget.
 */
import { rankOffers } from '../../market/offer-selection.js';
import type { Offer } from '../../market/protocol.js';
import type { DemandEstimate } from '../demand.js';
import type { LeaseRequest, NodeView, PlannerPolicy, WorkloadObservation } from '../observation.js';
import type { NeedFacts, StepReason } from '../reason.js';
import { nodesToReplace, nodesToRestore, nodeToTradeDown, type SwapInProgress } from '../rebalance.js';
import { DEFAULT_SLO_TARGET } from '../slo.js';
import type { Requirement, TickContext } from './context.js';
import { groupAdds, rentNodes } from './rent.js';

/** What the scale-up step decided. */
export interface ScaleUpOutcome {
  desired: number;
  add: LeaseRequest[];
  restore: string[];
  drain: string[];
  /** Nodes live once it is applied (for the budget's exhaustion test). */
  holding: number;
  /** A cap stopped a rent. */
  refused: boolean;
  /** A move onto a cheaper offer started by this step (replaces the pending one). */
  swap: SwapInProgress | undefined;
  reason: Extract<StepReason, { kind: 'scale-up' }>;
}

/** The inputs of {@link scaleUp}. */
export interface ScaleUpInput {
  w: WorkloadObservation;
  policy: PlannerPolicy;
  requirement: Requirement;
  avoidSpotUntil: number;
  demand: DemandEstimate;
  /** Nodes to have (after min/max), at least the live count. */
  wanted: number;
  /** Every node of the workload (draining ones may be taken back). */
  nodes: readonly NodeView[];
  /** Non-draining nodes not being moved off. */
  live: readonly NodeView[];
  /** A move already under way. */
  pendingSwap: SwapInProgress | undefined;
}

/** Rent or take back what demand needs; with a steady fleet, move dear nodes onto the best offer. */
export function scaleUp(input: ScaleUpInput, ctx: TickContext): ScaleUpOutcome {
  const { w, policy, requirement, avoidSpotUntil, demand, wanted, nodes, live, pendingSwap } = input;
  const current = live.length;
  const coming = live.filter((n) => n.state !== 'ready').length;
  const best = (): Offer | undefined => rankOffers(ctx.offers, requirement, { avoidSpot: ctx.now < avoidSpotUntil })[0];
  // Capacity still draining comes back first: it is up now and paid for while it finishes.
  const restore = wanted > current ? nodesToRestore(nodes, wanted - current, best()).map((n) => n.id) : [];
  const { add, refusal } = rentNodes(w.name, wanted - current - restore.length, requirement, avoidSpotUntil, ctx);
  // Steady, nothing on its way: nodes on an offer much dearer than the best one now get
  // replacements (as far as maxNodes and the budget caps allow; nothing is held back for them).
  const steady = wanted === current && coming === 0 && w.queued === 0 && pendingSwap === undefined;
  const dear = steady ? nodesToReplace(live, best()) : [];
  // Held back by the hourly cap on a dear offer: give one dear node back (its tasks finish)
  // so that the next ticks rent cheaper ones with what it frees; one at a time, and only
  // once the last one is gone and its successors are up.
  const settledFleet = coming === 0 && !nodes.some((n) => n.state === 'draining');
  const traded = refusal?.cap === 'maxPerHour' && settledFleet ? nodeToTradeDown(live, best()) : undefined;
  // maxNodes holds during a move too: a fleet at its cap moves only as room allows.
  const room = Math.min(dear.length, policy.maxNodes - current);
  const swapAdds = room > 0 ? rentNodes(w.name, room, requirement, avoidSpotUntil, ctx).add : [];
  add.push(...swapAdds);
  const swap = swapAdds.length > 0 ? { replacing: dear.slice(0, swapAdds.length).map((n) => n.id), fleet: current } : undefined;
  const holding = current + restore.length + add.length - swapAdds.length;
  const reason: ScaleUpOutcome['reason'] = {
    kind: 'scale-up',
    load: { queued: w.queued, arrivalRate: demand.arrivalRate, inFlight: w.inFlight },
    fleet: { ready: current - coming, provisioning: coming },
    need: needOf(demand, policy),
    restored: restore.length,
    adds: groupAdds(add),
    steady: wanted === current,
  };
  if (holding < wanted) {
    reason.holding = holding;
    reason.shortfall = refusal !== undefined ? { kind: 'budget', scope: refusal.scope, cap: refusal.cap, limit: refusal.limit } : { kind: 'no-offer' };
    if (traded !== undefined) reason.tradeDownPricePerHour = traded.pricePerHour;
  }
  if (swapAdds.length > 0) reason.replace = { count: swapAdds.length, pricePerHour: dear[0]!.pricePerHour };
  return {
    desired: refusal !== undefined ? holding : wanted,
    add,
    restore,
    drain: traded ? [traded.id] : [],
    holding,
    refused: refusal !== undefined,
    swap,
    reason,
  };
}

/** What demand asked for, as the reason states it. */
export function needOf(demand: DemandEstimate, policy: PlannerPolicy): NeedFacts {
  const sloTarget = policy.sloTarget ?? DEFAULT_SLO_TARGET;
  if (demand.firstNodeCanWaitMs !== undefined) return { kind: 'first-node-wait', canWaitMs: demand.firstNodeCanWaitMs, latencyTargetMs: policy.latencyTargetMs, sloTarget };
  const need: NeedFacts = { kind: 'need', nodes: demand.nodesUp, maxNodes: policy.maxNodes, latencyTargetMs: policy.latencyTargetMs, sloTarget };
  if (demand.heldBack !== undefined) need.heldBack = demand.heldBack;
  return need;
}
