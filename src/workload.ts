/**
 * A declared workload: its queue, its dispatcher, the signals the controller reads
 * (arrival rates, service time, latency), and the handle the app calls `run()` on.
 */
import { inspect } from 'node:util';
import type { Clock } from './clock.js';
import type { WorkloadConfig } from './config/workload.js';
import { validate, type Validator } from './config/validator.js';
import type { PlannerMemory, PlannerPolicy, NodeView } from './controller/observation.js';
import { INITIAL_MEMORY } from './controller/observation.js';
import type { ObservationSource } from './controller/observe.js';
import type { Offer } from './market/protocol.js';
import { WorkloadDispatcher, type DispatcherHooks } from './dispatch/dispatcher.js';
import { ComputeError } from './errors.js';
import { LatencyWindow } from './metrics/latency-window.js';
import { AttainmentWindow } from './metrics/attainment-window.js';
import { RollingMean } from './metrics/rolling-mean.js';
import { RateMeter } from './metrics/rate-meter.js';
import { IdleSpells } from './metrics/idle-spells.js';
import { TaskQueue } from './queue/index.js';
import { StreamRequest } from './dispatch/stream-request.js';
import type { NodeStream } from './dispatch/node-stream.js';
import { streamEvents } from './dispatch/stream-events.js';
import { errorAtIndex, mapOrdered, type MapSettled } from './queue/map.js';
import { checkMapArguments, checkRunOptions, failing } from './queue/run-options.js';
import type { PauseOptions, RunOptions, Workload, WorkloadMapOptions } from './api.js';

/** The internal state of one workload (not public). */
export class WorkloadRuntime {
  readonly queue: TaskQueue;
  readonly dispatcher: WorkloadDispatcher;
  readonly arrivals = new RateMeter(60);
  /** Task attempts that ended, done or failed: what the slots got through. */
  readonly finished = new RateMeter(60);
  /** Arrival count and quiet spells, for keeping nodes warm (controller/steps/keep-warm.ts). */
  readonly spells = new IdleSpells();
  /** Clock time the workload was declared: arrivals are counted from then. */
  private readonly createdAt: number;
  readonly serviceTime = new RollingMean();
  readonly latency = new LatencyWindow();
  /** Completions and latency-target misses over the last hour: the measured miss budget. */
  readonly attainment: AttainmentWindow;
  /** The planner's memory: written only by `apply()` (controller/apply.ts). */
  memory: PlannerMemory = INITIAL_MEMORY;
  /** When a spot node of this workload was last preempted (the planner reads it from the observation). */
  preemptedAt: number | undefined;
  paused: false | 'hold' | 'reject' = false;
  /** Set when the budget can never pay for a node again and the policy says reject. */
  budgetRefusal: ComputeError | undefined;
  /** Set once by shutdown. */
  shutdownRefusal: ComputeError | undefined;
  /** Set by the control loop while no node can be had (nodes that never start, no offer): new work fails at once. */
  capacityRefusal: ComputeError | undefined;
  /** Set while a replica group's Redis is unreachable and this replica knows no node to serve on. */
  coordinationRefusal: ComputeError | undefined;
  completed = 0;
  failed = 0;
  lastDecision: { at: number; desired: number; reason: string } | undefined;
  readonly policy: PlannerPolicy;

