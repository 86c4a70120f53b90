/**
 * A double-ended queue on a power-of-two ring buffer. The task queue needs O(1) push,
 * shift and unshift (requeue at the head); `Array#shift` is O(n) on large arrays and
 * a binary heap would cost a comparison tree per task, so each priority lane is one
 * of these.
 */

const MIN_CAPACITY = 16;

/** A growable ring-buffer deque. Slots are cleared on removal so the GC can reclaim items. */
export class RingDeque<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private len = 0;

  /** @param capacity initial slot count, rounded up to a power of two. @default 16 */
  constructor(capacity = MIN_CAPACITY) {
    this.buf = new Array<T | undefined>(roundUpPow2(capacity));
  }

  /** Number of items held. */
  get length(): number {
    return this.len;
  }

  /** Append at the tail. */
  push(item: T): void {
    if (this.len === this.buf.length) this.resize(this.buf.length * 2);
    this.buf[(this.head + this.len) & (this.buf.length - 1)] = item;
    this.len++;
  }

  /** Insert at the head. */
  unshift(item: T): void {
    if (this.len === this.buf.length) this.resize(this.buf.length * 2);
    this.head = (this.head - 1) & (this.buf.length - 1);
    this.buf[this.head] = item;
    this.len++;
  }

  /** Remove and return the head item, or undefined when empty. */
  shift(): T | undefined {
    if (this.len === 0) return undefined;
    const item = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.len--;
    this.maybeShrink();
    return item;
  }

  /** The item `index` places from the head, or undefined when out of range. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.len) return undefined;
    return this.buf[(this.head + index) & (this.buf.length - 1)];
  }

  /** Keep only the items for which `keep` returns true, in order. O(length). */
  retain(keep: (item: T) => boolean): void {
    const mask = this.buf.length - 1;
    let write = 0;
    for (let read = 0; read < this.len; read++) {
      const item = this.buf[(this.head + read) & mask] as T;
      if (keep(item)) this.buf[(this.head + write++) & mask] = item;
    }
    for (let i = write; i < this.len; i++) this.buf[(this.head + i) & mask] = undefined;
    this.len = write;
    this.maybeShrink();
  }

  /** Visit every item from head to tail. The deque must not change during the visit. */
  forEach(visit: (item: T) => void): void {
    const mask = this.buf.length - 1;
    for (let i = 0; i < this.len; i++) visit(this.buf[(this.head + i) & mask] as T);
  }

  // Halving at a quarter full (not half) leaves room so a push right after a shrink
  // does not grow again: amortised O(1) with no thrashing, and a burst of a million
  // tasks does not pin its buffer forever.
  private maybeShrink(): void {
    let cap = this.buf.length;
    while (cap > MIN_CAPACITY && this.len * 4 <= cap) cap >>= 1;
    if (cap !== this.buf.length) this.resize(cap);
  }

  private resize(capacity: number): void {
    const next = new Array<T | undefined>(capacity);
    const mask = this.buf.length - 1;
    for (let i = 0; i < this.len; i++) next[i] = this.buf[(this.head + i) & mask];
    this.buf = next;
    this.head = 0;
  }
}

function roundUpPow2(n: number): number {
  let cap = MIN_CAPACITY;
  while (cap < n) cap *= 2;
  return cap;
}
