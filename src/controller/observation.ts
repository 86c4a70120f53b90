/**
 * What the planner sees and what it returns. Plain data only: the loop builds an
 * {@link Observation} from the live parts (or the simulator from its model), and
 * executes the {@link Decision}.
 */
import type { Offer } from '../market/protocol.js';
import type { DesiredSample } from './stabilization.js';
import type { SwapInProgress } from './rebalance.js';
import type { RateSample } from './trend.js';
import type { ForecastRecord } from './forecast.js';
import type { PlanReason } from './reason.js';
import type { WarmMemory } from './steps/keep-warm.js';
import type { AttainmentCounts } from '../metrics/attainment-window.js';

/** Runtime node states (the SDK's view of a lease). */
export type NodeState = 'requested' | 'provisioning' | 'ready' | 'draining';

/** One live lease as the planner sees it. */
export interface NodeView {
  /** Lease id (or a local id while the creation request is in flight). */
  id: string;
  state: NodeState;
  /** Tasks running on it now. */
  inFlight: number;
  /**
   * How long its oldest running task has been running, ms (0 with none). Absent:
   * not known. With heavy-tailed tasks, a task that has run long is likely to run
   * much longer, and keeps its node paid for until it ends.
   */
  oldestTaskMs?: number;
  /** Hourly price of this lease. */
  pricePerHour: number;
  /** When the lease was requested (ms, clock time). Billing is assumed to start here. */
  requestedAt: number;
  /** Billing increment of its offer, seconds. */
  billingIncrementSec: number;
  /** Minimum lease of its offer, seconds. */
  minLeaseSec: number;
  /** Whether the offer is interruptible (spot). */
  interruptible: boolean;
}

/** Planner memory carried from one decision to the next observation (the planner keeps no state). */
export interface PlannerMemory {
  /** Since when (ms) demand has been below the current node count; null when it is not. */
  lowDemandSince: number | null;
  /**
   * Desired counts of the last `scaleDownDelayMs`, as a monotonic sliding-window
   * maximum: the count never falls below the highest of them (downscale stabilisation).
   */
  recentDesired: readonly DesiredSample[];
  /** Until when (ms) interruptible offers are avoided after a preemption. */
  avoidSpotUntil: number;
  /** Recent long-window arrival rates, for the trend (predictive scale-up). */
  rates?: readonly RateSample[];
  /**
   * Since when (ms) the long window has held arrivals without a break: it holds a whole
   * minute of them, and its rate means something, only a minute after that.
   */
  arrivingSince?: number;
  /**
   * When the long window was last seen empty (ms): then `arrivingSince` is when this
   * streak of arrivals really began. Absent: never seen empty, and arrivals may have
   * been coming since before the planner's first tick.
   */
  quietAt?: number;
  /** A move onto a cheaper offer under way (see rebalance.ts). */
  swap?: SwapInProgress;
  /** The rate forecasts in flight and how wrong past ones were (see forecast.ts). */
  forecast?: ForecastRecord;
  /** Busy spells, for keeping nodes warm through quiet ones (steps/keep-warm.ts). */
  warm?: WarmMemory;
}

/** Shares the service-time spread is given in (see `serviceTimeSpreadMs`): 5 % each. */
export const SERVICE_SPREAD_POINTS = 20;

/**
 * The quantile `serviceTimeTailMs` reads unless the workload's `sloTarget` says
 * otherwise: all but the slowest 1 % of tasks, the miss budget the planner's queueing
 * model spends at the default SLO (slo.ts).
 */
export const SERVICE_TAIL_QUANTILE = 0.99;

/** The starting memory of a workload. */
export const INITIAL_MEMORY: PlannerMemory = { lowDemandSince: null, recentDesired: [], avoidSpotUntil: 0 };

/** One workload's state at a tick. */
export interface WorkloadObservation {
  /** Workload name. */
  name: string;
  /** Tasks waiting for a node slot. */
  queued: number;
  /** Tasks sent to nodes and not yet answered. */
  inFlight: number;
  /** Arrivals per second over the short (panic) window. */
  arrivalRateShort: number;
  /** Arrivals per second over the long (stable) window. */
  arrivalRateLong: number;
  /**
   * Index of dispersion of the long window's per-second arrival counts (variance over
   * mean): about 1 for Poisson arrivals, more for bursty ones (metrics/rate-meter.ts).
   * Undefined: not measured (no arrival in the window, or a source that does not count it).
   */
  arrivalDispersion?: number | undefined;
  /**
   * Tasks a second the fleet finished over the long window (attempts that ended, done
   * or failed): what its slots got through, which long tasks holding them keep below
   * their count over the mean service time. Absent: not counted.
   */
  completionRateLong?: number | undefined;
  /**
   * How long arrivals have been counted, ms. Until it covers the long window, the
   * long rate reads low and rises by itself, which is no trend. Absent: long enough.
   */
  observedForMs?: number | undefined;
  /** Mean node service time per task in ms; undefined before the first completion. */
  serviceTimeMs: number | undefined;
  /**
   * Recent service times at the middle of {@link SERVICE_SPREAD_POINTS} equal shares,
   * ascending, ms: a task may wait what the latency target leaves after its own
   * service, so the planner weighs waits against each share. Absent: the mean
   * stands in for every task.
   */
  serviceTimeSpreadMs?: readonly number[] | undefined;
  /**
   * The recent service time only the slowest 1 % of tasks exceed
   * ({@link SERVICE_TAIL_QUANTILE}), ms; absent until a few hundred tasks were measured.
   */
  serviceTimeTailMs?: number | undefined;
  /** Age in ms of the oldest queued task (0 when none). */
  oldestQueuedMs: number;
  /** Arrivals counted so far (absent: not counted; then nothing is kept warm). */
  arrivalCount?: number | undefined;
  /** Clock time of the latest arrival, ms. */
  lastArrivalAt?: number | undefined;
  /** Recent quiet spells between arrivals (6 s or more), oldest first, ms. */
  idleSpellsMs?: readonly number[] | undefined;
  /** Expected ms from lease request to a node taking tasks. */
  coldStartMs: number;
  /**
   * Requests completed over the last hour and how many missed `latencyTargetMs`
   * (metrics/attainment-window.ts): the measured miss budget the planner spends
   * (steps/miss-budget.ts). Absent: not measured; the planner plans at `sloTarget`.
   */
  sloWindow?: AttainmentCounts | undefined;
  /** Live leases of this workload. */
  nodes: readonly NodeView[];
  /** Paused workloads scale to zero and take no new work. */
  paused: boolean;
  /**
   * When a spot node of this workload was last preempted (clock time, ms; absent:
   * never). The planner avoids spot for `spotCooloffMs` after it.
   */
  preemptedAt?: number | undefined;
  /** Memory returned by the previous decision. */
  memory: PlannerMemory;
  /**
   * Offer ids not to rent for this workload now (its nodes failed to start on them:
   * start-failures.ts). Absent: none.
   */
  avoidOffers?: readonly string[];
}

