/**
 * Whether a rent asked for by a fleet that is all up is backed by evidence, or is
 * within the noise of the estimates that asked for it. Pure.
 *
 * On a steady stream near a whole number of nodes, the estimated load crosses the
 * M/M/k threshold for one more node at every noise peak: the long window's rate
 * carries the Poisson noise of its count (about 9 % at 2 requests a second), and the
 * trend read over two minutes and carried forward a cold start is mostly noise at
 * that rate. Each crossing rents a node that is paid for its whole cold start and is
 * given back as it arrives. A fixed fleet sized to the mean with hindsight pays none
 * of that.
 *
 * So a fleet whose nodes are all ready keeps its size, and the rent waits for the
 * next tick, while both of these hold:
 * - the load the planner cannot rule out yet is carried: the long-window rate less
 *   {@link EVIDENCE_SIGMAS} standard deviations of its count, plus the trend read over
 *   the last ten minutes less as many of its standard errors (trend.ts
 *   `slopeNoise`), carried forward as the planner carries its trend, needs no more
 *   slots than the fleet has by the M/M/k tail at the planned miss share. At the
 *   bottom of a trough the ten-minute line is flat just as the rate turns up, so the
 *   rise the parabola through the same ten minutes predicts over the reach, less
 *   {@link CURVE_SIGMAS} of its standard errors (trend.ts `curvedRise`), is carried
 *   when it is the larger (a 30 ± 18/s swing at a 180 s cold start held 95 of the
 *   96 rents asked for on the way out of its trough, and missed 6 % of its hour at a
 *   30 s target; with the parabola it meets 99.4 %). Both
 *   deviations are a Poisson count's stretched by the stream's measured burstiness:
 *   the variance of a count is its index of dispersion times its mean, so a stream
 *   that arrives in clumps swings further by chance (a ServeGen client at three times
 *   the Poisson variance, common for them, swings 1.7 times as far in a minute) and
 *   needs a larger rise to show one;
 * - the queue does not say otherwise. What the queue has waited is the longer of its
 *   oldest task's wait and what a task arriving now would wait behind the backlog
 *   (the tasks beyond the busy slots, over the fleet's slots). Up to
 *   {@link CALM_WAIT_SHARE} of the wait budget it is calm. Past the whole budget it
 *   rents, except on a steady stream (below) whose queue, growing as it does, still
 *   gets through within the target's own wait before a node rented at the next tick
 *   could serve: the steady budget keeps back a margin for what the forecast may get
 *   wrong over a cold start (up to half the wait), and a queue measured on a stream
 *   that shows no rise needs no forecast. In between, it holds only while the fleet
 *   works the backlog off, at the arrival rate of the last few seconds, within a cold
 *   start: at 85 to 90 % utilisation a queue of half the budget comes and goes by chance
 *   (service times vary, and arrivals cluster), and a node rented for it arrives a
 *   cold start later, after the queue has gone, to be given back. A queue the fleet
 *   does not work off by then is no chance: more work is coming than the fleet
 *   serves (the first sign of a rise, before the minute's rate shows it), or long
 *   tasks hold its slots (heavy-tailed service times, where the mean service time
 *   overstates what the slots get through). On a steady stream (one that clumps no
 *   more than {@link STEADY_MAX_DISPERSION}, and whose ten-minute trend shows no rise)
 *   the last few seconds of a queue of chance are the clump that made it, so they
 *   read high exactly when the test is asked (in the grid's steady Poisson hour, 3.2
 *   to 4.2/s against a stream of 2/s at each rent they let through). There the backlog
 *   is worked off against the lower of that rate and the ten-minute one
 *   (trend.ts `rateLevel`), which is the stream's rate to within a few per cent; a
 *   fleet near full load on such a stream (a fixed fleet sized to the mean runs at
 *   85 to 95 %) would otherwise rent at every such queue. A steady stream's queue
 *   that the fleet does not work off may still wait for the next tick while, growing
 *   by the ten-minute rate less what the fleet finished over the last minute, every
 *   task still gets through within the target before a node rented at the next tick
 *   could serve: the top of a slow daily curve runs a few per cent above a fleet for
 *   minutes, fills its queue far more slowly than a cold start brings a node, and
 *   passes before one would. What the fleet finished is measured, not its slots over
 *   the mean service time: long tasks holding the slots (heavy-tailed service times)
 *   keep it lower, and the queue grows and drains at that pace.
 *
 * A rise that is real shows on both soon enough: a rate above the fleet by more
 * than the noise, a trend that stands out over ten minutes, or a queue that waits
 * and does not drain.
 * Capacity on its way, a fleet below its floor, and a first node are not held back.
 */
