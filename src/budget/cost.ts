/**
 * Billing arithmetic shared by the ledger and the planner. Pure: every function
 * takes the time it is asked about, so the live loop, the simulator and the tests
 * get the same numbers.
 *
 * Model (conservative on purpose, so that a cap computed here is never crossed by
 * the real bill): billing starts when the lease is requested, time is rounded up to
 * whole billing increments, a lease pays at least `minLeaseSec` (itself rounded up to
 * an increment) and at least one increment as soon as it exists.
 */
import type { Offer } from '../market/protocol.js';
import type { NodeView } from '../controller/observation.js';

/** Billing facts of a lease (a {@link NodeView} has them all). */
export type BilledLease = Pick<NodeView, 'pricePerHour' | 'requestedAt' | 'billingIncrementSec' | 'minLeaseSec'>;

// Float noise such as 120.00000000001 s must not bill a whole extra increment.
const EPSILON = 1e-9;

/**
 * Seconds billed for a lease that ran `elapsedSec`: rounded up to the increment,
 * never below `minLeaseSec`, never below one increment. Negative elapsed time (clock
 * skew) counts as zero.
 */
export function billedSeconds(elapsedSec: number, incrementSec: number, minLeaseSec: number): number {
  const increment = incrementSec > 0 ? incrementSec : 1;
  const charged = Math.max(elapsedSec, minLeaseSec, 0);
  const increments = Math.max(1, Math.ceil(charged / increment - EPSILON));
  return increments * increment;
}

/** Cost of `seconds` at `pricePerHour`. */
export function leaseCost(pricePerHour: number, seconds: number): number {
  return (pricePerHour * seconds) / 3600;
}

/** Seconds since the lease was requested, at `at` (ms). */
function elapsedSec(lease: BilledLease, at: number): number {
  return (at - lease.requestedAt) / 1000;
}

/**
 * What the lease owes in total if it is released at `now` (ms): accrued time plus the
 * rest of the current increment, or the minimum lease if that is longer.
 */
export function committedCost(lease: BilledLease, now: number): number {
  return leaseCost(lease.pricePerHour, billedSeconds(elapsedSec(lease, now), lease.billingIncrementSec, lease.minLeaseSec));
}

/**
 * What the lease will owe if it is kept until `at` (ms) and released then. The
 * planner asks this a couple of ticks ahead to see which leases are about to enter
 * their next paid increment.
 */
export function committedAt(lease: BilledLease, at: number): number {
  return committedCost(lease, at);
}

/** The least a lease of `offer` can cost: its minimum lease, or one increment. */
export function minimumLeaseCost(offer: Pick<Offer, 'pricePerHour' | 'billingIncrementSec' | 'minLeaseSec'>): number {
  return leaseCost(offer.pricePerHour, billedSeconds(0, offer.billingIncrementSec, offer.minLeaseSec));
}

/**
 * Cost of a lease of `offer` requested now and kept for `horizonMs`: what the
 * planner must be able to afford so that the lease is not released again at once.
 */
export function costOverHorizon(offer: Pick<Offer, 'pricePerHour' | 'billingIncrementSec' | 'minLeaseSec'>, horizonMs: number): number {
  return leaseCost(offer.pricePerHour, billedSeconds(horizonMs / 1000, offer.billingIncrementSec, offer.minLeaseSec));
}

/** Clock time (ms) at which the lease's paid time runs out if it is not released before. */
export function paidUntil(lease: BilledLease, now: number): number {
  return lease.requestedAt + billedSeconds(elapsedSec(lease, now), lease.billingIncrementSec, lease.minLeaseSec) * 1000;
}
