/**
 * SkyServe's request-rate autoscaler, with its spot policy when spot is enabled.
 */
// Rule: skypilot sky/serve/autoscalers.py + constants.py: qps = requests in the last 60 s / 60; target = clamp(ceil(qps / target_qps_per_replica)); every 20 s; up after 300 s, down after 1200 s of consecutive decisions; from 0 at once; spot: on-demand = base + (spot target − ready spot) (dynamic fallback).
//
// `target_qps_per_replica` has no default (users benchmark it): it is set to what
// one node serves at 80 % of its slots, `0.8 · concurrencyPerNode / mean service
// time`, the trace's mean being what a benchmark would measure. With spot offers
// in the run, the fleet is spot with `base_ondemand_fallback_replicas` 0 and
// `dynamic_ondemand_fallback` on: on-demand nodes stand in for every spot node not
// ready (preempted, unobtainable or still starting) and leave when spot is back.
import { clampNodes, type Fleet, type Policy, type PolicyContext, type PolicyView, type TargetKnob } from './types.js';

/** SkyServe settings (upstream defaults). */
export const SKYSERVE_DEFAULTS = {
  decisionIntervalMs: 20_000,
  qpsWindowSec: 60,
  upscaleDelayMs: 300_000,
  downscaleDelayMs: 1_200_000,
  baseOnDemandFallbackReplicas: 0,
  slotUtilization: 0.8,
} as const;

/** The SkyServe decision rule. */
export class SkyServePolicy implements Policy {
  readonly name = 'skyserve';
  readonly title: string;
  readonly periodMs = SKYSERVE_DEFAULTS.decisionIntervalMs;
  readonly wakeOnArrival = true;
  readonly initialNodes: number;
  readonly restingNodes: number;
  readonly knob: TargetKnob;
  /** Node throughput the QPS target is set to (requests/s). */
  readonly targetQpsPerReplica: number;
  private target: number;
  private upCount = 0;
  private downCount = 0;

  constructor(private readonly ctx: PolicyContext) {
    this.targetQpsPerReplica = ((SKYSERVE_DEFAULTS.slotUtilization * ctx.slots * 1000) / Math.max(1, ctx.meanServiceMs)) * (ctx.targetFactor ?? 1);
    this.initialNodes = clampNodes(ctx.initialNodes, ctx.minNodes, ctx.maxNodes);
    this.restingNodes = ctx.minNodes;
    this.knob = { name: 'target_qps_per_replica', value: this.targetQpsPerReplica };
    this.target = this.initialNodes;
    this.title = ctx.spotEnabled ? 'SkyServe (QPS target, 300 s / 1200 s delays; spot + on-demand fallback)' : 'SkyServe (QPS target, 300 s / 1200 s delays)';
  }

  decide(view: PolicyView): number | Fleet {
    const qps = view.arrivals(SKYSERVE_DEFAULTS.qpsWindowSec) / SKYSERVE_DEFAULTS.qpsWindowSec;
    let wanted = clampNodes(Math.ceil(qps / this.targetQpsPerReplica), this.ctx.minNodes, this.ctx.maxNodes);
    // Work already waiting counts at zero replicas (SkyServe's load balancer holds it).
    if (wanted === 0 && view.queued + view.inFlight > 0) wanted = clampNodes(1, this.ctx.minNodes, this.ctx.maxNodes);
    const upNeeded = SKYSERVE_DEFAULTS.upscaleDelayMs / this.periodMs;
    const downNeeded = SKYSERVE_DEFAULTS.downscaleDelayMs / this.periodMs;
    if (this.target === 0 && wanted > 0) {
      this.target = wanted;
      this.upCount = this.downCount = 0;
    } else if (wanted > this.target) {
      this.downCount = 0;
      if (++this.upCount >= upNeeded) {
        this.target = wanted;
        this.upCount = 0;
      }
    } else if (wanted < this.target) {
      this.upCount = 0;
      if (++this.downCount >= downNeeded) {
        this.target = wanted;
        this.downCount = 0;
      }
    } else this.upCount = this.downCount = 0;
    if (!this.ctx.spotEnabled) return this.target;
    const base = Math.min(SKYSERVE_DEFAULTS.baseOnDemandFallbackReplicas, this.target);
    const spot = this.target - base;
    return { spot, onDemand: base + Math.max(0, spot - view.readySpot) };
  }
}
