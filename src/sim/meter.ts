/**
 * Time integrals of the cluster's state (tasks waiting or running, tasks running,
 * live nodes, idle ready nodes), kept exact between events: the state is constant
 * between two events, so each integral is advanced by value × elapsed time. A ring
 * of per-second snapshots gives any window average the baselines ask for
 * (Knative's 60 s / 6 s concurrency, Ray's 30 s look-back) in O(1), and chart
 * samples record the mean live nodes per bucket.
 */

const RING_SEC = 1024;

/** Integrals and their snapshots for one run. */
export class Meter {
  /** ∫ (queued + in flight) dt, in task·ms. */
  conc = 0;
  /** ∫ in flight dt. */
  inFlight = 0;
  /** ∫ live nodes dt (billed node·ms). */
  live = 0;
  /** ∫ ready nodes with nothing in flight dt (idle node·ms). */
  idle = 0;
  private last = 0;
  private nextSecond = 1000;
  private readonly concRing = new Float64Array(RING_SEC);
  private readonly inFlightRing = new Float64Array(RING_SEC);
  private nextSample: number;
  /** ∫ live at the last chart bucket boundary. */
  private sampledLive = 0;
  /** Mean live nodes per chart bucket. */
  readonly samples: number[] = [];

  /** @param sampleMs chart bucket width. */
  constructor(readonly sampleMs: number) {
    this.nextSample = sampleMs;
  }

  /**
   * Advance every integral to `t` under the current values (call before any
   * value changes). Hot path: one comparison when no boundary is crossed.
   */
  advance(t: number, conc: number, inFlight: number, live: number, idle: number): void {
    if (t >= this.nextSecond || t >= this.nextSample) this.crossBoundaries(t, conc, inFlight, live, idle);
    const dt = t - this.last;
    if (dt <= 0) return;
    this.conc += conc * dt;
    this.inFlight += inFlight * dt;
    this.live += live * dt;
    this.idle += idle * dt;
    this.last = t;
  }

  /** Mean of (queued + in flight) over the last `windowSec` seconds (≤ 1023), as of `t` (the integrals must be advanced to `t`). */
  avgConcurrency(t: number, windowSec: number): number {
    return this.windowAverage(this.concRing, this.conc, t, windowSec);
  }

  /** Mean tasks in flight over the last `windowSec` seconds. */
  avgInFlight(t: number, windowSec: number): number {
    return this.windowAverage(this.inFlightRing, this.inFlight, t, windowSec);
  }

  /** Close the last chart bucket at `t`. */
  finish(t: number, conc: number, inFlight: number, live: number, idle: number): void {
    this.advance(t, conc, inFlight, live, idle);
    const start = this.samples.length * this.sampleMs;
    if (t > start) this.samples.push((this.live - this.sampledLive) / (t - start));
  }

  private crossBoundaries(t: number, conc: number, inFlight: number, live: number, idle: number): void {
    // Over a long quiet stretch only the last RING_SEC seconds matter to the ring:
    // jump there (the integrals stay exact, the state was constant meanwhile).
    const lastUseful = (Math.floor(t / 1000) - RING_SEC + 1) * 1000;
    if (this.nextSecond < lastUseful) this.nextSecond = lastUseful;
    for (;;) {
      const b = Math.min(this.nextSecond, this.nextSample);
      if (b > t) return;
      const dt = b - this.last;
      if (dt > 0) {
        this.conc += conc * dt;
        this.inFlight += inFlight * dt;
        this.live += live * dt;
        this.idle += idle * dt;
        this.last = b;
      }
      if (b === this.nextSecond) {
        const slot = (b / 1000) % RING_SEC;
        this.concRing[slot] = this.conc;
        this.inFlightRing[slot] = this.inFlight;
        this.nextSecond += 1000;
      }
      if (b === this.nextSample) {
        this.samples.push((this.live - this.sampledLive) / this.sampleMs);
        this.sampledLive = this.live;
        this.nextSample += this.sampleMs;
      }
    }
  }

  private windowAverage(ring: Float64Array, current: number, t: number, windowSec: number): number {
    const w = Math.max(1, Math.min(RING_SEC - 1, Math.floor(windowSec)));
    // The window starts at the first whole second at or after t − w: exactly w seconds on a
    // second boundary, a little less in between (the ring holds whole seconds only).
    const fromSecond = Math.ceil(t / 1000 - w);
    if (fromSecond <= 0) return t > 0 ? current / t : 0;
    const past = ring[fromSecond % RING_SEC]!;
    const span = t - fromSecond * 1000;
    return span > 0 ? (current - past) / span : 0;
  }
}
