/**
 * Renting: up to a count of leases from the best-ranked offers that the budget caps
 * and the offers' availability allow. Pure over the tick's running budget (which it
 * charges, so that later workloads of the same tick see what this one took).
 */
import { minimumLeaseCost } from '../../budget/cost.js';
import { rankOffers } from '../../market/offer-selection.js';
import type { Offer } from '../../market/protocol.js';
import { canAfford, commitLease, type Refusal } from '../budget-guard.js';
import type { LeaseRequest } from '../observation.js';
import type { AddGroup } from '../reason.js';
import type { Requirement, TickContext } from './context.js';

/**
 * Offers a planned lease carries to move on to when its own is refused as gone or
 * full, at most: a refusal costs one create call, and a stale listing should not
 * turn one planned lease into a long walk (the next tick plans on fresh offers).
 */
export const MAX_FALLBACK_OFFERS = 3;

/** Rent up to `count` nodes; `refusal` says which cap stopped it short (undefined: none did). */
export function rentNodes(workload: string, count: number, requirement: Requirement, avoidSpotUntil: number, ctx: TickContext): { add: LeaseRequest[]; refusal: Refusal | undefined } {
  const add: LeaseRequest[] = [];
  if (count <= 0) return { add, refusal: undefined };
  const ranked = rankOffers(ctx.offers, requirement, { avoidSpot: ctx.now < avoidSpotUntil });
  let refusal: Refusal | undefined;
  while (add.length < count) {
    let at = -1;
    for (const [i, offer] of ranked.entries()) {
      if (!open(offer, ctx)) continue;
      const refused = canAfford(ctx.budget, workload, offer, ctx.horizonMs);
      if (refused === undefined) {
        at = i;
        break;
      }
      refusal ??= refused;
    }
    if (at < 0) break;
    const chosen = ranked[at]!;
    // Checked before the chosen lease is charged: a fallback takes its place, not a place beside it.
    const fallbacks = ranked
      .slice(at + 1)
      .filter((offer) => open(offer, ctx) && canAfford(ctx.budget, workload, offer, ctx.horizonMs) === undefined)
      .slice(0, MAX_FALLBACK_OFFERS);
    commitLease(ctx.budget, workload, chosen, ctx.horizonMs);
    ctx.taken.set(chosen.id, (ctx.taken.get(chosen.id) ?? 0) + 1);
    add.push({ offer: chosen, reserve: minimumLeaseCost(chosen), fallbacks });
  }
  return { add, refusal: add.length < count ? refusal : undefined };
}

/** Whether `offer` has a node left after what this tick already requested of it. */
function open(offer: Offer, ctx: TickContext): boolean {
  return (ctx.taken.get(offer.id) ?? 0) < offer.available;
}

/** The requested leases grouped by offer, in request order (for the reason). */
export function groupAdds(add: readonly LeaseRequest[]): AddGroup[] {
  const groups = new Map<string, AddGroup>();
  for (const { offer } of add) {
    const group = groups.get(offer.id);
    if (group) group.count += 1;
    else {
      groups.set(offer.id, {
        offerId: offer.id,
        model: offer.gpu.model,
        gpuCount: offer.gpu.count,
        spot: offer.interruptible,
        pricePerHour: offer.pricePerHour,
        currency: offer.currency,
        count: 1,
      });
    }
  }
  return [...groups.values()];
}
