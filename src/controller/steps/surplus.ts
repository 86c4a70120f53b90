/**
 * Which nodes leave when the fleet is above what demand keeps. Pure.
 */
import { paidUntil } from '../../budget/cost.js';
import type { NodeView } from '../observation.js';

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
export function pickSurplus(
  live: readonly NodeView[],
  surplus: number,
  forcedCount: number,
  windowMs: number,
  now: number,
  queueWaiting: boolean,
  freeIn: (node: NodeView) => number,
): { drain: string[]; kept: number; paidLeftMs: number } {
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
