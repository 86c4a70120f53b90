/**
 * Owns every lease the runtime holds: reserves its minimum cost, requests it,
 * waits for it to run, health-checks the node before it takes tasks, notices when
 * it is preempted or dies, and gives it back. It executes the planner's commands;
 * it decides nothing about how many nodes there should be.
 *
 * Nothing the marketplace says is trusted: every answer's terms are checked
 * ({@link termsBreach}), a release counts only once the marketplace reports the
 * lease ended ({@link Releaser}), and a create whose answer was lost is looked up
 * before it is sent again ({@link createOnce}), duplicates released.
 */
import { sleep, type Clock } from '../clock.js';
import { ComputeError, isComputeError } from '../errors.js';
import type { Ledger } from '../budget/ledger.js';
import type { NodeView } from '../controller/observation.js';
import type { NodeConnector } from '../dispatch/node-transport.js';
import type { WorkloadDispatcher } from '../dispatch/dispatcher.js';
import type { LeaseEvent, LeaseEventType, OfferGone } from '../events.js';
import type { Marketplace } from '../market/marketplace.js';
import { ENDED_LEASE_STATES, type Lease } from '../market/protocol.js';
import { newIdempotencyKey } from '../util/ids.js';
import { isFatalMarketError } from '../market/lasting-failure.js';
import { canTransition, isLive, type ManagedLeaseState } from './lease-state.js';
import { toNodeView } from './node-view.js';
import type { LeaseJournal } from './journal.js';
import { ownerTags } from './reconciler.js';
import type { EndpointPolicy } from './node-endpoint.js';
import { recheckSuspect } from './node-health.js';
import { leaseFailureReason } from './failure-reason.js';
import { leaseEvent, newRecord, unconfirmedView, type AcquireSpec, type ManagedLease, type UnconfirmedRelease } from './lease-record.js';
import { Releaser } from './lease-release.js';
import { createOnce, createRequest } from './lease-create.js';
import { describeBreach, termsBreach } from './lease-terms.js';
import { DuplicateWatch, duplicateRecord } from './lease-duplicates.js';
import { untilRunning } from './lease-startup.js';
import { fallbackSpecs, inPlaceOfText, offerGone, offerGoneText } from './offer-fallback.js';
import { duplicateWarning, termsWarning } from './lease-warnings.js';

export type { AcquireSpec, ManagedLease, UnconfirmedRelease } from './lease-record.js';

/** Collaborators of the {@link LeaseManager}. */
export interface LeaseManagerDeps {
  market: Marketplace;
  clock: Clock;
  ledger: Ledger;
  /**
   * In a replica group: resolves whether this runtime still leads `workload` (its
   * fencing token is current). A release is sent only then; otherwise the lease is
   * left to the new leader. Absent: always.
   */
  fence?(workload: string): Promise<boolean>;
  /** Value of the `client` tag on every lease. */
  clientId: string;
  dispatcherFor(workload: string): WorkloadDispatcher | undefined;
  emit(event: LeaseEvent): void;
  warn(error: ComputeError, during: string): void;
  /** A spot lease was preempted (the planner avoids spot for a while). */
  onPreempted?(workload: string): void;
  /** A lease ended before its node served (crash-loop backoff: controller/start-failures.ts). */
  onStartFailed?(spec: AcquireSpec, reason: string, requestedAt: number): void;
  /** A lease came back on terms other than asked: its offer should be avoided for a while. */
  onTermsBreach?(offerId: string): void;
  /** The first lease of an offer came back on the terms asked: more of it may be requested now. */
  onOfferProven?(offerId: string): void;
  /** A lease request was refused because its offer is gone or full (the offer list is stale). */
  onOfferGone?(offerId: string): void;
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
  /** The budget's currency: a lease billed in another one is released at once. @default 'USD' */
  currency?: string;
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
  private readonly releaser: Releaser;
  /** Offers whose leases came back on the terms asked (see {@link LeaseManager.acquire}). */
  private readonly proven = new Set<string>();
  private readonly duplicates: DuplicateWatch;
  /** Lease requests refused because their offer was gone or full, since start. */
  #offersGone = 0;

