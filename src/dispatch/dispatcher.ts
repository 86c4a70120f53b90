/**
 * Moves tasks from one workload's queue to its ready nodes: least-loaded node
 * first, never more than `concurrencyPerNode` in flight on a node, the same
 * `taskId` on every attempt, and a failed attempt retried on another node until
 * `maxAttempts`. Data only flows forward here; which nodes exist is decided by
 * the lease manager, which tells the dispatcher through add / drain / remove.
 */
import type { Clock, Timer } from '../clock.js';
import { ComputeError, NodeError } from '../errors.js';
import type { Task, TaskQueue } from '../queue/index.js';
import { validate, type Validator } from '../config/validator.js';
import type { HttpTarget, NodeFailureKind } from './node-client.js';
import { NodeStream } from './node-stream.js';
import { StreamRequest } from './stream-request.js';
import type { NodeTransport } from './node-transport.js';
import { Cancellation } from '../util/cancellation.js';

/** Callbacks from the dispatcher to the rest of the runtime. */
export interface DispatcherHooks {
  /** A task attempt finished on a node (any outcome), with its service time. */
  onAttempt?(nodeId: string, serviceMs: number, ok: boolean): void;
  /** A node failed in a way that says it may be dead; it gets no tasks until reinstated or removed. */
  onNodeSuspect?(nodeId: string, error: NodeError): void;
  /** A draining node has no task left: it can be released. */
  onNodeIdle?(nodeId: string): void;
}

/** Options of a {@link WorkloadDispatcher}. */
export interface DispatcherOptions {
  workload: string;
  queue: TaskQueue;
  clock: Clock;
  concurrencyPerNode: number;
  maxAttempts: number;
  /** Validates outputs before the caller sees them. */
  output?: Validator;
  /** Send each input as the body of this HTTP request instead of the node protocol. */
  target?: HttpTarget;
  /**
   * Longest a task attempt may take on a node, from sending to the end of its answer
   * (for a stream: to its end), ms. Bounds the whole attempt, not the gap between
   * bytes: a node that trickles its answer is cut off here. @default no bound
   */
  attemptTimeoutMs?: number;
  hooks?: DispatcherHooks;
}

interface Slot {
  readonly id: string;
  readonly client: NodeTransport;
  inFlight: number;
  /** Most tasks in flight here: `concurrencyPerNode`, or this replica's slot share in a group. */
  limit: number;
  /** Takes new tasks (false while draining or suspected). */
  accepting: boolean;
  draining: boolean;
  /** Attempts running on it, and when each started (clock ms). */
  readonly attempts: Map<Cancellation, number>;
}

// Abort reasons the dispatcher itself uses, to tell them from a caller's abort.
const NODE_LOST = Symbol('node-lost');
const NODE_RELEASED = Symbol('node-released');
const ATTEMPT_TIMEOUT = Symbol('attempt-timeout');

/** Dispatches one workload's tasks to its nodes. */
export class WorkloadDispatcher {
  private readonly nodes = new Map<string, Slot>();
  private pumping = false;
  private held = false;
  private closedWith: ComputeError | undefined;
  /** One timer for every attempt's deadline: armed for the earliest while attempts run. */
  private watchdog: Timer | undefined;

  constructor(private readonly options: DispatcherOptions) {}

  /** A node passed its health check: start sending it tasks (at most `limit` at once: a replica's slot share). */
  addNode(id: string, client: NodeTransport, limit?: number): void {
    if (this.nodes.has(id)) return;
    const most = Math.max(0, Math.min(limit ?? this.options.concurrencyPerNode, this.options.concurrencyPerNode));
    this.nodes.set(id, { id, client, inFlight: 0, limit: most, accepting: true, draining: false, attempts: new Map() });
    this.pump();
  }

  /** Stop sending tasks to a node; in-flight ones finish, then `onNodeIdle` fires. */
  drainNode(id: string): void {
    const slot = this.nodes.get(id);
    if (!slot) return;
    slot.accepting = false;
    slot.draining = true;
    if (slot.inFlight === 0) this.options.hooks?.onNodeIdle?.(id);
  }

