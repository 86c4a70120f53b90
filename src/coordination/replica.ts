/**
 * One replica of a group coordinated on Redis: the runtime's side of the group. It
 * keeps the replica alive in Redis (heartbeat on its own timer, so a slow tick does
 * not cost the leadership), takes or renews each workload's leadership, and, once a
 * tick before the planner runs, exchanges observations and slot shares, refreshes the
 * group ledger and keeps the dispatcher in step with the group's fleet. A new leader
 * adopts the fleet (Redis ledger and the marketplace's leases by group tag) before it
 * plans, so it neither leaks nor re-rents. Redis down: degraded; nothing is planned,
 * dispatch goes on within the shares known.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, Timer } from '../clock.js';
import type { BudgetCaps } from '../budget/ledger.js';
import type { CoordinationConfig } from '../config/compute.js';
import type { LoopCoordination } from '../controller/loop.js';
import type { WorkloadObservation } from '../controller/observation.js';
import { observe } from '../controller/observe.js';
import type { NodeConnector } from '../dispatch/node-transport.js';
import { ComputeError } from '../errors.js';
import type { LeaseManager } from '../leases/lease-manager.js';
import type { EndpointPolicy } from '../leases/node-endpoint.js';
import type { Marketplace } from '../market/marketplace.js';
import { ENDED_LEASE_STATES, type Lease } from '../market/protocol.js';
import type { WorkloadRuntime } from '../workload.js';
import { adoptionPlan } from './adoption.js';
import { rebuildLedger } from './ledger-rebuild.js';
import { parseLedgerRecord, type LedgerRebuild, type LedgerRecord } from './ledger-record.js';
import { FleetFollower } from './fleet-follower.js';
import { demandOf, sumObservations, toReplicaObservation, type ReplicaObservation } from './group-observation.js';
import { GroupLedger } from './group-ledger.js';
import { groupKeys, type GroupKeys } from './keys.js';
import { GroupMembership } from './leadership.js';
import { connectRedis, DeferredRedis } from './redis.js';
import { assignShares } from './shares.js';
import { exchange, publishShares, type SharesDocument } from './signals.js';

/** How long a starting replica waits for its first Redis answer before it says Redis is unreachable, ms. */
const START_GRACE_MS = 1500;

/** `metrics().coordination`. */
export interface CoordinationMetrics {
  group: string;
  replicaId: string;
  /** Redis cannot be reached: nothing new is rented, dispatch goes on within known shares. */
  degraded: boolean;
  /** Clock time degraded mode began, ms; null when not degraded. */
  degradedSince: number | null;
  /** Replicas alive at the last heartbeat (this one included). */
  replicas: number;
  /** Redis commands sent so far. */
  redisOps: number;
  /** Controller ticks that exchanged with the group so far. */
  ticks: number;
  workloads: Record<string, { leaderReplicaId: string | null; isLeader: boolean; epoch: number; slotShare: Record<string, number> }>;
  /** The group ledger's birth record as last seen in Redis: when it was born, and its last rebuild after Redis lost it. */
  ledger: LedgerRecord | null;
}

/** Collaborators of a {@link GroupReplica}. */
export interface GroupReplicaDeps {
  config: CoordinationConfig;
  clock: Clock;
  market: Marketplace;
  tickMs: number;
  budget: BudgetCaps;
  runtimes(): Iterable<WorkloadRuntime>;
  /** The runtime's lease manager (created after the ledger it uses). */
  leases(): LeaseManager;
  connectNode: NodeConnector;
  endpointPolicy: EndpointPolicy;
  warn(error: ComputeError, during: string): void;
}

