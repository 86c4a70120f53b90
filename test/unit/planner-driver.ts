/**
 * A tiny deterministic world for planner tests: it keeps leases, feeds each decision
 * back (adds become 'requested' nodes, drains 'draining', releases end the lease at
 * their committed cost) and the returned memory into the next observation.
 */
import { committedCost } from '../../src/budget/cost.js';
import { INITIAL_MEMORY } from '../../src/controller/observation.js';
import type { BudgetView, Decision, NodeView, Observation, PlannerMemory, PlannerPolicy } from '../../src/controller/observation.js';
import { plan } from '../../src/controller/planner.js';
import type { Offer } from '../../src/market/protocol.js';

/** Demand of one workload at one tick. */
export interface Demand {
  queued: number;
  inFlight: number;
  arrivalRateShort: number;
  arrivalRateLong: number;
  serviceTimeMs: number | undefined;
  paused: boolean;
}

const NO_DEMAND: Demand = { queued: 0, inFlight: 0, arrivalRateShort: 0, arrivalRateLong: 0, serviceTimeMs: 100, paused: false };

/** One recorded tick. */
export interface TickRecord {
  observation: Observation;
  view: BudgetView;
  decision: Decision;
}

/** Driver options. */
export interface DriverOptions {
  tickMs: number;
  coldStartMs: number;
  offers: Offer[];
  policies: Record<string, PlannerPolicy>;
  caps?: { maxPerHour?: number; total?: number };
  workloadCaps?: Record<string, { maxPerHour?: number; total?: number }>;
  start?: number;
}

/** The world the planner is driven in. */
export class TickDriver {
  now: number;
  readonly nodes = new Map<string, NodeView[]>();
  readonly memory = new Map<string, PlannerMemory>();
  readonly endedCost = new Map<string, number>();
  readonly history: TickRecord[] = [];
  #drainedAt = new Map<string, number>();
  #seq = 0;

  constructor(readonly options: DriverOptions) {
    this.now = options.start ?? 0;
    for (const name of Object.keys(options.policies)) {
      this.nodes.set(name, []);
      this.memory.set(name, { ...INITIAL_MEMORY });
    }
  }

  /** Live leases of a workload that are not draining. */
  live(name: string): NodeView[] {
    return (this.nodes.get(name) ?? []).filter((n) => n.state !== 'draining');
  }

  /** Summed hourly price of live leases (one workload or all). */
  rate(name?: string): number {
    return this.#all(name).reduce((s, n) => s + n.pricePerHour, 0);
  }

  /** Ended cost plus what live leases owe if released at `at` (one workload or all). */
  committed(at: number, name?: string): number {
    const ended = name === undefined ? [...this.endedCost.values()].reduce((a, b) => a + b, 0) : (this.endedCost.get(name) ?? 0);
    return this.#all(name).reduce((s, n) => s + committedCost(n, at), ended);
  }

  /** The budget as a ledger would report it now. */
  view(): BudgetView {
    const workloads: Record<string, BudgetView['workloads'][string]> = {};
    for (const name of this.nodes.keys()) {
      workloads[name] = { ...this.options.workloadCaps?.[name], hourlyRate: this.rate(name), committed: this.committed(this.now, name) };
    }
    return { maxPerHour: this.options.caps?.maxPerHour, total: this.options.caps?.total, hourlyRate: this.rate(), committed: this.committed(this.now), workloads };
  }

  /** Observe, plan, apply, and advance one tick. */
  step(demand: Readonly<Record<string, Partial<Demand>>> = {}): TickRecord {
    this.#progress();
    const observation: Observation = {
      now: this.now,
      tickMs: this.options.tickMs,
      workloads: [...this.nodes.keys()].map((name) => ({
        name,
        ...NO_DEMAND,
        ...demand[name],
        oldestQueuedMs: 0,
        coldStartMs: this.options.coldStartMs,
        nodes: this.nodes.get(name)!.map((n) => ({ ...n })),
        memory: this.memory.get(name)!,
      })),
    };
    const view = this.view();
    const decision = plan(observation, this.options.policies, this.options.offers, view);
    this.#apply(decision);
    const record = { observation, view, decision };
    this.history.push(record);
    this.now += this.options.tickMs;
    return record;
  }

  #all(name?: string): NodeView[] {
    return name === undefined ? [...this.nodes.values()].flat() : (this.nodes.get(name) ?? []);
  }

  /** Requested nodes start provisioning, provisioning ones become ready, drained tasks finish. */
  #progress(): void {
    for (const list of this.nodes.values()) {
      for (const n of list) {
        if (n.state === 'requested') n.state = 'provisioning';
        if (n.state === 'provisioning' && this.now - n.requestedAt >= this.options.coldStartMs) n.state = 'ready';
        if (n.state === 'draining' && this.now > (this.#drainedAt.get(n.id) ?? 0)) n.inFlight = 0;
      }
    }
  }

  #apply(decision: Decision): void {
    for (const d of decision.workloads) {
      const list = this.nodes.get(d.name)!;
      for (const id of d.release) {
        const i = list.findIndex((n) => n.id === id);
        if (i < 0) throw new Error(`release of unknown node ${id}`);
        this.endedCost.set(d.name, (this.endedCost.get(d.name) ?? 0) + committedCost(list[i]!, this.now));
        list.splice(i, 1);
      }
      for (const id of d.drain) {
        const node = list.find((n) => n.id === id);
        if (node === undefined || node.state === 'draining') throw new Error(`bad drain of ${id}`);
        node.state = 'draining';
        // Tasks in flight on a drained node finish by the next tick.
        node.inFlight = 1;
        this.#drainedAt.set(id, this.now);
      }
      for (const { offer } of d.add) {
        list.push({
          id: `${d.name}-${++this.#seq}`,
          state: 'requested',
          inFlight: 0,
          pricePerHour: offer.pricePerHour,
          requestedAt: this.now,
          billingIncrementSec: offer.billingIncrementSec,
          minLeaseSec: offer.minLeaseSec,
          interruptible: offer.interruptible,
        });
      }
      this.memory.set(d.name, d.memory);
    }
  }
}

/** An offer with sensible defaults. */
export function makeOffer(over: Partial<Offer> & { model?: string } = {}): Offer {
  const { model, ...rest } = over;
  return {
    id: 'a100-od',
    gpu: { model: model ?? 'A100', count: 1, memoryGb: 80 },
    pricePerHour: 2,
    currency: 'USD',
    billingIncrementSec: 60,
    minLeaseSec: 60,
    interruptible: false,
    region: 'local',
    reliability: 1,
    coldStartSec: 30,
    available: 10,
    ...rest,
  };
}

/** A scaling policy with sensible defaults. */
export function makePolicy(over: Partial<PlannerPolicy> = {}): PlannerPolicy {
  return {
    minNodes: 0,
    maxNodes: 8,
    latencyTargetMs: 500,
    concurrencyPerNode: 4,
    scaleDownDelayMs: 60_000,
    gpu: { model: ['A100', 'H100'], count: 1, interruptible: 'allow' },
    ...over,
  };
}
