/**
 * The simulator's event heap: a binary min-heap on time over parallel typed arrays
 * (time, request, node), so that a million requests in flight cost three numbers
 * each and no object. Ties pop in insertion order (a sequence number breaks them),
 * which keeps runs deterministic independently of the heap's internal layout.
 */

/** A min-heap of `(time, request, node)` events. */
export class EventHeap {
  private time: Float64Array;
  private seq: Float64Array;
  private req: Int32Array;
  private node: Int32Array;
  private n = 0;
  private counter = 0;

  /** @param capacity initial capacity; grows by doubling. @default 1024 */
  constructor(capacity = 1024) {
    this.time = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.req = new Int32Array(capacity);
    this.node = new Int32Array(capacity);
  }

  /** Events held. */
  get size(): number {
    return this.n;
  }

  /** Time of the earliest event, or Infinity when empty. */
  peekTime(): number {
    return this.n > 0 ? this.time[0]! : Infinity;
  }

  /** Request of the earliest event (call only when not empty). */
  peekRequest(): number {
    return this.req[0]!;
  }

  /** Node of the earliest event (call only when not empty). */
  peekNode(): number {
    return this.node[0]!;
  }

  /** Add an event. */
  push(time: number, request: number, node: number): void {
    if (this.n === this.time.length) this.grow();
    let i = this.n++;
    const s = this.counter++;
    const T = this.time;
    const S = this.seq;
    // Sift up, moving parents down instead of swapping.
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = T[p]!;
      if (pt < time || (pt === time && S[p]! < s)) break;
      T[i] = pt;
      S[i] = S[p]!;
      this.req[i] = this.req[p]!;
      this.node[i] = this.node[p]!;
      i = p;
    }
    T[i] = time;
    S[i] = s;
    this.req[i] = request;
    this.node[i] = node;
  }

  /** Remove the earliest event (read it with the peek methods first). */
  pop(): void {
    const last = --this.n;
    if (last <= 0) return;
    const T = this.time;
    const S = this.seq;
    const t = T[last]!;
    const s = S[last]!;
    const r = this.req[last]!;
    const nd = this.node[last]!;
    let i = 0;
    const half = last >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      const rc = c + 1;
      if (rc < last && (T[rc]! < T[c]! || (T[rc] === T[c] && S[rc]! < S[c]!))) c = rc;
      if (t < T[c]! || (t === T[c] && s < S[c]!)) break;
      T[i] = T[c]!;
      S[i] = S[c]!;
      this.req[i] = this.req[c]!;
      this.node[i] = this.node[c]!;
      i = c;
    }
    T[i] = t;
    S[i] = s;
    this.req[i] = r;
    this.node[i] = nd;
  }

  /** Drop every event (the capacity stays, for reuse). */
  clear(): void {
    this.n = 0;
    this.counter = 0;
  }

  /** Visit every held event (order unspecified); used to find a lost node's tasks. */
  forEach(visit: (time: number, request: number, node: number) => void): void {
    for (let i = 0; i < this.n; i++) visit(this.time[i]!, this.req[i]!, this.node[i]!);
  }

  private grow(): void {
    const cap = this.time.length * 2;
    const t = new Float64Array(cap);
    t.set(this.time);
    const s = new Float64Array(cap);
    s.set(this.seq);
    const r = new Int32Array(cap);
    r.set(this.req);
    const nd = new Int32Array(cap);
    nd.set(this.node);
    this.time = t;
    this.seq = s;
    this.req = r;
    this.node = nd;
  }
}
