/**
 * The whole runtime on a VirtualClock over an in-memory protocol-v1 marketplace whose
 * best offer is listed but refused as gone or full (`OFFER_GONE`): the next ranked
 * offer is requested within the same tick (no clock time passes, no other scale
 * decision in between), the refusal never counts as a start failure, and the events
 * and metrics say which offer was refused and which was taken.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { Compute } from '../../src/compute.js';
import { ComputeOptionsSchema } from '../../src/config/compute.js';
import type { LeaseEvent, ScaleEvent } from '../../src/events.js';
import { MemoryMarket, modelledNodes } from '../support/memory-market.js';

function build(budget?: { maxPerHour?: number; total?: number }) {
  const clock = new VirtualClock(1_700_000_000_000);
  const market = new MemoryMarket(clock, { coldStartMs: 2000 });
  const config = ComputeOptionsSchema.parse({ marketplace: market, clock, tickMs: 1000, ...(budget ? { budget } : {}) });
  const compute = new Compute(config, { connectNode: modelledNodes(clock, 2, market) });
  const scale: ScaleEvent[] = [];
  const leases: LeaseEvent[] = [];
  compute.on('scale', (e) => scale.push(e));
  compute.on('lease', (e) => leases.push(e));
  // Spot A100 ranks first (cheapest per useful hour), on-demand A100 next; H100 never qualifies.
  const work = compute.workload('w', { gpu: { model: 'A100' }, image: 'img', scaling: { minNodes: 0, maxNodes: 4, concurrencyPerNode: 2, latencyTargetMs: 1000 } });
  return { clock, market, compute, work, scale, leases };
}

/** Shut down on virtual time (releases are confirmed as the clock moves). */
async function stop(clock: VirtualClock, compute: Compute): Promise<void> {
  const done = compute.shutdown({ graceMs: 0 });
  await clock.advance(60_000);
  await done;
}

describe('a capacity refusal moves on within the tick', () => {
  it('the next ranked offer is requested at the refusal, before any later tick', async () => {
    const { clock, market, compute, work, scale, leases } = build();
    market.goneOffers.add('a100-spot');
    const task = work.run({ ms: 100 });
    // Offers arrive after the first tick; the nudge on their arrival plans and rents.
    await clock.advance(500);
    const up = scale.filter((e) => e.added > 0);
    expect(up).toHaveLength(1);
    const failed = leases.find((e) => e.type === 'failed')!;
    const acquired = leases.find((e) => e.type === 'acquired')!;
    expect(failed).toMatchObject({ offerId: 'a100-spot', leaseId: null, offerGone: { refused: ['a100-spot'], next: 'a100' } });
    expect(acquired).toMatchObject({ offerId: 'a100', offerGone: { refused: ['a100-spot'], next: 'a100' } });
    // One tick: the refused request, its replacement and the decision share one clock time.
    expect(failed.at).toBe(up[0]!.at);
    expect(acquired.requestedAt).toBe(up[0]!.at);
    expect(market.creates).toEqual(['a100-spot', 'a100']);
    expect(compute.metrics().leases.offersGone).toBe(1);
    expect(compute.metrics({ format: 'prometheus' })).toMatch(/offers_gone_total 1\n/);
    await clock.advance(10_000);
    await expect(task).resolves.toEqual({ echo: { ms: 100 } });
    await stop(clock, compute);
  });

  it('refusals are never start failures: offers gone for a minute, then the work runs', async () => {
    const { clock, market, compute, work, leases } = build();
    market.goneOffers.add('a100-spot');
    market.goneOffers.add('a100');
    const tasks = Array.from({ length: 3 }, (_, i) => work.run({ ms: 100, i }));
    const settled = Promise.allSettled(tasks);
    await clock.advance(60_000);
    const refused = leases.filter((e) => e.type === 'failed' && e.offerGone !== undefined);
    // Many refusals (more than the start-failure limit of 3), each walking both offers in its tick.
    expect(refused.length).toBeGreaterThan(3);
    expect(leases.some((e) => e.type === 'acquired')).toBe(false);
    market.goneOffers.clear();
    await clock.advance(30_000);
    const outcomes = await settled;
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    await stop(clock, compute);
  });

  it('a dearer fallback still passes the hourly cap: with no room, the refusal rents nothing', async () => {
    // $1.5/h: spot ($0.9) fits, on-demand ($2) does not.
    const { clock, market, compute, work, leases } = build({ maxPerHour: 1.5 });
    market.goneOffers.add('a100-spot');
    void work.run({ ms: 100 }).catch(() => undefined);
    await clock.advance(5_000);
    expect(market.creates.every((id) => id === 'a100-spot')).toBe(true);
    expect(leases.filter((e) => e.type === 'failed').every((e) => e.offerGone?.next === null)).toBe(true);
    expect(market.hourlyRate()).toBe(0);
    await stop(clock, compute);
  });
});
