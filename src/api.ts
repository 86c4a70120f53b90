/**
 * The two handles an app holds: the {@link Compute} runtime `createCompute()` returns
 * and the {@link Workload} `compute.workload()` returns. Interfaces, not classes: the
 * implementations are internal, so they can change without breaking a caller.
 */
import type { EventEmitter } from 'eventemitter3';
import type { ComputeEvents } from './events.js';
import type { MetricsSnapshot } from './metrics/snapshot.js';
import type { WorkloadOptions } from './config/workload.js';
import type { MapOptions, MapSettled } from './queue/map.js';
import type { LeaseState } from './market/protocol.js';

/**
 * Per-call options of `run()` (and of `stream()`; `map()` applies them to each task).
 * An option of the wrong type or out of range makes the call reject with
 * `CONFIG_INVALID` naming it (`timeoutMs: must be a number >= 0`); it never throws.
 */
export interface RunOptions {
  /** Abort the task: it rejects with `ABORTED` (removed from the queue, or cancelled on the node). */
  signal?: AbortSignal;
  /** Reject with `TIMEOUT` if not done within this many ms (queue wait + attempts). Defaults to the workload's `timeoutMs`. */
  timeoutMs?: number;
  /** Higher runs first. @default 0 */
  priority?: number;
}

/** Options of `map()`. */
export interface WorkloadMapOptions extends MapOptions {
  /** Per-task `timeoutMs` applied to every input. */
  timeoutMs?: number;
  /** Per-task `priority` applied to every input. */
  priority?: number;
}

/** What `pause()` does with work that arrives while paused. */
export interface PauseOptions {
  /**
   * `'hold'` keeps queued and new tasks waiting until `resume()`; `'reject'` rejects them
   * with `WORKLOAD_PAUSED`. @default 'hold'
   */
  whilePaused?: 'hold' | 'reject';
}

/** A lease asked to end that the marketplace has not reported ended: it may still bill. */
export interface UnconfirmedRelease {
  /** Marketplace lease id (the local key while its creation has not answered). */
  leaseId: string;
  workload: string;
  /** What the marketplace last said (`running`, `terminating`...); null: no answer yet. */
  state: LeaseState | null;
  /** Since the SDK decided to release it, ms. */
  unconfirmedMs: number;
  reason: string;
}

/** What `shutdown()` resolves with. */
export interface ShutdownResult {
  /** Leases not confirmed ended by `releaseTimeoutMs` (see docs/faq.md); empty: all ended. */
  stillBilling: UnconfirmedRelease[];
}

/** Options of `shutdown()`. */
export interface ShutdownOptions {
  /** How long in-flight tasks may take to finish before they are rejected with `SHUTDOWN`, ms. @default 30000 */
  graceMs?: number;
  /** How long to wait for the marketplace to confirm every lease ended (DELETEs are retried meanwhile); leases still unconfirmed then are listed in the result's `stillBilling`, ms. @default 30000 */
  releaseTimeoutMs?: number;
}

/** Shorthand: the output type a validator produces. */
export type Infer<S> = S extends { '~standard': { types?: infer T } }
  ? T extends { output: infer O }
    ? O
    : unknown
  : S extends { safeParse(value: unknown): { data?: infer D } }
    ? D
    : unknown;

/** Shorthand: the input type a validator accepts. */
export type InferInput<S> = S extends { '~standard': { types?: infer T } } ? (T extends { input: infer I } ? I : unknown) : unknown;

