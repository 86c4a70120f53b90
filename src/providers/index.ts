/**
 * `adaptive-compute/providers`: real GPU providers behind the `Marketplace`
 * interface. Combine several with `combineMarketplaces()` from the main entry.
 */
export { vastai, VastMarketplace, type VastOptions } from './vastai/index.js';
export { runpod, RunPodMarketplace, type RunPodOptions, type RunPodCloud } from './runpod/index.js';
