/**
 * Timeouts for a million tasks with one clock timer. Tasks with a deadline sit in a
 * binary min-heap (deadline, then seq); the single timer is armed for the heap's top.
 *
 * Why a heap rather than exploiting that equal timeouts give FIFO deadlines: callers
 * mix timeouts per call (`run(x, { timeoutMs })`), and a requeued task keeps its
 * original deadline, so arrival order is not deadline order. The heap costs one
 * array slot per task with a timeout and O(log n) per insert; tasks without a
 * timeout never enter it.
 *
 * Tasks that settle another way are removed lazily: they stay in the heap, counted as
 * dead, until they reach the top or until they outnumber the live ones, when the heap
 * is rebuilt without them (O(n), amortised O(1) per removal). That bounds the memory
 * held by finished tasks to the live count without a per-task heap index field.
 */
import type { Clock, Timer } from '../clock.js';
import type { Task, TaskExtras } from './task.js';

// Node's timers overflow past 2^31-1 ms and fire at once; long deadlines re-arm instead.
const MAX_DELAY_MS = 0x7fff_ffff;
// Below this many dead entries a rebuild is not worth its cost.
const COMPACT_MIN = 64;

/** Watches the deadlines of live tasks and reports each one that passes. */
export class DeadlineWatch {
  private heap: Task<unknown>[] = [];
  private dead = 0;
  private timer: Timer | undefined;
  private armedAt = Infinity;
  private readonly clock: Clock;
  private readonly onExpire: (task: Task<unknown>) => void;

  /**
   * @param onExpire called once for each watched task whose deadline passed while it
   *   was not settled; it must settle the task.
   */
  constructor(clock: Clock, onExpire: (task: Task<unknown>) => void) {
    this.clock = clock;
    this.onExpire = onExpire;
  }

  /** Live tasks watched. */
  get watching(): number {
    return this.heap.length - this.dead;
  }

  /** True while the clock timer is armed (for tests). */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** Watch a task with a finite deadline. */
  add(task: Task<unknown>): void {
    extrasOf(task).inHeap = true;
    this.heap.push(task);
    this.siftUp(this.heap.length - 1);
    this.arm(extrasOf(task).deadline);
  }

  /** A watched task settled some other way: forget it (lazily). */
  forget(task: Task<unknown>): void {
    if (!extrasOf(task).inHeap) return;
    this.dead++;
    if (this.dead === this.heap.length) this.reset();
    else if (this.dead >= COMPACT_MIN && this.dead * 2 > this.heap.length) this.compact();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = this.clock.now();
    // Re-read the heap each turn: `onExpire` settles tasks, which may compact or reset it.
    for (;;) {
      const top = this.heap[0];
      if (top === undefined) break;
      if (top.state === 'settled') {
        this.pop();
        extrasOf(top).inHeap = false;
        this.dead--;
        continue;
      }
      if (extrasOf(top).deadline > now) break;
      this.pop();
      extrasOf(top).inHeap = false;
      this.onExpire(top);
    }
    const top = this.heap[0];
    if (this.watching === 0) this.reset();
    else if (top !== undefined) this.arm(extrasOf(top).deadline);
  }

  private arm(at: number): void {
    if (this.timer !== undefined && this.armedAt <= at) return;
    this.timer?.cancel();
    this.armedAt = at;
    const delay = Math.min(Math.max(0, at - this.clock.now()), MAX_DELAY_MS);
    // Tasks with a deadline are waiting on it: keep the process alive until they settle.
    this.timer = this.clock.setTimeout(() => this.fire(), delay).keepAlive(true);
  }

  private reset(): void {
    this.heap = [];
    this.dead = 0;
    this.timer?.cancel();
    this.timer = undefined;
    this.armedAt = Infinity;
  }

  private compact(): void {
    const live: Task<unknown>[] = [];
    for (const task of this.heap) {
      if (task.state === 'settled') extrasOf(task).inHeap = false;
      else live.push(task);
    }
    this.heap = live;
    this.dead = 0;
    for (let i = (live.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
    // The timer may point at a dead top; leaving it costs one early wake-up at most.
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    h[0] = last;
    this.siftDown(0);
  }

  private siftUp(index: number): void {
    const h = this.heap;
    const item = h[index]!;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent]!;
      if (!before(item, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = item;
  }

  private siftDown(index: number): void {
    const h = this.heap;
    const n = h.length;
    const item = h[index]!;
    let i = index;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[c]!, item)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = item;
  }
}

function extrasOf(task: Task<unknown>): TaskExtras {
  // Only tasks with a timeout are watched, and those always carry extras.
  return task.extras!;
}

function before(a: Task<unknown>, b: Task<unknown>): boolean {
  const da = extrasOf(a).deadline;
  const db = extrasOf(b).deadline;
  return da < db || (da === db && a.seq < b.seq);
}
