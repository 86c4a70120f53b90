/**
 * After a create whose answer was lost, the marketplace may still make the lease
 * later (a slow POST it finishes after we gave up on it), possibly beside the one
 * we adopted. For a while after such a request, its `node` tag is looked up every
 * couple of seconds; any lease found that we do not hold is handed back to the
 * manager to count and release. The budget reserved for the unseen answers is held
 * until the watch ends.
 */
import { sleep, type Clock } from '../clock.js';
import type { Ledger } from '../budget/ledger.js';
import type { Marketplace } from '../market/marketplace.js';
import type { Lease } from '../market/protocol.js';
import { leasesOfRequest } from './lease-create.js';
import { newRecord, type ManagedLease } from './lease-record.js';

/** How long a request with a lost answer is watched for late leases, ms. */
export const DUPLICATE_WATCH_MS = 20_000;
/** Between two lookups of a watched request, ms. */
export const DUPLICATE_LOOKUP_EVERY_MS = 2_000;

/** Collaborators of the {@link DuplicateWatch}. */
export interface DuplicateWatchDeps {
  market: Marketplace;
  clock: Clock;
  ledger: Ledger;
  /** Tag that lists our leases (`client:<id>`). */
  listTag: string;
  /** Whether we hold this lease id already. */
  known(leaseId: string): boolean;
  /** A lease made for `owner`'s request that we do not hold. */
  adopt(owner: ManagedLease, lease: Lease): void;
}

/** Looks for late leases of requests whose answers were lost. */
export class DuplicateWatch {
  private stopped = false;
  private readonly watched = new Set<ManagedLease>();

  constructor(private readonly deps: DuplicateWatchDeps) {}

  /** Watch `owner`'s request (idempotent). */
  watch(owner: ManagedLease): void {
    if (this.stopped || this.watched.has(owner)) return;
    this.watched.add(owner);
    void this.run(owner);
  }

  /** End every watch; the budget they held is freed. */
  stop(): void {
    this.stopped = true;
    for (const owner of this.watched) this.free(owner);
    this.watched.clear();
  }

  private async run(owner: ManagedLease): Promise<void> {
    const { clock, market } = this.deps;
    const until = clock.now() + DUPLICATE_WATCH_MS;
    try {
      while (!this.stopped && owner.shadowKeys.length > 0 && clock.now() < until) {
        await sleep(clock, DUPLICATE_LOOKUP_EVERY_MS);
        if (this.stopped) return;
        try {
          for (const lease of leasesOfRequest(await market.listLeases(this.deps.listTag), owner.key)) {
            if (lease.id !== owner.leaseId && !this.deps.known(lease.id)) this.deps.adopt(owner, lease);
          }
        } catch {
          // Unreachable now: the next lookup (or the periodic sweep) finds it.
        }
      }
    } finally {
      this.free(owner);
      this.watched.delete(owner);
    }
  }

  private free(owner: ManagedLease): void {
    for (const key of owner.shadowKeys.splice(0)) this.deps.ledger.cancel(key);
  }
}

/**
 * The record of a second lease made for `owner`'s request: being released from
 * `now`, billed (conservatively) from the request's time.
 */
export function duplicateRecord(owner: ManagedLease, lease: Lease, now: number): ManagedLease {
  const record = newRecord(`${owner.key}+${lease.id}`, owner.spec, owner.idempotencyKey, owner.requestedAt);
  record.leaseId = lease.id;
  record.duplicateOf = owner.leaseId;
  record.state = 'releasing';
  record.releaseRequestedAt = now;
  record.releaseReason = `duplicate of lease ${owner.leaseId ?? owner.key} (the marketplace created two for one request)`;
  return record;
}
