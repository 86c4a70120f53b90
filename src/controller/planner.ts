/**
 * The planner: one pure function from what the loop observed to what it should do.
 * No clock, no I/O, no state: time comes from `observation.now`, memory from each
 * workload's `memory`, and the returned memory is fed back at the next tick.
 *
 * Per workload, in observation order (earlier workloads get the budget first):
 * 1. the budget guard releases leases that would cross a cap (budget wins);
 * 2. demand (demand.ts) gives two counts, clamped to [minNodes, maxNodes], its
 *    queueing model (and keep-warm's trade) planning for the miss share the last
 *    hour's measured attainment leaves (steps/miss-budget.ts): what the queue
 *    needs within the next cold start and a bit (`up`), and what it needs over
 *    half a cold start more (`keep`); nodes in their cold start count as coming
 *    from the time they are due;
 * 3. up: below `up`, the rest is rented at once from the best-ranked offers the
 *    caps still allow;
 * 4. down: above `keep`, only after `scaleDownDelayMs` of lower demand and with no
 *    node still in its cold start (a scale-up under way is not undone), to the
 *    highest `keep` of the last `scaleDownDelayMs` (a sliding-window maximum, so
 *    that once demand is gone the rest follows without a second full delay).
 *    Between `up` and `keep` the fleet holds. With tasks waiting, nodes not ready
 *    yet go first (a ready node serves the queue now); otherwise the nodes whose
 *    paid increment ends soonest, the dearest first among those that can go now.
 *    One with more than the look-ahead horizon left keeps serving until then,
 *    since it is paid for anyway;
 * 5. steady, with nothing in cold start: ready nodes on an offer at least a quarter
 *    dearer than the best one now (spot back after an on-demand fallback) get
 *    replacements; once they are ready, the dear nodes are given back (rebalance.ts).
 *    Held back by the hourly cap instead, a node costing twice the best offer or
 *    more is given back first, so that what it frees rents cheaper ones;
 * 6. draining nodes with nothing in flight are released.
 *
 * Each step is a pure function of its own (steps/); each returns what it decided and
 * why, as data (reason.ts). The text of a reason is rendered at the event boundary
 * (reason-text.ts), never here.
 */
import { rankOffers } from '../market/offer-selection.js';
import type { Offer } from '../market/protocol.js';
import { enforceCaps, runningBudget, totalExhausted } from './budget-guard.js';
import { estimateDemand } from './demand.js';
import type { BudgetView, Decision, Observation, PlannerPolicy, WorkloadDecision, WorkloadObservation } from './observation.js';
import type { MissBudgetFacts, PlanReason, StepReason } from './reason.js';
import { completeSwap } from './rebalance.js';
import { requirementOf, type TickContext } from './steps/context.js';
import { scaleDown } from './steps/scale-down.js';
import { scaleUp } from './steps/scale-up.js';
import { keepWarm } from './steps/keep-warm.js';
import { spendMissBudget } from './steps/miss-budget.js';
import { carried, nextMemory, trackDemand } from './steps/track.js';

/** Ticks ahead the budget looks and within which a surplus node's paid time counts as ending. */
export const LOOKAHEAD_TICKS = 2;

/** Decide, for every workload, what to rent, drain and release at this tick. */
export function plan(
  observation: Observation,
  policies: Readonly<Record<string, PlannerPolicy>>,
  offers: readonly Offer[],
  budget: BudgetView,
): Decision {
  const horizonMs = LOOKAHEAD_TICKS * observation.tickMs;
  const running = runningBudget(budget, observation, horizonMs);
  const forced = enforceCaps(observation, running, horizonMs);
  const ctx: TickContext = { now: observation.now, tickMs: observation.tickMs, horizonMs, offers, budget: running, forced, taken: new Map() };
  return { workloads: observation.workloads.map((w) => planWorkload(w, policies[w.name], withoutAvoided(ctx, w.avoidOffers))) };
}

/** The tick's context with the offers a workload must not rent left out (shared budget and counts). */
function withoutAvoided(ctx: TickContext, avoid: readonly string[] | undefined): TickContext {
  return avoid === undefined || avoid.length === 0 ? ctx : { ...ctx, offers: ctx.offers.filter((o) => !avoid.includes(o.id)) };
}

