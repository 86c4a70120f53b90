/**
 * A GPU model no offer has, on virtual time: a warning at once naming the models that
 * exist (closest first), NO_OFFER for waiting and new tasks after the grace, work again
 * once an offer appears; and an unreachable marketplace is never taken for "no offer".
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { Compute } from '../../src/compute.js';
import { ComputeOptionsSchema } from '../../src/config/compute.js';
import { closestFirst, editDistance, NO_OFFER_GRACE_MS } from '../../src/controller/offer-availability.js';
import type { ComputeError } from '../../src/errors.js';
import type { WarningEvent } from '../../src/events.js';
import { defaultOffers, MemoryMarket, modelledNodes } from '../support/memory-market.js';

function build(model: string) {
  const clock = new VirtualClock(1_700_000_000_000);
  const offers = defaultOffers();
  const market = new MemoryMarket(clock, { coldStartMs: 500, offers });
  const compute = new Compute(ComputeOptionsSchema.parse({ marketplace: market, clock, journal: false }), { connectNode: modelledNodes(clock, 2, market) });
  const warnings: WarningEvent[] = [];
  compute.on('warning', (e) => warnings.push(e));
  const work = compute.workload('w', { gpu: { model }, image: 'img', scaling: { maxNodes: 2 } });
  return { clock, market, offers, compute, work, warnings };
}

const settle = (p: Promise<unknown>): Promise<ComputeError | 'ok'> => p.then(() => 'ok' as const, (e: ComputeError) => e);

describe('a GPU model no offer has', () => {
  it('warns at once with the models offered, closest first, then fails waiting and new tasks with NO_OFFER until an offer appears', async () => {
    const { clock, offers, compute, work, warnings } = build('A1000');
    const waiting = settle(work.run({ ms: 10 }, { timeoutMs: 60_000 }));
    await clock.advance(1_000);
    const warning = warnings.find((w) => w.error.code === 'NO_OFFER');
    expect(warning).toBeDefined();
    expect(warning!.error.details).toMatchObject({ workload: 'w', models: ['A1000'], offeredModels: ['A100', 'H100'] });
    expect(warning!.error.message).toContain('A100, H100');
    await clock.advance(NO_OFFER_GRACE_MS / 2);
    expect(await Promise.race([waiting, Promise.resolve('pending')])).toBe('pending');
    await clock.advance(NO_OFFER_GRACE_MS);
    expect(await waiting).toMatchObject({ code: 'NO_OFFER' });
    await expect(work.run({ ms: 10 })).rejects.toMatchObject({ code: 'NO_OFFER' });
    expect(warnings.filter((w) => w.error.code === 'NO_OFFER')).toHaveLength(1);

    // The marketplace lists the model now: the next offer fetch lifts the refusal.
    offers.push({ ...offers[0]!, id: 'a1000', gpu: { model: 'A1000', count: 1, memoryGb: 16 } });
    await clock.advance(20_000);
    const again = settle(work.run({ ms: 10 }));
    await clock.advance(5_000);
    expect(await again).toBe('ok');
    const shutdown = compute.shutdown();
    await clock.advance(5_000);
    await shutdown;
  });

  it('an unreachable marketplace is not "no offer": no NO_OFFER warning or refusal, the task waits', async () => {
    const { clock, market, compute, work, warnings } = build('A100');
    market.down = true;
    const waiting = settle(work.run({ ms: 10 }, { timeoutMs: 3 * NO_OFFER_GRACE_MS }));
    await clock.advance(2 * NO_OFFER_GRACE_MS);
    expect(warnings.some((w) => w.error.code === 'MARKET_UNAVAILABLE')).toBe(true);
    expect(warnings.some((w) => w.error.code === 'NO_OFFER')).toBe(false);
    market.down = false;
    await clock.advance(NO_OFFER_GRACE_MS);
    expect(await waiting).toBe('ok');
    const shutdown = compute.shutdown();
    await clock.advance(5_000);
    await shutdown;
  });

  it('orders models by edit distance to the one asked for', () => {
    expect(editDistance('a1000', 'a100')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(closestFirst(['A1000'], ['H100', 'L4', 'A100', 'A10G'])).toEqual(['A100', 'A10G', 'H100', 'L4']);
  });
});
