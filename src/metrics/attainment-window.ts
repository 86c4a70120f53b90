/**
 * The measured side of the SLO: how many requests completed over the last
 * {@link ATTAINMENT_WINDOW_MS} and how many of them missed the latency target
 * (controller/slo.ts `withinTarget`, the definition the simulator's SLO column uses).
 *
 * Why an hour: the miss budget is a share of requests, and at the default 0.99 it is
 * one request in a hundred; a window must hold hundreds of requests before its share
 * says anything, and an hour does at a request every ten seconds. It is also how long
 * a user reads an SLO over on a dashboard and how GPU time is priced, and short enough
 * that misses of a quiet morning do not make the planner overspend all afternoon.
 * Counts are kept in one-minute buckets (O(1) per completion, 60 buckets to read), so
 * the window covers the last 59 to 60 minutes.
 */
import { withinTarget } from '../controller/slo.js';

/** How far back the measured attainment looks, ms. */
export const ATTAINMENT_WINDOW_MS = 3_600_000;
/** Resolution of the window, ms. */
export const ATTAINMENT_BUCKET_MS = 60_000;

/** Completed requests of the window and how many of them missed the target. */
export interface AttainmentCounts {
  /** Requests completed within the window. */
  requests: number;
  /** Of them, those whose latency exceeded the target. */
  misses: number;
  /** The window's length, ms. */
  windowMs: number;
}

/** Completions and misses per minute over the last hour, for one latency target. */
export class AttainmentWindow {
  private readonly buckets: number;
  private readonly ids: Float64Array;
  private readonly done: Float64Array;
  private readonly missed: Float64Array;

  /**
   * @param latencyTargetMs the target a completion is judged against.
   * @param windowMs how far back to count. @default {@link ATTAINMENT_WINDOW_MS}
   */
  constructor(
    readonly latencyTargetMs: number,
    readonly windowMs = ATTAINMENT_WINDOW_MS,
  ) {
    this.buckets = Math.max(1, Math.round(windowMs / ATTAINMENT_BUCKET_MS));
    this.ids = new Float64Array(this.buckets).fill(-1);
    this.done = new Float64Array(this.buckets);
    this.missed = new Float64Array(this.buckets);
  }

  /** A request completed at `atMs` after `latencyMs` (queue wait + service). */
  record(atMs: number, latencyMs: number): void {
    const id = Math.floor(atMs / ATTAINMENT_BUCKET_MS);
    const slot = id % this.buckets;
    if (this.ids[slot] !== id) {
      // An older minute's bucket (or one from before a clock step back) is reused.
      if (this.ids[slot]! > id) return;
      this.ids[slot] = id;
      this.done[slot] = 0;
      this.missed[slot] = 0;
    }
    this.done[slot]! += 1;
    if (!withinTarget(latencyMs, this.latencyTargetMs)) this.missed[slot]! += 1;
  }

  /** Completions and misses of the window that ends at `nowMs`. */
  counts(nowMs: number): AttainmentCounts {
    const newest = Math.floor(nowMs / ATTAINMENT_BUCKET_MS);
    let requests = 0;
    let misses = 0;
    for (let i = 0; i < this.buckets; i++) {
      const id = this.ids[i]!;
      if (id > newest - this.buckets && id <= newest) {
        requests += this.done[i]!;
        misses += this.missed[i]!;
      }
    }
    return { requests, misses, windowMs: this.windowMs };
  }
}
