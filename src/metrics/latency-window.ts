/**
 * The last N latencies in a ring, for p50/p95/p99 in `metrics()`. Percentiles are
 * computed on read (rare) so that recording (every task) stays O(1).
 */

/** Percentiles of a set of samples, in ms. */
export interface LatencySummary {
  /** Samples the percentiles were computed over. */
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** A fixed-size ring of recent samples. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private next = 0;
  private filled = 0;

  /** @param capacity samples kept. @default 2048 */
  constructor(capacity = 2048) {
    this.samples = new Float64Array(capacity);
  }

  /** Add one sample. */
  record(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    if (this.filled < this.samples.length) this.filled++;
  }

  /** Mean of the kept samples, or undefined when empty. */
  mean(): number | undefined {
    if (this.filled === 0) return undefined;
    let sum = 0;
    for (let i = 0; i < this.filled; i++) sum += this.samples[i]!;
    return sum / this.filled;
  }

  /** p50 / p95 / p99 by nearest rank. */
  summary(): LatencySummary {
    if (this.filled === 0) return { count: 0, p50: null, p95: null, p99: null };
    const sorted = this.samples.slice(0, this.filled).sort();
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
    return { count: this.filled, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
  }
}
