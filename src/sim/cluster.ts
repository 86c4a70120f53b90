/**
 * The modelled world of one run: the workload's queue, the nodes and the tasks on
 * them, with the runtime's semantics (one FIFO queue, a task re-queued at the
 * front when its node goes away, the least-loaded ready node takes the next task,
 * never more than `concurrencyPerNode` at once, a draining node takes nothing new
 * and is released as soon as it is idle). Every lease's cost goes through the real
 * {@link BudgetLedger}. Per-request state lives in typed arrays indexed by request.
 */
import type { BudgetLedger } from '../budget/ledger.js';
import { Ewma } from '../metrics/ewma.js';
import { RollingMean } from '../metrics/rolling-mean.js';
import { IdleSpells } from '../metrics/idle-spells.js';
import type { AttainmentWindow } from '../metrics/attainment-window.js';
import { RateMeter } from '../metrics/rate-meter.js';
import type { Offer } from '../market/protocol.js';
import { EventHeap } from './heap.js';
import { LoadLevels } from './levels.js';
import { Meter } from './meter.js';
import type { SimNode } from './node.js';
import type { Trace } from './trace/types.js';

// runNode values besides a node index.
const QUEUED = -1;
const DONE = -2;

/** Queue, nodes and tasks of one simulated run. */
export class Cluster {
  readonly arr: Float64Array;
  readonly svc: Float64Array;
  readonly n: number;
  /** Arrivals processed so far (requests [0, next) have arrived). */
  next = 0;
  /** Oldest never-started arrival; requests [qHead, next) are waiting. */
  private qHead = 0;
  /** Re-queued tasks, taken first (last re-queued first, as `requeueFront` does). */
  private front: number[] = [];
  /** Node running each request, or QUEUED / DONE. */
  private readonly runNode: Int32Array;
  /** Latency of each completed request (arrival to completion), ms. */
  readonly latency: Float64Array;
  readonly completions = new EventHeap(1024);
  readonly nodes: SimNode[] = [];
  /** Nodes not gone yet, oldest first. */
  private readonly live: SimNode[] = [];
  /** Ready, non-draining nodes (the only ones tasks go to), by tasks in flight. */
  private readonly levels: LoadLevels;
  inFlight = 0;
  completed = 0;
  liveCount = 0;
  readyCount = 0;
  provisioningCount = 0;
  drainingCount = 0;
  private freeSlots = 0;
  private idleReady = 0;
  /** Service time estimate the runtime keeps (mean of the last finished attempts). */
  readonly serviceTime = new RollingMean();
  /** Arrivals per second as the runtime meters them (the same RateMeter). */
  readonly arrivals = new RateMeter(60);
  /** Completions, counted as arrivals are: what the slots got through. */
  readonly finished = new RateMeter(60);
  /** Arrival count and quiet spells the runtime keeps (for our policy's keep-warm step). */
  readonly spells = new IdleSpells();
  /** Completions and target misses over the last hour, as the runtime keeps them (set by our policy's controller). */
  attainment: AttainmentWindow | undefined;
  /** Cold-start estimate the runtime keeps (EWMA of request-to-ready). */
  readonly coldStart = new Ewma(0.3);
  /** Time of the latest completion. */
  lastCompletionAt = 0;
  cost = 0;
  nodeMs = 0;
  readonly meter: Meter;

  constructor(
    trace: Trace,
    readonly slots: number,
    readonly ledger: BudgetLedger,
    sampleMs: number,
  ) {
    this.arr = trace.arrivalMs;
    this.svc = trace.serviceMs;
    this.n = trace.count;
    this.runNode = new Int32Array(this.n).fill(QUEUED);
    this.levels = new LoadLevels(slots);
    this.latency = new Float64Array(this.n);
    this.meter = new Meter(sampleMs);
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.front.length + (this.next - this.qHead);
  }

  /** Arrival time of the oldest waiting task, or undefined. */
  oldestQueuedAt(): number | undefined {
    let oldest = this.qHead < this.next ? this.arr[this.qHead]! : Infinity;
    for (const i of this.front) oldest = Math.min(oldest, this.arr[i]!);
    return oldest === Infinity ? undefined : oldest;
  }

  /** Bring the time integrals up to `t` (before any state change at `t`). */
  tick(t: number): void {
    this.meter.advance(t, this.queued + this.inFlight, this.inFlight, this.liveCount, this.idleReady);
  }

  /** The next request arrives (at `arr[next]`); start it if a slot is free. */
  arrive(t: number): void {
    this.tick(t);
    this.next++;
    this.arrivals.record(t);
    this.spells.record(t);
    if (this.freeSlots > 0) this.pump(t);
  }

