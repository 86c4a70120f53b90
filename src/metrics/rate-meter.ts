/**
 * Arrival counts in one-second buckets, so the controller can read a short (burst)
 * and a long (stable) rate without keeping a timestamp per task.
 */

/** Counts events per second over a sliding horizon. */
export class RateMeter {
  private readonly buckets: Float64Array;
  private headSecond = -1;

  /** @param horizonSec the longest window ever asked for. @default 60 */
  constructor(private readonly horizonSec = 60) {
    this.buckets = new Float64Array(horizonSec);
  }

  /** Record `count` events at clock time `nowMs`. */
  record(nowMs: number, count = 1): void {
    this.advanceTo(Math.floor(nowMs / 1000));
    this.buckets[this.headSecond % this.horizonSec]! += count;
  }

  /** Events per second over the last `windowSec` seconds (the current partial second included). */
  rate(nowMs: number, windowSec: number): number {
    const w = Math.min(Math.max(1, Math.floor(windowSec)), this.horizonSec);
    this.advanceTo(Math.floor(nowMs / 1000));
    let sum = 0;
    for (let i = 0; i < w; i++) sum += this.buckets[(this.headSecond - i + this.horizonSec * 2) % this.horizonSec]!;
    // The newest bucket is partial: divide by the time actually covered.
    const covered = w - 1 + ((nowMs % 1000) + 1) / 1000;
    return sum / covered;
  }

  /** Events in the last `windowSec` seconds. */
  count(nowMs: number, windowSec: number): number {
    const w = Math.min(Math.max(1, Math.floor(windowSec)), this.horizonSec);
    this.advanceTo(Math.floor(nowMs / 1000));
    let sum = 0;
    for (let i = 0; i < w; i++) sum += this.buckets[(this.headSecond - i + this.horizonSec * 2) % this.horizonSec]!;
    return sum;
  }

  /**
   * Index of dispersion of the whole-second counts of the last `windowSec` seconds (the
   * current, partial second left out): their variance over their mean, about 1 for
   * Poisson arrivals and more for bursty ones. Undefined with no event in the window.
   */
  dispersion(nowMs: number, windowSec: number): number | undefined {
    const w = Math.min(Math.max(2, Math.floor(windowSec)), this.horizonSec - 1);
    this.advanceTo(Math.floor(nowMs / 1000));
    let sum = 0;
    let squares = 0;
    for (let i = 1; i <= w; i++) {
      const c = this.buckets[(this.headSecond - i + this.horizonSec * 2) % this.horizonSec]!;
      sum += c;
      squares += c * c;
    }
    const mean = sum / w;
    if (!(mean > 0)) return undefined;
    return Math.max(0, squares / w - mean * mean) / mean;
  }

  private advanceTo(second: number): void {
    if (this.headSecond < 0) {
      this.headSecond = second;
      return;
    }
    if (second <= this.headSecond) return;
    const steps = Math.min(second - this.headSecond, this.horizonSec);
    for (let i = 1; i <= steps; i++) this.buckets[(this.headSecond + i) % this.horizonSec] = 0;
    this.headSecond = second;
  }
}