/** One workload: budget first, then demand, then the scale-up or the scale-down step. */
function planWorkload(w: WorkloadObservation, policy: PlannerPolicy | undefined, ctx: TickContext): WorkloadDecision {
  const forced = ctx.forced.get(w.name);
  const nodes = forced === undefined ? w.nodes : w.nodes.filter((n) => !forced.ids.has(n.id));
  let live = nodes.filter((n) => n.state !== 'draining');
  const idleDrained = nodes.filter((n) => n.state === 'draining' && n.inFlight === 0).map((n) => n.id);
  const release = forced === undefined ? idleDrained : [...forced.ids, ...idleDrained];
  const budget = forced === undefined ? undefined : { scope: forced.cause.scope, cap: forced.cause.cap, limit: forced.cause.limit, count: forced.ids.size };
  let sloFacts: MissBudgetFacts | undefined;
  const why = (step: StepReason): PlanReason => {
    const reason: PlanReason = budget === undefined ? { step, releasedDrained: idleDrained.length } : { budget, step, releasedDrained: idleDrained.length };
    if (sloFacts !== undefined) reason.slo = sloFacts;
    return reason;
  };
  const base = carried(w, policy, ctx.now);

  if (policy === undefined) {
    return { name: w.name, desired: live.length, add: [], drain: [], release, restore: [], reason: why({ kind: 'no-policy' }), budgetBlocked: false, budgetExhausted: false, memory: w.memory };
  }
  const requirement = requirementOf(policy);
  const exhausted = (alive: number): boolean =>
    alive === 0 && totalExhausted(ctx.budget, w.name, rankOffers(ctx.offers, requirement, { avoidSpot: false }), ctx.horizonMs);

  if (w.paused) {
    const drain = live.map((n) => n.id);
    const memory = nextMemory(base, null, [], w.memory.rates, base.forecast, w.memory.swap);
    return { name: w.name, desired: 0, add: [], drain, release, restore: [], reason: why({ kind: 'paused', drain: drain.length }), budgetBlocked: false, budgetExhausted: exhausted(0), memory };
  }

  // The models plan for the miss share the measured window leaves (steps/miss-budget.ts).
  const slo = spendMissBudget(w, policy);
  const planning = slo.policy;
  sloFacts = slo.facts;
  const demand = estimateDemand(w, planning, ctx.tickMs, ctx.now);
  // Nodes kept warm (or rented back) for a return of traffic: a floor under demand.
  const warm = keepWarm({
    w,
    policy: planning,
    idle: demand.idle,
    streamNodes: Math.ceil(demand.arrivalSlots / Math.max(1, policy.concurrencyPerNode) - 1e-9),
    arrivalRate: demand.arrivalRate,
    serviceTimeMs: demand.serviceTimeMs,
    pricePerHour: () => rankOffers(ctx.offers, requirement, { avoidSpot: false })[0]?.pricePerHour ?? 0,
    now: ctx.now,
    tickMs: ctx.tickMs,
  });
  base.warm = warm.memory;
  const clamp = (n: number): number => Math.min(policy.maxNodes, Math.max(policy.minNodes, n));
  const target = clamp(Math.max(demand.nodes, warm.floor));
  const up = clamp(Math.max(demand.nodesUp, warm.floor));
  // Its replacements ready, a move onto a cheaper offer (rebalance.ts) gives back the dear nodes demand does not need now.
  const moved = completeSwap(w.memory.swap, live, target);
  if (moved.drain.length > 0) live = live.filter((n) => !moved.drain.includes(n.id));
  const tracked = trackDemand(w, base, demand, target, policy, ctx.now);
  const blockedByForce = forced !== undefined && target > 0;
  const withMoved = (drain: string[]): string[] => (moved.drain.length > 0 ? [...moved.drain, ...drain] : drain);

  if (target >= live.length || up > live.length) {
    const out = scaleUp(
      { w, policy, requirement, avoidSpotUntil: base.avoidSpotUntil, demand, wanted: Math.max(up, live.length), nodes, live, pendingSwap: moved.pending },
      ctx,
    );
    const memory = nextMemory(base, null, tracked.recentDesired, tracked.rates, tracked.forecast, out.swap ?? moved.pending);
    if (warm.facts !== undefined) out.reason.warm = warm.facts;
    if (demand.riseKeep !== undefined) out.reason.rise = demand.riseKeep;
    return {
      name: w.name,
      desired: out.desired,
      add: out.add,
      drain: withMoved(out.drain),
      release,
      restore: out.restore,
      reason: why(out.reason),
      budgetBlocked: out.refused || blockedByForce,
      budgetExhausted: exhausted(out.holding),
      memory,
      wakeAt: warm.wakeAt,
    };
  }

  const out = scaleDown({ w, policy, demand, target, live, recentDesired: tracked.recentDesired, now: ctx.now, horizonMs: ctx.horizonMs });
  const memory = nextMemory(base, out.lowDemandSince, tracked.recentDesired, tracked.rates, tracked.forecast, moved.pending);
  if (warm.facts !== undefined) out.reason.warm = warm.facts;
  if (demand.riseKeep !== undefined) out.reason.rise = demand.riseKeep;
  return {
    name: w.name,
    desired: out.desired,
    add: [],
    drain: withMoved(out.drain),
    release,
    restore: [],
    reason: why(out.reason),
    budgetBlocked: blockedByForce,
    budgetExhausted: exhausted(out.holding),
    memory,
    wakeAt: warm.wakeAt,
  };
}
