/**
 * The marketplace offers a simulated run rents from: one on-demand node type and,
 * when spot is enabled, its interruptible twin at a fraction of the price.
 */
import type { Offer } from '../market/protocol.js';
import type { SimConfig } from './config.js';

/** GPU model name the simulated offers carry (the planner's policy asks for it). */
export const SIM_GPU = 'sim-gpu';

/** The on-demand offer. */
export function onDemandOffer(config: SimConfig): Offer {
  return {
    id: 'on-demand',
    gpu: { model: SIM_GPU, count: 1, memoryGb: 80 },
    pricePerHour: config.pricePerHour,
    currency: 'USD',
    billingIncrementSec: config.billingIncrementSec,
    minLeaseSec: config.minLeaseSec,
    interruptible: false,
    region: 'sim',
    reliability: 1,
    coldStartSec: config.coldStartSec,
    available: config.maxNodes,
  };
}

/**
 * The spot offer, or undefined when spot is off. Its reliability is the chance a
 * node survives an hour at the configured preemption rate (what offer ranking reads).
 */
export function spotOffer(config: SimConfig): Offer | undefined {
  if (config.spot === undefined) return undefined;
  return {
    ...onDemandOffer(config),
    id: 'spot',
    pricePerHour: config.pricePerHour * config.spot.priceFactor,
    interruptible: true,
    reliability: Math.exp(-config.spot.preemptionsPerHour),
  };
}
