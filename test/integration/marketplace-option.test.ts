/**
 * The `marketplace` option of `createCompute()` is parsed once into a tagged union
 * (connection | instance | local): an `HttpMarketplace` built by the app, which has a
 * `url` getter, is used as the instance it is (not re-read as `{ url, apiKey }`), runs
 * tasks over real HTTP, and stays open after `shutdown()` (the app closes it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCompute, HttpMarketplace, type Compute } from '../../src/index.js';
import { MarketplaceOptionSchema } from '../../src/config/marketplace-option.js';
import { ComputeOptionsSchema } from '../../src/config/compute.js';
import { createFakeMarketplace, type FakeMarketplace } from '../../src/testing/index.js';

const open: Array<{ close?(): Promise<void>; shutdown?(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await (item.shutdown?.() ?? item.close?.());
});

describe('marketplace option', () => {
  it('parses into one kind: absent -> local, { url, apiKey } -> connection, a Marketplace -> instance', async () => {
    expect(MarketplaceOptionSchema.parse(undefined)).toEqual({ kind: 'local' });
    // Absent from the options object (the usual createCompute()): local too.
    expect(ComputeOptionsSchema.parse({}).marketplace).toEqual({ kind: 'local' });
    expect(ComputeOptionsSchema.parse({ marketplace: undefined }).marketplace).toEqual({ kind: 'local' });
    const connection = MarketplaceOptionSchema.parse({ url: 'https://market.example.com', apiKey: 'k' });
    expect(connection).toMatchObject({ kind: 'connection', connection: { url: 'https://market.example.com', apiKey: 'k', maxAttempts: 3 } });
    const client = new HttpMarketplace({ url: 'https://market.example.com', apiKey: 'k' });
    open.push(client);
    const parsed = MarketplaceOptionSchema.parse(client);
    expect(parsed.kind).toBe('instance');
    expect(parsed.kind === 'instance' && parsed.marketplace).toBe(client);
    const bad = MarketplaceOptionSchema.safeParse({ url: 'https://market.example.com' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['apiKey']);
  });

  it('createCompute({ marketplace: new HttpMarketplace(...) }) runs tasks and leaves the client open for the app to close', async () => {
    const market: FakeMarketplace = await createFakeMarketplace({ coldStartMs: 20 });
    open.push(market);
    const client = new HttpMarketplace({ url: market.url, apiKey: market.apiKey });
    open.push(client);
    const compute: Compute = createCompute({ marketplace: client, journal: false });
    const echo = compute.workload('echo', { gpu: { model: 'A100' }, image: 'i', scaling: { maxNodes: 1 } });
    expect(await echo.run({ n: 1 })).toEqual({ echo: { n: 1 } });
    await compute.shutdown();
    market.expectNoLiveLeases();
    // Not closed by shutdown(): the app's client still answers.
    expect((await client.listOffers({ gpu: ['A100'], minGpus: 1 })).length).toBeGreaterThan(0);
  });
});
