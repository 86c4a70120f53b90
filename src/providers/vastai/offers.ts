/**
 * Vast.ai offers: the search body for `POST /bundles/` and the mapping of what comes
 * back onto protocol-v1 offers. On-demand and interruptible (bid) rentals of the same
 * machine are two offers: `<ask id>` and `<ask id>:bid`.
 */
import type { Offer, OfferQuery } from '../../market/protocol.js';
import { gpuNameFilter, matchGpuModel } from '../gpu-names.js';
import { VastOfferSchema } from './schemas.js';
import type { VastOffer } from './schemas.js';
import type { VastSettings } from './options.js';

/** Rental type of a search (`on-demand` or `bid`, the interruptible kind). */
export type VastRentalType = 'on-demand' | 'bid';

/** The JSON filter of one search. */
export function offerSearchBody(query: OfferQuery, type: VastRentalType, settings: VastSettings): Record<string, unknown> {
  const names = gpuNameFilter(query.gpu);
  return {
    gpu_name: names.length === 1 ? { eq: names[0] } : { in: names },
    num_gpus: { gte: query.minGpus },
    rentable: { eq: true },
    ...(query.minMemoryGb !== undefined && query.minMemoryGb > 0 ? { gpu_ram: { gte: Math.floor(query.minMemoryGb * 1000) } } : {}),
    type,
    // The disk we will ask for: dph_total then includes its storage, as the instance will bill.
    allocated_storage: settings.diskGb,
    order: [['dph_total', 'asc']],
    limit: settings.maxOffers,
  };
}

/** Offer id of an ask rented as `type`. */
export function vastOfferId(askId: string, type: VastRentalType): string {
  return type === 'bid' ? `${askId}:bid` : askId;
}

/** The ask id and rental type an offer id names, or undefined for ids we never made. */
export function parseVastOfferId(offerId: string): { askId: string; type: VastRentalType } | undefined {
  const match = /^(\d+)(:bid)?$/.exec(offerId);
  if (!match) return undefined;
  return { askId: match[1]!, type: match[2] ? 'bid' : 'on-demand' };
}

/** Map raw search results; entries that do not parse or do not match the query are skipped. */
export function toOffers(raw: readonly unknown[], query: OfferQuery, type: VastRentalType, settings: VastSettings): { offers: Offer[]; byId: Map<string, VastOffer> } {
  const offers: Offer[] = [];
  const byId = new Map<string, VastOffer>();
  for (const item of raw) {
    const parsed = VastOfferSchema.safeParse(item);
    if (!parsed.success) continue;
    const o = parsed.data;
    const model = matchGpuModel(o.gpu_name, query.gpu);
    if (model === undefined || o.num_gpus < query.minGpus || o.rentable === false) continue;
    if (type === 'bid' && (o.min_bid === undefined || o.min_bid === null)) continue;
    // Filtered here, not in the search: `reliability2` is not a documented search filter.
    const reliability = Math.min(1, Math.max(0, o.reliability2 ?? o.reliability ?? 1));
    if (reliability < settings.minReliability) continue;
    const id = vastOfferId(o.id, type);
    byId.set(id, o);
    offers.push({
      id,
      gpu: { model, count: o.num_gpus, memoryGb: Math.round((o.gpu_ram ?? 0) / 1024) },
      pricePerHour: o.dph_total,
      currency: 'USD',
      // Per-second billing (guides/instances/pricing.mdx).
      billingIncrementSec: 1,
      minLeaseSec: 0,
      interruptible: type === 'bid',
      region: o.geolocation ?? '',
      reliability,
      coldStartSec: settings.coldStartSec,
      available: 1,
    });
  }
  return { offers, byId };
}
