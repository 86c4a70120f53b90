/**
 * Mean (and spread) of recent samples, for the service-time estimate the planner
 * sizes nodes with. Service times of LLM requests are heavy-tailed (a coefficient of
 * variation near 1): the mean of n samples is off by about 1/√n. Over the last 256
 * requests that is ±6 %, which moves a fleet of 70 nodes by 4 from one tick to the
 * next, and a planner that rents on a high reading and keeps what it rented ends up
 * at the highest of them. So the window holds every sample of the last minute, up to
 * a cap (±1.6 % at 4096), and never fewer than the last few hundred, so that a slow
 * workload still follows a real change within that many requests. Samples are dated
 * by when their task started, and a quiet spell does not age the window (see
 * `record`). O(1) per sample: a ring and a running sum.
 */

/** How far back the window reaches. */
export interface RollingMeanOptions {
  /** The window always holds at least this many of the latest samples. @default 256 */
  minSamples?: number;
  /** Beyond those, samples recorded within this long of the latest one (ms). @default 60000 */
  horizonMs?: number;
}

/** Mean (and quantiles) of the recent samples; see the module comment for the window. */
export class RollingMean {
  private readonly values: Float64Array;
  private readonly times: Float64Array;
  private readonly minSamples: number;
  private readonly horizonMs: number;
  private start = 0; // oldest sample in the window (ring index)
  private latest = -Infinity; // the latest `at` recorded
  private resumedAt = -Infinity; // the first `at` after a quiet spell longer than the horizon
  private count = 0;
  private sum = 0;
  private sinceResum = 0;
  // The window last sorted, and how many samples came since: it is re-sorted once as
  // many samples as it held have come (one sort per window of tasks, not one per call:
  // sorting is what the simulator would otherwise spend most of its time on). The
  // spread is read from it, and kept until it changes.
  private lastSorted: Float64Array | undefined;
  private sinceSort = 0;
  private lastSpread: number[] | undefined;
  private spreadFrom: Float64Array | undefined;

  /** @param capacity most samples held. @default 4096 */
  constructor(capacity = 4096, options: RollingMeanOptions = {}) {
    this.values = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
    this.minSamples = Math.min(capacity, options.minSamples ?? 256);
    this.horizonMs = options.horizonMs ?? 60_000;
  }

  /**
   * Add a sample; `at` (ms, clock time) is when its task started, not when it ended:
   * when traffic stops, the last tasks to end are the longest, and a window of the last
   * minute's completions would hold only them (and the next burst would be sized for
   * tasks five times too long). Old ones leave as the module comment says.
   */
  record(value: number, at = 0): void {
    const cap = this.values.length;
    if (this.count === cap) this.dropOldest();
    const i = (this.start + this.count) % cap;
    this.values[i] = value;
    this.times[i] = at;
    this.count++;
    this.sum += value;
    // After a quiet spell the window ages from the new traffic only once it has run for a
    // horizon: its first completions are its shortest tasks, and what the window held
    // before (the tasks started last before the spell) stands in for the rest meanwhile.
    if (at > this.latest + this.horizonMs) this.resumedAt = at;
    if (at > this.latest) this.latest = at;
    if (this.latest - this.resumedAt >= this.horizonMs) {
      while (this.count > this.minSamples && this.times[this.start]! < this.latest - this.horizonMs) this.dropOldest();
    }
    this.sinceSort++;
    // Re-add from scratch now and then so float error in the running sum cannot build up.
    if (++this.sinceResum >= cap) {
      let s = 0;
      for (let k = 0; k < this.count; k++) s += this.values[(this.start + k) % cap]!;
      this.sum = s;
      this.sinceResum = 0;
    }
  }

  /** The mean so far, or undefined before the first sample. */
  get value(): number | undefined {
    return this.count === 0 ? undefined : this.sum / this.count;
  }

  /** Samples in the window now. */
  get size(): number {
    return this.count;
  }

  /**
   * The window's spread in `points` values, ascending: the sample at the middle of
   * each of `points` equal shares of the sorted window (for 20, the 2.5 %, 7.5 %, ...,
   * 97.5 % quantiles, nearest rank), or undefined before the first sample. Refreshed
   * once the window has turned over since the last time (while it is still filling,
   * at each doubling), so it lags the window by at most one window. Do not modify the
   * returned array.
   */
  spread(points: number): readonly number[] | undefined {
    const sorted = this.sortedWindow();
    if (sorted === undefined) return undefined;
    if (this.lastSpread === undefined || this.lastSpread.length !== points || this.spreadFrom !== sorted) {
      const out = new Array<number>(points);
      for (let j = 0; j < points; j++) out[j] = sorted[Math.min(sorted.length - 1, Math.floor(((j + 0.5) / points) * sorted.length))]!;
      this.lastSpread = out;
      this.spreadFrom = sorted;
    }
    return this.lastSpread;
  }

  /**
   * The `q` quantile of the window (nearest rank), refreshed as `spread` is; undefined
   * while the window holds fewer than `minSamples` samples: the slowest 1 % of a few
   * dozen tasks is one or two of them, not a tail.
   */
  quantile(q: number): number | undefined {
    const sorted = this.count >= this.minSamples ? this.sortedWindow() : undefined;
    return sorted === undefined ? undefined : sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)))];
  }

  /** The window sorted, re-sorted once it has turned over since the last time. */
  private sortedWindow(): Float64Array | undefined {
    if (this.count === 0) return undefined;
    if (this.lastSorted === undefined || this.sinceSort >= Math.max(1, this.lastSorted.length)) {
      const cap = this.values.length;
      const sorted = new Float64Array(this.count);
      for (let k = 0; k < this.count; k++) sorted[k] = this.values[(this.start + k) % cap]!;
      sorted.sort();
      this.lastSorted = sorted;
      this.sinceSort = 0;
    }
    return this.lastSorted;
  }

  private dropOldest(): void {
    this.sum -= this.values[this.start]!;
    this.start = (this.start + 1) % this.values.length;
    this.count--;
  }
}
