/**
 * Ray Serve's default autoscaling policy, replica = node.
 */
// Rule: ray python/ray/serve/_private/autoscaling_policy.py + AutoscalingConfig: err = ongoing / (target_ongoing_requests·running); desired = ceil(running·(1 + (err − 1)·factor)); applied after upscale_delay_s 30 / downscale_delay_s 600 of one direction; 30 s look-back; from 0 at once.
//
// Mapping: `target_ongoing_requests` defaults to 2 for a replica that accepts
// `max_ongoing_requests` = 5 at once; a node here accepts `concurrencyPerNode`, so
// the target per node is 2/5 of its slots. Ongoing requests are queued + in flight
// (Ray counts requests queued at the handles and running at replicas), as a 30 s
// mean. Ray's controller loop runs every 0.1 s; it is evaluated here every 1 s with
// the delays in seconds unchanged (the 30 s mean it reads moves little within a
// second, and a 0.1 s loop would cost ten times the decisions for the same rule).
import { clampNodes, type Policy, type PolicyContext, type PolicyView, type TargetKnob } from './types.js';

/** Ray Serve settings (upstream defaults). */
export const RAY_DEFAULTS = {
  targetOngoingRequests: 2,
  maxOngoingRequests: 5,
  upscaleDelaySec: 30,
  downscaleDelaySec: 600,
  lookBackPeriodSec: 30,
  upscalingFactor: 1,
  downscalingFactor: 1,
  evaluateEveryMs: 1_000,
} as const;

/** The Ray Serve decision rule. */
export class RayServePolicy implements Policy {
  readonly name = 'ray-serve';
  readonly title = 'Ray Serve (2 of 5 ongoing per replica, 30 s / 600 s delays)';
  readonly periodMs = RAY_DEFAULTS.evaluateEveryMs;
  readonly wakeOnArrival = true;
  readonly initialNodes: number;
  readonly restingNodes: number;
  readonly knob: TargetKnob;
  /** Positive: consecutive seconds pointing up; negative: down. */
  private counter = 0;

  constructor(private readonly ctx: PolicyContext) {
    this.initialNodes = clampNodes(ctx.initialNodes, ctx.minNodes, ctx.maxNodes);
    this.restingNodes = ctx.minNodes;
    const perNode = (RAY_DEFAULTS.targetOngoingRequests * ctx.slots) / RAY_DEFAULTS.maxOngoingRequests;
    this.knob = { name: 'target_ongoing_requests', value: perNode * (ctx.targetFactor ?? 1) };
  }

  decide(view: PolicyView): number {
    const current = view.ready + view.provisioning;
    const ongoing = Math.max(view.avgConcurrency(RAY_DEFAULTS.lookBackPeriodSec), current === 0 ? view.queued : 0);
    if (current === 0) {
      this.counter = 0;
      return ongoing > 0 ? clampNodes(Math.max(Math.ceil(RAY_DEFAULTS.upscalingFactor), 1), this.ctx.minNodes, this.ctx.maxNodes) : this.ctx.minNodes;
    }
    const desired = clampNodes(this.desired(view, ongoing, current), this.ctx.minNodes, this.ctx.maxNodes);
    const step = RAY_DEFAULTS.evaluateEveryMs / 1000;
    if (desired > current) {
      this.counter = this.counter < 0 ? step : this.counter + step;
      if (this.counter > RAY_DEFAULTS.upscaleDelaySec) {
        this.counter = 0;
        return desired;
      }
    } else if (desired < current) {
      this.counter = this.counter > 0 ? -step : this.counter - step;
      if (this.counter < -RAY_DEFAULTS.downscaleDelaySec) {
        this.counter = 0;
        return desired;
      }
    } else this.counter = 0;
    return current;
  }

  /** `_calculate_desired_num_replicas` with the smoothing factors. */
  private desired(view: PolicyView, ongoing: number, current: number): number {
    const running = view.ready;
    // No replica running yet (all starting): Ray keeps its target.
    if (running === 0) return current;
    const targetPerNode = this.knob.value;
    const err = ongoing / (targetPerNode * running);
    const factor = err >= 1 ? RAY_DEFAULTS.upscalingFactor : RAY_DEFAULTS.downscalingFactor;
    let desired = Math.ceil(running * (1 + (err - 1) * factor));
    if (Math.ceil(running * err) < running && desired === running) desired -= 1;
    return desired;
  }
}
