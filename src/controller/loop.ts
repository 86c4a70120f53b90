/**
 * The control loop: observe → plan → act, once per tick on the Clock. It is the
 * only impure part of the controller and the only place that decides when
 * things happen; what to do is the planner's (a pure function).
 */
import type { Clock, Timer } from '../clock.js';
import type { Ledger } from '../budget/ledger.js';
import { budgetExhaustedError } from '../budget/exhausted.js';
import { formatMoney } from '../util/money.js';
import type { BudgetEvent, ScaleEvent } from '../events.js';
import type { LeaseManager } from '../leases/lease-manager.js';
import type { WorkloadRuntime } from '../workload.js';
import type { CapacityGate } from './capacity-gate.js';
import { offerQueryFor, type OfferCache } from './offer-cache.js';
import type { Observation, WorkloadDecision, WorkloadObservation } from './observation.js';
import { observe } from './observe.js';
import { apply, nudgeDelayMs } from './apply.js';
import { plan } from './planner.js';
import { renderReason } from './reason-text.js';

/** Collaborators of the {@link ControlLoop}. */
export interface ControlLoopDeps {
  clock: Clock;
  tickMs: number;
  workloads: () => Iterable<WorkloadRuntime>;
  leases: LeaseManager;
  ledger: Ledger;
  /** In a replica group: who plans which workload, on what (src/coordination). Absent: this process alone. */
  coordination?: LoopCoordination;
  offers: OfferCache;
  budget: { onBudgetExhausted: 'reject' | 'queue'; currency: string };
  emitScale(event: ScaleEvent): void;
  emitBudget(event: BudgetEvent): void;
  /** Cold start measured for a workload's nodes, ms (undefined: none seen yet). */
  coldStartSeenMs(workload: WorkloadRuntime): number | undefined;
  /** A reconciliation sweep of leases tagged as ours (never rejects). */
  reconcile?(): Promise<void>;
  /** Time between reconciliation sweeps, ms. */
  reconcileEveryMs?: number;
  /** Offers to leave out and work to refuse when capacity cannot be had (capacity-gate.ts). */
  gate?: CapacityGate;
}

/**
 * The loop's view of a replica group: it plans only the workloads this replica leads,
 * on the group's summed observation, and reports budget crossings once per group.
 */
export interface LoopCoordination {
  /** Exchange with the group before planning. Never rejects (a failure is degraded mode). */
  prepare(now: number): Promise<void>;
  /** Whether this replica plans (rents, releases) for `workload` this tick. */
  leads(workload: string): boolean;
  /** The group's observation of a workload this replica leads. */
  observe(own: WorkloadObservation, runtime: WorkloadRuntime): WorkloadObservation;
  /** Whether this replica is the one that reports the group's budget crossings. */
  reportsBudget(): boolean;
}

/** Ticks the controller until stopped. */
export class ControlLoop {
  private timer: Timer | undefined;
  private running = false;
  private stopped = false;
  private nudged = false;
  private lastTickAt = -Infinity;
  private lastSweepAt: number | undefined;

  constructor(private readonly deps: ControlLoopDeps) {}

  /** Start ticking (the first tick runs at once). */
  start(): void {
    this.schedule(0);
  }

  /** React sooner than the next tick (new work with no capacity). */
  nudge(): void {
    if (this.stopped || this.running || this.nudged) return;
    this.nudged = true;
    this.schedule(nudgeDelayMs(this.deps.clock.now(), this.lastTickAt));
  }

