/**
 * The planner: one pure function from what the loop observed to what it should do.
 * No clock, no I/O, no state: time comes from `observation.now`, memory from each
 * workload's `memory`, and the returned memory is fed back at the next tick.
 *
 * Per workload, in observation order (earlier workloads get the budget first):
 * 1. the budget guard releases leases that would cross a cap (budget wins);
 * 2. demand (demand.ts) gives two counts, clamped to [minNodes, maxNodes]: what
 *    the queue needs within the next cold start and a bit (`up`), and what it
 *    needs over half a cold start more (`keep`); nodes in their cold start count
 *    as coming from the time they are due;
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
 */
import { minimumLeaseCost, paidUntil } from '../budget/cost.js';
import { rankOffers } from '../market/offer-selection.js';
import type { Offer } from '../market/protocol.js';
import { formatRate } from '../util/money.js';
import { canAfford, commitLease, enforceCaps, fmt, runningBudget, totalExhausted } from './budget-guard.js';
import type { ForcedRelease, Refusal, RunningBudget } from './budget-guard.js';
import { estimateDemand } from './demand.js';
import { completeSwap, nodesToReplace, nodesToRestore, nodeToTradeDown } from './rebalance.js';
import { pushDesired, windowMax } from './stabilization.js';
import { trackForecast } from './forecast.js';
import { timeToFree } from './time-to-free.js';
import { LONG_RATE_WINDOW_MS, pushRate } from './trend.js';
import type { BudgetView, Decision, LeaseRequest, NodeView, Observation, PlannerMemory, PlannerPolicy, WorkloadDecision, WorkloadObservation } from './observation.js';

/** Ticks ahead the budget looks and within which a surplus node's paid time counts as ending. */
export const LOOKAHEAD_TICKS = 2;

interface TickContext {
  now: number;
  tickMs: number;
  horizonMs: number;
  offers: readonly Offer[];
  budget: RunningBudget;
  forced: Map<string, ForcedRelease>;
  /** Leases of each offer already requested this tick (offers have limited `available`). */
  taken: Map<string, number>;
}

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
  return { workloads: observation.workloads.map((w) => planWorkload(w, policies[w.name], ctx)) };
}

