/**
 * Owns every lease the runtime holds: reserves its minimum cost, requests it,
 * waits for it to run, health-checks the node before it takes tasks, notices when
 * it is preempted or dies, and gives it back. It executes the planner's commands;
 * it decides nothing about how many nodes there should be.
 */
import { sleep, type Clock } from '../clock.js';
import { ComputeError, isComputeError } from '../errors.js';
import type { BudgetLedger } from '../budget/ledger.js';
import type { NodeView } from '../controller/observation.js';
import type { NodeConnector } from '../dispatch/node-transport.js';
import type { WorkloadDispatcher } from '../dispatch/dispatcher.js';
import type { LeaseEvent, LeaseEventType } from '../events.js';
import type { Marketplace } from '../market/marketplace.js';
import { ENDED_LEASE_STATES, type Lease, type Offer } from '../market/protocol.js';
import { newIdempotencyKey } from '../util/ids.js';
import { isFatalMarketError } from '../market/lasting-failure.js';
import { canTransition, isLive, type ManagedLeaseState } from './lease-state.js';
import { toNodeView } from './node-view.js';
import type { LeaseJournal } from './journal.js';
import { ownerTags } from './reconciler.js';
import { refuseNodeEndpoint, type EndpointPolicy } from './node-endpoint.js';
import { recheckSuspect, untilHealthy } from './node-health.js';
import { leaseFailureReason } from './failure-reason.js';

/** What a new lease is for. */
export interface AcquireSpec {
  workload: string;
  offer: Offer;
  image: string;
  env?: Record<string, string>;
  /** Price cap sent to the marketplace. */
  maxPricePerHour: number;
  /** Keep-alive connections to open to the node. */
  concurrencyPerNode: number;
  /** Give the lease up if it is not running after this long. */
  maxProvisionSec: number;
  /** Per-attempt timeout of a task on the node, ms. */
  nodeTimeoutMs: number;
}

/** Collaborators of the {@link LeaseManager}. */
export interface LeaseManagerDeps {
  market: Marketplace;
  clock: Clock;
  ledger: BudgetLedger;
  /** Value of the `client` tag on every lease. */
  clientId: string;
  dispatcherFor(workload: string): WorkloadDispatcher | undefined;
  emit(event: LeaseEvent): void;
  warn(error: ComputeError, during: string): void;
  /** A spot lease was preempted (the planner avoids spot for a while). */
  onPreempted?(workload: string): void;
  /** A lease ended before its node served (crash-loop backoff: controller/start-failures.ts). */
  onStartFailed?(spec: AcquireSpec, reason: string): void;
  /** Opens connections to nodes (HTTP live; modelled nodes in the simulator). */
  connectNode: NodeConnector;
  /** Seconds between state checks of a running lease. @default 5 */
  checkEverySec?: number;
  /** Where leases are recorded before they are requested (crash recovery). */
  journal?: LeaseJournal;
  /** This host's name, put in every lease's `host` tag. */
  host: string;
  /** Which node endpoints are acceptable. @default https anywhere, http on loopback only */
  endpointPolicy?: EndpointPolicy;
}

/** One lease as the runtime tracks it. */
export interface ManagedLease {
  /** Local id; also the node id the dispatcher and planner use. */
  readonly key: string;
  readonly spec: AcquireSpec;
  readonly idempotencyKey: string;
  readonly requestedAt: number;
  state: ManagedLeaseState;
  leaseId: string | null;
  readyAt: number | null;
  lastCheckedAt: number;
  checking: boolean;
  releaseInFlight: boolean;
  healthFailures: number;
  /** The dispatcher saw the node drop a connection; it gets no task until a health check passes. */
  suspected: boolean;
  serverCost: number;
  /** Why it is being released (kept for the event). */
  releaseReason: string;
}

/** How long a lasting refusal (bad key, no funds, unusable endpoints) stops new lease requests. */
const REFUSAL_TTL_MS = 60_000;

