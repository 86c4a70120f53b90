import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isEligible, offerScore, rankOffers, selectOffer } from '../../src/market/offer-selection.js';
import type { OfferRequirement } from '../../src/market/offer-selection.js';
import type { Offer } from '../../src/market/protocol.js';
import { makeOffer } from './planner-driver.js';

const req: OfferRequirement = { model: ['A100', 'H100'], count: 1, minMemoryGb: 40, interruptible: 'allow' };
const calm = { avoidSpot: false };

describe('eligibility', () => {
  it('checks model, GPU count, memory, availability and price cap', () => {
    expect(isEligible(makeOffer(), req, calm)).toBe(true);
    expect(isEligible(makeOffer({ model: 'L4' }), req, calm)).toBe(false);
    expect(isEligible(makeOffer(), { ...req, count: 2 }, calm)).toBe(false);
    expect(isEligible(makeOffer({ gpu: { model: 'A100', count: 2, memoryGb: 80 } }), { ...req, count: 2 }, calm)).toBe(true);
    expect(isEligible(makeOffer({ gpu: { model: 'A100', count: 1, memoryGb: 24 } }), req, calm)).toBe(false);
    expect(isEligible(makeOffer({ available: 0 }), req, calm)).toBe(false);
    expect(isEligible(makeOffer({ pricePerHour: 2.5 }), { ...req, maxPricePerHour: 2 }, calm)).toBe(false);
    expect(isEligible(makeOffer({ pricePerHour: 2 }), { ...req, maxPricePerHour: 2 }, calm)).toBe(true);
  });

  it('follows the interruptible policy and the spot back-off', () => {
    const spot = makeOffer({ interruptible: true });
    const onDemand = makeOffer();
    expect(isEligible(spot, req, calm)).toBe(true);
    expect(isEligible(spot, req, { avoidSpot: true })).toBe(false);
    expect(isEligible(onDemand, req, { avoidSpot: true })).toBe(true);
    expect(isEligible(spot, { ...req, interruptible: 'never' }, calm)).toBe(false);
    expect(isEligible(onDemand, { ...req, interruptible: 'only' }, calm)).toBe(false);
    // A spot-only workload has nothing to fall back to.
    expect(isEligible(spot, { ...req, interruptible: 'only' }, { avoidSpot: true })).toBe(true);
  });
});

describe('score', () => {
  it('divides the price by reliability', () => {
    expect(offerScore(makeOffer({ pricePerHour: 2, reliability: 0.8 }))).toBeCloseTo(2.5, 12);
  });

  it('adds the expected cost of preemptions to spot offers', () => {
    // effective 1/0.9; hazard -ln 0.9 per hour; lost 60 cold + 30 half increment + 60 rework s.
    const spot = makeOffer({ pricePerHour: 1, reliability: 0.9, interruptible: true, coldStartSec: 60, billingIncrementSec: 60 });
    const effective = 1 / 0.9;
    expect(offerScore(spot)).toBeCloseTo(effective + (effective * -Math.log(0.9) * 150) / 3600, 12);
    // A "fully reliable" spot offer is still assumed to be preempted 0.05 times an hour.
    const safe = makeOffer({ pricePerHour: 1, reliability: 1, interruptible: true, coldStartSec: 0, billingIncrementSec: 1 });
    expect(offerScore(safe)).toBeCloseTo(1 + (0.05 * 60.5) / 3600, 12);
    expect(offerScore(safe)).toBeGreaterThan(offerScore(makeOffer({ pricePerHour: 1, reliability: 1 })));
  });
});

describe('ranking', () => {
  it('puts the cheapest effective price first', () => {
    const offers = [
      makeOffer({ id: 'flaky', pricePerHour: 1.5, reliability: 0.5 }),
      makeOffer({ id: 'h100', model: 'H100', pricePerHour: 2.8 }),
      makeOffer({ id: 'a100', pricePerHour: 2 }),
      makeOffer({ id: 'l4', model: 'L4', pricePerHour: 0.5 }),
    ];
    expect(rankOffers(offers, req, calm).map((o) => o.id)).toEqual(['a100', 'h100', 'flaky']);
    expect(selectOffer(offers, req, calm)?.id).toBe('a100');
    expect(selectOffer(offers, { ...req, model: ['T4'] }, calm)).toBeUndefined();
  });

  it('breaks ties by cold start, then by id', () => {
    const offers = [makeOffer({ id: 'b', coldStartSec: 10 }), makeOffer({ id: 'c', coldStartSec: 5 }), makeOffer({ id: 'a', coldStartSec: 10 })];
    expect(rankOffers(offers, req, calm).map((o) => o.id)).toEqual(['c', 'a', 'b']);
  });

  it('falls back to on-demand while spot is avoided', () => {
    const offers = [makeOffer({ id: 'od' }), makeOffer({ id: 'spot', pricePerHour: 0.7, interruptible: true, reliability: 0.95 })];
    expect(selectOffer(offers, req, calm)?.id).toBe('spot');
    expect(selectOffer(offers, req, { avoidSpot: true })?.id).toBe('od');
  });

  const offerArb: fc.Arbitrary<Offer> = fc
    .record({
      id: fc.string({ minLength: 1, maxLength: 3 }),
      model: fc.constantFrom('A100', 'H100', 'L4'),
      pricePerHour: fc.double({ min: 0, max: 10, noNaN: true }),
      reliability: fc.double({ min: 0, max: 1, noNaN: true }),
      interruptible: fc.boolean(),
      coldStartSec: fc.integer({ min: 0, max: 300 }),
      available: fc.integer({ min: 0, max: 3 }),
      memoryGb: fc.constantFrom(24, 40, 80),
    })
    .map(({ model, memoryGb, ...o }) => makeOffer({ ...o, gpu: { model, count: 1, memoryGb } }));

  it('returns exactly the eligible offers, by non-decreasing score, whatever the input order', () => {
    const reqArb = fc.record({ interruptible: fc.constantFrom('allow', 'never', 'only') as fc.Arbitrary<'allow' | 'never' | 'only'>, avoidSpot: fc.boolean() });
    fc.assert(
      fc.property(fc.uniqueArray(offerArb, { selector: (o) => o.id, maxLength: 8 }), reqArb, fc.integer(), (offers, r, seed) => {
        const requirement = { ...req, interruptible: r.interruptible };
        const options = { avoidSpot: r.avoidSpot };
        const ranked = rankOffers(offers, requirement, options);
        expect(ranked.length).toBe(offers.filter((o) => isEligible(o, requirement, options)).length);
        for (let i = 1; i < ranked.length; i++) expect(offerScore(ranked[i]!)).toBeGreaterThanOrEqual(offerScore(ranked[i - 1]!));
        const shuffled = [...offers].sort((a, b) => ((a.id.charCodeAt(0) * seed) % 7) - ((b.id.charCodeAt(0) * seed) % 7));
        expect(rankOffers(shuffled, requirement, options).map((o) => o.id)).toEqual(ranked.map((o) => o.id));
      }),
    );
  });
});