import { slotsForLatency } from './mmk-tail.js';

/** Standard deviations of the rate (and standard errors of the trend) the evidence is read at. */
export const EVIDENCE_SIGMAS = 2;
/**
 * Standard errors of the parabola's predicted rise it is read at. On simulated Poisson
 * streams of 2, 10 and 50 requests a second, two read a rise (of 1 to 5 %) in 2 % of
 * ten-minute windows, three in 0.3 %; the test is asked every tick, so two would
 * rent on noise several times an hour.
 */
export const CURVE_SIGMAS = 3;
/** Share of the wait budget the queue may have waited and count as calm whatever the arrivals. */
export const CALM_WAIT_SHARE = 0.5;
/**
 * Index of dispersion up to which a stream counts as steady for the queue's drain
 * rate (see the module comment): Poisson is 1; ServeGen's clients read 1 to 4 in most
 * minutes and 10 to 40 in their bursts. A stream that clumps a little drains its
 * clumps as a Poisson one does (a single node at 80 % of a 2/s ServeGen stream that
 * reads 2.5 to 4 rented a second node five times in an hour for queues of 15 to 23
 * tasks, each paid a cold start and given back; the fixed node met every target);
 * at 10 (a grid hour at 180 s cold start fell to 97 %) the bursts are the load.
 */
export const STEADY_MAX_DISPERSION = 5;

/** What the evidence test reads. Rates per second, times in ms. */
export interface RentEvidenceInput {
  /** Live nodes, all ready. */
  nodes: number;
  slotsPerNode: number;
  /** The long-window rate and the span it was counted over (the part arrivals were seen in). */
  longRate: number;
  longWindowMs: number;
  /** The ten-minute trend (arrivals/s per ms), its standard error, and the share of the look-ahead it is carried over. */
  slope: number;
  slopeNoise: number;
  slopeSeen: number;
  /** How far ahead the trend is carried: to the time a node rented now would be serving, and half a window. */
  reachMs: number;
  serviceMs: number;
  /** Wait budgets per share of tasks (as the M/M/k tail takes them, stretched for bursty arrivals) and the planned miss share. */
  shareBudgetsMs: readonly number[];
  missShare: number;
  /**
   * Arrivals per second over the last few seconds (the short window, over the part of
   * it arrivals were seen in), and the cold start: whether the fleet works a queue off
   * before a node rented now could serve.
   */
  recentRate: number;
  coldStartMs: number;
  /**
   * The ten-minute rate, arrivals per second (trend.ts `rateLevel`); undefined until
   * the samples span long enough. Read for the drain only on a steady stream.
   */
  tenMinuteRate?: number | undefined;
  /**
   * Task attempts the fleet finished per second over the last minute (observation.ts
   * `completionRateLong`), what a task may wait within the latency target (the target
   * less the service time), and the tick: whether a steady stream's queue may grow
   * until a node rented at the next tick could serve. Without the first, it may not.
   */
  completionRate?: number | undefined;
  targetWaitMs?: number | undefined;
  tickMs?: number | undefined;
  /** What the oldest queued task has waited, the tasks waiting beyond the busy slots, and the steady wait budget. */
  oldestQueuedMs: number;
  backlog: number;
  waitBudgetMs: number;
  /**
   * The stream's index of dispersion (variance over mean of its per-second counts;
   * observation.ts `arrivalDispersion`). Undefined or below 1: Poisson.
   */
  dispersion?: number | undefined;
  /**
   * The rise, arrivals/s, the parabola through the ten minutes of samples predicts over
   * the reach, less {@link CURVE_SIGMAS} standard errors (trend.ts `curvedRise`); 0 or
   * undefined: none shown.
   */
  curvedRise?: number | undefined;
}

