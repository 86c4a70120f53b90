/**
 * The spot market the simulated nodes live in: when interruptible capacity can be
 * rented, and when it is taken back. One timeline per run, shared by every policy
 * (same seed, same weather), from either
 *
 * - the rate model: obtainable and unobtainable periods of exponential length
 *   (means from the SkyPilot availability series); all spot nodes are preempted
 *   when a period of unavailability starts, and each is preempted on its own at
 *   `preemptionsPerHour − 1 / meanAvailableHours` while spot is obtainable, so that
 *   the total rate per node-hour matches the measured one; or
 * - a SkyPilot spot-traces JSON (`{ metadata: { gap_seconds }, data: [...] }`),
 *   replayed from its start and looped: spot is obtainable while the value is
 *   above zero, and a fall from `a` to `b` preempts each live spot node with
 *   probability `(a − b) / a`.
 */
import { readFile } from 'node:fs/promises';
import { ComputeError } from '../errors.js';
import type { SpotConfig } from './config.js';
import { Random } from './random.js';

/** One change of the spot market. */
export interface SpotEvent {
  /** ms since the start of the trace. */
  at: number;
  /** Whether spot can be rented from this moment. */
  available: boolean;
  /** Share of live spot nodes preempted at this moment (0..1). */
  preempt: number;
}

/** The spot market over a run. */
export interface SpotTimeline {
  /** Changes in time order. */
  events: SpotEvent[];
  /** Whether spot can be rented at the start. */
  initiallyAvailable: boolean;
  /** Per-node preemption rate while obtainable, per ms (0 when replaying a series). */
  hazardPerMs: number;
  /** Where the timeline came from, for the report. */
  source: string;
}

const HOUR_MS = 3_600_000;

/** Build the timeline for `[0, horizonMs]`. */
export async function spotTimeline(spot: SpotConfig, horizonMs: number, seed: number): Promise<SpotTimeline> {
  if (spot.trace !== undefined) return replaySeries(spot.trace, horizonMs);
  const rng = Random.derive(seed, 'spot-market');
  const events: SpotEvent[] = [];
  let available = true;
  let t = rng.exponential(spot.meanAvailableHours * HOUR_MS);
  while (t <= horizonMs && spot.meanUnavailableHours > 0) {
    available = !available;
    events.push({ at: t, available, preempt: available ? 0 : 1 });
    t += rng.exponential((available ? spot.meanAvailableHours : spot.meanUnavailableHours) * HOUR_MS);
  }
  const onRate = Math.max(0, spot.preemptionsPerHour - (spot.meanUnavailableHours > 0 ? 1 / spot.meanAvailableHours : 0));
  return {
    events,
    initiallyAvailable: true,
    hazardPerMs: onRate / HOUR_MS,
    source: `rate model: ${spot.preemptionsPerHour}/node-h, obtainable ${spot.meanAvailableHours} h on / ${spot.meanUnavailableHours} h off`,
  };
}

async function replaySeries(path: string, horizonMs: number): Promise<SpotTimeline> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ComputeError('CONFIG_INVALID', `spot.trace ${path}: cannot read a SkyPilot spot-traces JSON (${(error as Error).message})`);
  }
  const doc = parsed as { metadata?: { gap_seconds?: unknown }; data?: unknown };
  const gap = Number(doc.metadata?.gap_seconds);
  const data = doc.data;
  if (!(gap > 0) || !Array.isArray(data) || data.length < 2 || !data.every((v) => typeof v === 'number' && v >= 0)) {
    throw new ComputeError('CONFIG_INVALID', `spot.trace ${path}: expected { metadata: { gap_seconds }, data: [counts...] }`);
  }
  const values = data as number[];
  const events: SpotEvent[] = [];
  const stepMs = gap * 1000;
  for (let i = 1; i * stepMs <= horizonMs; i++) {
    const prev = values[(i - 1) % values.length]!;
    const cur = values[i % values.length]!;
    if (cur === prev) continue;
    events.push({ at: i * stepMs, available: cur > 0, preempt: cur < prev ? (prev - cur) / prev : 0 });
  }
  return { events, initiallyAvailable: values[0]! > 0, hazardPerMs: 0, source: `replay of ${path} (${values.length} points every ${gap} s)` };
}

/** A per-run sampler of spot preemptions (each policy has its own stream, the market is shared). */
export class SpotDice {
  private readonly rng: Random;

  constructor(seed: number, policy: string) {
    this.rng = Random.derive(seed, `spot/${policy}`);
  }

  /** When a spot node rented at `now` is preempted on its own (Infinity: never). */
  lifetimeEnd(now: number, hazardPerMs: number): number {
    return hazardPerMs > 0 ? now + this.rng.exponential(1 / hazardPerMs) : Infinity;
  }

  /** Whether a node is hit by an event that preempts `share` of the nodes. */
  hit(share: number): boolean {
    return share >= 1 || this.rng.next() < share;
  }
}