  constructor(
    readonly name: string,
    readonly config: WorkloadConfig,
    private readonly clock: Clock,
    hooks: DispatcherHooks & {
      onTakeable(): void;
      onTaskSettled?(workload: string, latencyMs: number, ok: boolean): void;
      /** Why no node can come now (the marketplace unreachable), for a queued task's TIMEOUT. */
      blockedBy?(): ComputeError | undefined;
    },
  ) {
    this.createdAt = clock.now();
    this.attainment = new AttainmentWindow(config.scaling.latencyTargetMs);
    this.queue = new TaskQueue({ clock, workload: name, maxQueued: config.scaling.maxQueued });
    this.queue.onTakeable = () => {
      this.dispatcher.pump();
      hooks.onTakeable();
    };
    if (hooks.blockedBy) this.queue.blockedBy = hooks.blockedBy;
    this.queue.onSettled = (task, ok) => {
      const latencyMs = this.clock.now() - task.enqueuedAt;
      if (ok) {
        this.completed++;
        this.latency.record(latencyMs);
        this.attainment.record(this.clock.now(), latencyMs);
      } else this.failed++;
      hooks.onTaskSettled?.(name, latencyMs, ok);
    };
    this.dispatcher = new WorkloadDispatcher({
      workload: name,
      queue: this.queue,
      clock,
      concurrencyPerNode: config.scaling.concurrencyPerNode,
      maxAttempts: config.maxAttempts,
      ...(config.output ? { output: config.output } : {}),
      ...(config.request ? { target: config.request } : {}),
      attemptTimeoutMs: config.nodeTimeoutMs,
      hooks: {
        ...hooks,
        onAttempt: (nodeId, ms, ok) => {
          const now = clock.now();
          this.finished.record(now);
          if (ok) this.serviceTime.record(ms, now - ms);
          hooks.onAttempt?.(nodeId, ms, ok);
        },
      },
    });
    const { scaling, gpu } = config;
    this.policy = {
      minNodes: scaling.minNodes,
      maxNodes: scaling.maxNodes,
      latencyTargetMs: scaling.latencyTargetMs,
      sloTarget: scaling.sloTarget,
      concurrencyPerNode: scaling.concurrencyPerNode,
      scaleDownDelayMs: scaling.scaleDownDelayMs,
      ...(scaling.keepAliveMs !== undefined ? { keepAliveMs: scaling.keepAliveMs } : {}),
      spotCooloffMs: gpu.spotCooloffMs,
      ...(scaling.maxPricePerHour !== undefined ? { maxPricePerHour: scaling.maxPricePerHour } : {}),
      gpu: { model: gpu.model, count: gpu.count, interruptible: gpu.interruptible, ...(gpu.minMemoryGb !== undefined ? { minMemoryGb: gpu.minMemoryGb } : {}) },
    };
  }

  /** Validate and queue one task. Never throws: every failure is a rejected promise. */
  submit(input: unknown, options?: RunOptions): Promise<unknown> {
    try {
      return this.submitOrThrow(input, options);
    } catch (error) {
      // A last guard: nothing the caller passed may turn into a synchronous throw.
      return Promise.reject(error instanceof ComputeError ? error : new ComputeError('INPUT_INVALID', `workload "${this.name}": the call failed before queueing`, { cause: error, retryable: false }));
    }
  }

  private submitOrThrow(input: unknown, options: RunOptions | undefined): Promise<unknown> {
    const refusal = this.shutdownRefusal ?? this.budgetRefusal ?? this.capacityRefusal ?? this.coordinationRefusal ?? this.pausedRefusal();
    if (refusal) return Promise.reject(refusal);
    const badOption = checkRunOptions(this.name, options);
    if (badOption) return Promise.reject(badOption);
    let value = input;
    if (this.config.input) {
      // A streaming request wraps the caller's input: validate what the caller gave.
      const raw = input instanceof StreamRequest ? input.input : input;
      const checked = validate(this.config.input as Validator, raw);
      if (!checked.ok) {
        return Promise.reject(
          new ComputeError('INPUT_INVALID', `workload "${this.name}" input: ${checked.message}`, {
            retryable: false,
            ...(checked.cause !== undefined ? { cause: checked.cause } : {}),
          }),
        );
      }
      value = input instanceof StreamRequest ? new StreamRequest(checked.value) : checked.value;
    }
    this.arrivals.record(this.clock.now());
    this.spells.record(this.clock.now());
    // Hot path: hand the caller's options through untouched unless a default timeout applies.
    const defaultTimeout = this.config.timeoutMs;
    if (defaultTimeout === undefined || options?.timeoutMs !== undefined) return this.queue.enqueue(value, options);
    return this.queue.enqueue(value, { ...options, timeoutMs: defaultTimeout });
  }

  /** This workload as the observer sees it (controller/observe.ts), with the lease manager's nodes and the measured cold start. */
  source(world: { nodes(): NodeView[]; coldStartSeenMs: number | undefined; offers(): readonly Offer[] }): ObservationSource {
    const runtime = this;
    return {
      name: this.name,
      queued: this.queue.size,
      inFlight: this.queue.running,
      arrivalRate: (now, windowSec) => this.arrivals.rate(now, windowSec),
      arrivalDispersion: (now, windowSec) => this.arrivals.dispersion(now, windowSec),
      completionRate: (now, windowSec) => this.finished.rate(now, windowSec),
      countingSince: this.createdAt,
      serviceTime: this.serviceTime,
      oldestQueuedAt: () => this.queue.oldestQueuedAt(),
      coldStartSeenMs: world.coldStartSeenMs,
      gpuModels: this.policy.gpu.model,
      offers: world.offers,
      nodes: world.nodes,
      paused: this.paused !== false,
      preemptedAt: this.preemptedAt,
      spells: this.spells,
      attainment: this.attainment,
      sloTarget: this.policy.sloTarget,
      get memory() {
        return runtime.memory;
      },
    };
  }

  /** Whether anything waits or runs (Compute keeps the process alive for it). */
  get busy(): boolean {
    return this.queue.size > 0 || this.queue.running > 0;
  }

