/**
 * Billing rules of the marketplace server core (local and fake), as pure functions
 * so that tests can compute the expected bill themselves: per second from creation
 * to the end, rounded up to the offer's increment, the first increment due at once,
 * never less than `minLeaseSec`.
 */

/**
 * Seconds billed for a lease that has existed `elapsedMs`.
 * @example billedSeconds(61_000, 60, 0) === 120; billedSeconds(0, 1, 0) === 1; billedSeconds(5_000, 1, 60) === 60
 */
export function billedSeconds(elapsedMs: number, billingIncrementSec: number, minLeaseSec: number): number {
  const incrementMs = Math.max(1, billingIncrementSec) * 1000;
  // The first increment is owed as soon as the lease exists, as on real clouds.
  const increments = Math.max(1, Math.ceil(Math.max(0, elapsedMs) / incrementMs));
  return Math.max(minLeaseSec, (increments * incrementMs) / 1000);
}

/** Cost of `billedSec` at `pricePerHour`, rounded to 1e-6 (micro-units) to hide float noise. */
export function billedCost(pricePerHour: number, billedSec: number): number {
  return Math.round(((pricePerHour * billedSec) / 3600) * 1e6) / 1e6;
}

/** The least a new lease of this offer costs: what the server checks against `balance`. */
export function minimumCharge(offer: { pricePerHour: number; billingIncrementSec: number; minLeaseSec: number }): number {
  return billedCost(offer.pricePerHour, billedSeconds(0, offer.billingIncrementSec, offer.minLeaseSec));
}
