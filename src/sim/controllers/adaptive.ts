/**
 * Our policy in the simulator: the live controller's own observe -> plan -> apply
 * (controller/observe.ts, planner.ts, apply.ts), once per tick, over the simulated
 * state. The simulated cluster is an {@link ObservationSource} (the runtime's own
 * `RateMeter`, `IdleSpells` and `AttainmentWindow`,
 * service-time window, cold-start EWMA, nodes and the planner's memory), and the
 * decision's effects are the cluster's: adds reserve in the real ledger first,
 * drains stop new work, releases end the lease. A nudge ticks as soon as the live
 * loop's does ({@link nudgeDelayMs}) when work arrives with no node to take it; a
 * preemption reaches the planner as the observation's `preemptedAt`.
 */
import { apply, nudgeDelayMs } from '../../controller/apply.js';
import type { Decision, Observation, PlannerMemory, PlannerPolicy, WorkloadDecision, WorkloadObservation } from '../../controller/observation.js';
import { INITIAL_MEMORY } from '../../controller/observation.js';
import { observe, type ObservationSource } from '../../controller/observe.js';
import { plan } from '../../controller/planner.js';
import type { Offer } from '../../market/protocol.js';
import type { Controller, Engine } from '../engine.js';
import { nodeView } from '../node.js';
import { AttainmentWindow } from '../../metrics/attainment-window.js';

/** Workload name the simulated runtime uses. */
export const SIM_WORKLOAD = 'sim';

/** Settings of the planner controller. */
export interface AdaptiveOptions {
  policy: PlannerPolicy;
  tickMs: number;
  /** Nodes ready at the start (warm start). */
  initialNodes: number;
  /**
   * Service time already measured at the start (warm start: as if the workload ran
   * before the trace, like its nodes), ms; none when starting cold.
   */
  initialServiceMs?: number | undefined;
  /** Offers the marketplace lists (spot's `available` follows the market). */
  offers: () => Offer[];
  /** How long spot is avoided after a preemption (what `Compute` does with `gpu.spotCooloffMs`). */
  spotCooloffMs: number;
  /** Called with every decision (tests and logs read the structured reasons). */
  onDecision?: ((at: number, decision: WorkloadDecision) => void) | undefined;
}

/** Drives the real planner on the simulated cluster. */
export class AdaptiveController implements Controller {
  nextAt = 0;
  memory: PlannerMemory = INITIAL_MEMORY;
  /**
   * The floor the last decision holds for good: `minNodes`, or nodes kept warm until
   * traffic returns. Nodes kept warm for a keep-alive are paid until it ends, after the
   * trace too, like a baseline's cooldown.
   */
  restingNodes: number;
  private lastTickAt = -Infinity;
  private nudged = false;
  private preemptedAt: number | undefined;
  private readonly policy: PlannerPolicy;

  constructor(private readonly options: AdaptiveOptions) {
    this.policy = { ...options.policy, spotCooloffMs: options.spotCooloffMs };
    this.restingNodes = options.policy.minNodes;
  }

  init(engine: Engine): void {
    const onDemand = this.options.offers().find((o) => !o.interruptible)!;
    for (let i = 0; i < this.options.initialNodes; i++) engine.rent(0, onDemand, true);
    if (this.options.initialServiceMs !== undefined) engine.cluster.serviceTime.record(this.options.initialServiceMs);
    engine.cluster.attainment = new AttainmentWindow(this.policy.latencyTargetMs);
  }

  decide(engine: Engine, now: number): void {
    this.lastTickAt = now;
    this.nudged = false;
    const c = engine.cluster;
    c.tick(now);
    const { tickMs } = this.options;
    const workload = observe(this.source(engine), now);
    const observation: Observation = { now, tickMs, workloads: [workload] };
    const decision: Decision = plan(observation, { [SIM_WORKLOAD]: this.policy }, this.options.offers(), c.ledger.view(now));
    const d = decision.workloads[0]!;
    this.options.onDecision?.(now, d);
    this.restingNodes = Math.max(this.policy.minNodes, heldForGood(d));
    const done = apply(this, d, {
      rent: (request) => {
        const key = engine.nextKey();
        return c.ledger.reserve(SIM_WORKLOAD, key, request.offer, now).ok && engine.rent(now, request.offer, false, key) !== undefined;
      },
      restore: (id) => {
        const node = engine.byKey.get(id);
        if (!node || node.state !== 'draining') return false;
        c.restore(now, node);
        return true;
      },
      drain: (id) => {
        const node = engine.byKey.get(id);
        if (!node || node.state === 'gone') return false;
        c.drain(now, node);
        return true;
      },
      release: (id) => {
        const node = engine.byKey.get(id);
        if (!node || node.state === 'gone') return false;
        c.release(now, node);
        return true;
      },
    });
    if (done.added + done.restored + done.drained + done.released > 0) engine.scaleEvents++;
    // Nothing live, nothing waiting, no arrival within the long window, and the planner held
    // at zero: every tick until the next arrival (which nudges) would decide the same, and
    // the memory they would write differs only in desired-count samples that the next tick
    // prunes by their time anyway. So ticks sleep until then (or until a pre-warm the
    // planner asked to be woken for); the live loop keeps ticking.
    const asleep = isQuiet(workload, this.policy) && d.desired === 0 && done.added + done.restored + done.drained + done.released === 0;
    this.nextAt = asleep ? Math.max(now + tickMs, d.wakeAt ?? Infinity) : now + tickMs;
  }

  onIdleArrival(_engine: Engine, now: number): void {
    if (this.nudged) return;
    this.nudged = true;
    this.nextAt = now + nudgeDelayMs(now, this.lastTickAt);
  }

  onPreempted(_engine: Engine, now: number): void {
    this.preemptedAt = now;
  }

  /** The simulated cluster as the observer sees a workload. */
  private source(engine: Engine): ObservationSource {
    const c = engine.cluster;
    return {
      name: SIM_WORKLOAD,
      queued: c.queued,
      inFlight: c.inFlight,
      arrivalRate: (now, windowSec) => c.arrivals.rate(now, windowSec),
      arrivalDispersion: (now, windowSec) => c.arrivals.dispersion(now, windowSec),
      completionRate: (now, windowSec) => c.finished.rate(now, windowSec),
      // Arrivals are counted from the trace's start.
      countingSince: 0,
      serviceTime: c.serviceTime,
      oldestQueuedAt: () => c.oldestQueuedAt(),
      coldStartSeenMs: c.coldStart.value,
      gpuModels: this.policy.gpu.model,
      offers: this.options.offers,
      nodes: (now) => c.liveNodes().map((node) => nodeView(node, now)),
      paused: false,
      preemptedAt: this.preemptedAt,
      spells: c.spells,
      attainment: c.attainment,
      sloTarget: this.policy.sloTarget,
      memory: this.memory,
    };
  }
}

/** Nodes a decision keeps warm with no end (until traffic returns), else 0. */
function heldForGood(d: WorkloadDecision): number {
  const step = d.reason.step;
  const warm = step.kind === 'scale-up' || step.kind === 'hold' || step.kind === 'scale-down' ? step.warm : undefined;
  return warm?.kind === 'keep-warm' && warm.keepAliveMs === undefined ? warm.nodes : 0;
}

function isQuiet(w: WorkloadObservation, policy: PlannerPolicy): boolean {
  return w.nodes.length === 0 && w.queued === 0 && w.inFlight === 0 && w.arrivalRateLong === 0 && policy.minNodes === 0;
}
