/**
 * `runpod()`: a {@link Marketplace} over RunPod's REST API v2.
 */
import type { Marketplace } from '../../market/marketplace.js';
import { RunPodMarketplace } from './marketplace.js';
import type { RunPodOptions } from './options.js';

export type { RunPodOptions, RunPodCloud } from './options.js';
export { RunPodMarketplace } from './marketplace.js';

/**
 * Rent pods on RunPod. Offers come from the GPU catalog with availability (one per
 * GPU type and cloud tier; v2 has no spot pods), pods run the workload's image with
 * the node agent's env, and the SDK reaches each node over TLS pinned to a key made
 * for its lease (or through RunPod's HTTPS proxy with `network: 'proxy'`).
 *
 * @throws ComputeError `CONFIG_INVALID` naming the bad `runpod.*` option.
 * @example
 * const market = runpod({ apiKey: process.env.RUNPOD_API_KEY! });
 */
export function runpod(options: RunPodOptions): RunPodMarketplace & Marketplace {
  return new RunPodMarketplace(options);
}
