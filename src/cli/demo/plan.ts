/**
 * The demo's numbers, derived from `--duration`: the burst is replayed as a
 * time-lapse (its arrivals squeezed into the first 45 % of the run, the rest shows
 * the scale-down), and service times, the latency target and the scale-down delay
 * shrink by the same factor so that the run looks the same at any duration.
 */
import type { TokensModel } from '../../local/agent/builtin-handlers.js';
import type { Burst, BurstKind } from './burst.js';
import { loadBurst, squeeze } from './burst.js';

/** Share of the run during which requests arrive. */
const ARRIVAL_SHARE = 0.45;
/** Service-time model of the emulated LLM in trace time (a large model, batched decoding). */
const TRACE_MODEL: TokensModel = { baseMs: 50, msPerInputToken: 0.1, msPerOutputToken: 12 };
/** p95 latency target in trace time, ms. */
const TRACE_TARGET_MS = 12_000;


/** Everything the run needs to know. */
export interface DemoPlan {
  burst: Burst;
  /** Trace seconds per demo second. */
  timeLapse: number;
  /** Service-time model the nodes use (demo time). */
  tokens: TokensModel;
  /** p95 target in demo time: the trace's target divided by the time-lapse. */
  latencyTargetMs: number;
  /** The p95 target in trace time, ms. */
  traceTargetMs: number;
  scaleDownDelayMs: number;
  coldStartMs: number;
  /** Tasks a node runs at once. */
  slots: number;
  tickMs: number;
}

/** Plan a run of `durationSec` seconds. */
export function planDemo(durationSec: number, kind: BurstKind, seed: number): DemoPlan {
  const recorded = loadBurst(kind, seed);
  const windowMs = Math.max(1_000, durationSec * 1000 * ARRIVAL_SHARE);
  const timeLapse = recorded.spanMs > 0 ? recorded.spanMs / windowMs : 1;
  const round = (n: number, digits = 4): number => Math.round(n * 10 ** digits) / 10 ** digits;
  return {
    burst: squeeze(recorded, windowMs),
    timeLapse,
    tokens: {
      baseMs: round(TRACE_MODEL.baseMs / timeLapse),
      msPerInputToken: round(TRACE_MODEL.msPerInputToken / timeLapse),
      msPerOutputToken: round(TRACE_MODEL.msPerOutputToken / timeLapse),
    },
    latencyTargetMs: Math.max(1_000, Math.round(TRACE_TARGET_MS / timeLapse / 100) * 100),
    traceTargetMs: TRACE_TARGET_MS,
    scaleDownDelayMs: Math.round(Math.min(5_000, Math.max(1_000, durationSec * 150))),
    coldStartMs: 1_500,
    slots: 4,
    tickMs: 500,
  };
}