/** Requests, watches and releases leases. */
export class LeaseManager {
  private readonly leases = new Map<string, ManagedLease>();
  /** Per workload: the last lease request refused in a way no retry fixes (cleared by a success). */
  private readonly refusals = new Map<string, { error: ComputeError; at: number }>();
  private seq = 0;
  private readonly instance = newIdempotencyKey().slice(0, 6);
  private closed = false;

  constructor(private readonly deps: LeaseManagerDeps) {}

  /**
   * Reserve the lease's minimum cost and request it. Returns the local key, or
   * undefined when the ledger refuses (the budget wins).
   */
  acquire(spec: AcquireSpec): string | undefined {
    if (this.closed) return undefined;
    const now = this.deps.clock.now();
    // Unique across restarts too: the key is the lease's `node` tag, matched after a lost answer.
    const key = `${spec.workload}#${this.instance}.${++this.seq}`;
    const reserved = this.deps.ledger.reserve(spec.workload, key, spec.offer, now);
    if (!reserved.ok) return undefined;
    const record: ManagedLease = {
      key,
      spec,
      idempotencyKey: newIdempotencyKey(),
      requestedAt: now,
      state: 'requested',
      leaseId: null,
      readyAt: null,
      lastCheckedAt: now,
      checking: false,
      releaseInFlight: false,
      healthFailures: 0,
      suspected: false,
      serverCost: 0,
      releaseReason: '',
    };
    this.leases.set(key, record);
    try {
      this.writeJournal(record);
    } catch (error) {
      // No journal, no lease: an unrecorded lease could outlive a crash unnoticed.
      this.deps.ledger.cancel(key);
      this.leases.delete(key);
      this.deps.warn(error as ComputeError, 'recording a lease in the journal');
      return undefined;
    }
    void this.provision(record);
    return key;
  }

  /** Stop giving the node tasks; it is released once idle. Nodes not ready yet are released at once. */
  drain(key: string, reason: string): void {
    const record = this.leases.get(key);
    if (!record) return;
    if (record.state === 'ready') {
      this.move(record, 'draining');
      this.emit(record, 'draining', reason);
      this.deps.dispatcherFor(record.spec.workload)?.drainNode(key);
    } else if (record.state === 'requested' || record.state === 'provisioning') {
      void this.release(key, reason);
    }
  }

  /** Take a draining node back into service: it gets tasks again (once healthy, if suspected). */
  restore(key: string, reason: string): void {
    const record = this.leases.get(key);
    if (!record || record.state !== 'draining') return;
    this.move(record, 'ready');
    this.emit(record, 'ready', `taken back into service: ${reason}`);
    this.deps.dispatcherFor(record.spec.workload)?.restoreNode(key, !record.suspected);
  }

  /** Give the lease back now. In-flight tasks go back to the queue. Idempotent. */
  async release(key: string, reason: string): Promise<void> {
    const record = this.leases.get(key);
    if (!record || !isLive(record.state)) return;
    if (record.state !== 'releasing') {
      record.releaseReason = reason;
      this.move(record, 'releasing');
      this.deps.dispatcherFor(record.spec.workload)?.removeNode(key, true);
    }
    // No lease id yet: provision() releases it as soon as the creation answers.
    if (record.leaseId === null || record.releaseInFlight) return;
    record.releaseInFlight = true;
    try {
      const lease = await this.deps.market.releaseLease(record.leaseId);
      this.finish(record, 'released', record.releaseReason, lease.cost);
    } catch (error) {
      if (isComputeError(error) && error.details.notFound === true) {
        this.finish(record, 'released', `${record.releaseReason} (the marketplace no longer knows it)`);
      } else {
        this.deps.warn(asComputeError(error), `releasing lease ${record.leaseId}`);
      }
    } finally {
      record.releaseInFlight = false;
    }
  }

  /** The dispatcher saw a connection failure on this node: check the lease and the node. */
  suspect(key: string): void {
    const record = this.leases.get(key);
    if (!record || record.state !== 'ready') return;
    record.suspected = true;
    if (!record.checking) void this.check(record);
  }

