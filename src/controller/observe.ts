/**
 * One way to see a workload, for the live loop and the simulator alike: each gives
 * an {@link ObservationSource} over its own state (the runtime's queue and meters,
 * or the simulated cluster), and {@link observe} turns it into what the planner
 * reads. The windows, the service-time statistics and the cold-start fallback are
 * decided here once.
 */
import type { Offer } from '../market/protocol.js';
import type { AttainmentCounts } from '../metrics/attainment-window.js';
import type { NodeView, PlannerMemory, WorkloadObservation } from './observation.js';
import { SERVICE_SPREAD_POINTS, SERVICE_TAIL_QUANTILE } from './observation.js';

/** The short (burst) arrival window, seconds. */
export const SHORT_WINDOW_SEC = 6;
/** The long (stable) arrival window, seconds. */
export const LONG_WINDOW_SEC = 60;
/** Cold start assumed before any node was seen starting, with no offer to ask: 30 s. */
export const DEFAULT_COLD_START_MS = 30_000;

/** Recent service times as a rolling window keeps them (the runtime's and the simulator's `RollingMean`). */
export interface ServiceTimeStats {
  readonly value: number | undefined;
  spread(points: number): readonly number[] | undefined;
  quantile(q: number): number | undefined;
}

/** What a workload's state offers the observer: the live runtime and the simulated cluster each give one. */
export interface ObservationSource {
  readonly name: string;
  /** Tasks waiting for a slot. */
  readonly queued: number;
  /** Tasks on nodes. */
  readonly inFlight: number;
  /** Arrivals per second over the last `windowSec` seconds at `now`. */
  arrivalRate(now: number, windowSec: number): number;
  /** Index of dispersion of the per-second arrival counts over the last `windowSec` seconds (absent: not counted). */
  arrivalDispersion?(now: number, windowSec: number): number | undefined;
  /** Task attempts that ended (done or failed) per second over the last `windowSec` seconds at `now` (absent: not counted). */
  completionRate?(now: number, windowSec: number): number;
  /** Clock time arrivals are counted from. */
  readonly countingSince: number;
  readonly serviceTime: ServiceTimeStats;
  /** Arrival time of the oldest waiting task. */
  oldestQueuedAt(): number | undefined;
  /** Measured cold start (request to ready), ms; undefined before any node was ready. */
  readonly coldStartSeenMs: number | undefined;
  /** Offers to take a cold start from before one was measured. */
  readonly gpuModels: readonly string[];
  offers(): readonly Offer[];
  /** Live leases as the planner sees them. */
  nodes(now: number): NodeView[];
  readonly paused: boolean;
  /** When a spot node was last preempted (undefined: never). */
  readonly preemptedAt: number | undefined;
  /** Arrival count, last arrival and quiet spells (metrics/idle-spells.ts). */
  readonly spells?: { readonly count: number; readonly lastAt: number | undefined; spells(): readonly number[] } | undefined;
  /** Completions and misses of the latency target over the last hour (metrics/attainment-window.ts). */
  readonly attainment?: { counts(now: number): AttainmentCounts } | undefined;
  /** The workload's SLO share (slo.ts): the service-time tail is read at it. */
  readonly sloTarget?: number | undefined;
  readonly memory: PlannerMemory;
}

/** The planner's view of one workload at `now`. */
export function observe(source: ObservationSource, now: number): WorkloadObservation {
  const oldest = source.oldestQueuedAt();
  const st = source.serviceTime;
  return {
    name: source.name,
    queued: source.queued,
    inFlight: source.inFlight,
    arrivalRateShort: source.arrivalRate(now, SHORT_WINDOW_SEC),
    arrivalRateLong: source.arrivalRate(now, LONG_WINDOW_SEC),
    arrivalDispersion: source.arrivalDispersion?.(now, LONG_WINDOW_SEC),
    completionRateLong: source.completionRate?.(now, LONG_WINDOW_SEC),
    observedForMs: now - source.countingSince,
    serviceTimeMs: st.value,
    serviceTimeSpreadMs: st.spread(SERVICE_SPREAD_POINTS),
    serviceTimeTailMs: st.quantile(source.sloTarget ?? SERVICE_TAIL_QUANTILE),
    oldestQueuedMs: oldest === undefined ? 0 : now - oldest,
    arrivalCount: source.spells?.count,
    lastArrivalAt: source.spells?.lastAt,
    idleSpellsMs: source.spells?.spells(),
    coldStartMs: coldStartEstimate(source.coldStartSeenMs, source.offers(), source.gpuModels),
    sloWindow: source.attainment?.counts(now),
    nodes: source.nodes(now),
    paused: source.paused,
    preemptedAt: source.preemptedAt,
    memory: source.memory,
  };
}

/**
 * The cold start to plan with: the measured one, else what the first offer of a
 * wanted GPU model states, else {@link DEFAULT_COLD_START_MS}.
 */
export function coldStartEstimate(seenMs: number | undefined, offers: readonly Offer[], models: readonly string[]): number {
  if (seenMs !== undefined) return seenMs;
  const offer = offers.find((o) => models.includes(o.gpu.model));
  return offer ? offer.coldStartSec * 1000 : DEFAULT_COLD_START_MS;
}
