// Purpose: test code that uses adaptive-compute with vitest and `adaptive-compute/testing`: a fake marketplace on loopback, no network, no account.
// Run: cd examples/testing-with-vitest && npx vitest run   (in your app: `npx vitest run`; msw, the optional peer dependency, is only needed for marketplaceHandlers())
// @ts-check
import { afterEach, describe, expect, it } from 'vitest';
import { createCompute } from 'adaptive-compute';
import { createFakeMarketplace } from 'adaptive-compute/testing';
import { createTagger } from './app.mjs';

/** @type {(() => Promise<unknown>)[]} */
const cleanups = [];
afterEach(async () => {
  // Shut the runtime down before its marketplace, whatever the test did.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  // Real protocol-v1 server and node servers in this process; 50 ms cold starts.
  const market = await createFakeMarketplace({ coldStartMs: 50, slots: 2 });
  cleanups.push(() => market.close());
  const compute = createCompute({
    marketplace: { url: market.url, apiKey: market.apiKey },
    journal: false, // no lease journal file from tests
    tickMs: 50,
    budget: { maxPerHour: 20, total: 1 },
  });
  cleanups.push(async () => {
    await compute.shutdown();
  });
  return { market, compute };
}

describe('tagger', () => {
  it('tags 50 documents in order, rents nodes for the burst and pays for them', async () => {
    const { market, compute } = await setup();
    const texts = Array.from({ length: 50 }, (_, i) => `doc ${i}`);

    const out = await createTagger(compute).tagAll(texts);

    // The fake's default handler answers { echo: input }.
    expect(out.map((o) => /** @type {{ echo: { text: string } }} */ (o).echo.text)).toEqual(texts);
    expect(market.leases().length).toBeGreaterThanOrEqual(1);
    await compute.shutdown();
    // Nothing keeps billing after shutdown, and the bill is what a few node-seconds cost.
    expect(market.liveLeases()).toEqual([]);
    expect(market.bill().total).toBeGreaterThan(0);
    expect(market.bill().total).toBeLessThan(0.05);
  });
});