  private pausedRefusal(): ComputeError | undefined {
    return this.paused === 'reject' ? new ComputeError('WORKLOAD_PAUSED', `workload "${this.name}" is paused`) : undefined;
  }
}

/** The {@link Workload} handle `compute.workload()` returns (internal: apps see the interface). */
export class WorkloadHandle<I = unknown, O = unknown> implements Workload<I, O> {
  constructor(
    /** The workload's name. */
    readonly name: string,
    private readonly runtime: WorkloadRuntime,
    private readonly control: { pause(name: string, options?: PauseOptions): Promise<void>; resume(name: string): Promise<void> },
  ) {}

  /** Run one task. Resolves with the node's output; rejects with a `ComputeError`. */
  run(input: I, options?: RunOptions): Promise<O> {
    return this.runtime.submit(input, options) as Promise<O>;
  }

  /** See {@link Workload.map}. */
  map(inputs: Iterable<I> | AsyncIterable<I>, options: WorkloadMapOptions & { settle: true }): AsyncIterableIterator<MapSettled<O>>;
  map(inputs: Iterable<I> | AsyncIterable<I>, options?: WorkloadMapOptions & { settle?: false }): AsyncIterableIterator<O>;
  map(inputs: Iterable<I> | AsyncIterable<I>, options?: WorkloadMapOptions): AsyncIterableIterator<O | MapSettled<O>>;
  map(inputs: Iterable<I> | AsyncIterable<I>, options: WorkloadMapOptions = {}): AsyncIterableIterator<O | MapSettled<O>> {
    const problem = checkMapArguments(this.name, inputs, options);
    if (problem) return failing<O>(problem);
    const { concurrency, signal, timeoutMs, priority, settle } = options ?? {};
    const perTask: RunOptions = {
      ...(signal ? { signal } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(priority !== undefined ? { priority } : {}),
    };
    // Each failure says which input it was (index on the error and in its message).
    const run = (input: I, index: number): Promise<O> =>
      this.run(input, perTask).catch((error: unknown) => Promise.reject(errorAtIndex(error, index)));
    try {
      return mapOrdered(inputs, run, {
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(signal ? { signal } : {}),
        ...(settle === true ? { settle } : {}),
      });
    } catch (error) {
      // A bad concurrency: the iterator fails on its first next(), as every map() problem does.
      return failing<O>(error);
    }
  }

  /**
   * Stream the answer: for a workload with a raw HTTP `request` target whose server
   * answers with server-sent events (e.g. OpenAI-compatible `stream: true`). Yields each
   * event's data, parsed as JSON when it is JSON, until the stream ends or `[DONE]`.
   * Reading is pull-based (a slow reader slows the node's connection, nothing piles
   * up); a failure before the first chunk is retried on another node like any task,
   * after it the error reaches the reader. `signal` aborts it with `ABORTED`;
   * breaking out of the loop closes it. The request is queued when reading starts, so
   * an iterator nobody reads costs nothing.
   */
  stream<T = unknown>(input: I, options?: RunOptions): AsyncIterableIterator<T> {
    const badOption = checkRunOptions(this.name, options);
    if (badOption) return streamEvents<T>(() => Promise.reject(badOption), this.name);
    if (!this.runtime.config.request) {
      const error = new ComputeError('CONFIG_INVALID', `workload "${this.name}": stream() needs a raw HTTP target (the workload's request option)`);
      return streamEvents<T>(() => Promise.reject(error), this.name);
    }
    const { maxStreamBytes, maxStreamEventBytes } = this.runtime.config;
    return streamEvents<T>(() => this.runtime.submit(new StreamRequest(input), options) as Promise<NodeStream>, this.name, options?.signal, {
      maxBytes: maxStreamBytes,
      maxEventBytes: maxStreamEventBytes,
    });
  }

  /** Same as `compute.pause(name)`. */
  pause(options?: PauseOptions): Promise<void> {
    return this.control.pause(this.name, options);
  }

  /** Same as `compute.resume(name)`. */
  resume(): Promise<void> {
    return this.control.resume(this.name);
  }

  /** Resolves when nothing of this workload is queued or running. */
  onIdle(): Promise<void> {
    return this.runtime.queue.onIdle();
  }

  /** What `console.log(workload)` shows: the name and the queue, never the options (`env` holds secrets). */
  [inspect.custom](): string {
    return `Workload { name: '${this.name}', queued: ${this.runtime.queue.size}, running: ${this.runtime.queue.running} }`;
  }

  /** JSON form: the same safe summary as `inspect`. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, queued: this.runtime.queue.size, running: this.runtime.queue.running };
  }
}
