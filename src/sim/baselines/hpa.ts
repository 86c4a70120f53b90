/**
 * Kubernetes Horizontal Pod Autoscaler, replica = node.
 */
// Rule: kubernetes pkg/controller/podautoscaler/horizontal.go + apis/autoscaling/v2/defaults.go: desired = ceil(current·metric/target), ±10 % tolerance, 15 s sync, scale-down = max recommendation of 300 s, up ≤ max(+4, +100 %) per 15 s.
//
// Metric: tasks in flight per ready node over `concurrencyPerNode` (a utilisation),
// averaged over the 15 s sync period (what a metrics pipeline scraping each pod
// reports), against the 80 % target `kubectl autoscale` uses when none is given.
// Like HPA, it sees only pods: work waiting in the queue is invisible, so a
// saturated fleet reads 100 % and grows by 1/0.8 per sync. Pods not ready count
// as 0 % when the ratio says "up" (horizontal.go's handling of unready pods);
// without any ready pod there is no metric and the count holds. minReplicas is 1
// (the upstream default; scaling to zero needs the alpha HPAScaleToZero gate and an
// external metric), so `minNodes: 0` becomes 1 for this baseline.
import { clampNodes, type Policy, type PolicyContext, type PolicyView, type TargetKnob } from './types.js';

/** HPA settings (upstream defaults). */
export const HPA_DEFAULTS = {
  syncPeriodMs: 15_000,
  tolerance: 0.1,
  targetUtilization: 0.8,
  scaleDownWindowMs: 300_000,
  scaleUpMinPods: 4,
  scaleUpPercent: 100,
} as const;

interface Recommendation {
  at: number;
  replicas: number;
}

/** The HPA rule over one metric. */
export class HpaPolicy implements Policy {
  readonly name = 'hpa';
  readonly title = 'Kubernetes HPA (in-flight utilisation, 80 %)';
  readonly periodMs = HPA_DEFAULTS.syncPeriodMs;
  readonly wakeOnArrival = false;
  readonly initialNodes: number;
  readonly restingNodes: number;
  readonly knob: TargetKnob;
  private readonly min: number;
  private history: Recommendation[] = [];

  constructor(private readonly ctx: PolicyContext) {
    this.min = Math.max(1, ctx.minNodes);
    this.initialNodes = clampNodes(ctx.initialNodes, this.min, ctx.maxNodes);
    this.restingNodes = this.min;
    this.knob = { name: 'averageUtilization', value: HPA_DEFAULTS.targetUtilization * (ctx.targetFactor ?? 1) };
  }

  decide(view: PolicyView): number {
    const current = view.ready + view.provisioning;
    const recommendation = clampNodes(this.recommend(view, current), this.min, this.ctx.maxNodes);
    this.history = this.history.filter((r) => r.at > view.now - HPA_DEFAULTS.scaleDownWindowMs);
    this.history.push({ at: view.now, replicas: recommendation });
    // Stabilisation: up takes the current recommendation (0 s window); down the highest of 300 s.
    let desired = current;
    if (recommendation > current) desired = recommendation;
    else {
      const highest = Math.max(...this.history.map((r) => r.replicas));
      if (highest < current) desired = highest;
    }
    // Rate limit: up by at most max(+4 pods, +100 %) per period; down by up to 100 %.
    const upLimit = Math.max(current + HPA_DEFAULTS.scaleUpMinPods, Math.floor(current * (1 + HPA_DEFAULTS.scaleUpPercent / 100)));
    return clampNodes(Math.min(desired, upLimit), this.min, this.ctx.maxNodes);
  }

  /** horizontal.go's replica calculation for a utilisation metric. */
  private recommend(view: PolicyView, current: number): number {
    if (view.ready === 0) return current;
    const target = this.knob.value * view.slots;
    const usage = view.avgInFlight(HPA_DEFAULTS.syncPeriodMs / 1000);
    const ratio = usage / view.ready / target;
    if (Math.abs(ratio - 1) <= HPA_DEFAULTS.tolerance) return current;
    if (ratio > 1 && view.provisioning > 0) {
      // Unready pods count as idle when scaling up; if that flips the direction, hold.
      const withUnready = usage / (view.ready + view.provisioning) / target;
      if (withUnready <= 1 || Math.abs(withUnready - 1) <= HPA_DEFAULTS.tolerance) return current;
      return Math.ceil(withUnready * (view.ready + view.provisioning));
    }
    return Math.ceil(ratio * view.ready);
  }
}
