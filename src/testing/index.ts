/**
 * `adaptive-compute/testing`: test an app that uses adaptive-compute without a
 * marketplace account or network. {@link createFakeMarketplace} serves protocol v1
 * on 127.0.0.1 with real node servers; pair it with `VirtualClock` to skip time.
 */
export { createFakeMarketplace } from './fake-marketplace.js';
export type { FakeBill, FakeMarketplace, FakeMarketplaceOptions, FakeRequestLogEntry } from './fake-marketplace.js';
export { echoTaskHandler } from './fake-node.js';
export type { FakeNodeStats, FakeTaskContext, FakeTaskHandler } from './fake-node.js';
export { defaultFakeOffers } from './fake-offers.js';
export { billedCost, billedSeconds, minimumCharge } from './fake-billing.js';
export { AccountResponseSchema } from '../local/market/account.js';
export type { Account, AccountLease } from '../local/market/account.js';
export { VirtualClock } from '../clock.js';
