/**
 * The per-workload task queue: what `run()` puts work into and the dispatcher takes
 * work from. It owns every caller's promise from enqueue to settlement, so that each
 * one settles exactly once: with the node's output, or with a typed error (queue full,
 * timeout, abort, or whatever the dispatcher or a shutdown decides).
 *
 * Structure (see the files beside it): priority lanes of ring-buffer deques for the
 * order, one deadline heap with a single clock timer for timeouts, one abort listener
 * per distinct signal. Aborted and timed-out queued tasks are removed lazily; the
 * `size` and `running` counters are kept exact at every state change instead.
 */
import type { Clock } from '../clock.js';
import type { ComputeError } from '../errors.js';
import { newTaskIdPrefix } from '../util/ids.js';
import { AbortHub } from './abort-hub.js';
import { DeadlineWatch } from './deadline-watch.js';
import { PriorityLanes } from './priority-lanes.js';
import { abortedError, invalidOptionError, queueFullError, timeoutError } from './queue-errors.js';
import { Task, TaskExtras, TaskOrigin } from './task.js';

/** How a {@link TaskQueue} is set up. */
export interface TaskQueueOptions {
  /** Source of time for enqueue times and deadlines. */
  clock: Clock;
  /** Workload name, used in error messages and details. */
  workload: string;
  /** Tasks waiting (not running) beyond which `enqueue` rejects with `QUEUE_FULL`. */
  maxQueued: number;
  /**
   * Prefix of task ids (`<prefix>-<seq>`). Nodes de-duplicate retries by task id, so
   * it should be unique per client.
   * @default `<workload>-<12 random hex digits>`
   */
  idPrefix?: string;
}

/** Per-call options of {@link TaskQueue.enqueue}. */
export interface EnqueueOptions {
  /** Higher runs first; FIFO among equal priorities. @default 0 */
  priority?: number;
  /** Time from enqueue until the call fails with `TIMEOUT`, queued or running. @default no timeout */
  timeoutMs?: number;
  /** Aborting it fails the call with `ABORTED` (the signal's reason as `cause`). */
  signal?: AbortSignal;
}

/** A priority queue of tasks for one workload, with deadlines, aborts and backpressure. */
export class TaskQueue<O = unknown> {
  /** Workload name. */
  readonly workload: string;
  /** Limit of queued (not running) tasks. */
  readonly maxQueued: number;
  /**
   * Called synchronously, after the task is stored, whenever a task becomes takeable
   * (enqueue, requeueFront). The dispatcher pumps from it. Must not throw.
   */
  onTakeable: (() => void) | undefined = undefined;
  /**
   * Called synchronously when a task settles, whichever way (`ok` false for any
   * error), after the queue's counters are updated. Must not throw.
   */
  onSettled: ((task: Task<O>, ok: boolean) => void) | undefined = undefined;
  /**
   * Asked when a queued task times out: a failure that kept every node away (the
   * marketplace unreachable), which the `TIMEOUT` then names. Must not throw.
   */
  blockedBy: (() => ComputeError | undefined) | undefined = undefined;

  private readonly clock: Clock;
  private readonly origin: TaskOrigin;
  private readonly lanes = new PriorityLanes<Task<O>>((task) => task.state === 'queued');
  private readonly deadlines: DeadlineWatch;
  private readonly aborts: AbortHub<Task<O>>;
  private queuedCount = 0;
  private runningCount = 0;
  private arrivalCount = 0;
  private nextSeq = 1;
  private refusal: ComputeError | undefined = undefined;
  private idleWaiters: (() => void)[] = [];

  /** @throws ComputeError `CONFIG_INVALID` when `maxQueued` is not a non-negative integer (or Infinity). */
  constructor(options: TaskQueueOptions) {
    const { clock, workload, maxQueued } = options;
    if (!(maxQueued === Infinity || (Number.isInteger(maxQueued) && maxQueued >= 0))) {
      throw invalidOptionError(workload, 'maxQueued', 'must be a non-negative integer or Infinity');
    }
    this.clock = clock;
    this.workload = workload;
    this.maxQueued = maxQueued;
    this.origin = new TaskOrigin(options.idPrefix ?? newTaskIdPrefix(workload), clock.now());
    this.deadlines = new DeadlineWatch(clock, (task) => this.expire(task as Task<O>));
    this.aborts = new AbortHub((task, reason) => this.interrupt(task, abortedError(this.workload, task.taskId, reason)));
  }

  /**
   * Queue a call and return the caller's promise. Never throws: a refusal (see
   * {@link TaskQueue.setRefusal}), `QUEUE_FULL`, `ABORTED` (signal already aborted) and
   * `CONFIG_INVALID` (bad priority or timeout) come back as rejected promises.
   */
  enqueue(input: unknown, options: EnqueueOptions = {}): Promise<O> {
    if (this.refusal !== undefined) return Promise.reject(this.refusal);
    const { priority = 0, timeoutMs, signal } = options;
    if (!Number.isFinite(priority)) {
      return Promise.reject(invalidOptionError(this.workload, 'priority', 'must be a finite number'));
    }
    if (timeoutMs !== undefined && !(timeoutMs >= 0)) {
      return Promise.reject(invalidOptionError(this.workload, 'timeoutMs', 'must be a number >= 0'));
    }
    if (signal?.aborted === true) return Promise.reject(abortedError(this.workload, undefined, signal.reason));
    if (this.queuedCount >= this.maxQueued) return Promise.reject(queueFullError(this.workload, this.maxQueued));

    const now = this.clock.now();
    const timed = timeoutMs !== undefined && timeoutMs !== Infinity;
    const extras = timed || signal !== undefined ? new TaskExtras(timed ? now + timeoutMs : Infinity, timeoutMs ?? Infinity, signal) : undefined;
    const task = new Task<O>(this.origin, this.nextSeq++, input, priority, now, extras);
    const promise = new Promise<O>((resolve) => {
      task.resolveFn = resolve as (value: unknown) => void;
    });
    this.queuedCount++;
    this.arrivalCount++;
    this.lanes.pushBack(priority, task);
    if (timed) this.deadlines.add(task);
    if (signal !== undefined) this.aborts.watch(signal, task);
    this.onTakeable?.();
    return promise;
  }

