/**
 * Fixed reserved capacity: outsourcing at a constant size.
 */
// Rule: BASELINES.md "Fixed reserved": a constant node count sized to mean demand for the whole trace; overflow waits in the queue (its SLO is reported as measured).
//
// Mean demand is the trace's total work over its span, in busy slots, rounded up
// to whole nodes: ceil(work / (span · concurrencyPerNode)), at least one node.
// Overflow is queued, never dropped, so every request counts in its SLO.
import type { TraceStats } from '../trace-stats.js';
import { clampNodes, type Policy, type PolicyContext } from './types.js';

/** A fixed fleet sized to mean demand. */
export class FixedReservedPolicy implements Policy {
  readonly name = 'fixed-reserved';
  readonly title = 'Fixed reserved (constant fleet at mean demand)';
  readonly periodMs = Infinity;
  readonly wakeOnArrival = false;
  readonly initialNodes: number;
  readonly restingNodes: number;

  constructor(ctx: PolicyContext, stats: TraceStats) {
    const meanLoad = stats.spanMs > 0 ? stats.workMs / stats.spanMs : stats.workMs > 0 ? 1 : 0;
    this.initialNodes = clampNodes(Math.max(1, Math.ceil(meanLoad / ctx.slots)), Math.max(1, ctx.minNodes), ctx.maxNodes);
    this.restingNodes = this.initialNodes;
  }

  decide(): number {
    return this.initialNodes;
  }
}
