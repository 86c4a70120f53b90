/**
 * The discrete-event loop of one run on virtual time. No Promise, no timer: the
 * next event is the earliest of the next arrival (the trace is sorted), the next
 * completion (a binary heap), the next node event (cold start over, spot
 * preemption: a second heap), the next spot-market change, and the controller's
 * next decision. Ties go completions first, then node and market events, then the
 * controller, then arrivals, so that a decision sees every slot freed at its instant.
 */
import { BudgetLedger } from '../budget/ledger.js';
import type { Offer } from '../market/protocol.js';
import { Cluster } from './cluster.js';
import { EventHeap } from './heap.js';
import type { SimNode } from './node.js';
import { SpotDice, type SpotTimeline } from './spot.js';
import type { Trace } from './trace/types.js';

/** Decides what to rent and release; the engine calls it when `nextAt` comes. */
export interface Controller {
  /** Time of the next decision (Infinity: none planned). */
  nextAt: number;
  /** Set up the starting fleet (warm start) before the first event. */
  init(engine: Engine): void;
  /** Make a decision at `now` and act on it through the engine. */
  decide(engine: Engine, now: number): void;
  /** A task arrived while no node takes work (the runtime nudges its loop). */
  onIdleArrival(engine: Engine, now: number): void;
  /** A spot node of this run was preempted. */
  onPreempted(engine: Engine, now: number): void;
  /**
   * Nodes the policy holds for good as things stand (a floor with no end, like a
   * baseline's `minNodes`); absent: the run's `restingNodes`. Read while the policy
   * comes to rest after the last completion.
   */
  readonly restingNodes?: number | undefined;
}

/** Inputs of one run. */
export interface EngineOptions {
  trace: Trace;
  slots: number;
  onDemand: Offer;
  spot?: { offer: Offer; timeline: SpotTimeline } | undefined;
  ledger: BudgetLedger;
  seed: number;
  /** Name of the policy (seeds its own preemption dice). */
  policy: string;
  sampleMs: number;
  /** Give up on requests not finished this long after the last arrival. */
  maxTailMs: number;
  /**
   * Leases the policy holds for good on an empty queue (its floor: `minNodes`, HPA's
   * one replica, a fixed fleet). After the last request the run goes on until the
   * policy is down to them, so that each lease it lets go is paid until it does.
   * @default 0
   */
  restingNodes?: number | undefined;
  /** How long after the last completion the policy gets to come to rest. @default {@link MAX_DRAIN_MS} */
  maxDrainMs?: number | undefined;
  /** Called now and then with the share of arrivals replayed. */
  onProgress?: ((share: number) => void) | undefined;
}

/**
 * The longest a policy is given, after the last completion, to let go of the leases
 * above its floor: longer than any default delay among the baselines (SkyServe waits
 * 20 minutes of low demand before it scales down).
 */
export const MAX_DRAIN_MS = 2 * 3_600_000;

const READY = 0;
const PREEMPT = 1;

/** One simulated run: the cluster, the spot market, and the loop. */
export class Engine {
  readonly cluster: Cluster;
  readonly byKey = new Map<string, SimNode>();
  spotAvailable: boolean;
  preemptions = 0;
  scaleEvents = 0;
  /** Time the run ended: when the policy came to rest after the last completion, or the give-up time. */
  endedAt = 0;
  private readonly nodeEvents = new EventHeap(64);
  private readonly dice: SpotDice;
  private spotIdx = 0;
  private lastEventAt = 0;
  private seq = 0;

  constructor(readonly options: EngineOptions) {
    this.cluster = new Cluster(options.trace, options.slots, options.ledger, options.sampleMs);
    this.spotAvailable = options.spot?.timeline.initiallyAvailable ?? false;
    this.dice = new SpotDice(options.seed, options.policy);
  }

  /** Rent a node of `offer` at `now` (reserving it in the ledger); `warm` nodes are ready at once. */
  rent(now: number, offer: Offer, warm = false, key = `n${this.seq++}`): SimNode | undefined {
    const { ledger } = this.options;
    if (!ledger.has(key) && !ledger.reserve('sim', key, offer, now).ok) return undefined;
    ledger.activate(key);
    const spot = this.options.spot;
    const preemptAt = offer.interruptible && spot ? this.dice.lifetimeEnd(now, spot.timeline.hazardPerMs) : Infinity;
    const readyAt = warm ? now : now + offer.coldStartSec * 1000;
    const node = this.cluster.addNode(now, key, offer, readyAt, preemptAt);
    this.byKey.set(key, node);
    if (!warm) this.nodeEvents.push(readyAt, READY, node.idx);
    if (preemptAt !== Infinity) this.nodeEvents.push(preemptAt, PREEMPT, node.idx);
    return node;
  }

  /** A fresh ledger key (for controllers that reserve before renting). */
  nextKey(): string {
    return `n${this.seq++}`;
  }