function planWorkload(w: WorkloadObservation, policy: PlannerPolicy | undefined, ctx: TickContext): WorkloadDecision {
  const forced = ctx.forced.get(w.name);
  const nodes = w.nodes.filter((n) => !forced?.ids.has(n.id));
  let live = nodes.filter((n) => n.state !== 'draining');
  // A move onto a cheaper offer under way (rebalance.ts); settled once demand is known.
  let moved: { drain: string[]; pending: PlannerMemory['swap'] } = { drain: [], pending: w.memory.swap };
  const idleDrained = nodes.filter((n) => n.state === 'draining' && n.inFlight === 0).map((n) => n.id);
  const release = [...(forced?.ids ?? []), ...idleDrained];
  // Decisions and memories are built field by field, not spread: this runs every tick
  // and object spread is V8's slow path.
  let restore: string[] = [];
  const decide = (desired: number, add: LeaseRequest[], drain: string[], reason: string, memory: PlannerMemory, budgetBlocked = false, budgetExhausted = false): WorkloadDecision => ({
    name: w.name,
    desired,
    add,
    drain: moved.drain.length > 0 ? [...moved.drain, ...drain] : drain,
    release,
    restore,
    reason,
    budgetBlocked,
    budgetExhausted,
    memory,
  });
  let forecast = w.memory.forecast;
  // No arrival in the long window: whatever comes next starts a new count (and no trend).
  const arrivingSince = w.arrivalRateLong > 0 ? (w.memory.arrivingSince ?? ctx.now) : undefined;
  const remember = (lowDemandSince: number | null, recentDesired: PlannerMemory['recentDesired'], rates: PlannerMemory['rates'], swap = moved.pending): PlannerMemory => {
    const memory: PlannerMemory = { lowDemandSince, recentDesired, avoidSpotUntil: w.memory.avoidSpotUntil };
    if (rates !== undefined) memory.rates = rates;
    if (arrivingSince !== undefined) memory.arrivingSince = arrivingSince;
    if (forecast !== undefined) memory.forecast = forecast;
    if (swap !== undefined) memory.swap = swap;
    return memory;
  };
  const say = (text: string): string => {
    let out = forced?.reason ? `${forced.reason}; ${text}` : text;
    if (idleDrained.length > 0) out += `; release ${idleDrained.length} drained`;
    return out;
  };

  if (policy === undefined) {
    return decide(live.length, [], [], say('no policy for this workload: holding'), w.memory);
  }
  const { model, count, minMemoryGb, interruptible } = policy.gpu;
  const requirement = { model, count, minMemoryGb, interruptible, maxPricePerHour: policy.maxPricePerHour };
  const exhausted = (alive: number): boolean =>
    alive === 0 && totalExhausted(ctx.budget, w.name, rankOffers(ctx.offers, requirement, { avoidSpot: false }), ctx.horizonMs);

  if (w.paused) {
    const drain = live.map((n) => n.id);
    return decide(0, [], drain, say(`paused: drain ${drain.length}`), remember(null, [], w.memory.rates), false, exhausted(0));
  }

  const demand = estimateDemand(w, policy, ctx.tickMs, ctx.now);
  const clamp = (n: number): number => Math.min(policy.maxNodes, Math.max(policy.minNodes, n));
  const target = clamp(demand.nodes);
  const up = clamp(demand.nodesUp);
  // Its replacements ready, a move gives back the dear nodes demand does not need now.
  moved = completeSwap(w.memory.swap, live, target);
  if (moved.drain.length > 0) live = live.filter((n) => !moved.drain.includes(n.id));
  const recentDesired = pushDesired(w.memory.recentDesired, ctx.now, target, policy.scaleDownDelayMs);
  // A long rate still filling its window is no trend: after a start, or after a break in
  // arrivals, it climbs for a minute however the traffic came. Sampled once it is full.
  const longRateFull = (w.observedForMs ?? Infinity) >= LONG_RATE_WINDOW_MS && arrivingSince !== undefined && ctx.now - arrivingSince >= LONG_RATE_WINDOW_MS;
  const rates = longRateFull ? pushRate(w.memory.rates, ctx.now, w.arrivalRateLong) : arrivingSince === undefined ? undefined : w.memory.rates;
  // Forecasts are scored against the long rate, so only once it is a rate and not a window filling up.
  if (longRateFull) forecast = trackForecast(w.memory.forecast, ctx.now, w.arrivalRateLong, demand.forecast);
  const current = live.length;
  const coming = live.filter((n) => n.state !== 'ready').length;

  if (target >= current || up > current) {
    const need =
      demand.firstNodeCanWaitMs !== undefined
        ? `the first node can wait ${seconds(demand.firstNodeCanWaitMs)} more for ${policy.latencyTargetMs} ms p95`
        : `need ${demand.nodesUp}${demand.nodesUp > policy.maxNodes ? ` (max ${policy.maxNodes})` : ''} for ${policy.latencyTargetMs} ms p95`;
    const load = `queue ${w.queued}${demand.arrivalRate > 0 ? `, ${demand.arrivalRate.toFixed(1)}/s` : ''}${w.inFlight > 0 ? `, ${w.inFlight} in flight` : ''}`;
    const wanted = Math.max(up, current);
    const best = (): Offer | undefined => rankOffers(ctx.offers, requirement, { avoidSpot: ctx.now < w.memory.avoidSpotUntil })[0];
    // Capacity still draining comes back first: it is up now and paid for while it finishes.
    restore = wanted > current ? nodesToRestore(nodes, wanted - current, best()).map((n) => n.id) : [];
    const { add, refusal } = rentNodes(w.name, wanted - current - restore.length, requirement, w.memory, ctx);
    // Steady, nothing on its way: nodes on an offer much dearer than the best one now get
    // replacements (as far as maxNodes and the budget caps allow; nothing is held back for them).
    const steady = wanted === current && coming === 0 && w.queued === 0 && moved.pending === undefined;
    const dear = steady ? nodesToReplace(live, best()) : [];
    // Held back by the hourly cap on a dear offer: give one dear node back (its tasks finish)
    // so that the next ticks rent cheaper ones with what it frees; one at a time, and only
    // once the last one is gone and its successors are up.
    const settledFleet = coming === 0 && !nodes.some((n) => n.state === 'draining');
    const traded = refusal?.cap === 'maxPerHour' && settledFleet ? nodeToTradeDown(live, best()) : undefined;
    // maxNodes holds during a move too: a fleet at its cap moves only as room allows.
    const room = Math.min(dear.length, policy.maxNodes - current);
    const swap = room > 0 ? rentNodes(w.name, room, requirement, w.memory, ctx).add : [];
    add.push(...swap);
    const started = swap.length > 0 ? { replacing: dear.slice(0, swap.length).map((n) => n.id), fleet: current } : undefined;
    const blocked = refusal !== undefined || (forced !== undefined && target > 0);
    const holding = current + restore.length + add.length - swap.length;
    let text = `${load}, ${current - coming} ready + ${coming} provisioning, ${need}`;
    const acts = restore.length > 0 ? [`take back ${restore.length} draining`] : [];
    if (add.length > 0) acts.push(describeAdds(add));
    if (acts.length > 0) text += `: ${acts.join(', ')}`;
    if (holding < wanted) {
      text += refusal !== undefined ? `; ${describeRefusal(refusal)}, holding at ${holding}` : `; no eligible offer available, holding at ${holding}`;
      if (traded !== undefined) text += `; give back a node at ${formatRate(traded.pricePerHour)} to rent cheaper ones within the cap`;
    } else if (swap.length > 0) {
      text = `steady at ${current}: ${text} to replace ${swap.length === 1 ? 'a node' : `${swap.length} nodes`} at ${formatRate(dear[0]!.pricePerHour)}`;
    } else if (wanted === current) {
      text = `steady at ${current}: ${text}`;
    }
    const desired = refusal !== undefined ? holding : wanted;
    return decide(desired, add, traded ? [traded.id] : [], say(text), remember(null, recentDesired, rates, started ?? moved.pending), blocked, exhausted(holding));
  }

  // Demand is below the live count: scale down only once it stayed low long enough.
  const since = w.memory.lowDemandSince ?? ctx.now;
  const lowFor = ctx.now - since;
  const excess = Math.max(0, current - policy.maxNodes);
  // Nothing is given back while capacity is still coming: the look-ahead that asked for it
  // improves as it nears, and acting on that would undo a scale-up that is under way.
  const settled = lowFor >= policy.scaleDownDelayMs && coming === 0;
  const downTo = settled ? Math.min(windowMax(recentDesired), policy.maxNodes, current) : policy.maxNodes;
  const low = remember(since, recentDesired, rates);
  const what = demand.idle ? (w.inFlight > 0 ? `no new work ${seconds(lowFor)} (${w.inFlight} finishing)` : `idle ${seconds(lowFor)}`) : `demand needs ${target} of ${current} for ${seconds(lowFor)}`;
  const blocked = forced !== undefined && target > 0;

  if (!settled && excess === 0) {
    const text =
      lowFor >= policy.scaleDownDelayMs
        ? `${what}: holding ${current} while ${coming} provisioning`
        : `${what} of ${seconds(policy.scaleDownDelayMs)} scale-down delay: holding ${current}`;
    return decide(current, [], [], say(text), low, blocked, exhausted(current));
  }
  const freeIn = (node: NodeView): number => timeToFree(node, w.serviceTimeSpreadMs, demand.serviceTimeMs);
  const { drain, kept, paidLeftMs } = pickSurplus(live, current - downTo, excess, ctx.horizonMs + demand.serviceTimeMs, ctx.now, w.queued > 0, freeIn);
  const parts = [excess > 0 ? `above maxNodes ${policy.maxNodes}: drain ${drain.length}` : `${what}: drain ${drain.length} (increments end soonest)`];
  if (drain.length === 0) parts[0] = `${what}`;
  if (kept > 0) parts.push(`keep ${kept} serving (paid for ${seconds(paidLeftMs)} more)`);
  const text = parts.join(drain.length === 0 ? ': ' : ', ');
  // Demand still below what is left: stay in the low period, so the rest can follow
  // as soon as the window's maximum allows, without a second full delay.
  const memory = current - drain.length <= target ? remember(null, recentDesired, rates) : low;
  return decide(downTo, [], drain, say(text), memory, blocked, exhausted(current - drain.length));
}

