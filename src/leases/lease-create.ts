/**
 * Creating a lease exactly once over any {@link Marketplace}, also one that ignores
 * `Idempotency-Key` (real providers have none). A create whose answer was lost or
 * came too late may have rented a node: before sending it again, the leases tagged
 * with this request's `node` tag are looked up. Found: adopted (several found: one
 * is adopted, the others are returned as duplicates to release). Not found: the
 * create is sent again, with the same key. A marketplace adapter only has to mark
 * such failures `details.outcomeUnknown` (the HTTP client does).
 */
import { sleep, type Clock } from '../clock.js';
import { isComputeError } from '../errors.js';
import type { Marketplace } from '../market/marketplace.js';
import { ENDED_LEASE_STATES, type CreateLeaseRequest, type Lease } from '../market/protocol.js';
import type { AcquireSpec } from './lease-record.js';

/** Result of {@link createOnce}. */
export interface CreateOutcome {
  /** The lease adopted for the request. */
  lease: Lease;
  /** Further leases the marketplace created for the same request (to release at once). */
  duplicates: Lease[];
  /** Creates sent whose outcome was not seen (each may still produce a lease later). */
  unknownPosts: number;
}

/** Knobs and hooks of {@link createOnce}. */
export interface CreateOnceOptions {
  clock: Clock;
  /** Tag listed to find the request's lease (`client:<id>`). */
  listTag: string;
  /** The request's own `node` tag value. */
  nodeTag: string;
  /** Creates sent at most. @default 3 */
  maxPosts?: number;
  /** Lookups after an unknown outcome at most, before giving up. @default 4 */
  maxLookups?: number;
  /**
   * A create's outcome is unknown: reserve budget for the lease it may have made.
   * Return false when the budget cannot hold another one: the create is then not
   * sent again (only looked up).
   */
  onUnknown(n: number, error: unknown): boolean;
  /** Whether the caller still wants the lease (stop retrying when not). */
  wanted(): boolean;
}

/** The create body for `spec`, carrying `tags` (client, workload, node, owner). */
export function createRequest(spec: AcquireSpec, tags: Record<string, string>): CreateLeaseRequest {
  return {
    offerId: spec.offer.id,
    image: spec.image,
    ...(spec.env ? { env: spec.env } : {}),
    maxPricePerHour: spec.maxPricePerHour,
    tags,
  };
}

/** Whether a create failure may still have rented a node. */
export function outcomeUnknown(error: unknown): boolean {
  return isComputeError(error) && error.details.outcomeUnknown === true;
}

/** Live leases carrying `nodeTag`, best to adopt first (running, then oldest, then id). */
export function leasesOfRequest(leases: readonly Lease[], nodeTag: string): Lease[] {
  const rank = (l: Lease): number => (l.state === 'running' ? 0 : 1);
  return leases
    .filter((l) => l.tags.node === nodeTag && !ENDED_LEASE_STATES.has(l.state))
    .sort((a, b) => rank(a) - rank(b) || (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.id.localeCompare(b.id));
}

/**
 * Create the lease; on an unknown outcome, look it up by tag before creating
 * again. Rejects with the last error when no lease could be created or found.
 */
export async function createOnce(market: Marketplace, request: CreateLeaseRequest, idempotencyKey: string, options: CreateOnceOptions): Promise<CreateOutcome> {
  const maxPosts = options.maxPosts ?? 3;
  const maxLookups = options.maxLookups ?? 4;
  let unknownPosts = 0;
  let posts = 0;
  let lookups = 0;
  let lastError: unknown;
  let mayPost = true;
  for (;;) {
    if (mayPost && posts < maxPosts) {
      posts++;
      try {
        const lease = await market.createLease(request, idempotencyKey);
        return { lease, duplicates: [], unknownPosts };
      } catch (error) {
        if (!outcomeUnknown(error)) throw error;
        lastError = error;
        unknownPosts++;
        mayPost = options.onUnknown(unknownPosts, error);
      }
    }
    // The answer is missing, not the lease: find it before renting another.
    for (;;) {
      if (lookups >= maxLookups || !options.wanted()) throw lastError;
      lookups++;
      try {
        const found = leasesOfRequest(await market.listLeases(options.listTag), options.nodeTag);
        const [first, ...rest] = found;
        if (first) return { lease: first, duplicates: rest, unknownPosts };
        break;
      } catch (error) {
        // Cannot tell whether it exists: never create again blind; wait and look again.
        lastError = isComputeError(error) ? lastError : error;
        await sleep(options.clock, 500 * 2 ** (lookups - 1));
      }
    }
    if (!options.wanted() || (!mayPost && lookups >= maxLookups) || (posts >= maxPosts && lookups >= maxLookups)) throw lastError;
    if (!mayPost || posts >= maxPosts) {
      // Nothing more may be sent: give a slow create time to show up, then look again.
      await sleep(options.clock, 500 * 2 ** (lookups - 1));
      continue;
    }
    await sleep(options.clock, 250 * 2 ** (posts - 1));
  }
}
