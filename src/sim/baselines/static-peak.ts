/**
 * Static peak provisioning: owning the hardware.
 */
// Rule: BASELINES.md "Static peak": the node count that meets the latency target at the trace's busiest window, for the whole trace.
//
// Busiest window: the sliding minute with the most work. Its node count comes from
// the same M/M/k sizing our planner uses (p95 wait within the latency target).
// Owned nodes are ready from the first request and cost the same hourly price as
// a rented one (ownership amortised at the market rate), so that the comparison
// isolates the decision of how many nodes to hold and when.
import { nodesForLoad, type TraceStats } from '../trace-stats.js';
import { clampNodes, type Policy, type PolicyContext } from './types.js';

/** A fixed fleet sized for the busiest minute. */
export class StaticPeakPolicy implements Policy {
  readonly name = 'static-peak';
  readonly title = 'Static peak (own hardware for the busiest minute)';
  readonly periodMs = Infinity;
  readonly wakeOnArrival = false;
  readonly initialNodes: number;
  readonly restingNodes: number;

  constructor(ctx: PolicyContext, stats: TraceStats) {
    const n = nodesForLoad(stats.peakLoad, stats.peakServiceMs, ctx.latencyTargetMs, ctx.slots, ctx.maxNodes);
    this.initialNodes = clampNodes(Math.max(1, n), Math.max(1, ctx.minNodes), ctx.maxNodes);
    this.restingNodes = this.initialNodes;
  }

  decide(): number {
    return this.initialNodes;
  }
}