  /** Stop ticking; an in-flight tick finishes. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Run one observe → plan → act pass now (tests call it directly). */
  async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    this.nudged = false;
    const { clock, leases, ledger, offers } = this.deps;
    try {
      this.lastTickAt = clock.now();
      leases.refresh(clock.now());
      this.maybeReconcile(clock.now());
      const group = this.deps.coordination;
      if (group) {
        await group.prepare(clock.now());
        if (this.stopped) return;
      }
      const runtimes = [...this.deps.workloads()].filter((w) => group?.leads(w.name) ?? true);
      // Offers are needed only where capacity may be added (a group's leader plans for the whole
      // group's demand). Never awaited: a slow or hung offer fetch must not delay a release or a
      // cap decision (the cache nudges on arrival).
      const wanting = runtimes.filter((w) => w.busy || w.policy.minNodes > 0 || group !== undefined);
      if (wanting.length > 0) void offers.refresh(wanting.map((w) => offerQueryFor(w.policy.gpu)));
      // Not awaited either: it may list offers, and no offer fetch holds a tick (it never rejects).
      void this.deps.gate?.prepare(runtimes, clock.now());
      if (this.stopped) return;
      const now = clock.now();
      const observation: Observation = {
        now,
        tickMs: this.deps.tickMs,
        workloads: runtimes.map((w) => {
          const own = withAvoided(
            observe(w.source({ nodes: () => leases.nodesOf(w.name), coldStartSeenMs: this.deps.coldStartSeenMs(w), offers: () => offers.all() }), now),
            this.deps.gate?.avoidOffers(w, now),
          );
          return group ? group.observe(own, w) : own;
        }),
      };
      const policies = Object.fromEntries(runtimes.map((w) => [w.name, w.policy]));
      const decision = plan(observation, policies, offers.all(), ledger.view(now));
      const byName = new Map(runtimes.map((w) => [w.name, w]));
      for (const d of decision.workloads) {
        const runtime = byName.get(d.name);
        if (runtime) this.act(runtime, d, now);
      }
      const money = (value: number): string => formatMoney(value, this.deps.budget.currency);
      for (const crossing of group && !group.reportsBudget() ? [] : ledger.thresholdsCrossed(now)) {
        this.deps.emitBudget({
          ...crossing,
          currency: this.deps.budget.currency,
          at: now,
          reason: `${crossing.scope} ${crossing.cap} at ${crossing.percent}% (${money(crossing.value)} of ${money(crossing.limit)}${crossing.cap === 'maxPerHour' ? ' per hour' : ' committed'})`,
        });
      }
    } finally {
      this.running = false;
      if (!this.stopped) this.schedule(this.deps.tickMs);
    }
  }

  private maybeReconcile(now: number): void {
    const every = this.deps.reconcileEveryMs;
    if (!this.deps.reconcile || every === undefined) return;
    this.lastSweepAt ??= now;
    if (now - this.lastSweepAt < every) return;
    this.lastSweepAt = now;
    void this.deps.reconcile();
  }

  private act(runtime: WorkloadRuntime, d: WorkloadDecision, now: number): void {
    const { leases } = this.deps;
    const reason = renderReason(d.reason);
    runtime.lastDecision = { at: now, desired: d.desired, reason };
    // With no node and a marketplace that refuses us for good, renting again is futile.
    const refused = this.refuseByGate(runtime, now) || this.failFastOnRefusal(runtime);
    const done = apply(
      runtime,
      d,
      {
        rent: (request) =>
          leases.acquire({
            workload: runtime.name,
            offer: request.offer,
            image: runtime.config.image,
            ...(runtime.config.env ? { env: runtime.config.env } : {}),
            maxPricePerHour: request.offer.pricePerHour,
            concurrencyPerNode: runtime.config.scaling.concurrencyPerNode,
            maxProvisionSec: runtime.config.scaling.maxProvisionSec,
            nodeTimeoutMs: runtime.config.nodeTimeoutMs,
            ...(request.fallbacks && request.fallbacks.length > 0 ? { fallbacks: request.fallbacks } : {}),
          }) !== undefined,
        restore: (id) => {
          leases.restore(id, reason);
          return true;
        },
        drain: (id) => {
          leases.drain(id, reason);
          return true;
        },
        release: (id) => {
          void leases.release(id, reason);
          return true;
        },
      },
      !refused,
    );
    this.applyBudgetVerdict(runtime, d);
    if (done.added + done.restored + done.drained + done.released > 0) {
      const nodes = { requested: 0, provisioning: 0, ready: 0, draining: 0 };
      for (const n of leases.nodesOf(runtime.name)) nodes[n.state]++;
      this.deps.emitScale({
        workload: runtime.name,
        at: now,
        desired: d.desired,
        nodes,
        added: done.added,
        restored: done.restored,
        drained: done.drained,
        released: done.released,
        reason,
        cause: d.reason,
      });
    }
  }

  /** Budget wins: when no node can ever be paid for again, queued work is settled, not left hanging. */
  private applyBudgetVerdict(runtime: WorkloadRuntime, d: WorkloadDecision): void {
    if (!d.budgetExhausted) {
      runtime.budgetRefusal = undefined;
      return;
    }
    if (this.deps.budget.onBudgetExhausted === 'queue') return;
    const error = budgetExhaustedError(runtime.name, this.deps.ledger.view(this.deps.clock.now()), this.deps.budget.currency);
    runtime.budgetRefusal = error;
    runtime.queue.rejectQueued(error);
  }

  /**
   * With no node to run on and a marketplace that refuses us for good (bad key, no
   * funds), waiting helps nobody: queued work rejects with the marketplace's error.
   */
  private failFastOnRefusal(runtime: WorkloadRuntime): boolean {
    if (runtime.dispatcher.nodeCount > 0) return false;
    if (this.deps.leases.nodesOf(runtime.name).some((n) => n.state !== 'draining')) return false;
    const refusal = this.deps.offers.fatalError(offerQueryFor(runtime.policy.gpu)) ?? this.deps.leases.refusalFor(runtime.name);
    if (!refusal) return false;
    runtime.queue.rejectQueued(refusal);
    return true;
  }

  /**
   * Capacity that cannot be had (capacity-gate.ts): rent nothing; with no node to run
   * on, waiting and new work fail with the cause rather than time out in the queue.
   */
  private refuseByGate(runtime: WorkloadRuntime, now: number): boolean {
    const error = this.deps.gate?.refusal(runtime, now);
    const stranded = error !== undefined && runtime.dispatcher.nodeCount === 0 && !this.deps.leases.nodesOf(runtime.name).some((n) => n.state !== 'draining');
    runtime.capacityRefusal = stranded ? error : undefined;
    if (stranded) runtime.queue.rejectQueued(error);
    return error !== undefined;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer?.cancel();
    const timer = this.deps.clock.setTimeout(() => void this.tick(), ms);
    // Keep Node alive while a lease is left to give back. Pending tasks keep it alive
    // on their own (Compute holds it open while any task waits or runs).
    timer.keepAlive(this.deps.leases.liveCount() > 0);
    this.timer = timer;
  }
}

/** The observation with the offers the planner must leave out for it, if any. */
function withAvoided(observation: WorkloadObservation, avoid: readonly string[] | undefined): WorkloadObservation {
  return avoid === undefined || avoid.length === 0 ? observation : { ...observation, avoidOffers: avoid };
}
