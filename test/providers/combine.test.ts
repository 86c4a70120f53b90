/**
 * combineMarketplaces() over the Vast.ai and RunPod adapters and their fakes:
 * offers from both (tagged, namespaced), lease ids namespaced and routed, the
 * planner's ranking picking across providers, one provider down never stopping the
 * other, and `metrics().marketplace.providers` per provider.
 */
import { describe, expect, it } from 'vitest';
import { combineMarketplaces, isComputeError } from '../../src/index.js';
import type { Marketplace } from '../../src/index.js';
import { runpod, vastai } from '../../src/providers/index.js';
import { RunPodFake } from '../support/runpod-fake.js';
import { burst, echoes, stopsAfterEach, until } from '../support/provider-tests.js';
import { VastFake } from '../support/vast-fake.js';

const stopAfter = stopsAfterEach();

async function fakes() {
  const vast = await new VastFake().start();
  const pod = await new RunPodFake().start();
  stopAfter(() => vast.stop(), () => pod.stop());
  return { vast, pod };
}


describe('combineMarketplaces()', () => {
  it('lists offers of every provider tagged and namespaced, and routes lease calls by id', async () => {
    const { vast, pod } = await fakes();
    const market = combineMarketplaces([
      vastai({ apiKey: vast.apiKey, baseUrl: vast.baseUrl }),
      runpod({ apiKey: pod.apiKey, baseUrl: pod.baseUrl, clouds: ['SECURE'] }),
    ]);
    stopAfter(() => market.close());
    expect(market.names).toEqual(['vastai', 'runpod']);
    const offers = await market.listOffers({ gpu: ['RTX 4090'], minGpus: 1, interruptible: false });
    expect(offers.map((o) => [o.id, o.provider])).toEqual([
      ['vastai:101', 'vastai'],
      ['vastai:102', 'vastai'],
      ['runpod:SECURE/1/NVIDIA GeForce RTX 4090', 'runpod'],
    ]);
    const tags = { client: 'c1', workload: 'w', node: 'w#1.1' };
    const onPod = await market.createLease({ offerId: 'runpod:SECURE/1/NVIDIA GeForce RTX 4090', image: 'img', maxPricePerHour: 1, tags }, 'k');
    expect(onPod.id).toMatch(/^runpod:pod/);
    expect(pod.pods.size).toBe(1);
    expect(vast.instances.size).toBe(0);
    expect((await market.getLease(onPod.id)).id).toBe(onPod.id);
    expect((await market.listLeases('client:c1')).map((l) => l.id)).toEqual([onPod.id]);
    expect(market.health.providers).toEqual({ vastai: { degraded: false, offers: 2, leases: 0 }, runpod: { degraded: false, offers: 1, leases: 1 } });
    expect((await market.releaseLease(onPod.id)).state).toBe('terminated');
    const unknown = await market.getLease('lambda:1').catch((e: unknown) => e);
    expect(isComputeError(unknown, 'MARKET_REJECTED')).toBe(true);
    expect(() => combineMarketplaces([])).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('one provider down: its offers drop out, the other keeps serving; a hung one is left out after offerTimeoutMs', async () => {
    const { vast } = await fakes();
    const dead = runpod({ apiKey: 'k', baseUrl: 'http://127.0.0.1:1/v2', maxAttempts: 1 });
    const hung: Marketplace = {
      listOffers: () => new Promise(() => undefined),
      createLease: () => Promise.reject(new Error('no')),
      getLease: () => Promise.reject(new Error('no')),
      listLeases: () => new Promise(() => undefined),
      releaseLease: () => Promise.reject(new Error('no')),
      close: () => Promise.resolve(),
    };
    const market = combineMarketplaces([vastai({ apiKey: vast.apiKey, baseUrl: vast.baseUrl }), dead, hung], { offerTimeoutMs: 500, names: ['vastai', 'runpod', 'slow'] });
    stopAfter(() => market.close());
    const started = Date.now();
    const offers = await market.listOffers({ gpu: ['RTX 4090'], minGpus: 1, interruptible: false });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(offers.map((o) => o.provider)).toEqual(['vastai', 'vastai']);
    expect(market.health.providers.runpod?.degraded).toBe(true);
    expect(market.health.providers.slow?.degraded).toBe(true);
    expect(market.health.providers.vastai).toEqual({ degraded: false, offers: 2, leases: 0 });
    expect(market.health.degraded).toBe(false);
  });

  it('createCompute over both: the burst runs on nodes of both providers, metrics report each, shutdown leaves nothing', async () => {
    const { vast, pod } = await fakes();
    const market = combineMarketplaces([
      vastai({ apiKey: vast.apiKey, baseUrl: vast.baseUrl }),
      runpod({ apiKey: pod.apiKey, baseUrl: pod.baseUrl, clouds: ['SECURE'], billingIncrementSec: 1 }),
    ]);
    const plan = { budget: { maxPerHour: 10, total: 2 }, maxNodes: 4, latencyTargetMs: 1_000, concurrencyPerNode: 2, tasks: 160, taskMs: 200 };
    const { compute, results } = await burst(market, plan, stopAfter);
    expect(results).toEqual(echoes(plan));
    expect(vast.instances.size).toBeGreaterThanOrEqual(1);
    expect(pod.pods.size).toBeGreaterThanOrEqual(1);
    const providers = compute.metrics().marketplace.providers!;
    expect(Object.keys(providers).sort()).toEqual(['runpod', 'vastai']);
    expect(providers.vastai!.offers + providers.runpod!.offers).toBeGreaterThan(0);
    await compute.shutdown();
    await until(() => vast.live().length === 0 && pod.live().length === 0, 5_000);
    expect(vast.bill() + pod.bill()).toBeLessThanOrEqual(2);
  }, 60_000);
});
