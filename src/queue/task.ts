/**
 * One call waiting in (or running from) a workload queue. A queue may hold a million
 * of these, so the class keeps a fixed, small shape: eleven fields, no per-task
 * strings, clock values stored as small integers relative to the queue's epoch (V8
 * keeps those inline; an absolute epoch-ms value would need a 16-byte heap box), and
 * everything that only some tasks need (timeout, signal) in an optional side object.
 */
import type { ComputeError } from '../errors.js';

/** Where a task is in its life: waiting, on a node, or done (result or error delivered). */
export type TaskState = 'queued' | 'running' | 'settled';

/**
 * Facts shared by every task of one queue, held once per queue instead of once per task.
 * @internal
 */
export class TaskOrigin {
  /** Prefix of every task id of the queue. */
  readonly idPrefix: string;
  /** Clock ms the relative times of the queue's tasks count from. */
  readonly epoch: number;

  constructor(idPrefix: string, epoch: number) {
    this.idPrefix = idPrefix;
    this.epoch = epoch;
  }
}

/**
 * The part of a task that only tasks with a timeout or a signal need; most tasks have
 * neither, and a shared `undefined` costs one slot instead of four.
 * @internal
 */
export class TaskExtras {
  /** Clock ms after which the task times out; Infinity when it has no timeout. */
  readonly deadline: number;
  /** The timeout the caller asked for, for the error message; Infinity when none. */
  readonly timeoutMs: number;
  /** The caller's signal, when one was given. */
  readonly signal: AbortSignal | undefined;
  /** True while the task has an entry (live or lazily dead) in the deadline heap. */
  inHeap = false;

  constructor(deadline: number, timeoutMs: number, signal: AbortSignal | undefined) {
    this.deadline = deadline;
    this.timeoutMs = timeoutMs;
    this.signal = signal;
  }
}

// Smallest 32-bit small integer: a relative start time the clock cannot produce in
// practice (24 days before the queue existed), so it can mean "never started"
// without a separate flag field.
const NOT_STARTED = -0x8000_0000;

/**
 * A task of a `TaskQueue`. The dispatcher reads `input`, sets `attempts`,
 * `startedAt` and `cancelRunning`; the queue owns `state` and the caller's promise.
 */
// `O` types the caller's promise only; no field depends on it, so a `Task<O>` can be
// handed to the queue's untyped helpers (deadline heap, abort hub) as a `Task`.
export class Task<O = unknown> {
  /** Per-queue sequence number, from 1, in enqueue order. */
  readonly seq: number;
  /** What the caller passed to `run()`. */
  readonly input: unknown;
  /** Higher runs first. */
  readonly priority: number;
  /** Dispatch attempts so far; the dispatcher increments it. */
  attempts = 0;
  /** Life-cycle state; only the queue changes it. */
  state: TaskState = 'queued';
  /**
   * Set by the dispatcher while the task runs. The queue calls it after settling the
   * task by abort or timeout, so that the dispatcher stops the node request.
   */
  cancelRunning: ((reason: ComputeError) => void) | undefined = undefined;
  /** @internal */
  readonly origin: TaskOrigin;
  /** @internal */
  readonly extras: TaskExtras | undefined;
  /**
   * Resolve function of the caller's promise; cleared once settled. Only `resolve` is
   * kept: rejecting goes through a rejecting thenable, which saves a 56-byte function
   * object per queued task.
   * @internal
   */
  resolveFn: ((value: unknown) => void) | undefined = undefined;
  private readonly enqueuedRel: number;
  private startedRel: number = NOT_STARTED;

  /** @internal Tasks are made by `TaskQueue.enqueue()`. */
  constructor(origin: TaskOrigin, seq: number, input: unknown, priority: number, enqueuedAt: number, extras: TaskExtras | undefined) {
    this.seq = seq;
    this.input = input;
    this.priority = priority;
    this.origin = origin;
    this.extras = extras;
    this.enqueuedRel = enqueuedAt - origin.epoch;
  }

  /** `<queue id prefix>-<seq>`: stable across retries, so a node can de-duplicate. Built on demand. */
  get taskId(): string {
    return `${this.origin.idPrefix}-${this.seq}`;
  }

  /** Clock ms when the task was enqueued. */
  get enqueuedAt(): number {
    return this.origin.epoch + this.enqueuedRel;
  }

  /** Clock ms after which the task fails with `TIMEOUT`; Infinity when it has no timeout. */
  get deadline(): number {
    return this.extras === undefined ? Infinity : this.extras.deadline;
  }

  /** Clock ms when the current attempt started; 0 before the first. */
  get startedAt(): number {
    return this.startedRel === NOT_STARTED ? 0 : this.origin.epoch + this.startedRel;
  }

  set startedAt(ms: number) {
    this.startedRel = ms - this.origin.epoch;
  }

  /**
   * Deliver the outcome to the caller's promise and mark the task settled. The queue
   * does its bookkeeping around this; call it through the queue, never directly.
   * @internal
   */
  finish(ok: boolean, value: unknown): void {
    const resolve = this.resolveFn;
    this.resolveFn = undefined;
    this.state = 'settled';
    this.cancelRunning = undefined;
    resolve?.(ok ? value : new Rejection(value));
  }
}

// Resolving a promise with a thenable makes the promise follow it; this one rejects
// at once, so a bare `resolve` is enough to reject the caller's promise. Unlike
// `resolve(Promise.reject(e))` it creates no transient rejected promise for Node's
// unhandled-rejection tracker to see.
class Rejection {
  private readonly reason: unknown;

  constructor(reason: unknown) {
    this.reason = reason;
  }

  then(_onFulfilled: unknown, onRejected: (reason: unknown) => void): void {
    onRejected(this.reason);
  }
}
