/**
 * `compute.metrics()`: one plain, JSON-safe object describing queues, nodes,
 * latency, spend and the marketplace's health at a point in time.
 */
import type { Ledger } from '../budget/ledger.js';
import type { CoordinationMetrics } from '../coordination/replica.js';
import type { NodeState } from '../controller/observation.js';
import type { LeaseManager, UnconfirmedRelease } from '../leases/lease-manager.js';
import { UNCONFIRMED_WARN_MS } from '../leases/lease-release.js';
import type { Marketplace } from '../market/marketplace.js';
import type { WorkloadRuntime } from '../workload.js';
import type { LatencySummary } from './latency-window.js';
import { DEFAULT_SLO_TARGET, missBudgetOf, windowAttainment, type MissBudget } from '../controller/slo.js';

/** Node counts by runtime state. */
export type NodeCounts = Record<NodeState, number>;

/** One workload's numbers. */
export interface WorkloadMetrics {
  queued: number;
  running: number;
  paused: boolean;
  completed: number;
  failed: number;
  nodes: NodeCounts;
  /** End-to-end latency (queue wait + service) of recent successful tasks. */
  latencyMs: LatencySummary;
  /** The SLO as measured over the last hour: what the planner spends its miss budget on. */
  slo: SloMetrics;
  /** Mean node service time per task, ms (null before the first completion). */
  serviceTimeMs: number | null;
  /** Arrivals per second over the last 60 s. */
  arrivalRate: number;
  /** The last planner decision. */
  lastDecision: { at: number; desired: number; reason: string } | null;
}

/**
 * A workload's SLO over the rolling window the planner spends its miss budget over
 * (the last hour, counted in one-minute buckets): `sloTarget` of requests must
 * finish within `latencyTargetMs` (queue wait + service). Successful tasks count,
 * when they complete; failed ones are in `failed`.
 */
export interface SloMetrics {
  latencyTargetMs: number;
  sloTarget: number;
  /** The window's length, ms. */
  windowMs: number;
  /** Tasks completed within the window. */
  requests: number;
  /** Share of them within `latencyTargetMs` (null before the first). */
  attainment: number | null;
  /** In requests: misses the window allows, misses so far, and misses left (negative: SLO missed). */
  missBudget: MissBudget;
}

/** Budget numbers (amounts in `currency`). */
export interface BudgetMetrics {
  currency: string;
  /** Cost of billed time of leases already ended plus accrued on live ones. */
  spent: number;
  /** Spent + what live leases still must pay at minimum. */
  committed: number;
  /** Summed hourly price of live leases. */
  hourlyRate: number;
  maxPerHour: number | null;
  total: number | null;
  /** total - committed, or null without a total cap. */
  remaining: number | null;
  /** Clock ms when committed spend reaches `total` at today's rate (null: never / no cap). */
  forecastExhaustedAt: number | null;
}

/** What `compute.metrics()` returns. */
export interface MetricsSnapshot {
  at: number;
  workloads: Record<string, WorkloadMetrics>;
  nodes: NodeCounts;
  /** `offersGone`: lease requests refused because their offer was gone or full (each moved on to the next offer). */
  leases: { live: number; ended: number; offersGone: number };
  budget: BudgetMetrics;
  marketplace: MarketplaceMetrics;
  /** Present when the runtime is a replica of a group (`coordination` option). */
  coordination?: CoordinationMetrics;
}

/** How the marketplace behaves as seen from here. */
export interface MarketplaceMetrics {
  /** Calls are failing, or a release is unconfirmed for 5 s or more. */
  degraded: boolean;
  consecutiveFailures: number;
  lastError: string | null;
  /** Leases asked to end and not reported ended yet: still counted as billing. */
  unconfirmedReleases: UnconfirmedRelease[];
  /** Per provider, when the marketplace is `combineMarketplaces([...])`: health, offers last listed, live leases. */
  providers?: Record<string, ProviderMetrics>;
}

/** One provider of a combined marketplace, in `metrics().marketplace.providers`. */
export interface ProviderMetrics {
  /** Its last call failed, or it did not answer the last offer listing in time. */
  degraded: boolean;
  /** Offers it gave in its last answered listing. */
  offers: number;
  /** Leases on it not known to have ended. */
  leases: number;
}

/** Inputs of {@link buildSnapshot}. */
export interface SnapshotSources {
  now: number;
  runtimes: Iterable<WorkloadRuntime>;
  leases: LeaseManager;
  ledger: Ledger;
  currency: string;
  market: Marketplace;
  /** Orphaned leases (an earlier process's) asked to end and not confirmed ended. */
  orphans?: UnconfirmedRelease[];
}

const emptyCounts = (): NodeCounts => ({ requested: 0, provisioning: 0, ready: 0, draining: 0 });

/** Assemble the snapshot from the live parts. */
export function buildSnapshot(src: SnapshotSources): MetricsSnapshot {
  const workloads: Record<string, WorkloadMetrics> = {};
  const nodes = emptyCounts();
  for (const runtime of src.runtimes) {
    const counts = emptyCounts();
    for (const node of src.leases.nodesOf(runtime.name)) {
      counts[node.state]++;
      nodes[node.state]++;
    }
    workloads[runtime.name] = {
      queued: runtime.queue.size,
      running: runtime.queue.running,
      paused: runtime.paused !== false,
      completed: runtime.completed,
      failed: runtime.failed,
      nodes: counts,
      latencyMs: runtime.latency.summary(),
      slo: sloMetrics(runtime, src.now),
      serviceTimeMs: runtime.serviceTime.value ?? null,
      arrivalRate: runtime.arrivals.rate(src.now, 60),
      lastDecision: runtime.lastDecision ?? null,
    };
  }
  let live = 0;
  let ended = 0;
  for (const record of src.leases.all()) {
    if (['released', 'failed', 'preempted'].includes(record.state)) ended++;
    else live++;
  }
  const b = src.ledger.snapshot(src.now);
  const unconfirmedReleases = [...src.leases.unconfirmed(src.now), ...(src.orphans ?? [])];
  const health = (src.market as { health?: { degraded: boolean; consecutiveFailures: number; lastError?: string; providers?: Record<string, ProviderMetrics> } }).health;
  return {
    at: src.now,
    workloads,
    nodes,
    leases: { live, ended, offersGone: src.leases.offersGone },
    budget: {
      currency: src.currency,
      spent: b.spent,
      committed: b.committed,
      hourlyRate: b.hourlyRate,
      maxPerHour: b.maxPerHour ?? null,
      total: b.total ?? null,
      remaining: b.remaining ?? null,
      forecastExhaustedAt: b.forecastExhaustedAt ?? null,
    },
    marketplace: {
      degraded: (health?.degraded ?? false) || unconfirmedReleases.some((l) => l.unconfirmedMs >= UNCONFIRMED_WARN_MS),
      unconfirmedReleases,
      consecutiveFailures: health?.consecutiveFailures ?? 0,
      lastError: health?.lastError ?? null,
      ...(health?.providers ? { providers: health.providers } : {}),
    },
  };
}

function sloMetrics(runtime: WorkloadRuntime, now: number): SloMetrics {
  const { requests, misses, windowMs } = runtime.attainment.counts(now);
  const sloTarget = runtime.policy.sloTarget ?? DEFAULT_SLO_TARGET;
  return {
    latencyTargetMs: runtime.attainment.latencyTargetMs,
    sloTarget,
    windowMs,
    requests,
    attainment: requests === 0 ? null : windowAttainment(requests, misses),
    missBudget: missBudgetOf(requests, misses, sloTarget),
  };
}
