/**
 * The terms a lease comes back with, checked against what was asked for. A
 * marketplace may grant a lease at a higher price than the `maxPricePerHour` sent,
 * in another currency, or on coarser billing than its offer said (hourly instead of
 * per second); each of these can cross the budget before any periodic check runs,
 * so the lease manager releases such a lease the moment an answer reveals it. Pure.
 */
import { billedSeconds, leaseCost } from '../budget/cost.js';
import type { Lease, Offer } from '../market/protocol.js';

/** What a lease was requested with. */
export interface RequestedTerms {
  offer: Pick<Offer, 'pricePerHour' | 'currency' | 'billingIncrementSec' | 'minLeaseSec'>;
  maxPricePerHour: number;
  /** The budget's currency. */
  currency: string;
}

/** One way a lease broke its terms (structured; the text is rendered by {@link describeBreach}). */
export type TermsBreach =
  | { term: 'price'; reported: number; limit: number }
  | { term: 'currency'; reported: string; limit: string }
  | { term: 'billingIncrementSec' | 'minLeaseSec'; reported: number; limit: number }
  | { term: 'billedSec'; reported: number; limit: number; elapsedSec: number }
  | { term: 'cost'; reported: number; limit: number; elapsedSec: number };

// Float noise and a marketplace rounding up to the next second are not breaches.
const RELATIVE_SLACK = 1e-9;
const SECONDS_SLACK = 1;
const COST_SLACK = 1e-6;

/**
 * The first term `lease` breaks, or undefined. `elapsedSec` is the time since the
 * request was sent (the lease cannot have existed longer, so its billed time
 * cannot honestly be more than the offer's terms give for it).
 */
export function termsBreach(lease: Lease, asked: RequestedTerms, elapsedSec: number): TermsBreach | undefined {
  const { offer } = asked;
  if (lease.pricePerHour > asked.maxPricePerHour * (1 + RELATIVE_SLACK)) {
    return { term: 'price', reported: lease.pricePerHour, limit: asked.maxPricePerHour };
  }
  if (lease.currency !== undefined && lease.currency !== asked.currency) {
    return { term: 'currency', reported: lease.currency, limit: asked.currency };
  }
  if (lease.billingIncrementSec !== undefined && lease.billingIncrementSec > offer.billingIncrementSec * (1 + RELATIVE_SLACK)) {
    return { term: 'billingIncrementSec', reported: lease.billingIncrementSec, limit: offer.billingIncrementSec };
  }
  if (lease.minLeaseSec !== undefined && lease.minLeaseSec > offer.minLeaseSec * (1 + RELATIVE_SLACK)) {
    return { term: 'minLeaseSec', reported: lease.minLeaseSec, limit: offer.minLeaseSec };
  }
  const elapsed = Math.max(0, elapsedSec);
  const allowedSec = billedSeconds(elapsed + SECONDS_SLACK, offer.billingIncrementSec, offer.minLeaseSec);
  if (lease.billedSec > allowedSec) return { term: 'billedSec', reported: lease.billedSec, limit: allowedSec, elapsedSec: elapsed };
  const allowedCost = leaseCost(Math.max(offer.pricePerHour, asked.maxPricePerHour), allowedSec);
  if (lease.cost > allowedCost * (1 + RELATIVE_SLACK) + COST_SLACK) {
    return { term: 'cost', reported: lease.cost, limit: allowedCost, elapsedSec: elapsed };
  }
  return undefined;
}

/** One line for a warning or a lease event. */
export function describeBreach(b: TermsBreach): string {
  switch (b.term) {
    case 'price':
      return `price ${b.reported}/h is above the ${b.limit}/h cap sent`;
    case 'currency':
      return `billed in ${b.reported}, the budget is in ${b.limit}`;
    case 'billingIncrementSec':
      return `billing increment ${b.reported} s is coarser than the offer's ${b.limit} s`;
    case 'minLeaseSec':
      return `minimum lease ${b.reported} s is longer than the offer's ${b.limit} s`;
    case 'billedSec':
      return `${b.reported} s billed after ${Math.round(b.elapsedSec)} s, more than the offer's terms allow (${b.limit} s)`;
    case 'cost':
      return `cost ${b.reported} after ${Math.round(b.elapsedSec)} s is more than the offer's terms allow (${Number(b.limit.toPrecision(4))})`;
  }
}