/** Rent up to `count` nodes from the best offers the caps and availability allow. */
function rentNodes(
  workload: string,
  count: number,
  requirement: PlannerPolicy['gpu'] & { maxPricePerHour?: number | undefined },
  memory: PlannerMemory,
  ctx: TickContext,
): { add: LeaseRequest[]; refusal: Refusal | undefined } {
  const add: LeaseRequest[] = [];
  if (count <= 0) return { add, refusal: undefined };
  const ranked = rankOffers(ctx.offers, requirement, { avoidSpot: ctx.now < memory.avoidSpotUntil });
  let refusal: Refusal | undefined;
  while (add.length < count) {
    let chosen: Offer | undefined;
    for (const offer of ranked) {
      if ((ctx.taken.get(offer.id) ?? 0) >= offer.available) continue;
      const refused = canAfford(ctx.budget, workload, offer, ctx.horizonMs);
      if (refused === undefined) {
        chosen = offer;
        break;
      }
      refusal ??= refused;
    }
    if (chosen === undefined) break;
    commitLease(ctx.budget, workload, chosen, ctx.horizonMs);
    ctx.taken.set(chosen.id, (ctx.taken.get(chosen.id) ?? 0) + 1);
    add.push({ offer: chosen, reserve: minimumLeaseCost(chosen) });
  }
  return { add, refusal: add.length < count ? refusal : undefined };
}