  /**
   * Periodic upkeep, called once per controller tick: retry failed releases and
   * re-check running leases so that preemption is noticed even when idle.
   */
  refresh(now: number): void {
    const every = (this.deps.checkEverySec ?? 5) * 1000;
    for (const record of this.leases.values()) {
      if (record.state === 'releasing' && !record.releaseInFlight && record.leaseId !== null) {
        void this.release(record.key, record.releaseReason);
      } else if ((record.state === 'ready' || record.state === 'draining') && !record.checking && (record.suspected || now - record.lastCheckedAt >= every)) {
        void this.check(record);
      }
    }
  }

  /** The marketplace's last lasting refusal of a lease for `workload` (bad key, no funds), if any. */
  refusalFor(workload: string): ComputeError | undefined {
    const refusal = this.refusals.get(workload);
    // Refusals go stale: a rotated key or a topped-up account should get a new try.
    if (refusal && this.deps.clock.now() - refusal.at > REFUSAL_TTL_MS) this.refusals.delete(workload);
    return this.refusals.get(workload)?.error;
  }

  /** Live leases of one workload, as the planner sees them. */
  nodesOf(workload: string): NodeView[] {
    const dispatcher = this.deps.dispatcherFor(workload);
    const views: NodeView[] = [];
    for (const record of this.leases.values()) {
      if (record.spec.workload !== workload || !isLive(record.state)) continue;
      views.push(toNodeView(record, dispatcher?.inFlight(record.key) ?? 0, dispatcher?.oldestTaskMs(record.key) ?? 0));
    }
    return views;
  }

  /** Every lease record (live and ended), for metrics. */
  all(): Iterable<ManagedLease> {
    return this.leases.values();
  }

  /** Leases that may still bill. */
  liveCount(): number {
    let n = 0;
    for (const record of this.leases.values()) if (isLive(record.state)) n++;
    return n;
  }

  /**
   * Release every live lease; waits for creations in flight and retries failed
   * releases until `deadlineMs` (clock time). Returns lease ids still not confirmed released.
   */
  async releaseAll(reason: string, deadlineMs: number): Promise<string[]> {
    this.closed = true;
    const { clock } = this.deps;
    for (;;) {
      const live = [...this.leases.values()].filter((r) => isLive(r.state));
      if (live.length === 0) return [];
      await Promise.all(live.map((r) => this.release(r.key, reason)));
      const left = [...this.leases.values()].filter((r) => isLive(r.state));
      if (left.length === 0) return [];
      if (clock.now() >= deadlineMs) return left.map((r) => r.leaseId ?? r.key);
      await sleep(clock, 200);
    }
  }

  private async provision(record: ManagedLease): Promise<void> {
    const { market, clientId } = this.deps;
    const { spec } = record;
    let lease: Lease;
    try {
      lease = await market.createLease(
        {
          offerId: spec.offer.id,
          image: spec.image,
          ...(spec.env ? { env: spec.env } : {}),
          maxPricePerHour: spec.maxPricePerHour,
          tags: { client: clientId, workload: spec.workload, node: record.key, ...ownerTags(this.deps.host) },
        },
        record.idempotencyKey,
      );
    } catch (error) {
      const found = await this.findAfterUnknownOutcome(record, error);
      if (!found && error instanceof ComputeError && isFatalMarketError(error)) this.refusals.set(spec.workload, { error, at: this.deps.clock.now() });
      if (!found) {
        this.finish(record, 'failed', `lease request failed: ${asComputeError(error).message}`);
        return;
      }
      lease = found;
    }
    record.leaseId = lease.id;
    this.journalQuietly(record);
    this.refusals.delete(spec.workload);
    this.deps.ledger.activate(record.key, lease.id);
    this.emit(record, 'acquired', `requested ${spec.offer.gpu.count}x ${spec.offer.gpu.model} at ${spec.offer.pricePerHour}/h`);
    if (record.state === 'releasing') {
      await this.release(record.key, record.releaseReason);
      return;
    }
    this.move(record, 'provisioning');
    await this.waitUntilReady(record, lease);
  }