  /**
   * The next task to run: highest priority first, FIFO within a priority. Marks it
   * `running` and stamps `startedAt` (the dispatcher may stamp it again later).
   */
  take(): Task<O> | undefined {
    const task = this.lanes.shiftLive();
    if (task === undefined) return undefined;
    task.state = 'running';
    task.startedAt = this.clock.now();
    this.queuedCount--;
    this.runningCount++;
    return task;
  }

  /**
   * Put a running task back at the head of its priority (its node failed; retry it
   * elsewhere). It keeps its deadline and does not count against `maxQueued`.
   * @returns false, doing nothing, when the task is not running here (for example it
   *   was aborted or timed out while on the node).
   */
  requeueFront(task: Task<O>): boolean {
    if (task.origin !== this.origin || task.state !== 'running') return false;
    task.state = 'queued';
    task.cancelRunning = undefined;
    this.runningCount--;
    this.queuedCount++;
    this.lanes.pushFront(task.priority, task);
    this.onTakeable?.();
    return true;
  }

  /** Fulfil the caller's promise. Settles once; later calls return false. */
  resolve(task: Task<O>, output: O): boolean {
    return this.settle(task, true, output);
  }

  /** Reject the caller's promise with `error`. Settles once; later calls return false. */
  reject(task: Task<O>, error: unknown): boolean {
    return this.settle(task, false, error);
  }

  /** Tasks waiting (state `queued`). O(1). */
  get size(): number {
    return this.queuedCount;
  }

  /** Tasks running. O(1). */
  get running(): number {
    return this.runningCount;
  }

  /** Tasks accepted since the queue was made (monotonic), for rate meters. */
  get arrivals(): number {
    return this.arrivalCount;
  }

  /** Tasks whose deadline is being watched (queued or running, with a timeout). */
  get timed(): number {
    return this.deadlines.watching;
  }

  /**
   * `enqueuedAt` of the oldest queued task, or undefined when none is queued.
   *
   * Each lane holds put-back tasks at its head and never-dispatched ones behind them in
   * arrival order, and a put-back task is older than every never-dispatched task of its
   * lane (it was ahead of them when taken). So per lane it scans the put-back prefix
   * (recognised by `attempts > 0`, which the dispatcher increments) and the first
   * never-dispatched task. If the dispatcher does not count attempts, the answer is
   * the lane head: still older than every fresh task.
   */
  oldestQueuedAt(): number | undefined {
    let oldest: number | undefined;
    this.lanes.scanHeads((task) => {
      const at = task.enqueuedAt;
      if (oldest === undefined || at < oldest) oldest = at;
      return task.attempts > 0;
    });
    return oldest;
  }

  /** Reject every queued (not running) task with `error`; returns how many. */
  rejectQueued(error: ComputeError): number {
    let count = 0;
    this.lanes.drainLive((task) => {
      if (this.settle(task, false, error)) count++;
    });
    return count;
  }

  /**
   * Stop accepting work: while set, `enqueue` rejects with `error` (the caller decides
   * which: `SHUTDOWN`, `WORKLOAD_PAUSED`, ...). Pass undefined to accept again.
   * Queued and running tasks are not touched.
   */
  setRefusal(error: ComputeError | undefined): void {
    this.refusal = error;
  }

  /** Resolves when no task is queued or running (at once if already so). */
  onIdle(): Promise<void> {
    if (this.queuedCount === 0 && this.runningCount === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private settle(task: Task<O>, ok: boolean, value: unknown): boolean {
    if (task.origin !== this.origin || task.state === 'settled') return false;
    const wasQueued = task.state === 'queued';
    if (wasQueued) this.queuedCount--;
    else this.runningCount--;
    task.finish(ok, value);
    if (wasQueued) this.lanes.noteDead(task.priority);
    const extras = task.extras;
    if (extras !== undefined) {
      this.deadlines.forget(task);
      if (extras.signal !== undefined) this.aborts.unwatch(extras.signal, task);
    }
    this.onSettled?.(task, ok);
    if (this.queuedCount === 0 && this.runningCount === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
    return true;
  }

  private expire(task: Task<O>): void {
    const while_ = task.state === 'running' ? 'running' : 'queued';
    const blockedBy = while_ === 'queued' ? this.blockedBy?.() : undefined;
    this.interrupt(task, timeoutError(this.workload, task.taskId, task.extras?.timeoutMs ?? 0, while_, blockedBy));
  }

  // Abort and timeout: settle first, then tell the dispatcher to stop the node request;
  // whatever it reports afterwards is ignored because the task is already settled.
  private interrupt(task: Task<O>, error: ComputeError): void {
    const cancel = task.state === 'running' ? task.cancelRunning : undefined;
    if (this.settle(task, false, error)) cancel?.(error);
  }
}
