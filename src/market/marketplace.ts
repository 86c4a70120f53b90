/**
 * The seam between the runtime and whatever rents out nodes. The default
 * implementation speaks protocol v1 over HTTP ({@link HttpMarketplace}); tests and
 * the simulator pass their own.
 */
import type { CreateLeaseRequest, Lease, Offer, OfferQuery } from './protocol.js';

/** Per-call options for {@link Marketplace} methods. */
export interface MarketCallOptions {
  /** Abort the call (the promise rejects with `ABORTED`). */
  signal?: AbortSignal;
}

/** What the runtime needs from a compute marketplace. All methods reject with `ComputeError`. */
export interface Marketplace {
  /** Offers that match the query, best first as the server sees it (order is not relied on). */
  listOffers(query: OfferQuery, options?: MarketCallOptions): Promise<Offer[]>;
  /**
   * Rent a node. The same `idempotencyKey` on a retry must return the same lease,
   * never a second one.
   */
  createLease(request: CreateLeaseRequest, idempotencyKey: string, options?: MarketCallOptions): Promise<Lease>;
  /** Current state of one lease. */
  getLease(id: string, options?: MarketCallOptions): Promise<Lease>;
  /** Every lease carrying `tag` (`key:value`, e.g. `client:abc`), in any state. */
  listLeases(tag: string, options?: MarketCallOptions): Promise<Lease[]>;
  /** Give a lease back. Idempotent: releasing a released lease succeeds. */
  releaseLease(id: string, options?: MarketCallOptions): Promise<Lease>;
  /** Free connections. Calls after `close()` reject. */
  close(): Promise<void>;
}
