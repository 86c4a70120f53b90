/**
 * The budget ledger: every lease's cost accrues here, and no lease is requested
 * before its minimum cost is reserved here. It holds no clock: every method that
 * depends on time takes `now` (ms), so the live loop and the simulator drive it alike.
 *
 * Caps nest: a workload's `maxPerHour` / `total` apply inside the global ones. A
 * lease's commitment is what it owes if released now ({@link committedCost}), or what
 * the marketplace says it cost, whichever is more; billing is assumed to start at
 * request time, so the real bill can only be lower.
 */
import type { Offer } from '../market/protocol.js';
import type { BudgetView } from '../controller/observation.js';
import { committedCost, leaseCost, minimumLeaseCost } from './cost.js';
import type { BilledLease } from './cost.js';
import { ThresholdTracker } from './thresholds.js';
import type { ThresholdCrossing } from './thresholds.js';

export type { ThresholdCrossing } from './thresholds.js';

/** A pair of caps; an omitted cap is unlimited. */
export interface BudgetCaps {
  /** Cap on the summed hourly price of live leases. */
  maxPerHour?: number;
  /** Cap on committed spend. */
  total?: number;
}

/** Result of {@link BudgetLedger.reserve}. */
export type ReserveResult = { ok: true } | { ok: false; reason: 'maxPerHour' | 'total'; cap: 'global' | 'workload' };

/** Figures a marketplace reported about a lease (each optional; see {@link BudgetLedger.observe}). */
export interface LeaseReport {
  pricePerHour?: number | undefined;
  billedSec?: number | undefined;
  cost?: number | undefined;
  billingIncrementSec?: number | undefined;
  minLeaseSec?: number | undefined;
}

/** Spend figures of one scope (global or a workload). */
export interface SpendSnapshot {
  /** Cost of the time leases have run so far (ended leases at their final cost). */
  spent: number;
  /** Spent plus what live leases must still pay. */
  committed: number;
  /** Summed hourly price of live leases. */
  hourlyRate: number;
  total?: number;
  maxPerHour?: number;
  /** `total - committed`, never negative; present when a total cap is set. */
  remaining?: number;
  /** When committed reaches `total` at the current rate (ms); null: never. Present with a total cap. */
  forecastExhaustedAt?: number | null;
}

/** {@link BudgetLedger.snapshot} result. */
export interface BudgetSnapshot extends SpendSnapshot {
  byWorkload: Record<string, SpendSnapshot>;
}

interface Usage {
  hourlyRate: number;
  committed: number;
  spent: number;
}

interface LedgerLease extends BilledLease {
  workload: string;
  leaseId: string | undefined;
  active: boolean;
  serverCost: number;
}

/**
 * What the lease manager, the control loop and `metrics()` need from a ledger. The
 * single-process {@link BudgetLedger} is one; a replica group's Redis-backed ledger
 * (src/coordination/) is the other, chosen by config.
 */
export interface Ledger {
  /** Declare or change a workload's nested caps. */
  setWorkloadCaps(workload: string, caps: BudgetCaps): void;
  /** Reserve a lease's minimum cost before it is requested (see {@link BudgetLedger.reserve}). */
  reserve(workload: string, leaseKey: string, offer: Offer, now: number): ReserveResult;
  /**
   * Resolves once a reservation is confirmed where the budget is kept; false: refused
   * there, and the lease must not be requested. Absent: `reserve()` is final.
   */
  confirm?(leaseKey: string): Promise<boolean>;
  /** The marketplace created the lease. */
  activate(leaseKey: string, leaseId?: string): boolean;
  /** Creation failed for good: the reservation is freed. */
  cancel(leaseKey: string): boolean;
  /** A cost the marketplace reported for a live lease; the larger estimate wins. */
  observeServerCost(leaseKey: string, cost: number): void;
  /** What the marketplace reported about a live lease; each figure can only raise what it counts. */
  observe(leaseKey: string, report: LeaseReport): void;
  /** Count a lease that exists whether or not the caps allow it (it bills anyway). */
  adopt(workload: string, leaseKey: string, offer: Offer, requestedAt: number, leaseId: string): void;
  /** The lease ended at `now`; returns its final cost. */
  end(leaseKey: string, now: number, serverCost?: number): number;
  /** Whether `leaseKey` is reserved or live. */
  has(leaseKey: string): boolean;
  /** Spend, commitments, rate and forecasts, globally and per workload. */
  snapshot(now: number): BudgetSnapshot;
  /** The budget as the planner reads it. */
  view(now: number): BudgetView;
  /** Cap levels crossed since the last call. */
  thresholdsCrossed(now: number): ThresholdCrossing[];
}

// Caps are compared with a little slack so that float sums of exact prices fit.
const SLACK = 1e-9;

