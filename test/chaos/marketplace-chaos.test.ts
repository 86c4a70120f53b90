/**
 * Chaos over loopback: a protocol-v1 marketplace that fails 20 % of its API calls
 * with 503, rate-limits with 429 + Retry-After, kills a running node every 2 s and
 * preempts spot leases every 3 s, while 400 tasks run. Every task answers right (or,
 * past maxAttempts, NODE_FAILED), nothing is left live, the bill stays under the cap,
 * and no secret shows in anything captured.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ComputeError, createCompute } from '../../src/index.js';
import { createFakeMarketplace } from '../../src/testing/index.js';

function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe('chaos: faulty marketplace, dying nodes', () => {
  it('400 tasks survive 503s, 429s, node kills and preemptions', async () => {
    const apiKey = 'sk-chaos-0123456789abcdef0123456789abcdef';
    const market = await createFakeMarketplace({
      apiKey,
      coldStartMs: 300,
      slots: 2,
      failRate: 0.2,
      random: seeded(42),
      rateLimit: { requests: 4, windowMs: 1000 },
    });
    const total = 5;
    const compute = createCompute({ marketplace: { url: market.url, apiKey }, budget: { total }, journal: false });
    const captured: unknown[] = [];
    for (const name of ['scale', 'lease', 'budget', 'warning'] as const) compute.on(name, (e: unknown) => captured.push(e));
    const work = compute.workload('chaos', {
      gpu: { model: 'A100', interruptible: 'allow', spotCooloffMs: 2000 },
      image: 'i',
      scaling: { maxNodes: 4, concurrencyPerNode: 2, latencyTargetMs: 1000, scaleDownDelayMs: 2000 },
      maxAttempts: 4,
    });

    let maxBill = 0;
    let round = 0;
    const chaos = setInterval(() => {
      round++;
      maxBill = Math.max(maxBill, market.bill().total);
      const running = market.liveLeases().filter((l) => l.state === 'running');
      const spot = running.filter((l) => l.offerId.includes('spot'));
      if (round % 4 === 0 && running[0]) void market.killNode(running[0].id).catch(() => undefined);
      if (round % 6 === 0 && spot[0]) void market.preempt(spot[0].id).catch(() => undefined);
    }, 500);

    try {
      const outcomes = await Promise.allSettled(Array.from({ length: 400 }, (_, i) => work.run({ ms: 50, i })));
      let ok = 0;
      for (const [i, o] of outcomes.entries()) {
        if (o.status === 'fulfilled') {
          expect(o.value).toEqual({ echo: { ms: 50, i } });
          ok++;
        } else {
          expect(o.reason).toBeInstanceOf(ComputeError);
          expect((o.reason as ComputeError).code).toBe('NODE_FAILED');
          captured.push(o.reason);
        }
      }
      expect(ok).toBeGreaterThan(350);
      await compute.shutdown({ graceMs: 2000 });
      clearInterval(chaos);
      // Releases may need retries through the 503s; the marketplace's own view decides.
      expect(market.liveLeases()).toHaveLength(0);
      maxBill = Math.max(maxBill, market.bill().total);
      expect(maxBill).toBeLessThanOrEqual(total);
      // The faults really happened: 503s and 429s answered, nodes lost.
      const statuses = new Set(market.requestLog.map((r) => r.status));
      expect(statuses.has(503)).toBe(true);
      expect(statuses.has(429)).toBe(true);
      expect(captured.some((e) => ['preempted', 'released'].includes((e as { type?: string }).type ?? ''))).toBe(true);
      const text = captured.map((e) => `${inspect(e, { depth: 10 })}\n${JSON.stringify(e)}`).join('\n') + inspect(compute) + JSON.stringify(compute.metrics());
      const tokens = market.leases().map((l) => l.nodeToken).filter((t): t is string => typeof t === 'string');
      for (const secret of [apiKey, ...tokens]) expect(text).not.toContain(secret);
    } finally {
      clearInterval(chaos);
      await compute.shutdown().catch(() => undefined);
      await market.close();
    }
  }, 120_000);
});