  /** Pop and apply the earliest completion (time `t`). Stale events of lost nodes are skipped. */
  complete(t: number): void {
    const heap = this.completions;
    const i = heap.peekRequest();
    const k = heap.peekNode();
    heap.pop();
    if (this.runNode[i] !== k) return;
    this.tick(t);
    this.runNode[i] = DONE;
    this.latency[i] = t - this.arr[i]!;
    this.attainment?.record(t, this.latency[i]!);
    this.lastCompletionAt = t;
    this.completed++;
    this.inFlight--;
    this.serviceTime.record(this.svc[i]!, t - this.svc[i]!);
    this.finished.record(t);
    const node = this.nodes[k]!;
    if (node.state === 'ready') this.levels.move(node, node.inFlight, node.inFlight - 1);
    node.inFlight--;
    // Swap-remove from the node's running list (a few slots: a scan is cheapest).
    const at = node.running.indexOf(i);
    const last = node.running.length - 1;
    node.running[at] = node.running[last]!;
    node.startedAt[at] = node.startedAt[last]!;
    node.running.pop();
    node.startedAt.pop();
    if (node.state === 'ready') {
      this.freeSlots++;
      if (node.inFlight === 0) this.idleReady++;
      if (this.queued > 0) this.pump(t);
    } else if (node.state === 'draining' && node.inFlight === 0) {
      this.idleReady++;
      this.release(t, node);
    }
  }

  /** Rent a node of `offer` at `t`; it takes work at `readyAt` (`t` for a warm node). */
  addNode(t: number, key: string, offer: Offer, readyAt: number, preemptAt: number): SimNode {
    this.tick(t);
    const node: SimNode = { idx: this.nodes.length, key, offer, state: 'provisioning', requestedAt: t, readyAt, preemptAt, inFlight: 0, pos: -1, running: [], startedAt: [] };
    this.nodes.push(node);
    this.live.push(node);
    this.liveCount++;
    this.provisioningCount++;
    if (readyAt <= t) this.nodeReady(t, node, false);
    return node;
  }

  /** A provisioning node finished its cold start. */
  nodeReady(t: number, node: SimNode, measured = true): void {
    if (node.state !== 'provisioning') return;
    this.tick(t);
    node.state = 'ready';
    node.readyAt = t;
    if (measured) this.coldStart.record(t - node.requestedAt);
    this.provisioningCount--;
    this.readyCount++;
    this.levels.add(node, 0);
    this.freeSlots += this.slots;
    this.idleReady++;
    this.pump(t);
  }

  /** Stop giving `node` work; a node not ready yet, or idle, is released at once. */
  drain(t: number, node: SimNode): void {
    if (node.state === 'provisioning' || (node.state === 'ready' && node.inFlight === 0)) {
      this.release(t, node);
      return;
    }
    if (node.state !== 'ready') return;
    this.tick(t);
    node.state = 'draining';
    this.readyCount--;
    this.drainingCount++;
    this.freeSlots -= this.slots - node.inFlight;
    this.levels.remove(node, node.inFlight);
  }

  /** Take a draining node back into service (it takes tasks again). */
  restore(t: number, node: SimNode): void {
    if (node.state !== 'draining') return;
    this.tick(t);
    node.state = 'ready';
    this.readyCount++;
    this.drainingCount--;
    this.freeSlots += this.slots - node.inFlight;
    this.levels.add(node, node.inFlight);
    this.pump(t);
  }

  /**
   * End the lease at `t` (released, preempted, or the run is over): its tasks go
   * back to the front of the queue, and the ledger settles its cost.
   */
  release(t: number, node: SimNode): void {
    if (node.state === 'gone') return;
    this.tick(t);
    if (node.state === 'provisioning') this.provisioningCount--;
    else {
      if (node.state === 'ready') {
        this.readyCount--;
        this.freeSlots -= this.slots - node.inFlight;
        this.levels.remove(node, node.inFlight);
      } else this.drainingCount--;
      if (node.inFlight === 0) this.idleReady--;
    }
    if (node.inFlight > 0) this.requeueFrom(node);
    node.state = 'gone';
    this.live.splice(this.live.indexOf(node), 1);
    this.liveCount--;
    this.cost += this.ledger.end(node.key, t);
    this.nodeMs += t - node.requestedAt;
    if (this.queued > 0 && this.freeSlots > 0) this.pump(t);
  }

  /** Give unfinished requests an infinite latency (the run gave up on them). */
  markUnfinished(): void {
    for (let i = 0; i < this.n; i++) if (this.runNode[i] !== DONE) this.latency[i] = Infinity;
  }

  /** Live nodes (not gone), oldest first: a snapshot, safe to iterate while releasing. */
  liveNodes(): SimNode[] {
    return this.live.slice();
  }

  private requeueFrom(node: SimNode): void {
    const lost: number[] = [];
    this.completions.forEach((_, i, k) => {
      if (k === node.idx && this.runNode[i] === k) lost.push(i);
    });
    // Front of the queue, earliest arrival taken first.
    lost.sort((a, b) => b - a);
    for (const i of lost) {
      this.runNode[i] = QUEUED;
      this.front.push(i);
    }
    this.inFlight -= lost.length;
    node.inFlight = 0;
    node.running.length = 0;
    node.startedAt.length = 0;
  }

  /** Start waiting tasks while a slot is free, each on the least-loaded accepting node. */
  private pump(t: number): void {
    while (this.freeSlots > 0) {
      let i: number;
      if (this.front.length > 0) i = this.front.pop()!;
      else if (this.qHead < this.next) i = this.qHead++;
      else return;
      const best = this.levels.least();
      this.levels.move(best, best.inFlight, best.inFlight + 1);
      if (best.inFlight === 0) this.idleReady--;
      best.inFlight++;
      this.freeSlots--;
      this.inFlight++;
      this.runNode[i] = best.idx;
      best.running.push(i);
      best.startedAt.push(t);
      this.completions.push(t + this.svc[i]!, i, best.idx);
    }
  }
}
