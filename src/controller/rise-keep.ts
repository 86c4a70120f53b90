/**
 * Nodes a measured rise takes back within a cold start. Pure.
 *
 * A fleet above what demand needs now gives the surplus back after the scale-down
 * delay. On a rising stream that is a round trip: the rise asks for the nodes again a
 * few minutes later, a rent brings them a cold start after that, and the queue meanwhile
 * waits. With a 180 s cold start and one slot per node, an hour of a daily curve's
 * morning went 16 → 12 → 20 → 16 → 21 nodes in ten minutes and missed 2 to 3 % of its
 * requests at 2×p99 service; a measured rise keeps the fleet instead.
 *
 * The rise must be measured, not guessed: the ten-minute line's slope less
 * rent-evidence.ts `EVIDENCE_SIGMAS` of its standard errors (stretched by the stream's
 * dispersion), or the ten-minute parabola's rise less {@link CURVE_SIGMAS}, whichever
 * is larger, carried over the reach (a cold start plus the long window's lag). The
 * fleet keeps the nodes that the long rate plus that rise needs by the M/M/k tail at
 * the planned miss share, never more than it has: this only keeps, it never rents.
 */
import { slotsForLatency } from './mmk-tail.js';
import { CURVE_SIGMAS, slopeBeyondNoise } from './rent-evidence.js';
import { curvedRise, rateSlope, slopeNoise, type RateSample } from './trend.js';

/** What {@link nodesForMeasuredRise} reads. Rates per second, times in ms. */
export interface RiseKeepInput {
  /** The ten minutes of long-window rate samples (trend.ts). */
  samples: readonly RateSample[] | undefined;
  longRate: number;
  /** Index of dispersion of the stream's counts (undefined or below 1: Poisson). */
  dispersion: number | undefined;
  /** How far ahead the rise is carried: a cold start plus the long window's lag. */
  reachMs: number;
  serviceMs: number;
  /** Wait budgets per share of tasks and the planned miss share, as the M/M/k tail takes them. */
  shareBudgetsMs: readonly number[];
  missShare: number;
  slotsPerNode: number;
  maxSlots: number;
}

/** The nodes the rise needs, and the rise (arrivals/s over the reach); undefined when no rise is measured. */
export interface RiseKeep {
  nodes: number;
  risePerSec: number;
}

/** See the module comment. */
export function nodesForMeasuredRise(input: RiseKeepInput): RiseKeep | undefined {
  const { samples, reachMs } = input;
  const lineRise = slopeBeyondNoise(rateSlope(samples), slopeNoise(samples), input.dispersion) * reachMs;
  const risePerSec = Math.max(lineRise, curvedRise(samples, reachMs, CURVE_SIGMAS, input.dispersion));
  if (!(risePerSec > 0)) return undefined;
  const load = ((Math.max(0, input.longRate) + risePerSec) / 1000) * input.serviceMs;
  const slots = slotsForLatency(load, input.shareBudgetsMs, input.serviceMs, input.maxSlots, input.missShare);
  // Less a hair, so that float noise in a whole number of nodes does not round up.
  return { nodes: Math.ceil(slots / Math.max(1, input.slotsPerNode) - 1e-9), risePerSec };
}