  /**
   * A draining node is wanted again: it takes tasks again (`accepting`: false while it
   * is suspected; {@link reinstate} then lets it take them once it proves healthy).
   */
  restoreNode(id: string, accepting: boolean): void {
    const slot = this.nodes.get(id);
    if (!slot || !slot.draining) return;
    slot.draining = false;
    slot.accepting = accepting;
    this.pump();
  }

  /** How long the oldest task running on a node has been running, ms (0 with none or unknown node). */
  oldestTaskMs(id: string): number {
    const slot = this.nodes.get(id);
    if (!slot || slot.attempts.size === 0) return 0;
    const now = this.options.clock.now();
    let oldest = now;
    for (const at of slot.attempts.values()) if (at < oldest) oldest = at;
    return now - oldest;
  }

  /** Health-check a node over its own connection (false for unknown nodes). Never throws. */
  async probe(id: string, signal: AbortSignal, timeoutMs: number): Promise<boolean> {
    const slot = this.nodes.get(id);
    return slot ? slot.client.healthy(signal, timeoutMs) : false;
  }

  /** A suspected node proved healthy: give it tasks again. */
  reinstate(id: string): void {
    const slot = this.nodes.get(id);
    if (!slot || slot.draining) return;
    slot.accepting = true;
    this.pump();
  }

  /**
   * The node is gone: its in-flight tasks go back to the queue front. `planned`
   * removals (we released it: scale-down, budget, shutdown) do not count against the
   * tasks' attempts; a lost node (preempted, dead) does.
   */
  removeNode(id: string, planned = false): void {
    const slot = this.nodes.get(id);
    if (!slot) return;
    this.nodes.delete(id);
    slot.accepting = false;
    for (const attempt of slot.attempts.keys()) attempt.abort(planned ? NODE_RELEASED : NODE_LOST);
    void slot.client.close();
  }

  /**
   * Cap the tasks this runtime sends to a node at once (a replica's slot share of a
   * node the group shares); `undefined` restores `concurrencyPerNode`. Local state
   * only: no round-trip on the task path.
   */
  setNodeLimit(id: string, limit: number | undefined): void {
    const slot = this.nodes.get(id);
    if (!slot) return;
    const next = Math.min(limit ?? this.options.concurrencyPerNode, this.options.concurrencyPerNode);
    const grew = next > slot.limit;
    slot.limit = Math.max(0, next);
    if (grew) this.pump();
  }

  /** Ids of the nodes known to the dispatcher. */
  nodeIds(): string[] {
    return [...this.nodes.keys()];
  }

  /** Whether the dispatcher knows node `id`. */
  hasNode(id: string): boolean {
    return this.nodes.has(id);
  }

  /** Tasks in flight on `id` (0 for unknown nodes). */
  inFlight(id: string): number {
    return this.nodes.get(id)?.inFlight ?? 0;
  }

  /** Nodes known to the dispatcher (accepting or not). */
  get nodeCount(): number {
    return this.nodes.size;
  }

  /**
   * Some node takes new tasks now (not draining, not suspected). Asked on every task
   * queued: it stops at the first such node, which in steady running is the first one.
   */
  get hasAcceptingNode(): boolean {
    for (const slot of this.nodes.values()) if (slot.accepting && slot.limit > 0) return true;
    return false;
  }

  /** Tasks in flight on all nodes. */
  get totalInFlight(): number {
    let n = 0;
    for (const slot of this.nodes.values()) n += slot.inFlight;
    return n;
  }

  /** While held (workload paused), no new task starts; in-flight ones finish. */
  hold(on: boolean): void {
    this.held = on;
    if (!on) this.pump();
  }

  /**
   * Shutting down: start nothing new, and settle a task whose attempt fails with
   * `error` instead of retrying it.
   */
  close(error: ComputeError): void {
    this.closedWith = error;
    this.held = true;
  }

