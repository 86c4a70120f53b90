/**
 * Makes sure no lease bills without an owner. At start it gives back every lease an
 * earlier process left behind (found in the journal and by the client tag); while
 * running, a periodic sweep gives back leases tagged as ours that this process does
 * not know (a creation whose answer was lost), once they are old enough that the
 * answer cannot still be on its way.
 */
import type { Clock } from '../clock.js';
import { ComputeError, isComputeError } from '../errors.js';
import type { LeaseEvent } from '../events.js';
import type { Marketplace } from '../market/marketplace.js';
import { ENDED_LEASE_STATES, type Lease, type LeaseState } from '../market/protocol.js';
import type { UnconfirmedRelease } from '../api.js';
import { UNCONFIRMED_WARN_MS } from './lease-release.js';
import { processAlive, type JournalFile, type LeaseJournal } from './journal.js';

/** Tags that say which process on which host rented a lease. */
export function ownerTags(host: string): Record<string, string> {
  return { host, pid: String(process.pid) };
}

/** Age after which an unknown lease tagged as ours is surely not a creation still in flight (Karpenter's rule). */
export const ORPHAN_MIN_AGE_MS = 30_000;

interface AskedRelease {
  since: number;
  state: LeaseState | null;
  workload: string;
  warned: boolean;
}

/** Collaborators of the {@link Reconciler}. */
export interface ReconcilerDeps {
  market: Marketplace;
  clock: Clock;
  clientId: string;
  journal: LeaseJournal | undefined;
  /** Whether a marketplace lease id belongs to a lease this process holds. */
  knows(leaseId: string): boolean;
  /** Whether a local key is a lease of this process whose creation is still in flight. */
  creating(nodeKey: string): boolean;
  /**
   * An unknown lease whose `node` tag names one of our requests: a duplicate the
   * lease manager takes (counts and releases at once). Returns whether it took it.
   */
  claimDuplicate?(lease: Lease): boolean;
  emit(event: LeaseEvent): void;
  warn(error: ComputeError, during: string): void;
  /** This host's name (leases carry it in their `host` tag). */
  host: string;
}

/** Finds and releases leases nobody holds. */
export class Reconciler {
  /** Orphans found but not yet confirmed released (retried each sweep). */
  private readonly pending = new Map<string, string>();
  /** Clock time each unknown lease was first seen (for leases without `createdAt`). */
  private readonly firstSeen = new Map<string, number>();
  private sweeping = false;
  /** Orphans a DELETE was sent for: since when, and what the marketplace last said. */
  private readonly asked = new Map<string, AskedRelease>();

  constructor(private readonly deps: ReconcilerDeps) {}

  /**
   * Give back what earlier processes held: every lease id in their journals, every
   * live lease carrying their client tag or ours, and, for a creation that was in
   * flight when one died, the lease carrying that request's `node` tag. Never rejects.
   */
  async recover(previous: JournalFile | readonly JournalFile[] | undefined): Promise<number> {
    const files = previous === undefined ? [] : Array.isArray(previous) ? (previous as readonly JournalFile[]) : [previous as JournalFile];
    const tags = new Set([`client:${this.deps.clientId}`]);
    const inFlight = new Set<string>();
    for (const file of files) {
      if (file.clientId !== '') tags.add(`client:${file.clientId}`);
      for (const entry of file.leases) {
        if (entry.leaseId) this.pending.set(entry.leaseId, 'left by an earlier process (journal)');
        else if (!entry.key.startsWith('salvaged:')) inFlight.add(entry.key.replace(/^in-flight:/, ''));
      }
    }
    for (const tag of tags) await this.collectOrphans(tag, 'at start');
    for (const key of inFlight) {
      if (!(await this.collectOrphans(`node:${key}`, 'for a request in flight at a crash'))) continue;
      try {
        this.deps.journal?.forget(`in-flight:${key}`);
      } catch (error) {
        this.deps.warn(asComputeError(error), 'updating the journal');
      }
    }
    return this.releasePending();
  }

  /** Mark live leases carrying `tag` whose owner is gone as orphans; false when the marketplace could not be asked. */
  private async collectOrphans(tag: string, when: string): Promise<boolean> {
    try {
      for (const lease of await this.deps.market.listLeases(tag)) {
        if (!ENDED_LEASE_STATES.has(lease.state) && !this.deps.knows(lease.id) && this.ownerGone(lease)) {
          this.pending.set(lease.id, `left by an earlier process (tag ${tag})`);
        }
      }
      return true;
    } catch (error) {
      this.deps.warn(asComputeError(error), `listing leases tagged ${tag} ${when}`);
      return false;
    }
  }