  /** Run the trace through `controller`. */
  run(controller: Controller): void {
    const c = this.cluster;
    const { arr, n } = c;
    const spotEvents = this.options.spot?.timeline.events ?? [];
    const giveUpAt = (n > 0 ? arr[n - 1]! : 0) + this.options.maxTailMs;
    controller.init(this);
    let progressAt = 1 << 16;
    while (c.completed < n) {
      const tA = c.next < n ? arr[c.next]! : Infinity;
      const tC = c.completions.peekTime();
      const tN = this.nodeEvents.peekTime();
      const tS = this.spotIdx < spotEvents.length ? spotEvents[this.spotIdx]!.at : Infinity;
      const tD = controller.nextAt;
      const tCtl = Math.min(tN, tS, tD);
      if (tC <= tA && tC <= tCtl) {
        c.complete(tC);
        continue;
      }
      const t = Math.min(tA, tCtl);
      if (t === Infinity || t > giveUpAt) break;
      this.lastEventAt = t;
      if (tCtl <= tA) {
        if (tN === tCtl) this.nodeEvent(controller);
        else if (tS === tCtl) this.spotEvent(controller, spotEvents[this.spotIdx++]!);
        else controller.decide(this, tD);
        continue;
      }
      // Only a ready node takes the task; with none, the loop is nudged (it may take back a draining one).
      const canServe = c.readyCount > 0;
      c.arrive(tA);
      if (!canServe) controller.onIdleArrival(this, tA);
      if (c.next >= progressAt) {
        progressAt += 1 << 16;
        this.options.onProgress?.(c.next / n);
      }
    }
    this.finish(controller, giveUpAt);
  }

  private nodeEvent(controller: Controller): void {
    const t = this.nodeEvents.peekTime();
    const kind = this.nodeEvents.peekRequest();
    const node = this.cluster.nodes[this.nodeEvents.peekNode()]!;
    this.nodeEvents.pop();
    if (kind === READY) this.cluster.nodeReady(t, node);
    else if (node.state !== 'gone' && node.preemptAt === t) this.preempt(controller, t, node);
  }

  private spotEvent(controller: Controller, event: { at: number; available: boolean; preempt: number }): void {
    this.spotAvailable = event.available;
    if (event.preempt <= 0) return;
    for (const node of this.cluster.liveNodes()) {
      if (node.offer.interruptible && this.dice.hit(event.preempt)) this.preempt(controller, event.at, node);
    }
  }

  private preempt(controller: Controller, t: number, node: SimNode): void {
    this.cluster.release(t, node);
    this.preemptions++;
    controller.onPreempted(this, t);
  }

  /**
   * End the run. When every request finished, the policy keeps deciding on the empty
   * queue until it is down to its resting nodes (see {@link drain}); those, and every
   * lease still live after giving up on requests, are released then.
   */
  private finish(controller: Controller, giveUpAt: number): void {
    const c = this.cluster;
    let end: number;
    if (c.completed === c.n) end = this.drain(controller, c.lastCompletionAt);
    else {
      end = Math.max(c.lastCompletionAt, Math.min(giveUpAt, this.lastEventAt));
      c.markUnfinished();
    }
    this.endedAt = end;
    for (const node of c.liveNodes()) c.release(end, node);
    c.meter.finish(end, 0, 0, 0, 0);
  }

  /**
   * After the last completion: run the policy's decisions, cold starts and spot events
   * (no arrivals are left) until no more than its resting nodes are live, so that every
   * lease it lets go on an empty queue is paid until it does (plus its billing increment
   * or minimum, as the ledger settles any lease), not until the last completion.
   * Returns when the policy came to rest (`from` if it already was, or came to rest by
   * decisions that changed no lease).
   */
  private drain(controller: Controller, from: number): number {
    const c = this.cluster;
    const resting = (): number => controller.restingNodes ?? this.options.restingNodes ?? 0;
    const until = from + (this.options.maxDrainMs ?? MAX_DRAIN_MS);
    const spotEvents = this.options.spot?.timeline.events ?? [];
    let at = from;
    // Whether the fleet changed since `from`: a policy that comes to rest by decisions
    // alone (it only had to see the empty queue to call its nodes a floor) rests from the
    // last completion, as a baseline's floor does; billing it to the next tick would
    // charge the tick's granularity, not the policy.
    let changed = false;
    while (c.liveCount > resting()) {
      const tN = this.nodeEvents.peekTime();
      const tS = this.spotIdx < spotEvents.length ? spotEvents[this.spotIdx]!.at : Infinity;
      const tD = controller.nextAt;
      const t = Math.max(from, Math.min(tN, tS, tD));
      if (t === Infinity || t > until) return Math.min(until, Math.max(at, from));
      at = t;
      if (tN <= tS && tN <= tD) {
        this.nodeEvent(controller);
        changed = true;
      } else if (tS <= tD) {
        this.spotEvent(controller, spotEvents[this.spotIdx++]!);
        changed = true;
      } else {
        const live = c.liveCount;
        const settled = c.cost;
        controller.decide(this, t);
        if (c.liveCount !== live || c.cost !== settled) changed = true;
      }
    }
    return changed ? at : from;
  }
}