/** The runtime's membership of a replica group. */
export class GroupReplica implements LoopCoordination {
  readonly replicaId: string;
  readonly keys: GroupKeys;
  readonly ledger: GroupLedger;
  readonly membership: GroupMembership;
  readonly #redis = new DeferredRedis();
  readonly #follower: FleetFollower;
  readonly #startedAt: number;
  #degradedSince: number | null;
  #warnedDown = false;
  #timer: Timer | undefined;
  #beating = false;
  #beats = 0;
  #ticks = 0;
  #live: string[] = [];
  #sawBorn = false;
  /** When the group's ledger was born, as the earliest birth record seen says (ms). */
  #bornAt: number | undefined;
  #ledgerRecord: LedgerRecord | undefined;
  #closed = false;
  /** Per workload: the epoch whose fleet this replica has adopted (it plans only then). */
  readonly #adopted = new Map<string, number>();
  readonly #adopting = new Set<string>();
  readonly #shares = new Map<string, SharesDocument>();
  readonly #others = new Map<string, ReplicaObservation[]>();
  #resolveRecovery!: (released: number) => void;
  /** Resolves after the first heartbeat with the number of orphaned leases released (all replicas had died). */
  readonly recovered: Promise<number>;

  constructor(private readonly deps: GroupReplicaDeps) {
    this.replicaId = deps.config.replicaId ?? randomUUID().slice(0, 12);
    this.keys = groupKeys(deps.config.group);
    this.#startedAt = deps.clock.now();
    this.#degradedSince = this.#startedAt;
    this.membership = new GroupMembership(this.#redis, this.keys, this.replicaId, deps.config.ttlMs, deps.clock);
    this.ledger = new GroupLedger(deps.budget, {
      redis: this.#redis,
      keys: this.keys,
      replicaId: this.replicaId,
      // Rents are decided only with a margin of leadership left (see tokenForAction).
      tokenFor: (w) => (this.leads(w) ? this.membership.tokenForAction(w) : undefined),
      warn: deps.warn,
      // A leader that dies leaves its fleet billing until another takes over (two TTLs) and plans (a tick).
      failoverMs: 2 * deps.config.ttlMs + deps.tickMs,
    });
    this.#follower = new FleetFollower(deps);
    this.recovered = new Promise((resolve) => (this.#resolveRecovery = resolve));
  }

  /** Load the client, connect, and start the heartbeat. */
  start(): void {
    const onState = (up: boolean): void => {
      // Connected (or back): beat at once rather than at the next timer.
      if (up) void this.#beat();
    };
    connectRedis(this.deps.config.redis, { commandTimeoutMs: Math.min(1000, this.deps.config.ttlMs / 4), onState }).then(
      (conn) => this.#redis.attach(conn),
      (error: unknown) => this.deps.warn(new ComputeError('COORDINATION_UNAVAILABLE', `could not load the Redis client: ${String(error)}`, { cause: error }), 'starting coordination'),
    );
    this.#schedule(Math.max(100, Math.floor(this.deps.config.ttlMs / 3)));
  }

  /** Whether Redis cannot be reached now. */
  get degraded(): boolean {
    return this.#degradedSince !== null;
  }

  /** Redis commands sent so far. */
  get redisOps(): number {
    return this.#redis.ops;
  }

  // ---------------------------------------------------------------- heartbeat

  #schedule(ms: number): void {
    if (this.#closed) return;
    this.#timer?.cancel();
    const timer = this.deps.clock.setTimeout(() => {
      void this.#beat().finally(() => this.#schedule(Math.max(100, Math.floor(this.deps.config.ttlMs / 3))));
    }, ms);
    timer.keepAlive(false);
    this.#timer = timer;
  }

  /** Heartbeat and leaderships. Never rejects. */
  async #beat(): Promise<void> {
    if (this.#beating || this.#closed) return;
    this.#beating = true;
    try {
      const beat = await this.membership.heartbeat({ startedAt: this.#startedAt });
      this.#live = beat.live;
      const first = this.#beats++ === 0;
      if (first) this.#resolveRecovery(beat.live.length === 1 ? await this.#releaseOrphans() : 0);
      if (!beat.born) await this.#rebuild();
      else {
        this.#sawBorn = true;
        this.#noteBorn(beat.bornRecord);
      }
      for (const runtime of this.deps.runtimes()) await this.membership.lead(runtime.name);
      this.#up();
    } catch (error) {
      // The client is still connecting at start: degraded, but not worth a warning yet.
      if (this.#beats === 0 && this.deps.clock.now() - this.#startedAt < START_GRACE_MS) return;
      this.#down(error as ComputeError);
    } finally {
      this.#beating = false;
    }
  }

  #up(): void {
    if (this.#degradedSince === null) return;
    this.#degradedSince = null;
    this.#warnedDown = false;
    // Back: every leadership re-reads the fleet before it plans again.
    this.#adopted.clear();
    for (const runtime of this.deps.runtimes()) runtime.coordinationRefusal = undefined;
  }

  #down(error: ComputeError): void {
    this.#degradedSince ??= this.deps.clock.now();
    // No recovery pass can run without Redis: whoever awaits it learns that nothing was released.
    this.#resolveRecovery(0);
    if (!this.#warnedDown) {
      this.#warnedDown = true;
      this.deps.warn(
        new ComputeError('COORDINATION_UNAVAILABLE', `group "${this.deps.config.group}": Redis unreachable; serving within the known slot shares, renting nothing new (${error.message})`, {
          cause: error,
        }),
        'coordinating the replica group',
      );
    }
    this.#refuseWhereNothingServes();
  }

  /**
   * With Redis down, a workload with no slot on any node can serve nothing: say so to
   * callers. Not on an outage shorter than two TTLs (commands timing out on a loaded
   * machine, a slow first connection): the bound the group gives itself to fail over.
   */
  #refuseWhereNothingServes(): void {
    if (this.#degradedSince === null || this.deps.clock.now() - this.#degradedSince < 2 * this.deps.config.ttlMs) return;
    for (const runtime of this.deps.runtimes()) {
      // A node in the share known last still serves; nodes this replica has no share of do not.
      if (runtime.dispatcher.hasAcceptingNode) continue;
      const error = new ComputeError(
        'COORDINATION_UNAVAILABLE',
        `workload "${runtime.name}": the replica group's Redis cannot be reached and this replica knows no node; nothing new is rented until it is back`,
      );
      runtime.coordinationRefusal = error;
      runtime.queue.rejectQueued(error);
    }
  }

  // ---------------------------------------------------------------- LoopCoordination

  async prepare(now: number): Promise<void> {
    this.#ticks++;
    if (this.degraded) {
      if (this.#warnedDown) this.#refuseWhereNothingServes();
      return;
    }
    try {
      await this.ledger.read();
      await this.#claimThresholds(now);
      const leases = this.deps.leases();
      for (const runtime of this.deps.runtimes()) {
        const mine = this.#observation(runtime, now);
        const seen = await exchange(this.#redis, this.keys, runtime.name, mine);
        this.#others.set(runtime.name, seen.observations.filter((o) => o.replicaId !== this.replicaId));
        const view = this.membership.view(runtime.name);
        if (view.isLeader) {
          this.#adoptIfNew(runtime, view.epoch);
          const doc = this.#sharesFor(runtime, [mine, ...(this.#others.get(runtime.name) ?? [])], view.epoch, now);
          const token = this.membership.tokenFor(runtime.name);
          if (token !== undefined && (await publishShares(this.#redis, this.keys, runtime.name, token, doc))) this.#shares.set(runtime.name, doc);
        } else {
          if (this.#adopted.has(runtime.name)) {
            // Leadership lost (paused past the TTL, or handed over): the new leader owns the leases now.
            this.#adopted.delete(runtime.name);
            leases.disown(runtime.name);
          }
          if (seen.shares) this.#shares.set(runtime.name, seen.shares);
          this.#followBudget(runtime, seen.shares);
        }
        const owned = new Set(leases.nodesOf(runtime.name).map((n) => n.id));
        this.#follower.sync(
          { name: runtime.name, dispatcher: runtime.dispatcher, nodeTimeoutMs: runtime.config.nodeTimeoutMs, owned },
          this.#shares.get(runtime.name),
          this.replicaId,
        );
      }
    } catch (error) {
      this.#down(error as ComputeError);
    }
  }

  leads(workload: string): boolean {
    if (this.degraded) return false;
    const view = this.membership.view(workload);
    return view.isLeader && this.#adopted.get(workload) === view.epoch;
  }

  observe(own: WorkloadObservation, runtime: WorkloadRuntime): WorkloadObservation {
    const others = this.#others.get(runtime.name) ?? [];
    const now = this.deps.clock.now();
    return sumObservations(own, runtime.completed, others, now, Math.max(3 * this.deps.tickMs, this.deps.config.ttlMs));
  }

  /** Crossings are claimed for the group in Redis (see {@link #claimThresholds}): report those claimed here. */
  reportsBudget(): boolean {
    return this.ledger.pendingCrossings > 0;
  }

  /**
   * The leader of the first workload (by name) claims the budget levels the group's
   * ledger crossed: in Redis, fenced by its token, each level once for the group, so a
   * new leader does not fire again what its predecessor fired.
   */
  async #claimThresholds(now: number): Promise<void> {
    const first = [...this.deps.runtimes()].map((r) => r.name).sort()[0];
    const token = first !== undefined && this.leads(first) ? this.membership.tokenFor(first) : undefined;
    if (token !== undefined) await this.ledger.claimThresholds(first!, token, now);
  }

  // ---------------------------------------------------------------- shares and adoption

  #observation(runtime: WorkloadRuntime, now: number): ReplicaObservation {
    const own = observe(runtime.source({ nodes: () => [], coldStartSeenMs: undefined, offers: () => [] }), now);
    const nodeInFlight: Record<string, number> = {};
    const nodeOldestMs: Record<string, number> = {};
    for (const key of runtime.dispatcher.nodeIds()) {
      const n = runtime.dispatcher.inFlight(key);
      if (n > 0) {
        nodeInFlight[key] = n;
        nodeOldestMs[key] = runtime.dispatcher.oldestTaskMs(key);
      }
    }
    return toReplicaObservation(this.replicaId, own, runtime.completed, nodeInFlight, nodeOldestMs, now);
  }

  #sharesFor(runtime: WorkloadRuntime, observations: readonly ReplicaObservation[], epoch: number, now: number): SharesDocument {
    const slots = runtime.config.scaling.concurrencyPerNode;
    const nodes: SharesDocument['nodes'] = {};
    for (const record of this.deps.leases().all()) {
      if (record.spec.workload !== runtime.name || record.state !== 'ready' || record.leaseId === null) continue;
      nodes[record.key] = { leaseId: record.leaseId, slots };
    }
    const live = new Set(this.#live);
    const replicas = observations.filter((o) => o.replicaId === this.replicaId || live.has(o.replicaId)).map((o) => ({ replicaId: o.replicaId, demand: demandOf(o) }));
    const shares = assignShares(
      Object.entries(nodes).map(([key, n]) => ({ key, slots: n.slots })),
      replicas,
    );
    return { epoch, at: now, nodes, shares, ...(runtime.budgetRefusal ? { budgetRefusal: runtime.budgetRefusal.message } : {}) };
  }

  /** The leader said the group's budget is spent (policy: reject): queued work here is settled too. */
  #followBudget(runtime: WorkloadRuntime, doc: SharesDocument | undefined): void {
    if (doc?.budgetRefusal) {
      if (runtime.budgetRefusal?.message !== doc.budgetRefusal) {
        runtime.budgetRefusal = new ComputeError('BUDGET_EXHAUSTED', doc.budgetRefusal, { retryable: false, details: { scope: 'group' } });
      }
      runtime.queue.rejectQueued(runtime.budgetRefusal);
    } else if (doc) {
      runtime.budgetRefusal = undefined;
    }
  }

  /** A new leadership: take over the fleet before planning (runs in the background; planning waits for it). */
  #adoptIfNew(runtime: WorkloadRuntime, epoch: number): void {
    if (this.#adopted.get(runtime.name) === epoch || this.#adopting.has(runtime.name)) return;
    this.#adopting.add(runtime.name);
    void this.#adopt(runtime)
      .then(
        () => {
          if (this.membership.view(runtime.name).epoch === epoch) this.#adopted.set(runtime.name, epoch);
        },
        (error: unknown) => this.deps.warn(asComputeError(error), `adopting the fleet of workload "${runtime.name}"`),
      )
      .finally(() => this.#adopting.delete(runtime.name));
  }

  async #adopt(runtime: WorkloadRuntime): Promise<void> {
    const leases = this.deps.leases();
    const listed = await this.deps.market.listLeases(`client:${this.deps.config.group}`);
    const held = new Set(leases.nodesOf(runtime.name).map((n) => n.id));
    const plan = adoptionPlan(runtime.name, listed, this.ledger.entries(), held, this.deps.clock.now());
    for (const item of plan.adopt) {
      this.ledger.adoptEntry(item.key, item.entry);
      leases.adopt(
        {
          workload: runtime.name,
          offer: item.offer,
          image: runtime.config.image,
          ...(runtime.config.env ? { env: runtime.config.env } : {}),
          maxPricePerHour: item.offer.pricePerHour,
          concurrencyPerNode: runtime.config.scaling.concurrencyPerNode,
          maxProvisionSec: runtime.config.scaling.maxProvisionSec,
          nodeTimeoutMs: runtime.config.nodeTimeoutMs,
        },
        item.key,
        item.lease,
        item.entry.r,
      );
    }
    for (const ended of plan.ended) this.ledger.end(ended.key, this.deps.clock.now(), ended.cost);
  }

  /** Every replica had died: release every live lease of the group (found by its tag), and close their ledger entries. */
  async #releaseOrphans(): Promise<number> {
    let listed: Lease[];
    try {
      listed = await this.deps.market.listLeases(`client:${this.deps.config.group}`);
    } catch (error) {
      this.deps.warn(asComputeError(error), 'listing the group\'s leases at start');
      return 0;
    }
    await this.ledger.read().catch(() => undefined);
    let released = 0;
    const now = this.deps.clock.now();
    for (const lease of listed) {
      if (ENDED_LEASE_STATES.has(lease.state)) continue;
      try {
        const ended = await this.deps.market.releaseLease(lease.id);
        released++;
        const key = lease.tags.node ?? `adopted:${lease.id}`;
        if (this.ledger.has(key)) this.ledger.end(key, now, ended.cost);
      } catch (error) {
        this.deps.warn(asComputeError(error), `releasing orphaned lease ${lease.id} of the group`);
      }
    }
    // Entries whose lease is gone at the marketplace too.
    for (const [key, entry] of [...this.ledger.entries()]) {
      if (entry.s === 'a') this.ledger.end(key, now, entry.c);
    }
    if (released > 0) {
      this.deps.warn(
        new ComputeError('MARKET_UNAVAILABLE', `group "${this.deps.config.group}": no replica was alive; released ${released} orphaned lease(s) tagged with the group`, { retryable: false }),
        'recovering the group\'s leases at start',
      );
    }
    return released;
  }

  /**
   * Redis holds no ledger: a new group, or Redis restarted empty. Rebuild it from the
   * marketplace's leases (by the group tag) and what this replica still knows, and say
   * so: a `warning` (details: what was rebuilt) and `metrics().coordination.ledger`.
   */
  async #rebuild(): Promise<void> {
    const listed = await this.deps.market.listLeases(`client:${this.deps.config.group}`).catch((error: unknown) => {
      this.deps.warn(asComputeError(error), 'listing the group\'s leases to rebuild the ledger');
      return undefined;
    });
    if (!listed) return;
    const now = this.deps.clock.now();
    const held = new Map([...this.deps.leases().all()].map((r) => [r.key, r] as const));
    const known = this.ledger.knowledge();
    const lost = this.#sawBorn;
    const rebuilt = rebuildLedger({ listed, held, entries: known.entries, spent: known.spent, replicaId: this.replicaId, since: this.#bornAt ?? this.#startedAt, now });
    const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
    const report: LedgerRebuild = {
      at: now,
      by: this.replicaId,
      leases: Object.keys(rebuilt.entries).length,
      spent: sum(rebuilt.spent),
      spentFromMarket: sum(rebuilt.fromMarket),
      spentKnownByReplica: sum(rebuilt.fromReplica),
    };
    const born: LedgerRecord = { bornAt: this.#bornAt ?? now, ...(lost ? { rebuilt: report } : {}) };
    const wrote = await this.ledger.rebuild(rebuilt.entries, rebuilt.spent, born);
    if (lost) {
      this.deps.warn(
        new ComputeError(
          'COORDINATION_UNAVAILABLE',
          `group "${this.deps.config.group}": Redis lost the group's state (restarted empty?); ${wrote ? 'the ledger was rebuilt' : 'this replica merged what it knew into the ledger rebuilt'} from the marketplace's leases and the replicas' last view: ${report.leases} live lease(s), ${report.spent.toFixed(6)} spent`,
          { retryable: false, details: { warning: 'ledger-rebuilt', group: this.deps.config.group, wrote, ...report } },
        ),
        'rebuilding the group ledger',
      );
    }
    this.#sawBorn = true;
    this.#adopted.clear();
  }

  /** Read the ledger's birth record from a heartbeat (the group's birth time, and the last rebuild). */
  #noteBorn(record: string): void {
    const parsed = parseLedgerRecord(record);
    if (!parsed) return;
    this.#ledgerRecord = parsed;
    this.#bornAt = Math.min(this.#bornAt ?? parsed.bornAt, parsed.bornAt);
  }

  // ---------------------------------------------------------------- metrics and shutdown

  metrics(): CoordinationMetrics {
    const workloads: CoordinationMetrics['workloads'] = {};
    for (const runtime of this.deps.runtimes()) {
      const view = this.membership.view(runtime.name);
      workloads[runtime.name] = { ...view, slotShare: { ...(this.#shares.get(runtime.name)?.shares[this.replicaId] ?? {}) } };
    }
    return {
      group: this.deps.config.group,
      replicaId: this.replicaId,
      degraded: this.degraded,
      degradedSince: this.#degradedSince,
      replicas: this.#live.length,
      redisOps: this.#redis.ops,
      ticks: this.#ticks,
      workloads,
      ledger: this.#ledgerRecord ?? null,
    };
  }

  /**
   * Leave the group (shutdown): give up leaderships and liveness. Resolves with whether
   * this was the last replica alive (it must then release the fleet); true as well when
   * Redis cannot be reached (nobody could take over: releasing is the safe side).
   */
  async leave(): Promise<boolean> {
    this.#resolveRecovery(0);
    this.#closed = true;
    this.#timer?.cancel();
    for (const runtime of this.deps.runtimes()) await this.membership.resign(runtime.name);
    try {
      await this.ledger.flush().catch(() => undefined);
      return (await this.membership.leave()) === 0;
    } catch {
      return true;
    }
  }

  /** The last replica gives back every live lease tagged with the group. Never rejects. */
  async releaseFleet(): Promise<void> {
    let listed: Lease[];
    try {
      listed = await this.deps.market.listLeases(`client:${this.deps.config.group}`);
    } catch (error) {
      this.deps.warn(asComputeError(error), 'listing the group\'s leases at shutdown');
      return;
    }
    const now = this.deps.clock.now();
    await Promise.all(
      listed
        .filter((l) => !ENDED_LEASE_STATES.has(l.state))
        .map(async (lease) => {
          try {
            const ended = await this.deps.market.releaseLease(lease.id);
            const key = lease.tags.node ?? `adopted:${lease.id}`;
            if (this.ledger.has(key)) this.ledger.end(key, now, ended.cost);
          } catch (error) {
            this.deps.warn(asComputeError(error), `releasing lease ${lease.id} of the group at shutdown`);
          }
        }),
    );
    await this.ledger.flush().catch(() => undefined);
  }

  /** Close the Redis connection. */
  async close(): Promise<void> {
    this.#resolveRecovery(0);
    this.#closed = true;
    this.#timer?.cancel();
    await this.#redis.close();
  }
}

function asComputeError(error: unknown): ComputeError {
  return error instanceof ComputeError ? error : new ComputeError('MARKET_UNAVAILABLE', String(error), { cause: error });
}