  /** One periodic pass: release unknown leases tagged as ours older than {@link ORPHAN_MIN_AGE_MS}. Never rejects. */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const now = this.deps.clock.now();
      let leases: Lease[];
      try {
        leases = await this.deps.market.listLeases(`client:${this.deps.clientId}`);
      } catch (error) {
        this.deps.warn(asComputeError(error), 'listing our leases for reconciliation');
        await this.releasePending();
        return;
      }
      for (const lease of leases) {
        if (ENDED_LEASE_STATES.has(lease.state) || this.deps.knows(lease.id) || !this.ownerGone(lease)) continue;
        const node = lease.tags.node;
        if (node !== undefined && this.deps.creating(node)) continue;
        if (this.deps.claimDuplicate?.(lease)) continue;
        const created = lease.createdAt ? Date.parse(lease.createdAt) : NaN;
        const seen = this.firstSeen.get(lease.id) ?? now;
        this.firstSeen.set(lease.id, seen);
        const age = Number.isFinite(created) ? Math.max(now - created, now - seen) : now - seen;
        if (age >= ORPHAN_MIN_AGE_MS) this.pending.set(lease.id, `tagged as ours but unknown here for ${Math.round(age / 1000)} s`);
      }
      await this.releasePending();
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * Whether nobody alive can be holding this lease: rented by this process (and so
   * lost here), or by a dead process on this host. A lease rented on another host
   * under the same client id belongs to a replica there, which recovers its own.
   */
  private ownerGone(lease: Lease): boolean {
    const { host, pid } = lease.tags;
    if (host === undefined || pid === undefined) return true;
    if (host !== this.deps.host) return false;
    return Number(pid) === process.pid || !processAlive(Number(pid));
  }

  /** Orphans still waiting to be confirmed released. */
  get outstanding(): number {
    return this.pending.size;
  }

  /** Orphans asked to end whose end the marketplace has not confirmed yet (they may still bill). */
  unconfirmed(): UnconfirmedRelease[] {
    const now = this.deps.clock.now();
    return [...this.pending].map(([leaseId, reason]) => {
      const asked = this.asked.get(leaseId);
      return { leaseId, workload: asked?.workload ?? '', state: asked?.state ?? null, unconfirmedMs: asked ? now - asked.since : 0, reason: `orphan ${reason}` };
    });
  }

  /**
   * DELETE every pending orphan. One counts as released only when the marketplace
   * reports it ended (or no longer knows it); otherwise it stays pending and the
   * next pass sends the DELETE again.
   */
  private async releasePending(): Promise<number> {
    let released = 0;
    for (const [leaseId, reason] of [...this.pending]) {
      const asked = this.asked.get(leaseId) ?? { since: this.deps.clock.now(), state: null, workload: '', warned: false };
      this.asked.set(leaseId, asked);
      try {
        const lease = await this.deps.market.releaseLease(leaseId);
        if (!ENDED_LEASE_STATES.has(lease.state)) {
          asked.state = lease.state;
          asked.workload = lease.tags.workload ?? '';
          this.warnUnconfirmed(leaseId, asked);
          continue;
        }
        this.settle(leaseId, reason, lease);
        released++;
      } catch (error) {
        if (isComputeError(error) && error.details.notFound === true) this.settle(leaseId, reason, undefined);
        else this.deps.warn(asComputeError(error), `releasing orphaned lease ${leaseId}`);
      }
    }
    return released;
  }

  /** Said once per orphan: the marketplace answers its DELETE but does not end it. */
  private warnUnconfirmed(leaseId: string, asked: AskedRelease): void {
    const waited = this.deps.clock.now() - asked.since;
    if (asked.warned || waited < UNCONFIRMED_WARN_MS) return;
    asked.warned = true;
    this.deps.warn(
      new ComputeError('MARKET_UNAVAILABLE', `orphaned lease ${leaseId} is not confirmed ended ${Math.round(waited / 1000)} s after its release (marketplace says: ${asked.state ?? 'no answer'}); it may still bill`, {
        details: { warning: 'release-unconfirmed', leaseId, state: asked.state, unconfirmedMs: waited },
      }),
      `releasing orphaned lease ${leaseId}`,
    );
  }

  private settle(leaseId: string, reason: string, lease: Lease | undefined): void {
    this.pending.delete(leaseId);
    this.asked.delete(leaseId);
    this.firstSeen.delete(leaseId);
    this.deps.journal?.forget(`orphan:${leaseId}`);
    const at = this.deps.clock.now();
    this.deps.emit({
      type: 'released',
      workload: lease?.tags.workload ?? '',
      leaseId,
      offerId: lease?.offerId ?? '',
      gpu: '',
      pricePerHour: lease?.pricePerHour ?? 0,
      interruptible: false,
      at,
      requestedAt: lease?.createdAt ? Date.parse(lease.createdAt) : at,
      reason: `orphan ${reason}`,
    });
  }
}

function asComputeError(error: unknown): ComputeError {
  return error instanceof ComputeError ? error : new ComputeError('MARKET_UNAVAILABLE', String(error));
}
