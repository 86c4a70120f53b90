/**
 * The embedded local marketplace and its node agents, as the package exports them:
 * what an app needs to tune the local marketplace or write its own node handler.
 */
export { LocalMarketplace } from './market/local-marketplace.js';
export { startLocalMarket } from './market/local-market.js';
export type { LocalMarketServer } from './market/local-market.js';
export type { LocalMarketOptions } from './market/options.js';
export { defaultLocalOffers } from './market/local-offers.js';
export type { Account, AccountLease } from './market/account.js';
export type { AgentHandler, AgentHandlerContext, AgentHandlerResult } from './agent/handler-types.js';
