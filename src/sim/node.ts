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
}

/** The planner's view of a live node, as the lease manager projects a managed lease. */
export function nodeView(node: SimNode): NodeView {
  return {
    id: node.key,
    state: node.state === 'gone' ? 'draining' : node.state,
    inFlight: node.inFlight,
    pricePerHour: node.offer.pricePerHour,
    requestedAt: node.requestedAt,
    billingIncrementSec: node.offer.billingIncrementSec,
    minLeaseSec: node.offer.minLeaseSec,
    interruptible: node.offer.interruptible,
  };
}