/** Budget as the planner sees it. Amounts in the budget currency. */
export interface BudgetView {
  /** Cap on the summed hourly price of live leases (undefined: none). */
  maxPerHour: number | undefined;
  /** Cap on committed spend (undefined: none). */
  total: number | undefined;
  /** Summed hourly price of all live leases now. */
  hourlyRate: number;
  /** Accrued + what live leases still must pay. */
  committed: number;
  /** Per-workload caps and usage, nested inside the global caps. */
  workloads: Readonly<Record<string, { maxPerHour?: number; total?: number; hourlyRate: number; committed: number }>>;
  /**
   * Seconds of its own cost a new lease must fit under `total` where the budget is kept,
   * when that is more than its billing terms ask (a replica group commits each lease
   * through a failover, coordination/group-ledger.ts). The planner's affordability and
   * exhaustion tests count at least this much, so that it never plans a lease the
   * ledger refuses, tick after tick, while queued work waits. Absent: 0.
   */
  newLeaseMinSec?: number;
}

/** Scaling policy fields the planner reads (a subset of the workload config). */
export interface PlannerPolicy {
  minNodes: number;
  maxNodes: number;
  latencyTargetMs: number;
  /** Share of requests that must finish within `latencyTargetMs` (slo.ts). @default 0.99 */
  sloTarget?: number;
  concurrencyPerNode: number;
  scaleDownDelayMs: number;
  /**
   * Longest the planner keeps nodes warm through a quiet spell it cannot predict
   * (steps/keep-warm.ts), ms; 0: never keeps nodes warm. Absent: 20 minutes before
   * traffic has come back once, then until it returns.
   */
  keepAliveMs?: number;
  maxPricePerHour?: number;
  /** After a preemption, offers that are not spot are preferred for this long, ms. @default 0 */
  spotCooloffMs?: number;
  gpu: { model: readonly string[]; count: number; minMemoryGb?: number; interruptible: 'allow' | 'never' | 'only' };
}

/** Everything the planner needs for one tick. */
export interface Observation {
  /** Clock time of the tick (ms). The planner reads time only from here. */
  now: number;
  /** Controller tick period in ms (used as the look-ahead horizon). */
  tickMs: number;
  workloads: readonly WorkloadObservation[];
}

/** A lease to request. */
export interface LeaseRequest {
  offer: Offer;
  /** Minimum cost reserved in the ledger before the request is sent. */
  reserve: number;
  /**
   * Offers to request instead, in rank order, should `offer` be refused as gone or
   * full: eligible and affordable in its place when planned (steps/rent.ts). The
   * lease manager moves on to them at once, without waiting for the next tick.
   */
  fallbacks?: Offer[];
}

/** The plan for one workload. */
export interface WorkloadDecision {
  name: string;
  /** Node count the planner wants (after min/max and budget). */
  desired: number;
  /** Leases to request now. */
  add: LeaseRequest[];
  /** Nodes to stop giving tasks to (released once idle). */
  drain: string[];
  /** Nodes to release at once (idle draining nodes, budget emergencies). */
  release: string[];
  /**
   * Draining nodes to take back into service: they take tasks again at once, before
   * any lease is rented (one still finishing a long task is paid for either way).
   */
  restore: string[];
  /** Why, as data; the `scale` event carries it and its one-line rendering (reason-text.ts). */
  reason: PlanReason;
  /** The budget stopped capacity the workload needs. */
  budgetBlocked: boolean;
  /** No lease can ever be afforded again under the total cap: queued work cannot run. */
  budgetExhausted: boolean;
  /** Memory for the next observation. */
  memory: PlannerMemory;
  /**
   * Clock time the planner wants to look again even if nothing changes (a pre-warm due);
   * the live loop ticks anyway, the simulator may sleep until then.
   */
  wakeAt?: number | undefined;
}

/** The planner's output for one tick. */
export interface Decision {
  workloads: WorkloadDecision[];
}
