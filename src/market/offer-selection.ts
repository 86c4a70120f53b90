/**
 * Which offer to rent. Pure ranking: the same offers and requirement always give
 * the same order, so the planner (and the simulator) are reproducible.
 *
 * Score = effective price per useful hour:
 *
 *   effective = pricePerHour / reliability
 *   spot risk = effective * hazardPerHour * lostSecPerPreemption / 3600   (interruptible only)
 *   hazardPerHour        = max(-ln(reliability), SPOT_MIN_HAZARD_PER_HOUR)
 *   lostSecPerPreemption = coldStartSec + billingIncrementSec / 2 + SPOT_REWORK_SEC
 *
 * Dividing by reliability charges for the share of paid time a node is not useful.
 * The spot premium charges what each preemption wastes: the replacement node bills
 * through its cold start, on average half an increment of the preempted lease was
 * paid and not used, and the tasks in flight run again. Reliability is read as the
 * chance a node survives an hour, hence the hazard `-ln(reliability)`; spot is never
 * assumed safe, hence the floor. Ties: shorter cold start, then offer id.
 */
import type { PlannerPolicy } from '../controller/observation.js';
import type { Offer } from './protocol.js';

/** GPU constraints plus the price cap an offer must meet. */
export type OfferRequirement = PlannerPolicy['gpu'] & { maxPricePerHour?: number };

/** Situational options of a ranking. */
export interface OfferSelectionOptions {
  /** Skip interruptible offers (after a preemption) unless the workload accepts spot only. */
  avoidSpot: boolean;
}

/** Preemptions per hour assumed for a spot offer even if it reports full reliability. */
export const SPOT_MIN_HAZARD_PER_HOUR = 0.05;
/** Seconds of work assumed lost and re-run per preemption (tasks in flight). */
export const SPOT_REWORK_SEC = 60;

// A reliability of 0 would divide by zero; such an offer is worthless, not free.
const MIN_RELIABILITY = 1e-6;

/** Whether `offer` meets the requirement (availability and price cap included). */
export function isEligible(offer: Offer, requirement: OfferRequirement, options: OfferSelectionOptions): boolean {
  if (!requirement.model.includes(offer.gpu.model)) return false;
  if (offer.gpu.count < requirement.count) return false;
  if (requirement.minMemoryGb !== undefined && offer.gpu.memoryGb < requirement.minMemoryGb) return false;
  if (offer.available <= 0) return false;
  if (requirement.maxPricePerHour !== undefined && offer.pricePerHour > requirement.maxPricePerHour) return false;
  switch (requirement.interruptible) {
    case 'never':
      return !offer.interruptible;
    case 'only':
      return offer.interruptible;
    case 'allow':
      return !(offer.interruptible && options.avoidSpot);
  }
}

/** The hourly score an offer is ranked by (lower is better); see the module comment. */
export function offerScore(offer: Offer): number {
  const reliability = Math.max(offer.reliability, MIN_RELIABILITY);
  const effective = offer.pricePerHour / reliability;
  if (!offer.interruptible) return effective;
  const hazardPerHour = Math.max(-Math.log(reliability), SPOT_MIN_HAZARD_PER_HOUR);
  const lostSec = offer.coldStartSec + offer.billingIncrementSec / 2 + SPOT_REWORK_SEC;
  return effective + (effective * hazardPerHour * lostSec) / 3600;
}

/** Total order: score, then cold start, then id (ids are unique per marketplace). */
function compareOffers(a: Offer, b: Offer): number {
  const byScore = offerScore(a) - offerScore(b);
  if (byScore !== 0) return byScore;
  const byColdStart = a.coldStartSec - b.coldStartSec;
  if (byColdStart !== 0) return byColdStart;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Eligible offers, best first. Does not modify `offers`. */
export function rankOffers(offers: readonly Offer[], requirement: OfferRequirement, options: OfferSelectionOptions): Offer[] {
  return offers.filter((o) => isEligible(o, requirement, options)).sort(compareOffers);
}

/** The best eligible offer, or undefined when none meets the requirement. */
export function selectOffer(offers: readonly Offer[], requirement: OfferRequirement, options: OfferSelectionOptions): Offer | undefined {
  return rankOffers(offers, requirement, options)[0];
}