/** Tracks reservations, live leases and accrued spend against nested caps. */
export class BudgetLedger implements Ledger {
  readonly #global: BudgetCaps;
  readonly #workloadCaps = new Map<string, BudgetCaps>();
  readonly #leases = new Map<string, LedgerLease>();
  /** Final cost of ended leases, per workload. */
  readonly #ended = new Map<string, number>();
  readonly #thresholds = new ThresholdTracker();

  /** @param global caps over every workload. @param workloads nested caps per workload. */
  constructor(global: BudgetCaps = {}, workloads: Readonly<Record<string, BudgetCaps>> = {}) {
    this.#global = { ...global };
    for (const [name, caps] of Object.entries(workloads)) this.setWorkloadCaps(name, caps);
  }

  /** Declare or change a workload's nested caps. */
  setWorkloadCaps(workload: string, caps: BudgetCaps): void {
    this.#workloadCaps.set(workload, { ...caps });
  }

  /**
   * Reserve a lease before it is requested: its minimum cost against `total`, its
   * hourly price against `maxPerHour`, globally and for the workload. Reserving a key
   * that is already held succeeds without counting it twice (retries are safe).
   */
  reserve(workload: string, leaseKey: string, offer: Offer, now: number): ReserveResult {
    if (this.#leases.has(leaseKey)) return { ok: true };
    const minimum = minimumLeaseCost(offer);
    const scopes: Array<['global' | 'workload', BudgetCaps, string | undefined]> = [
      ['global', this.#global, undefined],
      ['workload', this.#workloadCaps.get(workload) ?? {}, workload],
    ];
    // Usage sums every lease: only worth it for a scope with a cap (the simulator's baselines rent thousands uncapped).
    const usage = scopes.map(([, caps, scope]) => (caps.maxPerHour === undefined && caps.total === undefined ? undefined : this.#usage(scope, now)));
    for (const [i, [cap, caps]] of scopes.entries()) {
      if (caps.maxPerHour !== undefined && usage[i]!.hourlyRate + offer.pricePerHour > caps.maxPerHour + SLACK) {
        return { ok: false, reason: 'maxPerHour', cap };
      }
    }
    for (const [i, [cap, caps]] of scopes.entries()) {
      if (caps.total !== undefined && usage[i]!.committed + minimum > caps.total + SLACK) {
        return { ok: false, reason: 'total', cap };
      }
    }
    this.#leases.set(leaseKey, {
      workload,
      leaseId: undefined,
      active: false,
      serverCost: 0,
      pricePerHour: offer.pricePerHour,
      requestedAt: now,
      billingIncrementSec: offer.billingIncrementSec,
      minLeaseSec: offer.minLeaseSec,
    });
    return { ok: true };
  }

  /** The marketplace created the lease. Returns false for an unknown key. */
  activate(leaseKey: string, leaseId?: string): boolean {
    const lease = this.#leases.get(leaseKey);
    if (lease === undefined) return false;
    lease.active = true;
    if (leaseId !== undefined) lease.leaseId = leaseId;
    return true;
  }

  /** Creation failed for good: the reservation is freed. Returns false for an unknown key. */
  cancel(leaseKey: string): boolean {
    return this.#leases.delete(leaseKey);
  }

  /** A cost the marketplace reported for a live lease; the larger estimate wins. */
  observeServerCost(leaseKey: string, cost: number): void {
    this.observe(leaseKey, { cost });
  }

  /**
   * What the marketplace reported about a live lease. Each figure can only raise
   * what the lease counts: a higher price or coarser billing terms replace the
   * offer's (for the time already run too), and the reported `cost` or `billedSec`
   * x price counts when above our own accrual. A report below ours lowers nothing.
   */
  observe(leaseKey: string, report: LeaseReport): void {
    const lease = this.#leases.get(leaseKey);
    if (lease === undefined) return;
    if (report.pricePerHour !== undefined && report.pricePerHour > lease.pricePerHour) lease.pricePerHour = report.pricePerHour;
    if (report.billingIncrementSec !== undefined && report.billingIncrementSec > lease.billingIncrementSec) lease.billingIncrementSec = report.billingIncrementSec;
    if (report.minLeaseSec !== undefined && report.minLeaseSec > lease.minLeaseSec) lease.minLeaseSec = report.minLeaseSec;
    const billed = leaseCost(lease.pricePerHour, report.billedSec ?? 0);
    lease.serverCost = Math.max(lease.serverCost, report.cost ?? 0, billed);
  }

  /**
   * Count a lease that exists whether or not the caps allow it (a duplicate the
   * marketplace created for one of our requests): no cap check, it bills anyway.
   */
  adopt(workload: string, leaseKey: string, offer: Offer, requestedAt: number, leaseId: string): void {
    if (this.#leases.has(leaseKey)) return;
    this.#leases.set(leaseKey, {
      workload,
      leaseId,
      active: true,
      serverCost: 0,
      pricePerHour: offer.pricePerHour,
      requestedAt,
      billingIncrementSec: offer.billingIncrementSec,
      minLeaseSec: offer.minLeaseSec,
    });
  }

  /**
   * The lease ended at `now`: its final cost is the larger of the local billing
   * estimate and what the marketplace reported. Returns that cost (0 for an unknown key).
   */
  end(leaseKey: string, now: number, serverCost?: number): number {
    const lease = this.#leases.get(leaseKey);
    if (lease === undefined) return 0;
    this.#leases.delete(leaseKey);
    const cost = Math.max(committedCost(lease, now), lease.serverCost, serverCost ?? 0);
    this.#ended.set(lease.workload, (this.#ended.get(lease.workload) ?? 0) + cost);
    return cost;
  }

  /** Whether `leaseKey` is reserved or live. */
  has(leaseKey: string): boolean {
    return this.#leases.has(leaseKey);
  }

  /** Spend, commitments, rate and forecasts, globally and per workload. */
  snapshot(now: number): BudgetSnapshot {
    const byWorkload: Record<string, SpendSnapshot> = {};
    for (const name of this.#workloadNames()) byWorkload[name] = this.#scopeSnapshot(name, now);
    return { ...this.#scopeSnapshot(undefined, now), byWorkload };
  }

  /** The budget as the planner reads it. */
  view(now: number): BudgetView {
    const workloads: Record<string, BudgetView['workloads'][string]> = {};
    for (const name of this.#workloadNames()) {
      const { hourlyRate, committed } = this.#usage(name, now);
      workloads[name] = { ...this.#workloadCaps.get(name), hourlyRate, committed };
    }
    const { hourlyRate, committed } = this.#usage(undefined, now);
    return { maxPerHour: this.#global.maxPerHour, total: this.#global.total, hourlyRate, committed, workloads };
  }

  /**
   * Caps that crossed 50 %, 80 % or 100 % since the last call, each reported once
   * (a level is armed again only after its value fell clearly below it). A level
   * fires when committed spend (`total`) or the hourly rate (`maxPerHour`) reaches
   * it, never earlier: see thresholds.ts.
   */
  thresholdsCrossed(now: number): ThresholdCrossing[] {
    const scopes: Array<[string | undefined, BudgetCaps]> = [[undefined, this.#global]];
    for (const name of this.#workloadNames()) scopes.push([name, this.#workloadCaps.get(name) ?? {}]);
    return scopes.flatMap(([scope, caps]) => this.#thresholds.check(scope, caps, this.#usage(scope, now)));
  }

  #workloadNames(): string[] {
    const names = new Set<string>(this.#workloadCaps.keys());
    for (const lease of this.#leases.values()) names.add(lease.workload);
    for (const name of this.#ended.keys()) names.add(name);
    return [...names].sort();
  }

  /** Rate, commitment and spend of live and ended leases in one scope (`undefined`: global). */
  #usage(scope: string | undefined, now: number): Usage {
    let ended = 0;
    for (const [name, cost] of this.#ended) if (scope === undefined || name === scope) ended += cost;
    const usage: Usage = { hourlyRate: 0, committed: ended, spent: ended };
    for (const l of this.#leases.values()) {
      if (scope !== undefined && l.workload !== scope) continue;
      usage.hourlyRate += l.pricePerHour;
      usage.committed += Math.max(committedCost(l, now), l.serverCost);
      usage.spent += Math.max(leaseCost(l.pricePerHour, Math.max(0, now - l.requestedAt) / 1000), l.serverCost);
    }
    return usage;
  }

  #scopeSnapshot(scope: string | undefined, now: number): SpendSnapshot {
    const caps = scope === undefined ? this.#global : (this.#workloadCaps.get(scope) ?? {});
    const { spent, committed, hourlyRate } = this.#usage(scope, now);
    const snap: SpendSnapshot = { spent, committed, hourlyRate };
    if (caps.maxPerHour !== undefined) snap.maxPerHour = caps.maxPerHour;
    if (caps.total !== undefined) {
      snap.total = caps.total;
      snap.remaining = Math.max(0, caps.total - committed);
      snap.forecastExhaustedAt = forecast(caps.total, committed, hourlyRate, now);
    }
    return snap;
  }
}

/**
 * When committed spend reaches `total` if the current rate goes on (ms; null: never). Committed already
 * holds the paid rest of each increment, so this errs early by at most an increment.
 */
export function forecast(total: number, committed: number, hourlyRate: number, now: number): number | null {
  if (committed >= total) return now;
  if (hourlyRate <= 0) return null;
  return now + ((total - committed) / hourlyRate) * 3_600_000;
}