  /** Send queued tasks while some node has a free slot. */
  pump(): void {
    if (this.pumping || this.held) return;
    this.pumping = true;
    try {
      const { queue } = this.options;
      while (queue.size > 0) {
        const slot = this.leastLoaded();
        if (!slot) break;
        const task = queue.take();
        if (!task) break;
        this.start(slot, task);
      }
    } finally {
      this.pumping = false;
    }
  }

  private leastLoaded(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.nodes.values()) {
      if (!slot.accepting || slot.inFlight >= slot.limit) continue;
      if (best === undefined || slot.inFlight < best.inFlight) best = slot;
    }
    return best;
  }

  private start(slot: Slot, task: Task): void {
    const { workload } = this.options;
    // `take()` stamped task.startedAt a moment ago.
    task.attempts++;
    slot.inFlight++;
    const attempt = new Cancellation();
    slot.attempts.set(attempt, task.startedAt);
    task.cancelRunning = () => attempt.abort();
    const streamed = task.input instanceof StreamRequest;
    const input = streamed ? (task.input as StreamRequest).input : task.input;
    const bounded = this.options.attemptTimeoutMs !== undefined;
    if (bounded) this.armWatchdog();
    slot.client
      .run({
        workload,
        input,
        taskId: task.taskId,
        // A stream can always be cut short by its reader, so it always carries a signal.
        // So does a bounded attempt: the watchdog must be able to stop it.
        signal: task.extras || streamed || bounded ? attempt.signal : undefined,
        target: this.options.target,
        stream: streamed,
      })
      .then(
        (output) => this.finish(slot, task, attempt, { ok: true, output }),
        (error: unknown) => this.finish(slot, task, attempt, { ok: false, error }),
      );
  }

  /** Make sure the watchdog fires by the earliest running attempt's deadline. */
  private armWatchdog(): void {
    if (this.watchdog !== undefined) return;
    const limit = this.options.attemptTimeoutMs!;
    const now = this.options.clock.now();
    let earliest = now;
    for (const slot of this.nodes.values()) for (const at of slot.attempts.values()) if (at < earliest) earliest = at;
    this.watchdog = this.options.clock.setTimeout(() => this.expireAttempts(), Math.max(0, earliest + limit - now));
  }

  /** Stop every attempt past its deadline; re-arm for the rest. */
  private expireAttempts(): void {
    this.watchdog = undefined;
    const limit = this.options.attemptTimeoutMs!;
    const now = this.options.clock.now();
    let running = false;
    for (const slot of this.nodes.values()) {
      for (const [attempt, at] of [...slot.attempts]) {
        if (now - at >= limit) attempt.abort(ATTEMPT_TIMEOUT);
        else running = true;
      }
    }
    if (running) this.armWatchdog();
  }

  private finish(
    slot: Slot,
    task: Task,
    attempt: Cancellation,
    outcome: { ok: true; output: unknown } | { ok: false; error: unknown },
  ): void {
    task.cancelRunning = undefined;
    if (outcome.ok && outcome.output instanceof NodeStream) {
      // The stream keeps its slot until it is read to the end or closed.
      const stream = outcome.output;
      stream.onClose(() => this.freeSlot(slot, attempt));
      // Past the attempt's deadline the reader gets a timeout, not a broken stream.
      attempt.addEventListener('abort', () => {
        if (attempt.reason === ATTEMPT_TIMEOUT) stream.fail(attemptTimeoutError(slot.id, this.options.attemptTimeoutMs!));
      });
      if (task.state === 'settled') stream.close();
      else this.options.queue.resolve(task, stream);
      return;
    }
    const serviceMs = this.options.clock.now() - task.startedAt;
    this.options.hooks?.onAttempt?.(slot.id, serviceMs, outcome.ok);
    if (task.state !== 'settled') {
      if (outcome.ok) this.deliver(task, outcome.output);
      else this.retryOrFail(slot, task, this.classify(slot, attempt, outcome.error));
    }
    this.freeSlot(slot, attempt);
  }

  private freeSlot(slot: Slot, attempt: Cancellation): void {
    slot.inFlight--;
    slot.attempts.delete(attempt);
    if (slot.draining && slot.inFlight === 0 && this.nodes.has(slot.id)) this.options.hooks?.onNodeIdle?.(slot.id);
    this.pump();
  }

  private deliver(task: Task, output: unknown): void {
    const { queue, output: schema, workload } = this.options;
    if (!schema) {
      queue.resolve(task, output);
      return;
    }
    const checked = validate(schema, output);
    if (checked.ok) queue.resolve(task, checked.value);
    else {
      const cause = checked.cause !== undefined ? { cause: checked.cause } : {};
      queue.reject(task, new ComputeError('OUTPUT_INVALID', `workload "${workload}" output: ${checked.message}`, { retryable: false, ...cause }));
    }
  }

  /** Turn an attempt failure into a NodeError, recognising our own abort reasons. */
  private classify(slot: Slot, attempt: Cancellation, error: unknown): NodeError {
    const reason: unknown = attempt.signal.reason;
    if (reason === ATTEMPT_TIMEOUT) return attemptTimeoutError(slot.id, this.options.attemptTimeoutMs!);
    if (reason === NODE_LOST || reason === NODE_RELEASED) {
      const what = reason === NODE_LOST ? 'node was lost during the task' : 'node was released during the task';
      return new NodeError('NODE_FAILED', `lease ${slot.id}: ${what}`, slot.id, undefined, {
        retryable: true,
        details: { kind: reason === NODE_LOST ? 'connection' : 'released' },
      });
    }
    if (error instanceof NodeError) return error;
    // A connector's own ComputeError (not a NodeError: no lease, no failure kind) is this
    // lease's failure; its retryability stands, and it does not make the node suspect.
    if (error instanceof ComputeError) {
      return new NodeError('NODE_FAILED', `lease ${slot.id}: ${error.message}`, slot.id, undefined, {
        retryable: error.retryable,
        cause: error,
        details: { kind: error.retryable ? 'server' : 'rejected' },
      });
    }
    return new NodeError('NODE_FAILED', `lease ${slot.id}: ${String(error)}`, slot.id, undefined, { retryable: true, details: { kind: 'connection' } });
  }

  private retryOrFail(slot: Slot, task: Task, error: NodeError): void {
    const { queue, maxAttempts, workload } = this.options;
    const kind = error.details.kind as NodeFailureKind;
    if ((kind === 'connection' || kind === 'auth') && this.nodes.has(slot.id)) {
      // A node that drops connections fails fast and would look least loaded: keep tasks
      // off it until the lease manager has checked it (a 5xx is the handler's, not the node's).
      slot.accepting = false;
      this.options.hooks?.onNodeSuspect?.(slot.id, error);
    }
    if (this.closedWith) {
      queue.reject(task, this.closedWith);
      return;
    }
    // Our own decision to give the node back is not the task's failure.
    if (kind === 'released') task.attempts--;
    if (error.retryable && task.attempts < maxAttempts) {
      queue.requeueFront(task);
      return;
    }
    const tries = task.attempts === 1 ? '1 attempt' : `${task.attempts} attempts`;
    queue.reject(
      task,
      new ComputeError('NODE_FAILED', `workload "${workload}" task ${task.taskId} failed after ${tries}: ${error.message}`, {
        cause: error,
        retryable: error.retryable,
        details: { attempts: task.attempts, leaseId: error.leaseId },
      }),
    );
  }
}

/** An attempt that ran past `nodeTimeoutMs`: retried elsewhere like a connection timeout. */
function attemptTimeoutError(leaseId: string, limitMs: number): NodeError {
  return new NodeError('NODE_FAILED', `lease ${leaseId}: node did not finish the attempt within nodeTimeoutMs (${limitMs} ms)`, leaseId, undefined, {
    retryable: true,
    details: { kind: 'timeout', nodeTimeoutMs: limitMs },
  });
}
