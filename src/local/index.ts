/**
 * `adaptive-compute/local`: the embedded local marketplace and its node agents.
 * `createCompute()` without a `marketplace` starts one by itself (loading this code
 * only then); import from here to tune it (cold start, prices, preemption), run it
 * on its own, or write a node handler.
 */
export { LocalMarketplace } from './market/local-marketplace.js';
export { startLocalMarket } from './market/local-market.js';
export type { LocalMarketServer } from './market/local-market.js';
export type { LocalMarketOptions } from './market/options.js';
export { defaultLocalOffers } from './market/local-offers.js';
export type { Account, AccountLease } from './market/account.js';
export type { AgentHandler, AgentHandlerContext, AgentHandlerResult } from './agent/handler-types.js';
