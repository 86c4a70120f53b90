/**
 * KEDA with a queue-length scaler (the AWS SQS scaler's semantics), replica = node.
 */
// Rule: keda.sh ScaledObject spec + aws-sqs scaler: desired = ceil(queue length / queueLength 5); activation 0 -> 1 when the queue exceeds 0 on a 30 s poll; N -> 0 after cooldownPeriod 300 s inactive; 1 <-> N through HPA (15 s sync, 300 s down stabilisation, ±10 %).
//
// Queue length counts messages waiting and in flight (the SQS scaler's
// `scaleOnInFlight` default), so it is queued + in flight here, read at each
// poll. KEDA's target is messages per replica and has no notion of slots: the
// published 5 is used as is. Between one and N replicas the HPA it feeds applies
// its own tolerance, rate limits and 300 s scale-down window.
import { HPA_DEFAULTS } from './hpa.js';
import { clampNodes, type Policy, type PolicyContext, type PolicyView, type TargetKnob } from './types.js';

/** KEDA settings (upstream defaults). */
export const KEDA_DEFAULTS = {
  queueLength: 5,
  activationQueueLength: 0,
  pollingIntervalMs: 30_000,
  cooldownPeriodMs: 300_000,
} as const;

/** KEDA's queue-length rule feeding an HPA. */
export class KedaPolicy implements Policy {
  readonly name = 'keda';
  readonly title = 'KEDA queue length (5 per replica, 30 s poll, 300 s cooldown)';
  readonly periodMs = HPA_DEFAULTS.syncPeriodMs;
  readonly wakeOnArrival = false;
  readonly initialNodes: number;
  readonly restingNodes: number;
  readonly knob: TargetKnob;
  private lastActiveAt = 0;
  private lastPollAt = -Infinity;
  private history: Array<{ at: number; replicas: number }> = [];

  constructor(private readonly ctx: PolicyContext) {
    this.initialNodes = clampNodes(ctx.initialNodes, ctx.minNodes, ctx.maxNodes);
    this.restingNodes = ctx.minNodes;
    this.knob = { name: 'queueLength', value: KEDA_DEFAULTS.queueLength * (ctx.targetFactor ?? 1) };
  }

  decide(view: PolicyView): number {
    const current = view.ready + view.provisioning;
    const length = view.queued + view.inFlight;
    // KEDA's own loop: activity is checked every polling interval.
    if (view.now - this.lastPollAt >= KEDA_DEFAULTS.pollingIntervalMs) {
      this.lastPollAt = view.now;
      if (length > KEDA_DEFAULTS.activationQueueLength) this.lastActiveAt = view.now;
      if (current === 0) return length > KEDA_DEFAULTS.activationQueueLength ? clampNodes(1, this.ctx.minNodes, this.ctx.maxNodes) : this.ctx.minNodes;
      if (view.now - this.lastActiveAt >= KEDA_DEFAULTS.cooldownPeriodMs && length === 0) {
        this.history = [];
        return this.ctx.minNodes;
      }
    }
    if (current === 0) return current;
    return this.hpa(view.now, current, length);
  }

  /** The HPA step for an AverageValue external metric. */
  private hpa(now: number, current: number, total: number): number {
    const ratio = total / (this.knob.value * current);
    const recommendation = Math.abs(ratio - 1) <= HPA_DEFAULTS.tolerance ? current : Math.ceil(total / this.knob.value);
    const floor = Math.max(1, this.ctx.minNodes);
    const rec = clampNodes(recommendation, floor, this.ctx.maxNodes);
    this.history = this.history.filter((r) => r.at > now - HPA_DEFAULTS.scaleDownWindowMs);
    this.history.push({ at: now, replicas: rec });
    let desired = current;
    if (rec > current) desired = rec;
    else {
      const highest = Math.max(...this.history.map((r) => r.replicas));
      if (highest < current) desired = highest;
    }
    const upLimit = Math.max(current + HPA_DEFAULTS.scaleUpMinPods, current * 2);
    return clampNodes(Math.min(desired, upLimit), floor, this.ctx.maxNodes);
  }
}
