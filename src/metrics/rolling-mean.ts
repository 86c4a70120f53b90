/**
 * Mean of the last N samples, for the service-time estimate the planner sizes
 * nodes with. Service times of LLM requests are heavy-tailed: an exponentially
 * weighted mean over a handful of samples swings by a third from one request to
 * the next, and so would the node count. A window of a few hundred samples keeps
 * the estimate within a few percent while still following a real change within
 * that many requests. O(1) per sample: a ring and a running sum.
 */

/** Mean (and quantiles) of the most recent `capacity` samples. */
export class RollingMean {
  private readonly ring: Float64Array;
  private next = 0;
  private filled = 0;
  private sum = 0;
  // The spread last computed, and how many samples came since: it is recomputed once as
  // many samples as the window holds have come (one sort per window of tasks, not one
  // per call: sorting is what the simulator would otherwise spend most of its time on).
  private lastSpread: number[] | undefined;
  private sinceSpread = 0;
  private spreadOf = 0;

  /** @param capacity samples averaged. @default 256 */
  constructor(capacity = 256) {
    this.ring = new Float64Array(capacity);
  }

  /** Add a sample (the oldest drops out once the window is full). */
  record(value: number): void {
    if (this.filled === this.ring.length) this.sum -= this.ring[this.next]!;
    else this.filled++;
    this.ring[this.next] = value;
    this.sum += value;
    this.next = (this.next + 1) % this.ring.length;
    this.sinceSpread++;
    // Re-add from scratch now and then so float error in the running sum cannot build up.
    if (this.next === 0) {
      let s = 0;
      for (let i = 0; i < this.filled; i++) s += this.ring[i]!;
      this.sum = s;
    }
  }

  /** The mean so far, or undefined before the first sample. */
  get value(): number | undefined {
    return this.filled === 0 ? undefined : this.sum / this.filled;
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
    if (this.filled === 0) return undefined;
    const stale = this.lastSpread === undefined || this.lastSpread.length !== points || this.sinceSpread >= Math.max(1, this.spreadOf);
    if (stale) {
      const sorted = this.ring.slice(0, this.filled).sort();
      const out = new Array<number>(points);
      for (let j = 0; j < points; j++) out[j] = sorted[Math.min(this.filled - 1, Math.floor(((j + 0.5) / points) * this.filled))]!;
      this.lastSpread = out;
      this.sinceSpread = 0;
      this.spreadOf = this.filled;
    }
    return this.lastSpread;
  }
}
