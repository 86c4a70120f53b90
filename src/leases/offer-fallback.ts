/**
 * Moving a planned lease on when the marketplace refuses its offer as gone or full
 * (`OFFER_GONE`: protocol v1's 409, Vast's `no_such_ask`, RunPod's 400 without
 * capacity). The planner gave the request its fallbacks (controller/steps/rent.ts);
 * the lease manager requests the next acceptable one at once, so a stale offer costs
 * one create call, not a control tick. Each try is a request of its own: its own key,
 * reservation (the budget caps checked for the offer actually tried) and probe rule.
 */
import type { OfferGone } from '../events.js';
import type { Offer } from '../market/protocol.js';
import type { AcquireSpec } from './lease-record.js';

/** The offers to try after `spec.offer` was refused, each with the spec that requests it. */
export function* fallbackSpecs(spec: AcquireSpec): Generator<{ offer: Offer; spec: AcquireSpec }> {
  const refused = [...(spec.refused ?? []), spec.offer.id];
  const fallbacks = spec.fallbacks ?? [];
  for (const [i, offer] of fallbacks.entries()) {
    if (refused.includes(offer.id)) continue;
    yield {
      offer,
      spec: {
        ...spec,
        offer,
        // The price cap sent is the offer's own price, as for the offer first planned.
        maxPricePerHour: offer.pricePerHour,
        fallbacks: fallbacks.slice(i + 1),
        refused,
      },
    };
  }
}

/** The walk so far once `spec.offer` was refused and `next` (if any) requested instead. */
export function offerGone(spec: AcquireSpec, next: string | null): OfferGone {
  return { refused: [...(spec.refused ?? []), spec.offer.id], next };
}

/** The `failed` event's reason for a refused offer. */
export function offerGoneText(gone: OfferGone, why: string): string {
  const offer = gone.refused[gone.refused.length - 1];
  const then = gone.next === null ? 'no other acceptable offer to try before the next tick' : `offer ${gone.next} requested instead`;
  return `offer ${offer} is gone or full (${why}); ${then}`;
}

/** The tail of an `acquired` event's reason for a request that took a refused offer's place. */
export function inPlaceOfText(refused: readonly string[]): string {
  return ` in place of offer${refused.length === 1 ? '' : 's'} ${refused.join(', ')} (gone or full)`;
}
