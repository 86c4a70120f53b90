/**
 * The marketplace goes down while nodes are serving: work keeps flowing on the nodes
 * the SDK holds, metrics() shows the marketplace degraded, and once it is back the
 * leases are released as usual.
 */
import { describe, expect, it } from 'vitest';
import { createCompute } from '../../src/index.js';
import { createFakeMarketplace } from '../../src/testing/index.js';

describe('marketplace outage', () => {
  it('keeps serving with the nodes it has and reports the marketplace as degraded', async () => {
    const market = await createFakeMarketplace({ coldStartMs: 100 });
    const compute = createCompute({ marketplace: { url: market.url, apiKey: market.apiKey }, journal: false, tickMs: 200 });
    try {
      const w = compute.workload('w', {
        gpu: { model: 'A100', interruptible: 'never' },
        image: 'i',
        scaling: { minNodes: 2, maxNodes: 2, concurrencyPerNode: 2, scaleDownDelayMs: 60_000 },
      });
      await Promise.all(Array.from({ length: 4 }, () => w.run({ ms: 10 })));
      expect(compute.metrics().marketplace.degraded).toBe(false);

      market.setFailRate(1);
      const during = await Promise.all(Array.from({ length: 40 }, (_, i) => w.run({ ms: 20, i })));
      expect(during.map((o) => (o as { echo: { i: number } }).echo.i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      // Lease checks run every few seconds; by then the failures show.
      for (let i = 0; i < 100 && !compute.metrics().marketplace.degraded; i++) await new Promise((r) => setTimeout(r, 100));
      expect(compute.metrics().marketplace).toMatchObject({ degraded: true });

      market.setFailRate(0);
      await compute.shutdown();
      expect(market.liveLeases()).toHaveLength(0);
      expect(compute.metrics().marketplace.degraded).toBe(false);
    } finally {
      await compute.shutdown().catch(() => undefined);
      await market.close();
    }
  }, 60_000);
});
