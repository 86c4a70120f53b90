/**
 * Time, in one place. Every other module takes a {@link Clock} so that the same code
 * runs on real time (live), on virtual time (tests) and at simulator speed.
 * This is the only file allowed to read the system clock or set timers.
 */
import type { CancelSignal } from './util/cancellation.js';

/** A cancellable timer returned by {@link Clock.setTimeout}. */
export interface Timer {
  /** Cancel the timer. Safe to call more than once or after it fired. */
  cancel(): void;
  /**
   * Whether a pending timer keeps the Node.js process alive. Real clocks honour it;
   * the virtual clock ignores it. Returns the timer for chaining.
   */
  keepAlive(on: boolean): Timer;
}

/** The time source every part of the SDK uses. */
export interface Clock {
  /** Milliseconds since the epoch (or since the start of a virtual run). */
  now(): number;
  /** Run `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): Timer;
}

/** The wall clock. Timers are `unref`'d unless `keepAlive(true)` is asked for. */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const handle = setTimeout(fn, Math.max(0, ms));
    handle.unref();
    const timer: Timer = {
      cancel: () => clearTimeout(handle),
      keepAlive: (on) => {
        if (on) handle.ref();
        else handle.unref();
        return timer;
      },
    };
    return timer;
  }
}

/** The process-wide real clock. */
export const realClock: Clock = new RealClock();

/** Monotonic high-resolution milliseconds, for latency measurement only (bench, metrics). */
export function monotonicMs(): number {
  return performance.now();
}

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to. Timers fire in time order (ties in the
 * order they were set); between firings pending promise callbacks run, so async
 * code driven by timers behaves as it would on real time.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  // Binary min-heap on (at, seq).
  private readonly heap: PendingTimer[] = [];

  /** @param startMs initial value of `now()`. @default 0 */
  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const entry: PendingTimer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.push(entry);
    const timer: Timer = {
      cancel: () => {
        entry.cancelled = true;
      },
      keepAlive: () => timer,
    };
    return timer;
  }

  /** Number of timers still pending. */
  get pendingTimers(): number {
    let n = 0;
    for (const t of this.heap) if (!t.cancelled) n++;
    return n;
  }

  /** Time of the next pending timer, or undefined when none is pending. */
  nextTimerAt(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.at;
  }

  /**
   * Fire every timer due up to `now() + ms`, in order, letting promise callbacks run
   * between firings, then set `now()` to the target.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + Math.max(0, ms);
    await flushMicrotasks();
    while (this.fireNext(target)) await flushMicrotasks();
    this.current = target;
  }

  /** Fire timers synchronously up to `now() + ms` without yielding (for the simulator's hot loop). */
  advanceSync(ms: number): void {
    const target = this.current + Math.max(0, ms);
    while (this.fireNext(target));
    this.current = target;
  }

  /** Fire the next timer due at or before `target`; false when there is none. */
  private fireNext(target: number): boolean {
    this.dropCancelled();
    const next = this.heap[0];
    if (next === undefined || next.at > target) return false;
    this.pop();
    this.current = Math.max(this.current, next.at);
    next.fn();
    return true;
  }

  /**
   * Fire timers until none is pending or `limitMs` of virtual time has passed.
   * @param limitMs guard against self-rescheduling loops. @default 86_400_000 (one day)
   */
  async runUntilIdle(limitMs = 86_400_000): Promise<void> {
    const stopAt = this.current + limitMs;
    await flushMicrotasks();
    for (;;) {
      const at = this.nextTimerAt();
      if (at === undefined || at > stopAt) break;
      await this.advance(at - this.current);
    }
  }

  private dropCancelled(): void {
    while (this.heap[0]?.cancelled) this.pop();
  }

  private push(entry: PendingTimer): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && earlier(h[l]!, h[m]!)) m = l;
      if (r < h.length && earlier(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

function earlier(a: PendingTimer, b: PendingTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Let queued promise callbacks (several generations deep) run. */
async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  // A macrotask turn lets I/O-free callbacks scheduled with setImmediate run too.
  await new Promise<void>((resolve) => setImmediate(resolve));
}

// Longest delay Node's timers take (about 24.8 days).
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * Keep Node running until `release()`: for work a caller awaits whose steps may wait
 * on unref'd timers only (retry pauses, polls). Without it, Node could find its event
 * loop empty mid-wait and exit with that promise still pending. One ref'd timer as
 * far off as Node allows, re-armed if it ever fires (on a virtual clock it sits far
 * beyond any test's horizon).
 */
export function holdOpen(clock: Clock): { release(): void } {
  let timer: Timer | undefined;
  let released = false;
  const arm = (): void => {
    if (!released) timer = clock.setTimeout(arm, LONGEST_TIMER_MS).keepAlive(true);
  };
  arm();
  return {
    release: () => {
      released = true;
      timer?.cancel();
    },
  };
}

/**
 * Resolve after `ms` on `clock`; reject with the signal's reason if it aborts first.
 */
export function sleep(
  clock: Clock,
  ms: number,
  signal?: CancelSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An AbortSignal that aborts after `ms` on `clock`; call `cancel()` once done to drop the timer. */
export function timeoutSignal(clock: Clock, ms: number, reason?: unknown): { signal: AbortSignal; cancel(): void } {
  const controller = new AbortController();
  const timer = clock.setTimeout(() => controller.abort(reason ?? new Error(`timed out after ${ms} ms`)), ms);
  return { signal: controller.signal, cancel: () => timer.cancel() };
}
