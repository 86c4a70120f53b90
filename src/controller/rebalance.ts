/**
 * Moving a steady fleet onto cheaper capacity. A fleet falls back to on-demand when
 * spot cannot be had, or avoids spot for a while after a preemption; when the
 * cheaper offer is back, nodes already running would otherwise stay on the dear one
 * for as long as demand lasts. Make before break: replacements are rented from the
 * best-ranked offer, and once they are ready the fleet is over what demand needs,
 * so the usual scale-down gives back as many nodes, the dearest first (see the
 * planner's surplus order). Under an hourly cap there may be no room to make before
 * breaking, while the cap is what holds the fleet back: then a dear node whose price
 * buys two or more of the best offer's is given back first, and the money it frees
 * rents the cheaper ones. Pure.
 */
import { offerScore } from '../market/offer-selection.js';
import type { Offer } from '../market/protocol.js';
import type { NodeView } from './observation.js';

/** A move under way: the dear nodes being replaced, and the fleet's size when it began. */
export interface SwapInProgress {
  /** Lease ids of the dear nodes that replacements were rented for. */
  replacing: readonly string[];
  /** Live nodes when the move began (replacements not counted). */
  fleet: number;
}

/**
 * How much cheaper, as a share of the running node's price, the best offer must be
 * (its score: price per useful hour, spot risk included) for a swap: enough that a
 * cold start of the replacement pays back within minutes, and that two offers of
 * nearly the same price do not trade places back and forth.
 */
export const REBALANCE_MIN_SAVING = 0.25;

/** The ready nodes a replacement from `best` should take over from, dearest first. */
export function nodesToReplace(live: readonly NodeView[], best: Offer | undefined): NodeView[] {
  if (best === undefined) return [];
  const bar = offerScore(best) / (1 - REBALANCE_MIN_SAVING);
  return live.filter((node) => node.state === 'ready' && node.pricePerHour > bar).sort((a, b) => b.pricePerHour - a.pricePerHour);
}

/**
 * Draining nodes worth taking back instead of renting `count` new ones: those still
 * running tasks (an idle one is being released) and not on an offer a move would
 * replace, cheapest first. A draining node that waits for a long task is paid for
 * until that task ends; giving it tasks again costs nothing, renting costs a cold start.
 */
export function nodesToRestore(nodes: readonly NodeView[], count: number, best: Offer | undefined): NodeView[] {
  if (count <= 0) return [];
  const bar = best === undefined ? Infinity : offerScore(best) / (1 - REBALANCE_MIN_SAVING);
  return nodes
    .filter((node) => node.state === 'draining' && node.inFlight > 0 && node.pricePerHour <= bar)
    .sort((a, b) => a.pricePerHour - b.pricePerHour || b.inFlight - a.inFlight || (a.id < b.id ? -1 : 1))
    .slice(0, count);
}

/**
 * Once nothing is in cold start any more, the dear nodes of a move to give back: as
 * many as the ready fleet exceeds both its size before the move and what demand
 * needs now (`needed`), dearest first. A replacement lost to a preemption or a failed
 * start keeps its dear node; so does demand that grew into the replacements (the
 * dear nodes then go first when it falls, see the planner's surplus order). Until
 * then the move stays pending.
 */
export function completeSwap(swap: SwapInProgress | undefined, live: readonly NodeView[], needed: number): { drain: string[]; pending: SwapInProgress | undefined } {
  if (swap === undefined) return { drain: [], pending: undefined };
  if (live.some((n) => n.state !== 'ready')) return { drain: [], pending: swap };
  const replacing = live.filter((n) => swap.replacing.includes(n.id)).sort((a, b) => b.pricePerHour - a.pricePerHour);
  const count = Math.max(0, Math.min(replacing.length, live.length - Math.max(swap.fleet, needed)));
  return { drain: replacing.slice(0, count).map((n) => n.id), pending: undefined };
}

/**
 * Under an hourly cap that stops the fleet from growing: the dearest ready node whose
 * price buys at least two nodes of `best`, to give back so that the money it frees
 * rents more capacity than it had. Undefined when none is that dear.
 */
export function nodeToTradeDown(live: readonly NodeView[], best: Offer | undefined): NodeView | undefined {
  if (best === undefined || best.pricePerHour <= 0) return undefined;
  let dearest: NodeView | undefined;
  for (const node of live) {
    if (node.state !== 'ready' || node.pricePerHour < 2 * best.pricePerHour) continue;
    if (dearest === undefined || node.pricePerHour > dearest.pricePerHour) dearest = node;
  }
  return dearest;
}
