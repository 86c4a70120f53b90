/**
 * Nodes die under load: a crashed node process (connections reset, lease still
 * "running") and a preempted lease. Every task still gets its right answer, the
 * dead lease is given back, and nothing is left billing after shutdown.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCompute, type LeaseEvent } from '../../src/index.js';
import { createFakeMarketplace } from '../../src/testing/index.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function setup() {
  const market = await createFakeMarketplace({ coldStartMs: 200, slots: 2 });
  cleanups.push(() => market.close());
  const compute = createCompute({ marketplace: { url: market.url, apiKey: market.apiKey } });
  cleanups.push(() => compute.shutdown({ graceMs: 1000 }));
  const leases: LeaseEvent[] = [];
  compute.on('lease', (e) => leases.push(e));
  const work = compute.workload('w', {
    gpu: { model: 'A100', interruptible: 'never' },
    image: 'i',
    scaling: { maxNodes: 3, concurrencyPerNode: 2, latencyTargetMs: 300, scaleDownDelayMs: 2000 },
    maxAttempts: 5,
  });
  return { market, compute, work, leases };
}

async function untilReady(leases: LeaseEvent[], n: number): Promise<void> {
  for (let i = 0; i < 200 && leases.filter((e) => e.type === 'ready').length < n; i++) await new Promise((r) => setTimeout(r, 25));
}

describe('node failures', () => {
  it.each(['killNode', 'preempt'] as const)('%s mid-burst: every task still answers correctly', async (fault) => {
    const { market, compute, work, leases } = await setup();
    const all = Promise.all(Array.from({ length: 120 }, (_, i) => work.run({ ms: 100, i })));
    await untilReady(leases, 2);
    const victim = leases.find((e) => e.type === 'ready')!.leaseId!;
    await market[fault](victim);
    const results = (await all) as { echo: { i: number } }[];
    expect(results.map((r) => r.echo.i)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    // The dead lease leaves the fleet: preempted by the marketplace, or released by us once its health check fails.
    const expected = fault === 'preempt' ? 'preempted' : 'released';
    for (let i = 0; i < 200 && !leases.some((e) => e.leaseId === victim && e.type === expected); i++) await new Promise((r) => setTimeout(r, 25));
    expect(leases.some((e) => e.leaseId === victim && e.type === expected)).toBe(true);
    await compute.shutdown();
    expect(market.liveLeases()).toHaveLength(0);
  }, 30_000);
});