  constructor(private readonly deps: LeaseManagerDeps) {
    this.releaser = new Releaser({
      market: deps.market,
      clock: deps.clock,
      warn: deps.warn,
      onAnswer: (record, lease) => void this.inspect(record, lease),
      onEnded: (record, lease, note) => this.finish(record, 'released', record.releaseReason + note, lease?.cost),
    });
    this.duplicates = new DuplicateWatch({
      market: deps.market,
      clock: deps.clock,
      ledger: deps.ledger,
      listTag: `client:${deps.clientId}`,
      known: (leaseId) => this.knows(leaseId),
      adopt: (record, lease) => this.adoptDuplicate(record, lease),
    });
  }

  /**
   * Reserve the lease's minimum cost and request it. Returns the local key, or
   * undefined when the ledger refuses (the budget wins) or the journal cannot
   * record the lease (an unrecorded lease could outlive a crash unnoticed).
   */
  acquire(spec: AcquireSpec): string | undefined {
    if (this.closed) return undefined;
    // The first lease of an offer is a probe: until one answer shows the terms hold (price,
    // currency, billing), a marketplace that grants other terms bills one lease, not a burst.
    if (!this.proven.has(spec.offer.id) && this.probing(spec.offer.id)) return undefined;
    const now = this.deps.clock.now();
    // Unique across restarts too: the key is the lease's `node` tag, matched after a lost answer.
    const key = `${spec.workload}#${this.instance}.${++this.seq}`;
    const reserved = this.deps.ledger.reserve(spec.workload, key, spec.offer, now);
    if (!reserved.ok) return undefined;
    const record = newRecord(key, spec, newIdempotencyKey(), now);
    this.leases.set(key, record);
    try {
      this.writeJournal(record);
    } catch (error) {
      this.deps.ledger.cancel(key);
      this.leases.delete(key);
      this.deps.warn(asComputeError(error), 'recording a lease in the journal');
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

  /**
   * Give the lease back. In-flight tasks go back to the queue. The lease stays
   * `releasing` (and keeps counting in the budget) until the marketplace reports it
   * ended; the DELETE is re-sent with backoff meanwhile. Idempotent; resolves once
   * the first DELETE is on its way, not when the release is confirmed.
   */
  async release(key: string, reason: string): Promise<void> {
    const record = this.leases.get(key);
    if (!record || !isLive(record.state)) return;
    if (record.state !== 'releasing') {
      record.releaseReason = reason;
      record.releaseRequestedAt = this.deps.clock.now();
      this.move(record, 'releasing');
      this.deps.dispatcherFor(record.spec.workload)?.removeNode(key, true);
    }
    // In a replica group only the current leader releases; otherwise the lease is the new leader's.
    if (this.deps.fence && !(await this.deps.fence(record.spec.workload))) {
      this.leases.delete(key);
      return;
    }
    // No lease id yet: provision() sends the DELETE as soon as the creation answers.
    this.releaser.send(record);
  }

  /** The dispatcher saw a connection failure on this node: check the lease and the node. */
  suspect(key: string): void {
    const record = this.leases.get(key);
    if (!record || record.state !== 'ready') return;
    record.suspected = true;
    if (!record.checking) void this.check(record);
  }

  /**
   * Periodic upkeep, called once per controller tick: re-check running leases so
   * that preemption is noticed even when idle, restart any release whose retry
   * timer is not set, and report releases that stay unconfirmed.
   */
  refresh(now: number): void {
    const every = (this.deps.checkEverySec ?? 5) * 1000;
    for (const record of this.leases.values()) {
      if (record.state === 'releasing') {
        if (!record.releaseInFlight && record.releaseTimer === undefined) this.releaser.send(record);
        this.releaser.warnUnconfirmed(record);
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

  /** Leases being released and not yet confirmed ended (they still count as billing). */
  unconfirmed(now: number): UnconfirmedRelease[] {
    const out: UnconfirmedRelease[] = [];
    for (const record of this.leases.values()) if (record.state === 'releasing') out.push(unconfirmedView(record, now));
    return out;
  }

  /**
   * Release every live lease and wait until the marketplace confirms each ended,
   * or until `deadlineMs` (clock time). Never waits on a single call: a DELETE that
   * hangs does not hold this past the deadline. Returns the leases still billing.
   */
  async releaseAll(reason: string, deadlineMs: number): Promise<UnconfirmedRelease[]> {
    this.closed = true;
    const { clock } = this.deps;
    for (const record of [...this.leases.values()]) if (isLive(record.state)) void this.release(record.key, reason);
    while (this.liveCount() > 0 && clock.now() < deadlineMs) await sleep(clock, Math.min(100, Math.max(1, deadlineMs - clock.now())));
    const left = [...this.leases.values()].filter((r) => isLive(r.state));
    if (left.length > 0) {
      this.releaser.stop(left);
      this.duplicates.stop();
    }
    return left.map((r) => unconfirmedView(r, clock.now()));
  }

  /**
   * A lease tagged as ours that a sweep found and nobody holds: if its `node` tag
   * names one of our requests, it is a duplicate of that request, released now.
   * Returns whether it was taken.
   */
  claimDuplicate(lease: Lease): boolean {
    const owner = lease.tags.node === undefined ? undefined : this.leases.get(lease.tags.node);
    if (!owner || this.knows(lease.id) || ENDED_LEASE_STATES.has(lease.state)) return false;
    this.adoptDuplicate(owner, lease);
    return true;
  }

  private async provision(record: ManagedLease): Promise<void> {
    const { market, clientId, ledger, clock } = this.deps;
    const { spec } = record;
    // A group's ledger decides in Redis: no request before it has said yes.
    if (this.deps.ledger.confirm && !(await this.deps.ledger.confirm(record.key))) {
      this.finish(record, 'failed', 'the group ledger refused the reservation (a budget cap, or this replica no longer leads the workload)');
      return;
    }
    let lease: Lease;
    try {
      const request = createRequest(spec, { client: clientId, workload: spec.workload, node: record.key, ...ownerTags(this.deps.host) });
      const outcome = await createOnce(
        market,
        request,
        record.idempotencyKey,
        {
          clock,
          listTag: `client:${clientId}`,
          nodeTag: record.key,
          // Budget for the lease an unseen answer may have made; none left: send no more creates.
          onUnknown: (n, error) => {
            this.deps.warn(asComputeError(error), 'requesting a lease (answer lost: looked up by tag before any resend)');
            const shadow = `${record.key}~${n}`;
            if (!ledger.reserve(spec.workload, shadow, spec.offer, clock.now()).ok) return false;
            record.shadowKeys.push(shadow);
            return true;
          },
          wanted: () => record.state === 'requested' && !this.closed,
        },
      );
      lease = outcome.lease;
      for (const dup of outcome.duplicates) this.adoptDuplicate(record, dup);
      if (outcome.unknownPosts > 0) this.duplicates.watch(record);
    } catch (error) {
      const failure = asComputeError(error);
      if (isFatalMarketError(failure)) this.refusals.set(spec.workload, { error: failure, at: clock.now() });
      // A create that may have rented a node: keep its budget and keep looking for it.
      if (record.shadowKeys.length > 0) this.duplicates.watch(record);
      if (failure.code === 'OFFER_GONE' && record.state === 'requested') this.moveOn(record, failure);
      else this.finish(record, 'failed', `lease request failed: ${failure.message}`);
      return;
    }
    record.leaseId = lease.id;
    this.journalQuietly(record);
    this.refusals.delete(spec.workload);
    ledger.activate(record.key, lease.id);
    const passed = spec.refused ?? [];
    this.emit(
      record,
      'acquired',
      `requested ${spec.offer.gpu.count}x ${spec.offer.gpu.model} at ${spec.offer.pricePerHour}/h${passed.length > 0 ? inPlaceOfText(passed) : ''}`,
      passed.length > 0 ? { refused: [...passed], next: spec.offer.id } : undefined,
    );
    // The answer that reveals the terms is checked at once, not at the next periodic check.
    if (!this.inspect(record, lease)) return;
    if (record.state === 'releasing') {
      this.releaser.send(record);
      return;
    }
    if (ENDED_LEASE_STATES.has(lease.state)) {
      this.endedBeforeRunning(record, lease);
      return;
    }
    if (!this.proven.has(spec.offer.id)) {
      this.proven.add(spec.offer.id);
      this.deps.onOfferProven?.(spec.offer.id);
    }
    this.move(record, 'provisioning');
    await this.startUp(record, lease);
  }

  /**
   * The marketplace refused the request's offer as gone or full: the next acceptable
   * fallback is requested at once, through {@link LeaseManager.acquire} (its own
   * reservation, so the caps are checked for the offer actually tried, and the probe
   * rule), and this request ends `failed`. Not a start failure: no node was started.
   */
  private moveOn(record: ManagedLease, error: ComputeError): void {
    this.#offersGone++;
    this.deps.onOfferGone?.(record.spec.offer.id);
    // Ended (its reservation freed) before the next is reserved: a fallback takes its place, not a place beside it.
    this.settle(record, 'failed');
    let next: string | null = null;
    for (const fallback of fallbackSpecs(record.spec)) {
      if (this.acquire(fallback.spec) === undefined) continue;
      next = fallback.offer.id;
      break;
    }
    const gone = offerGone(record.spec, next);
    this.emit(record, 'failed', offerGoneText(gone, error.message), gone);
  }

  /** Lease requests refused because their offer was gone or full, since start. */
  get offersGone(): number {
    return this.#offersGone;
  }

  /** Poll until running, vet the endpoint, health-check the node, hand it to the dispatcher. */
  private async startUp(record: ManagedLease, lease: Lease): Promise<void> {
    await untilRunning(
      {
        clock: this.deps.clock,
        market: this.deps.market,
        connectNode: this.deps.connectNode,
        endpointPolicy: this.deps.endpointPolicy,
        warn: this.deps.warn,
        dispatcherFor: this.deps.dispatcherFor,
        inspect: (r, l) => this.inspect(r, l),
        endedBeforeRunning: (r, l) => this.endedBeforeRunning(r, l),
        release: (key, reason) => this.release(key, reason),
        ready: (r) => {
          this.move(r, 'ready');
          this.emit(r, 'ready', `node healthy ${Math.round((r.readyAt ?? 0) - r.requestedAt)} ms after the request`);
        },
        refuse: (workload, error) => this.refusals.set(workload, { error, at: this.deps.clock.now() }),
      },
      record,
      lease,
    );
  }

  /** Whether a lease of `offerId` is requested and its answer not seen yet. */
  private probing(offerId: string): boolean {
    for (const record of this.leases.values()) if (record.spec.offer.id === offerId && record.state === 'requested' && record.leaseId === null) return true;
    return false;
  }

  /**
   * Read one answer about a lease: count what it reports, and release it at once
   * if its terms break what was asked (price, currency, billing). Returns false
   * when the lease is being released because of it.
   */
  private inspect(record: ManagedLease, lease: Lease): boolean {
    const { clock, ledger } = this.deps;
    record.reportedState = lease.state;
    record.serverCost = Math.max(record.serverCost, lease.cost);
    ledger.observe(record.key, lease);
    if (record.breached) return false;
    const asked = { offer: record.spec.offer, maxPricePerHour: record.spec.maxPricePerHour, currency: this.deps.currency ?? 'USD' };
    const breach = termsBreach(lease, asked, (clock.now() - record.requestedAt) / 1000);
    if (!breach) return true;
    record.breached = true;
    this.proven.delete(record.spec.offer.id);
    this.deps.warn(termsWarning(lease.id, record.spec.offer.id, breach), `checking the terms of lease ${lease.id}`);
    this.deps.onTermsBreach?.(record.spec.offer.id);
    if (isLive(record.state)) void this.release(record.key, `lease terms: ${describeBreach(breach)}`);
    return false;
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
        if (!this.inspect(record, lease)) return;
        if (ENDED_LEASE_STATES.has(lease.state)) {
          this.lost(record, lease, `marketplace reports the lease ${lease.state}`);
          return;
        }
        // Going away but still billing: no more tasks, and watched until it has ended.
        if (lease.state === 'terminating') {
          await this.release(record.key, 'marketplace reports the lease terminating');
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

  /**
   * A second lease for one of our requests: counted in the budget from the
   * request's time (it may have billed since), reported, and released at once.
   */
  private adoptDuplicate(owner: ManagedLease, lease: Lease): void {
    if (this.knows(lease.id)) return;
    const { ledger } = this.deps;
    const record = duplicateRecord(owner, lease, this.deps.clock.now());
    // Its budget was held by a reservation made when the answer went missing.
    const shadow = owner.shadowKeys.shift();
    if (shadow !== undefined) ledger.cancel(shadow);
    ledger.adopt(owner.spec.workload, record.key, owner.spec.offer, owner.requestedAt, lease.id);
    this.leases.set(record.key, record);
    this.journalQuietly(record);
    this.inspect(record, lease);
    this.deps.warn(duplicateWarning(lease.id, owner.leaseId ?? owner.key), 'looking up a lease request whose answer was lost');
    this.releaser.send(record);
  }

  /** The lease ended before its node served: lost, and a start failure when it `failed`. */
  private endedBeforeRunning(record: ManagedLease, lease: Lease): void {
    const why = leaseFailureReason(lease, record.spec.env);
    this.lost(record, lease, `lease ${lease.state} before it ran${why ? `: ${why}` : ''}`);
    if (lease.state === 'failed') this.deps.onStartFailed?.(record.spec, why ?? 'the marketplace gave no reason', record.requestedAt);
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
    this.settle(record, state, serverCost);
    this.emit(record, state, reason);
  }

  /** End the record: its budget settled (a reservation freed), its journal entry dropped. */
  private settle(record: ManagedLease, state: 'released' | 'failed' | 'preempted', serverCost?: number): void {
    record.releaseTimer?.cancel();
    record.releaseTimer = undefined;
    if (record.leaseId === null) this.deps.ledger.cancel(record.key);
    else this.deps.ledger.end(record.key, this.deps.clock.now(), Math.max(serverCost ?? 0, record.serverCost));
    record.state = state;
    try {
      this.deps.journal?.forget(record.key);
    } catch (error) {
      this.deps.warn(asComputeError(error), 'updating the journal');
    }
  }

  /**
   * Take over a lease another replica of the group rented (failover): it is watched,
   * health-checked and handed to the dispatcher as if this runtime had rented it.
   */
  adopt(spec: AcquireSpec, key: string, lease: Lease, requestedAt: number): void {
    if (this.leases.has(key) || this.closed) return;
    const record: ManagedLease = { ...newRecord(key, spec, '', requestedAt), state: 'provisioning', leaseId: lease.id, serverCost: lease.cost };
    this.leases.set(key, record);
    this.emit(record, 'acquired', 'adopted from the replica group');
    void this.startUp(record, lease);
  }

  /**
   * Forget the leases of `workload` without releasing them: another replica leads it
   * now (or this one shuts down while others run). Their nodes stay with the dispatcher.
   */
  disown(workload?: string): number {
    let n = 0;
    for (const [key, record] of this.leases) {
      if (workload !== undefined && record.spec.workload !== workload) continue;
      this.leases.delete(key);
      n++;
    }
    return n;
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
      this.deps.warn(asComputeError(error), 'updating the journal');
    }
  }

  private move(record: ManagedLease, to: ManagedLeaseState): void {
    if (canTransition(record.state, to)) record.state = to;
  }

  private emit(record: ManagedLease, type: LeaseEventType, reason: string, offerGone?: OfferGone): void {
    this.deps.emit(leaseEvent(record, type, reason, this.deps.clock.now(), offerGone));
  }
}

function asComputeError(error: unknown): ComputeError {
  return isComputeError(error) ? error : new ComputeError('MARKET_UNAVAILABLE', String(error), { cause: error });
}
