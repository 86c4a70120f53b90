/**
 * Mean of the last N samples, for the service-time estimate the planner sizes
 * nodes with. Service times of LLM requests are heavy-tailed: an exponentially
 * weighted mean over a handful of samples swings by a third from one request to
 * the next, and so would the node count. A window of a few hundred samples keeps
 * the estimate within a few percent while still following a real change within
 * that many requests. O(1) per sample: a ring and a running sum.
 */

/** Mean of the most recent `capacity` samples. */
export class RollingMean {
  private readonly ring: Float64Array;
  private next = 0;
  private filled = 0;
  private sum = 0;

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
}