  /** A POST that failed may still have created the lease: look for it by our tag before giving up. */
  private async findAfterUnknownOutcome(record: ManagedLease, error: unknown): Promise<Lease | undefined> {
    if (!isComputeError(error, 'MARKET_UNAVAILABLE')) return undefined;
    try {
      const leases = await this.deps.market.listLeases(`client:${this.deps.clientId}`);
      return leases.find((l) => l.tags.node === record.key && !ENDED_LEASE_STATES.has(l.state));
    } catch {
      // Still unknown: the periodic reconciliation (failure-model issue) sweeps tagged leases.
      return undefined;
    }
  }

  private async waitUntilReady(record: ManagedLease, first: Lease): Promise<void> {
    const { clock, market } = this.deps;
    const deadline = record.requestedAt + record.spec.maxProvisionSec * 1000;
    const pollMs = Math.min(2_000, Math.max(200, (record.spec.offer.coldStartSec * 1000) / 5));
    let lease = first;
    while (record.state === 'provisioning') {
      if (ENDED_LEASE_STATES.has(lease.state)) {
        const why = leaseFailureReason(lease, record.spec.env);
        this.lost(record, lease, `lease ${lease.state} before it ran${why ? `: ${why}` : ''}`);
        if (lease.state === 'failed') this.deps.onStartFailed?.(record.spec, why ?? 'the marketplace gave no reason');
        return;
      }
      if (lease.state === 'running' && lease.endpoint && lease.nodeToken) {
        const refused = refuseNodeEndpoint(lease.endpoint, this.deps.endpointPolicy ?? { allowInsecureHttp: false });
        if (refused) {
          const error = new ComputeError('PROTOCOL_INVALID', `lease ${lease.id}: node endpoint ${refused}`, { retryable: false });
          // A marketplace that hands out unusable endpoints will do it again: stop waiting on it.
          this.refusals.set(record.spec.workload, { error, at: this.deps.clock.now() });
          this.deps.warn(error, 'checking a node endpoint');
          await this.release(record.key, `node endpoint ${refused}`);
          return;
        }
        await this.connect(record, lease.endpoint, lease.nodeToken, deadline, lease.tlsPin);
        return;
      }
      if (clock.now() >= deadline) {
        await this.release(record.key, `not running after ${record.spec.maxProvisionSec} s`);
        return;
      }
      await sleep(clock, pollMs);
      if (record.state !== 'provisioning') return;
      try {
        lease = await market.getLease(record.leaseId!);
        record.serverCost = lease.cost;
      } catch (error) {
        this.deps.warn(asComputeError(error), `polling lease ${record.leaseId}`);
      }
    }
  }

  /** Health-check the node until it answers ready, then hand it to the dispatcher. */
  private async connect(record: ManagedLease, endpoint: string, nodeToken: string, deadline: number, tlsPin?: string): Promise<void> {
    const { clock } = this.deps;
    const client = this.deps.connectNode({
      leaseId: record.leaseId!,
      endpoint,
      nodeToken,
      connections: record.spec.concurrencyPerNode,
      timeoutMs: record.spec.nodeTimeoutMs,
      ...(tlsPin === undefined ? {} : { tlsPin }),
    });
    const outcome = await untilHealthy(clock, (signal, ms) => client.healthy(signal, ms), deadline, () => record.state === 'provisioning');
    if (outcome === 'ready') {
      record.readyAt = clock.now();
      record.lastCheckedAt = record.readyAt;
      this.move(record, 'ready');
      this.emit(record, 'ready', `node healthy ${Math.round(record.readyAt - record.requestedAt)} ms after the request`);
      const dispatcher = this.deps.dispatcherFor(record.spec.workload);
      if (dispatcher) {
        dispatcher.addNode(record.key, client);
        return;
      }
    } else if (outcome === 'timeout') {
      await this.release(record.key, 'node never passed its health check');
    }
    await client.close();
  }

