/**
 * Projects a managed lease onto the planner's plain-data {@link NodeView}.
 */
import type { NodeState, NodeView } from '../controller/observation.js';
import type { ManagedLease } from './lease-manager.js';

/** The planner's view of one live lease. */
export function toNodeView(record: ManagedLease, inFlight: number, oldestTaskMs: number): NodeView {
  const { offer } = record.spec;
  // A lease being released still bills until confirmed, but is no capacity: the planner sees it draining.
  const state: NodeState = record.state === 'releasing' ? 'draining' : (record.state as NodeState);
  return {
    id: record.key,
    state,
    inFlight,
    oldestTaskMs,
    pricePerHour: offer.pricePerHour,
    requestedAt: record.requestedAt,
    billingIncrementSec: offer.billingIncrementSec,
    minLeaseSec: offer.minLeaseSec,
    interruptible: offer.interruptible,
  };
}
