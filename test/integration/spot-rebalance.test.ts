/**
 * Back to spot after a fallback, against a protocol-v1 marketplace over loopback: a
 * preempted spot node is replaced on-demand for the cool-off; once that is over and
 * the fleet is steady, a spot replacement is rented, and the on-demand lease is given
 * back as soon as the spot one is ready (make before break). Tasks keep answering.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCompute, type LeaseEvent, type ScaleEvent } from '../../src/index.js';
import { createFakeMarketplace } from '../../src/testing/index.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function until(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (let waited = 0; !done(); waited += 25) {
    if (waited > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('spot rebalancing, live', () => {
  it('moves a fleet that fell back to on-demand back onto spot once the cool-off is over', async () => {
    const market = await createFakeMarketplace({ coldStartMs: 200, slots: 2 });
    cleanups.push(() => market.close());
    const compute = createCompute({ marketplace: { url: market.url, apiKey: market.apiKey }, journal: false });
    cleanups.push(() => compute.shutdown({ graceMs: 1000 }));
    const leases: LeaseEvent[] = [];
    const scales: ScaleEvent[] = [];
    compute.on('lease', (e) => leases.push(e));
    compute.on('scale', (e) => scales.push(e));
    const work = compute.workload('w', {
      gpu: { model: 'A100', interruptible: 'allow', spotCooloffMs: 3000 },
      image: 'i',
      scaling: { minNodes: 1, maxNodes: 2, concurrencyPerNode: 2, latencyTargetMs: 2000, scaleDownDelayMs: 500 },
    });
    const offerOf = (id: string) => market.leases().find((l) => l.id === id)?.offerId;
    const running = () => market.liveLeases().filter((l) => l.state === 'running');

    expect(await work.run({ n: 1 })).toEqual({ echo: { n: 1 } });
    await until('a running spot lease', () => running().some((l) => l.offerId === 'a100-40gb-spot'));
    await market.preempt(running()[0]!.id);
    // The fallback: on-demand while spot is avoided (a task sent now finds the node gone). The
    // cool-off is long enough that a loaded machine's late ticks still see it.
    expect(await work.run({ n: 2 })).toEqual({ echo: { n: 2 } });
    await until('an on-demand lease', () => running().some((l) => l.offerId === 'a100-40gb'));
    // The way back: a spot replacement, then the on-demand lease released.
    await until('spot only again', () => {
      const live = market.liveLeases();
      return live.length === 1 && live[0]!.offerId === 'a100-40gb-spot' && live[0]!.state === 'running';
    });
    expect(await work.run({ n: 3 })).toEqual({ echo: { n: 3 } });
    expect(scales.some((e) => e.reason.includes('to replace a node at $2.00/h'))).toBe(true);
    const released = leases.filter((e) => e.type === 'released').map((e) => offerOf(e.leaseId!));
    expect(released).toContain('a100-40gb');
  }, 30_000);
});
