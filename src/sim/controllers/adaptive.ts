/**
 * Our policy in the simulator: the real planner (`plan()`), fed once per tick with
 * an observation built from the simulated state exactly as the live loop builds it
 * (`WorkloadRuntime.observe()` and `ControlLoop.tick()`): queue length, tasks in
 * flight, arrival rates over 6 s and 60 s with the `RateMeter`'s one-second
 * buckets, the service-time mean and spread, the oldest task's age, the cold-start EWMA, the
 * live leases as `NodeView`s, the planner's own memory, and the real ledger's view.
 * Its decision is executed as the lease manager would: adds reserve in the ledger
 * first, drains stop new work, releases end the lease. A nudge ticks within 50 ms
 * when work arrives with no node to take it; a preemption makes the planner avoid
 * spot for `spotCooloffMs` (what `Compute` does on a `preempted` lease event).
 */
import type { Observation, PlannerMemory, PlannerPolicy, WorkloadObservation } from '../../controller/observation.js';
import { INITIAL_MEMORY, SERVICE_SPREAD_POINTS, SERVICE_TAIL_QUANTILE } from '../../controller/observation.js';
import { plan } from '../../controller/planner.js';
import type { Offer } from '../../market/protocol.js';
import type { Controller, Engine } from '../engine.js';
import { nodeView } from '../node.js';
import { countSince } from '../arrivals.js';

/** Workload name the simulated runtime uses. */
export const SIM_WORKLOAD = 'sim';

// ControlLoop.nudge(): at most one extra tick per 50 ms.
const NUDGE_MS = 50;

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
}

/** Drives the real planner on the simulated cluster. */
export class AdaptiveController implements Controller {
  nextAt = 0;
  private memory: PlannerMemory = INITIAL_MEMORY;
  private lastTickAt = -Infinity;
  private nudged = false;

  constructor(private readonly options: AdaptiveOptions) {}

  init(engine: Engine): void {
    const onDemand = this.options.offers().find((o) => !o.interruptible)!;
    for (let i = 0; i < this.options.initialNodes; i++) engine.rent(0, onDemand, true);
    if (this.options.initialServiceMs !== undefined) engine.cluster.serviceTime.record(this.options.initialServiceMs);
  }

  decide(engine: Engine, now: number): void {
    this.lastTickAt = now;
    this.nudged = false;
    const c = engine.cluster;
    c.tick(now);
    const { policy, tickMs } = this.options;
    const workload = this.observe(engine, now);
    // Nothing live, nothing waiting, no arrival within the long window: the planner can only
    // answer "hold at zero" until the next arrival, which nudges. Skipping those ticks is exact.
    if (workload.nodes.length === 0 && workload.queued === 0 && workload.inFlight === 0 && workload.arrivalRateLong === 0 && policy.minNodes === 0) {
      // What the planner would remember from such a tick: no low period, no arrivals, no trend.
      const { rates: _rates, arrivingSince: _since, ...kept } = this.memory;
      this.memory = { ...kept, lowDemandSince: null, recentDesired: [] };
      this.nextAt = Infinity;
      return;
    }
    this.nextAt = now + tickMs;
    const observation: Observation = { now, tickMs, workloads: [workload] };
    const offers = this.options.offers();
    const decision = plan(observation, { [SIM_WORKLOAD]: policy }, offers, c.ledger.view(now)).workloads[0]!;
    this.memory = decision.memory;
    let changed = 0;
    for (const request of decision.add) {
      const key = engine.nextKey();
      if (c.ledger.reserve(SIM_WORKLOAD, key, request.offer, now).ok && engine.rent(now, request.offer, false, key)) changed++;
    }
    for (const id of decision.restore) {
      const node = engine.byKey.get(id);
      if (node && node.state === 'draining') {
        c.restore(now, node);
        changed++;
      }
    }
    for (const id of decision.drain) {
      const node = engine.byKey.get(id);
      if (node && node.state !== 'gone') {
        c.drain(now, node);
        changed++;
      }
    }
    for (const id of decision.release) {
      const node = engine.byKey.get(id);
      if (node && node.state !== 'gone') {
        c.release(now, node);
        changed++;
      }
    }
    if (changed > 0) engine.scaleEvents++;
  }

  onIdleArrival(_engine: Engine, now: number): void {
    if (this.nudged) return;
    this.nudged = true;
    this.nextAt = now + Math.max(0, NUDGE_MS - (now - this.lastTickAt));
  }

  onPreempted(_engine: Engine, now: number): void {
    this.memory = { ...this.memory, avoidSpotUntil: now + this.options.spotCooloffMs };
  }

  /** `WorkloadRuntime.observe()` over the simulated state. */
  private observe(engine: Engine, now: number): WorkloadObservation {
    const c = engine.cluster;
    const oldest = c.oldestQueuedAt();
    const nodes = c.liveNodes().map((node) => nodeView(node, now));
    return {
      name: SIM_WORKLOAD,
      queued: c.queued,
      inFlight: c.inFlight,
      arrivalRateShort: meterRate(c.arr, c.next, now, 6),
      arrivalRateLong: meterRate(c.arr, c.next, now, 60),
      // Arrivals are counted from the trace's start.
      observedForMs: now,
      serviceTimeMs: c.serviceTime.value,
      serviceTimeSpreadMs: c.serviceTime.spread(SERVICE_SPREAD_POINTS),
      serviceTimeTailMs: c.serviceTime.quantile(SERVICE_TAIL_QUANTILE),
      oldestQueuedMs: oldest === undefined ? 0 : now - oldest,
      coldStartMs: c.coldStart.value ?? this.options.offers()[0]!.coldStartSec * 1000,
      nodes,
      paused: false,
      memory: this.memory,
    };
  }
}

/**
 * `RateMeter.rate(now, windowSec)` over the sorted arrivals seen so far: arrivals
 * in the one-second buckets `[⌊now/1000⌋ − w + 1, ⌊now/1000⌋]`, divided by the time
 * those buckets cover (the current one only partly).
 */
export function meterRate(arr: Float64Array, seen: number, now: number, windowSec: number): number {
  const fromMs = (Math.floor(now / 1000) - windowSec + 1) * 1000;
  const covered = windowSec - 1 + ((now % 1000) + 1) / 1000;
  return countSince(arr, seen, fromMs) / covered;
}
