/**
 * The offer cache never holds the control loop: a fetch runs on its own, a failed
 * one backs off (1 s doubling, capped at 8 s) instead of being tried every tick,
 * offers in another currency are dropped, and an offer can be avoided for a while.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { ComputeError } from '../../src/errors.js';
import { OfferCache } from '../../src/controller/offer-cache.js';
import type { Marketplace } from '../../src/market/marketplace.js';
import type { Offer } from '../../src/market/protocol.js';
import { makeOffer } from './planner-driver.js';

const query = { gpu: ['A100'], minGpus: 1 };

function market(listOffers: () => Promise<Offer[]>): Marketplace {
  return {
    listOffers: () => listOffers(),
    createLease: () => Promise.reject(new Error('unused')),
    getLease: () => Promise.reject(new Error('unused')),
    listLeases: () => Promise.resolve([]),
    releaseLease: () => Promise.reject(new Error('unused')),
    close: () => Promise.resolve(),
  };
}

describe('OfferCache', () => {
  it('a failed fetch backs off 1 s, 2 s, 4 s... instead of restarting every tick', async () => {
    const clock = new VirtualClock();
    const at: number[] = [];
    const m = market(() => (at.push(clock.now()), Promise.reject(new ComputeError('MARKET_UNAVAILABLE', 'down'))));
    const warnings: string[] = [];
    const cache = new OfferCache(m, clock, (_e, during) => void warnings.push(during));
    for (let t = 0; t < 8_000; t += 200) {
      await cache.refresh([query]);
      await clock.advance(200);
    }
    expect(at).toEqual([0, 1_000, 3_000, 7_000]);
    expect(warnings).toHaveLength(4);
  });

  it('refresh() does not wait for a hung fetch: the last offers stay usable, and it is not started twice', async () => {
    const clock = new VirtualClock();
    let calls = 0;
    let hang = false;
    const m = market(() => (calls++, hang ? new Promise<Offer[]>(() => undefined) : Promise.resolve([makeOffer({ id: 'a' })])));
    const fresh: number[] = [];
    const cache = new OfferCache(m, clock, () => undefined, { ttlMs: 1_000, onFresh: () => void fresh.push(clock.now()) });
    await cache.refresh([query]);
    expect(cache.all().map((o) => o.id)).toEqual(['a']);
    expect(fresh).toEqual([0]);
    hang = true;
    await clock.advance(1_000);
    // The loop does not await refresh(): it starts the fetch and plans on what it has.
    void cache.refresh([query]);
    await clock.advance(5_000);
    void cache.refresh([query]);
    expect(calls).toBe(2);
    expect(cache.all().map((o) => o.id)).toEqual(['a']);
  });

  it('drops offers in another currency (one warning) and skips an avoided offer for its cool-off', async () => {
    const clock = new VirtualClock();
    const m = market(() => Promise.resolve([makeOffer({ id: 'usd' }), makeOffer({ id: 'eur', currency: 'EUR' })]));
    const warned: unknown[] = [];
    const cache = new OfferCache(m, clock, (e) => void warned.push(e.details.warning), { currency: 'USD' });
    await cache.refresh([query]);
    expect(cache.all().map((o) => o.id)).toEqual(['usd']);
    expect(warned).toEqual(['offer-currency']);
    cache.avoid('usd', 10_000);
    expect(cache.all()).toEqual([]);
    await clock.advance(10_000);
    expect(cache.all().map((o) => o.id)).toEqual(['usd']);
  });
});