/** Why a rent was held back: the load the planner cannot rule out, and the slots it needs. */
export interface NoiseHold {
  lowLoad: number;
  slots: number;
}

/** The hold, or undefined when the rent is backed by evidence; see the module comment. */
export function rentWithinNoise(input: RentEvidenceInput): NoiseHold | undefined {
  const { nodes, slotsPerNode, longRate, longWindowMs, serviceMs } = input;
  if (nodes <= 0 || !(longWindowMs > 0)) return undefined;
  const have = nodes * slotsPerNode;
  const waitedMs = Math.max(input.oldestQueuedMs, (Math.max(0, input.backlog) * serviceMs) / have);
  const dispersion = input.dispersion !== undefined && input.dispersion > 1 ? input.dispersion : 1;
  const rising = slopeBeyondNoise(input.slope, input.slopeNoise, input.dispersion);
  const steadyStream = input.tenMinuteRate !== undefined && dispersion <= STEADY_MAX_DISPERSION && rising === 0;
  // What the fleet works a queue off against: on a steady stream, the lower of the last
  // few seconds and the ten-minute rate (see the module comment).
  const drainRate = Math.max(0, steadyStream ? Math.min(input.recentRate, input.tenMinuteRate!) : input.recentRate);
  if (!(waitedMs <= input.waitBudgetMs)) {
    if (!steadyStream || !(waitedMs <= (input.targetWaitMs ?? 0))) return undefined;
    if (!queueWaitsInTime(input, drainRate, have)) return undefined;
  } else if (!(waitedMs <= input.waitBudgetMs * CALM_WAIT_SHARE)) {
    const spareSlots = have - (drainRate / 1000) * serviceMs;
    const drainMs = (Math.max(0, input.backlog) * serviceMs) / spareSlots;
    const worksItOff = spareSlots > 0 && drainMs <= input.coldStartMs;
    if (!worksItOff && !(steadyStream && queueWaitsInTime(input, drainRate, have))) return undefined;
  }
  const windowSec = longWindowMs / 1000;
  const rate = Math.max(0, longRate - (EVIDENCE_SIGMAS * Math.sqrt(dispersion * Math.max(0, longRate) * windowSec)) / windowSec);
  const slope = rising * input.slopeSeen;
  const curve = input.curvedRise !== undefined && input.curvedRise > 0 ? input.curvedRise : 0;
  const lowLoad = ((rate + Math.max(slope * input.reachMs, curve)) / 1000) * serviceMs;
  const slots = slotsForLatency(lowLoad, input.shareBudgetsMs, serviceMs, have, input.missShare);
  return slots <= have ? { lowLoad, slots } : undefined;
}

/**
 * The slope of the ten-minute trend less {@link EVIDENCE_SIGMAS} of its standard errors,
 * each stretched by the stream's measured burstiness (the square root of its index of
 * dispersion; undefined or below 1: Poisson), in the slope's units; 0 when it shows no
 * rise beyond them, or its noise is unknown.
 */
export function slopeBeyondNoise(slope: number, slopeNoise: number, dispersion: number | undefined): number {
  const noise = Math.sqrt(dispersion !== undefined && dispersion > 1 ? dispersion : 1) * slopeNoise;
  return Number.isFinite(noise) ? Math.max(0, slope - EVIDENCE_SIGMAS * noise) : 0;
}

/**
 * Whether a steady stream's queue, growing by `rate` less what the fleet gets through
 * (what it finished over the last minute, at most its slots over the mean service
 * time), is still worked through within the target's wait by the time a node rented
 * at the next tick could serve (a cold start and a tick from now).
 */
function queueWaitsInTime(input: RentEvidenceInput, rate: number, have: number): boolean {
  const finished = input.completionRate;
  if (finished === undefined || !(finished > 0)) return false;
  const throughput = Math.min((have / input.serviceMs) * 1000, finished);
  const horizonMs = Math.max(0, input.coldStartMs) + Math.max(0, input.tickMs ?? 0);
  const backlogThen = Math.max(0, input.backlog) + (Math.max(0, rate - throughput) / 1000) * horizonMs;
  return (backlogThen / throughput) * 1000 <= (input.targetWaitMs ?? 0);
}
