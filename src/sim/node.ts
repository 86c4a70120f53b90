/**
 * A modelled node: a lease with a cold start, `concurrencyPerNode` slots and the
 * offer's billing terms. Plain mutable data owned by the {@link Cluster}.
 */
import type { NodeView } from '../controller/observation.js';
import type { Offer } from '../market/protocol.js';

/** Where a node is in its life. `gone` nodes are released or preempted. */
export type SimNodeState = 'provisioning' | 'ready' | 'draining' | 'gone';

/** One simulated lease. */
export interface SimNode {
  /** Index in the run's node list (never reused). */
  readonly idx: number;
  /** Ledger key and planner id. */
  readonly key: string;
  readonly offer: Offer;
  state: SimNodeState;
  /** When the lease was requested (billing starts here), ms. */
  readonly requestedAt: number;
  /** When it takes (or took) work, ms. */
  readyAt: number;
  /** When the spot market takes it back on its own (Infinity: never). */
  preemptAt: number;
  /** Tasks running on it. */
  inFlight: number;
  /** Position in the cluster's bucket of nodes with as many tasks in flight (ready nodes only). */
  pos: number;
  /** Requests running on it, and when each started (ms): parallel, in no order. */
  running: number[];
  startedAt: number[];
}

/** How long the oldest task running on `node` has been running at `now` (0 with none). */
export function oldestTaskMs(node: SimNode, now: number): number {
  let oldest = now;
  for (const at of node.startedAt) if (at < oldest) oldest = at;
  return now - oldest;
}

/** The planner's view of a live node at `now`, as the lease manager projects a managed lease. */
export function nodeView(node: SimNode, now: number): NodeView {
  return {
    id: node.key,
    state: node.state === 'gone' ? 'draining' : node.state,
    inFlight: node.inFlight,
    oldestTaskMs: oldestTaskMs(node, now),
    pricePerHour: node.offer.pricePerHour,
    requestedAt: node.requestedAt,
    billingIncrementSec: node.offer.billingIncrementSec,
    minLeaseSec: node.offer.minLeaseSec,
    interruptible: node.offer.interruptible,
  };
}