  /**
   * Ask the marketplace how the lease is; for a suspected node, also ask the node
   * itself (through the dispatcher's own connection, so it works while the
   * marketplace is down). Two failed health checks in a row and the node is given up.
   */
  private async check(record: ManagedLease): Promise<void> {
    record.checking = true;
    try {
      try {
        const lease = await this.deps.market.getLease(record.leaseId!);
        record.lastCheckedAt = this.deps.clock.now();
        record.serverCost = lease.cost;
        this.deps.ledger.observeServerCost(record.key, lease.cost);
        if (ENDED_LEASE_STATES.has(lease.state) || lease.state === 'terminating') {
          this.lost(record, lease, `marketplace reports the lease ${lease.state}`);
          return;
        }
      } catch (error) {
        this.deps.warn(asComputeError(error), `checking lease ${record.leaseId}`);
      }
      if (!record.suspected || !isLive(record.state)) return;
      const dispatcher = this.deps.dispatcherFor(record.spec.workload);
      const probe = (signal: AbortSignal, ms: number) => dispatcher?.probe(record.key, signal, ms) ?? Promise.resolve(false);
      const verdict = await recheckSuspect(this.deps.clock, probe, record, () => isLive(record.state));
      if (verdict === 'healthy') {
        record.suspected = false;
        dispatcher?.reinstate(record.key);
      } else if (verdict === 'dead') {
        await this.release(record.key, 'node failed its health checks');
      }
    } finally {
      record.checking = false;
    }
  }

  /** The marketplace ended the lease under us (preemption, failure). */
  private lost(record: ManagedLease, lease: Lease, reason: string): void {
    if (!isLive(record.state)) return;
    this.deps.dispatcherFor(record.spec.workload)?.removeNode(record.key);
    const type = lease.state === 'preempted' ? 'preempted' : 'failed';
    this.finish(record, type, reason, lease.cost);
    if (type === 'preempted') this.deps.onPreempted?.(record.spec.workload);
  }

  private finish(record: ManagedLease, state: 'released' | 'failed' | 'preempted', reason: string, serverCost?: number): void {
    if (!isLive(record.state)) return;
    if (record.leaseId === null) this.deps.ledger.cancel(record.key);
    else this.deps.ledger.end(record.key, this.deps.clock.now(), serverCost ?? record.serverCost);
    record.state = state;
    try {
      this.deps.journal?.forget(record.key);
    } catch (error) {
      this.deps.warn(error as ComputeError, 'updating the journal');
    }
    this.emit(record, state, reason);
  }

  /** Whether `leaseId` is a lease this process holds (live or being released). */
  knows(leaseId: string): boolean {
    for (const record of this.leases.values()) if (record.leaseId === leaseId && isLive(record.state)) return true;
    return false;
  }

  /** Whether the local key names a lease whose creation request has not answered yet. */
  creating(key: string): boolean {
    const record = this.leases.get(key);
    return record !== undefined && record.leaseId === null && isLive(record.state);
  }

  private writeJournal(record: ManagedLease): void {
    this.deps.journal?.record({
      key: record.key,
      workload: record.spec.workload,
      leaseId: record.leaseId,
      idempotencyKey: record.idempotencyKey,
      requestedAt: record.requestedAt,
    });
  }

  private journalQuietly(record: ManagedLease): void {
    try {
      this.writeJournal(record);
    } catch (error) {
      this.deps.warn(error as ComputeError, 'updating the journal');
    }
  }

  private move(record: ManagedLease, to: ManagedLeaseState): void {
    if (canTransition(record.state, to)) record.state = to;
  }

  private emit(record: ManagedLease, type: LeaseEventType, reason: string): void {
    const { offer, workload } = record.spec;
    this.deps.emit({
      type,
      workload,
      leaseId: record.leaseId,
      offerId: offer.id,
      gpu: `${offer.gpu.count}x ${offer.gpu.model}`,
      pricePerHour: offer.pricePerHour,
      interruptible: offer.interruptible,
      at: this.deps.clock.now(),
      requestedAt: record.requestedAt,
      reason,
    });
  }
}

function asComputeError(error: unknown): ComputeError {
  return error instanceof ComputeError ? error : new ComputeError('MARKET_UNAVAILABLE', String(error), { cause: error });
}
