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

/** Rent up to `count` nodes; `refusal` says which cap stopped it short (undefined: none did). */
export function rentNodes(workload: string, count: number, requirement: Requirement, avoidSpotUntil: number, ctx: TickContext): { add: LeaseRequest[]; refusal: Refusal | undefined } {
  const add: LeaseRequest[] = [];
  if (count <= 0) return { add, refusal: undefined };
  const ranked = rankOffers(ctx.offers, requirement, { avoidSpot: ctx.now < avoidSpotUntil });
  let refusal: Refusal | undefined;
  while (add.length < count) {
    let chosen: Offer | undefined;
    for (const offer of ranked) {
      if ((ctx.taken.get(offer.id) ?? 0) >= offer.available) continue;
      const refused = canAfford(ctx.budget, workload, offer, ctx.horizonMs);
      if (refused === undefined) {
        chosen = offer;
        break;
      }
      refusal ??= refused;
    }
    if (chosen === undefined) break;
    commitLease(ctx.budget, workload, chosen, ctx.horizonMs);
    ctx.taken.set(chosen.id, (ctx.taken.get(chosen.id) ?? 0) + 1);
    add.push({ offer: chosen, reserve: minimumLeaseCost(chosen) });
  }
  return { add, refusal: add.length < count ? refusal : undefined };
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
