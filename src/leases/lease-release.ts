/**
 * Giving a lease back, until the marketplace says it ended. A DELETE that answers
 * 200 proves nothing: the lease may still be `running`, or `terminating` (which
 * bills). So the lease stays `releasing` (in the ledger, the journal and metrics,
 * still accruing) and the DELETE is sent again with backoff until the answer shows
 * `terminated`, `preempted` or `failed`, or a 404 says the marketplace no longer
 * knows it. Runs on its own timers: nothing here waits on a tick or an offer fetch.
 */
import type { Clock } from '../clock.js';
import { ComputeError, isComputeError } from '../errors.js';
import type { Marketplace } from '../market/marketplace.js';
import { ENDED_LEASE_STATES, type Lease } from '../market/protocol.js';
import type { ManagedLease } from './lease-record.js';

/** First pause between two DELETEs of a lease that is not confirmed ended, ms. */
export const RELEASE_RETRY_MIN_MS = 500;
/** Longest pause between two DELETEs, ms. */
export const RELEASE_RETRY_MAX_MS = 8_000;
/** A release unconfirmed this long is reported (`warning`, `metrics().marketplace.degraded`), ms. */
export const UNCONFIRMED_WARN_MS = 5_000;
/** Between two warnings about the same unconfirmed release, ms. */
const UNCONFIRMED_REWARN_MS = 60_000;

/** Collaborators of the {@link Releaser}. */
export interface ReleaserDeps {
  market: Marketplace;
  clock: Clock;
  warn(error: ComputeError, during: string): void;
  /** Every answer about the lease (its cost, terms and state are read from it). */
  onAnswer(record: ManagedLease, lease: Lease): void;
  /** The marketplace confirmed the lease ended (or no longer knows it: `lease` undefined). */
  onEnded(record: ManagedLease, lease: Lease | undefined, note: string): void;
}

/** Pause before DELETE number `attempt + 1` (exponential, capped). */
export function releaseRetryDelayMs(attempt: number): number {
  return Math.min(RELEASE_RETRY_MAX_MS, RELEASE_RETRY_MIN_MS * 2 ** Math.max(0, attempt - 1));
}

/** Sends and re-sends DELETEs until each lease is confirmed ended. */
export class Releaser {
  private stopped = false;

  constructor(private readonly deps: ReleaserDeps) {}

  /**
   * Send a DELETE now unless one is in flight (a record without a lease id waits
   * for its creation to answer; the manager calls again then).
   */
  send(record: ManagedLease): void {
    if (this.stopped || record.leaseId === null || record.releaseInFlight || record.state !== 'releasing') return;
    record.releaseTimer?.cancel();
    record.releaseTimer = undefined;
    void this.attempt(record, record.leaseId);
  }

  /** Report releases unconfirmed for {@link UNCONFIRMED_WARN_MS} (once, then every minute). */
  warnUnconfirmed(record: ManagedLease): void {
    const now = this.deps.clock.now();
    if (record.state !== 'releasing' || record.releaseRequestedAt === null) return;
    const waited = now - record.releaseRequestedAt;
    if (waited < UNCONFIRMED_WARN_MS) return;
    if (record.warnedUnconfirmedAt !== null && now - record.warnedUnconfirmedAt < UNCONFIRMED_REWARN_MS) return;
    record.warnedUnconfirmedAt = now;
    const id = record.leaseId ?? record.key;
    const state = record.reportedState ?? 'no answer';
    this.deps.warn(
      new ComputeError(
        'MARKET_UNAVAILABLE',
        `lease ${id} (workload "${record.spec.workload}") is not confirmed ended ${Math.round(waited / 1000)} s after its release (marketplace says: ${state}); it may still bill`,
        { details: { warning: 'release-unconfirmed', leaseId: id, workload: record.spec.workload, state, unconfirmedMs: waited } },
      ),
      `releasing lease ${id}`,
    );
  }

  /** Cancel every scheduled DELETE (calls in flight finish on their own). */
  stop(records: Iterable<ManagedLease>): void {
    this.stopped = true;
    for (const record of records) {
      record.releaseTimer?.cancel();
      record.releaseTimer = undefined;
    }
  }

  private async attempt(record: ManagedLease, leaseId: string): Promise<void> {
    record.releaseInFlight = true;
    record.releaseAttempts += 1;
    try {
      const lease = await this.deps.market.releaseLease(leaseId);
      record.reportedState = lease.state;
      this.deps.onAnswer(record, lease);
      if (record.state !== 'releasing') return;
      if (ENDED_LEASE_STATES.has(lease.state)) {
        this.deps.onEnded(record, lease, '');
        return;
      }
    } catch (error) {
      if (isComputeError(error) && error.details.notFound === true) {
        this.deps.onEnded(record, undefined, ' (the marketplace no longer knows it)');
        return;
      }
      // Closed client at shutdown: the caller reports what is left; no noise here.
      if (!isComputeError(error, 'SHUTDOWN')) this.deps.warn(asComputeError(error), `releasing lease ${leaseId}`);
    } finally {
      record.releaseInFlight = false;
    }
    this.warnUnconfirmed(record);
    this.schedule(record);
  }

  private schedule(record: ManagedLease): void {
    if (this.stopped || record.state !== 'releasing') return;
    record.releaseTimer?.cancel();
    record.releaseTimer = this.deps.clock.setTimeout(() => {
      record.releaseTimer = undefined;
      this.send(record);
    }, releaseRetryDelayMs(record.releaseAttempts));
  }
}

function asComputeError(error: unknown): ComputeError {
  return error instanceof ComputeError ? error : new ComputeError('MARKET_UNAVAILABLE', String(error), { cause: error });
}