/** The handle `compute.workload()` returns. `I` is the input type, `O` the output type. */
export interface Workload<I = unknown, O = unknown> {
  /** The workload's name. */
  readonly name: string;
  /** Run one task. Resolves with the node's output; rejects with a `ComputeError`. */
  run(input: I, options?: RunOptions): Promise<O>;
  /**
   * Run a task per input with at most `concurrency` in flight, yielding outputs in
   * input order. Inputs are pulled lazily (an endless generator is fine).
   *
   * The first failed input (in input order) ends the loop: its error is the task's
   * own code with `index` (0-based) on it and in its message (`map input 3: ...`),
   * and nothing more is started. With `settle: true` nothing stops it: each input
   * yields `{ status: 'fulfilled', index, value }` or
   * `{ status: 'rejected', index, reason }`, in input order.
   */
  map(inputs: Iterable<I> | AsyncIterable<I>, options: WorkloadMapOptions & { settle: true }): AsyncIterableIterator<MapSettled<O>>;
  map(inputs: Iterable<I> | AsyncIterable<I>, options?: WorkloadMapOptions & { settle?: false }): AsyncIterableIterator<O>;
  map(inputs: Iterable<I> | AsyncIterable<I>, options?: WorkloadMapOptions): AsyncIterableIterator<O | MapSettled<O>>;
  /**
   * Stream the answer of a workload with a raw HTTP `request` target whose server
   * answers with server-sent events (e.g. OpenAI-compatible `stream: true`): yields
   * each event's data, parsed as JSON when it is JSON, until the stream ends or
   * `[DONE]`. See docs/streaming.md.
   */
  stream<T = unknown>(input: I, options?: RunOptions): AsyncIterableIterator<T>;
  /** Same as `compute.pause(name)`. */
  pause(options?: PauseOptions): Promise<void>;
  /** Same as `compute.resume(name)`. */
  resume(): Promise<void>;
  /** Resolves when nothing of this workload is queued or running. */
  onIdle(): Promise<void>;
}

/** The listener methods of {@link Compute} (events: `scale`, `lease`, `budget`, `warning`). */
export type ComputeEmitter = Pick<
  EventEmitter<ComputeEvents>,
  'on' | 'once' | 'off' | 'addListener' | 'removeListener' | 'removeAllListeners' | 'listeners' | 'listenerCount'
>;

/** The runtime an app creates once with `createCompute()`: declare workloads, run tasks, watch events. */
export interface Compute extends ComputeEmitter {
  /** The `client` tag on every lease this runtime rents. */
  readonly clientId: string;
  /**
   * Declare a workload. Throws `CONFIG_INVALID` synchronously on a bad option or a
   * name already declared.
   */
  workload<S = undefined, T = undefined>(
    name: string,
    options: WorkloadOptions & { input?: S; output?: T },
  ): Workload<S extends undefined ? unknown : InferInput<S>, T extends undefined ? unknown : Infer<T>>;
  /** Run a task on the workload declared as `name`. */
  run<O = unknown>(name: string, input: unknown, options?: RunOptions): Promise<O>;
  /** Scale the workload to zero and hold (or reject) its work until `resume()`. Resolves once none of its leases is live. */
  pause(name: string, options?: PauseOptions): Promise<void>;
  /** Undo `pause()`: held tasks run again, the controller scales back up as needed. */
  resume(name: string): Promise<void>;
  /** A snapshot of queues, nodes, latency, spend and the marketplace's health. */
  metrics(): MetricsSnapshot;
  /** The same snapshot in the Prometheus text format, to serve on `/metrics`. */
  metrics(options: { format: 'prometheus' }): string;
  /** The snapshot as an object (`json`, the default) or Prometheus text. */
  metrics(options?: { format?: 'json' | 'prometheus' }): MetricsSnapshot | string;
  /** Resolves when no task of any workload is queued or running. */
  onIdle(): Promise<void>;
  /**
   * Stop taking work, reject queued tasks with `SHUTDOWN`, let in-flight tasks
   * finish (up to `graceMs`), release every lease, then resolve. A lease counts as
   * released only once the marketplace reports it ended; leases it has not
   * confirmed by `releaseTimeoutMs` are listed in the result's `stillBilling` (and a
   * `warning` names them): shutdown resolves, it does not reject. Idempotent.
   */
  shutdown(options?: ShutdownOptions): Promise<ShutdownResult>;
  /** Resolves once the start-up recovery pass is done, with the number of orphaned leases it released. */
  recovered(): Promise<number>;
  /** JSON form: a safe summary (client id, workloads, live leases), no key, no token. */
  toJSON(): Record<string, unknown>;
}
