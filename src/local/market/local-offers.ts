/**
 * What the embedded local marketplace rents out unless told otherwise: several GPU
 * models, each on demand and interruptible (spot, about half the price, preemptible).
 * Base prices are in the range public GPU clouds ask; they move from there
 * (see prices.ts).
 */
import type { Offer } from '../../market/protocol.js';

interface Model {
  id: string;
  model: string;
  memoryGb: number;
  pricePerHour: number;
}

const MODELS: readonly Model[] = [
  { id: 'h100-80gb', model: 'H100', memoryGb: 80, pricePerHour: 2.49 },
  { id: 'a100-80gb', model: 'A100', memoryGb: 80, pricePerHour: 1.79 },
  { id: 'a100-40gb', model: 'A100', memoryGb: 40, pricePerHour: 1.29 },
  { id: 'l40s-48gb', model: 'L40S', memoryGb: 48, pricePerHour: 0.99 },
  { id: 'l4-24gb', model: 'L4', memoryGb: 24, pricePerHour: 0.44 },
];

/** Settings that every default offer shares. */
export interface LocalOfferDefaults {
  /** Informational cold start the offers advertise, s (the SDK's first estimate). */
  coldStartSec: number;
  billingIncrementSec: number;
  minLeaseSec: number;
  /** Nodes of each offer that can be live at once. */
  available: number;
}

/**
 * The default offer list: for each model an on-demand offer (reliability 0.99) and
 * a spot offer at about half the price (reliability 0.9, `-spot` suffix).
 */
export function defaultLocalOffers(defaults: LocalOfferDefaults): Offer[] {
  const offers: Offer[] = [];
  for (const m of MODELS) {
    const common = {
      gpu: { model: m.model, count: 1, memoryGb: m.memoryGb },
      currency: 'USD',
      region: 'local',
      coldStartSec: defaults.coldStartSec,
      billingIncrementSec: defaults.billingIncrementSec,
      minLeaseSec: defaults.minLeaseSec,
      available: defaults.available,
    };
    offers.push({ ...common, id: m.id, pricePerHour: m.pricePerHour, interruptible: false, reliability: 0.99 });
    offers.push({
      ...common,
      id: `${m.id}-spot`,
      pricePerHour: Math.round(m.pricePerHour * 0.5 * 100) / 100,
      interruptible: true,
      reliability: 0.9,
    });
  }
  return offers;
}