/**
 * Choose `surplus` nodes to leave. With tasks waiting, nodes not ready yet go first
 * (a ready node is serving that queue now, a provisioning one only later); then
 * those whose paid time ends within `windowMs`, the dearest of them first (so that a
 * fleet moved onto a cheaper offer gives back the dear node); then those that stop
 * costing soonest (their paid time or their last task ends, whichever is later: see
 * `freeIn`), then paid time ending soonest, then the least busy. The first `forcedCount` go
 * regardless; the others go only when their paid time ends within `windowMs` (the
 * look-ahead horizon plus one service time, so that tasks in flight can finish and
 * the node be released before the next increment), and are kept serving otherwise.
 */
function pickSurplus(live: readonly NodeView[], surplus: number, forcedCount: number, windowMs: number, now: number, queueWaiting: boolean, freeIn: (node: NodeView) => number) {
  const ends = new Map(live.map((n) => [n.id, paidUntil(n, now)]));
  const serving = (n: NodeView): number => (queueWaiting && n.state === 'ready' ? 1 : 0);
  const paid = (n: NodeView): number => (ends.get(n.id)! - now > windowMs ? 1 : 0);
  // A drained node costs until its paid increment ends or its last task does, whichever is later.
  const costsFor = (n: NodeView): number => Math.max(ends.get(n.id)! - now, freeIn(n));
  const order = [...live].sort(
    (a, b) =>
      serving(a) - serving(b) ||
      paid(a) - paid(b) ||
      b.pricePerHour - a.pricePerHour ||
      costsFor(a) - costsFor(b) ||
      ends.get(a.id)! - ends.get(b.id)! ||
      a.inFlight - b.inFlight ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const drain: string[] = [];
  let kept = 0;
  let paidLeftMs = 0;
  for (const [i, node] of order.slice(0, Math.max(0, surplus)).entries()) {
    const left = ends.get(node.id)! - now;
    if (i < forcedCount || left <= windowMs) drain.push(node.id);
    else {
      kept += 1;
      paidLeftMs = paidLeftMs === 0 ? left : Math.min(paidLeftMs, left);
    }
  }
  return { drain, kept, paidLeftMs };
}

function describeAdds(add: readonly LeaseRequest[]): string {
  const groups = new Map<string, { offer: Offer; n: number }>();
  for (const { offer } of add) {
    const group = groups.get(offer.id) ?? { offer, n: 0 };
    group.n += 1;
    groups.set(offer.id, group);
  }
  return [...groups.values()]
    .map(({ offer, n }) => `+${n} ${offer.gpu.model}${offer.gpu.count > 1 ? ` x${offer.gpu.count}` : ''}${offer.interruptible ? ' spot' : ''} @ ${price(offer)}`)
    .join(', ');
}

function price(offer: Offer): string {
  return formatRate(offer.pricePerHour, offer.currency);
}

function describeRefusal(r: Refusal): string {
  return `budget: ${r.scope === 'workload' ? 'workload ' : ''}${r.cap} ${fmt(r.limit)} reached`;
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

