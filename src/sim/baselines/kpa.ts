/**
 * Knative Pod Autoscaler (KPA), replica = node.
 */
// Rule: knative/serving pkg/autoscaler/scaling/autoscaler.go + config.go: 2 s tick; stable = 60 s mean concurrency, panic = 6 s; desired = ceil(concurrency / (target·0.7)) within [floor(ready/2), ceil(1000·ready)]; panic at 2x, held 60 s, never down while panicking; to zero after a 30 s grace.
//
// Concurrency is what Knative's queue-proxies and activator count: requests
// waiting or running, here queued + in flight, as a time average over each window.
// The per-pod target is `concurrencyPerNode` (the container-concurrency target)
// times the 70 % target utilisation. From zero, the activator reports the first
// request at once (`wakeOnArrival`).
import { clampNodes, type Policy, type PolicyContext, type PolicyView, type TargetKnob } from './types.js';

/** KPA settings (upstream defaults). */
export const KPA_DEFAULTS = {
  tickMs: 2_000,
  stableWindowSec: 60,
  panicWindowSec: 6,
  targetUtilization: 0.7,
  panicThreshold: 2.0,
  maxScaleUpRate: 1000,
  maxScaleDownRate: 2,
  scaleToZeroGraceMs: 30_000,
} as const;

/** The KPA decision rule. */
export class KpaPolicy implements Policy {
  readonly name = 'kpa';
  readonly title = 'Knative KPA (stable 60 s + panic 6 s, 70 % of slots)';
  readonly periodMs = KPA_DEFAULTS.tickMs;
  readonly wakeOnArrival = true;
  readonly initialNodes: number;
  readonly restingNodes: number;
  readonly knob: TargetKnob;
  private panicTime: number | null = null;
  private maxPanicPods = 0;
  private lastActiveAt = -Infinity;

  constructor(private readonly ctx: PolicyContext) {
    this.initialNodes = clampNodes(ctx.initialNodes, ctx.minNodes, ctx.maxNodes);
    this.restingNodes = ctx.minNodes;
    // The container-concurrency target times the target utilisation, per pod.
    this.knob = { name: 'target concurrency x utilisation', value: ctx.slots * KPA_DEFAULTS.targetUtilization * (ctx.targetFactor ?? 1) };
  }

  decide(view: PolicyView): number {
    const target = this.knob.value;
    const readyPods = Math.max(1, view.ready);
    const maxUp = Math.ceil(KPA_DEFAULTS.maxScaleUpRate * readyPods);
    const maxDown = Math.floor(readyPods / KPA_DEFAULTS.maxScaleDownRate);
    // Work waiting at zero pods is what the activator reports: it counts as concurrency now.
    const stable = Math.max(view.avgConcurrency(KPA_DEFAULTS.stableWindowSec), view.ready === 0 ? view.queued : 0);
    const panic = Math.max(view.avgConcurrency(KPA_DEFAULTS.panicWindowSec), view.ready === 0 ? view.queued : 0);
    const dspc = Math.ceil(stable / target);
    const dppc = Math.ceil(panic / target);
    const desiredStable = Math.min(maxUp, Math.max(maxDown, dspc));
    const desiredPanic = Math.min(maxUp, Math.max(maxDown, dppc));

    const over = dppc / readyPods >= KPA_DEFAULTS.panicThreshold;
    if (over) this.panicTime = view.now;
    else if (this.panicTime !== null && view.now - this.panicTime >= KPA_DEFAULTS.stableWindowSec * 1000) {
      this.panicTime = null;
      this.maxPanicPods = 0;
    }
    let desired: number;
    if (this.panicTime !== null) {
      desired = Math.max(desiredStable, desiredPanic, this.maxPanicPods);
      this.maxPanicPods = desired;
    } else desired = desiredStable;

    // Scale to zero only after the grace period without any traffic.
    if (desired > 0 || view.queued + view.inFlight > 0) this.lastActiveAt = view.now;
    if (desired === 0 && view.now - this.lastActiveAt < KPA_DEFAULTS.scaleToZeroGraceMs) desired = view.ready + view.provisioning > 0 ? 1 : 0;
    return clampNodes(desired, this.ctx.minNodes, this.ctx.maxNodes);
  }
}
