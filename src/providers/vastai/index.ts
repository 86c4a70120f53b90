/**
 * `vastai()`: a {@link Marketplace} over Vast.ai's REST API.
 */
import type { Marketplace } from '../../market/marketplace.js';
import { VastMarketplace } from './marketplace.js';
import type { VastOptions } from './options.js';

export type { VastOptions } from './options.js';
export { VastMarketplace } from './marketplace.js';

/**
 * Rent nodes on Vast.ai. Offers come from the offer search (on-demand and
 * interruptible bids), instances run the workload's image with the node agent's
 * env, and the SDK reaches each node over TLS pinned to a key made for its lease.
 *
 * @throws ComputeError `CONFIG_INVALID` naming the bad `vastai.*` option.
 * @example
 * const market = vastai({ apiKey: process.env.VAST_API_KEY! });
 */
export function vastai(options: VastOptions): VastMarketplace & Marketplace {
  return new VastMarketplace(options);
}
