/**
 * Collects requests as the readers stream them (growable typed arrays, no object
 * per row), then sorts them by arrival and moves the origin to the first arrival.
 */
import type { Trace, TraceFormat, ServiceSource } from './types.js';

/** Accumulates `(arrival, service)` pairs into a {@link Trace}. */
export class TraceBuilder {
  private at = new Float64Array(1024);
  private svc = new Float64Array(1024);
  private n = 0;
  private sorted = true;
  private last = -Infinity;
  readonly notes: string[] = [];

  /** Add one request: arrival in ms (any origin), service time in ms. */
  add(arrivalMs: number, serviceMs: number): void {
    if (this.n === this.at.length) this.grow();
    this.at[this.n] = arrivalMs;
    this.svc[this.n] = serviceMs;
    if (arrivalMs < this.last) this.sorted = false;
    this.last = arrivalMs;
    this.n++;
  }

  /** Requests added so far. */
  get count(): number {
    return this.n;
  }

  /** Sort (stably, when needed), shift to start at 0 and trim. */
  build(meta: { name: string; path: string; format: TraceFormat; serviceSource: ServiceSource }): Trace {
    const n = this.n;
    let at = this.at.subarray(0, n);
    let svc = this.svc.subarray(0, n);
    if (!this.sorted) {
      // Sort an index permutation, ties by original order, then gather.
      const order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      const src = at;
      order.sort((a, b) => src[a]! - src[b]! || a - b);
      const at2 = new Float64Array(n);
      const svc2 = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        at2[i] = at[order[i]!]!;
        svc2[i] = svc[order[i]!]!;
      }
      at = at2;
      svc = svc2;
      this.notes.push('rows were not in time order: sorted by timestamp');
    } else {
      at = at.slice();
      svc = svc.slice();
    }
    const origin = n > 0 ? at[0]! : 0;
    if (origin !== 0) for (let i = 0; i < n; i++) at[i] = at[i]! - origin;
    return { ...meta, arrivalMs: at, serviceMs: svc, count: n, notes: this.notes };
  }

  private grow(): void {
    const at = new Float64Array(this.at.length * 2);
    at.set(this.at);
    const svc = new Float64Array(this.svc.length * 2);
    svc.set(this.svc);
    this.at = at;
    this.svc = svc;
  }
}
