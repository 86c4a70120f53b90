/**
 * `adaptive-compute/testing`: test an app that uses adaptive-compute without a
 * marketplace account or network.
 *
 * - {@link createFakeMarketplace} serves protocol v1 on 127.0.0.1 with real node
 *   servers; needs nothing but this package.
 * - {@link marketplaceHandlers} gives msw 2 request handlers for the same fake
 *   (same core), with an undici dispatcher that routes the SDK's own HTTP calls to
 *   them. msw is an optional peer dependency, loaded only when these are called.
 *
 * Both take the same knobs (cold start, service time, task failures, API
 * failures, preemption, offers, balance, clock) and give the same assertions
 * (`bill()`, `liveLeases()`, `expectNoLiveLeases()`, `expectBillAtMost()`). Pair
 * them with `VirtualClock` to skip time (the clocks live here, not in the main entry).
 */
export { createFakeMarketplace } from './fake-marketplace.js';
export type { FakeBill, FakeMarketplace, FakeMarketplaceControls, FakeMarketplaceOptions, FakeRequestLogEntry } from './fake-marketplace.js';
export { handlersDispatcher, marketplaceHandlers } from './msw/marketplace-handlers.js';
export type { HandlersConnection, MarketplaceHandlers, MarketplaceHandlersOptions } from './msw/marketplace-handlers.js';
export { echoTaskHandler } from './fake-node.js';
export type { FakeNodeStats, FakeTaskContext, FakeTaskHandler } from './fake-node.js';
export { defaultFakeOffers } from './fake-offers.js';
export { billedCost, billedSeconds, minimumCharge } from './fake-billing.js';
export { AccountResponseSchema } from '../local/market/account.js';
export type { Account, AccountLease } from '../local/market/account.js';
export { RealClock, VirtualClock, realClock } from '../clock.js';
export type { Clock, Timer } from '../clock.js';
