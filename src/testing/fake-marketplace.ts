/**
 * A protocol-v1 marketplace for tests: a real `node:http` server on 127.0.0.1 whose
 * leases start real node servers, with per-second billing, idempotent lease
 * creation and switches for the faults a real marketplace has (5xx, 429, 402,
 * preemption, crashed nodes, failing tasks). No network beyond loopback, no
 * dependency beyond zod. It is the marketplace server core the embedded local
 * marketplace also runs, with in-process nodes instead of agent processes and
 * offers that hold still.
 *
 * @example
 * ```ts
 * const market = await createFakeMarketplace({ coldStartMs: 50 });
 * const compute = createCompute({ marketplace: { url: market.url, apiKey: market.apiKey } });
 * // ... run work ...
 * await compute.shutdown();
 * market.expectNoLiveLeases();
 * expect(market.bill().total).toBeLessThan(0.01);
 * await market.close();
 * ```
 */
import { realClock } from '../clock.js';
import { serveMarketCore } from '../local/market/server.js';
import { createFakeCore } from './fake-core.js';
import type { FakeMarketplaceControls } from './fake-core.js';
import type { FakeMarketplaceOptions } from './fake-options.js';

export type { FakeBill, FakeMarketplaceControls, FakeRequestLogEntry } from './fake-core.js';
export type { FakeMarketplaceOptions } from './fake-options.js';

/** A running fake marketplace and its test helpers. */
export interface FakeMarketplace extends FakeMarketplaceControls {
  /** Base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
}

/** Start a fake marketplace on 127.0.0.1 (free port). Throws `CONFIG_INVALID` on a bad option. */
export async function createFakeMarketplace(options: FakeMarketplaceOptions = {}): Promise<FakeMarketplace> {
  const fake = createFakeCore(options);
  const server = await serveMarketCore(fake.core, options.clock ?? realClock, { host: '127.0.0.1', port: 0 });
  return { ...fake.controls(server.requestLog, () => server.close()), url: server.url };
}
