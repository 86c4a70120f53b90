/**
 * A create refused because its offer is gone or full moves on to the planned lease's
 * next fallback at once (no control tick in between): the planner hands each lease
 * its fallbacks (eligible, open and affordable in its place, at most
 * MAX_FALLBACK_OFFERS), and the lease manager requests the next acceptable one with
 * its own reservation (the caps checked for the offer actually tried) and under the
 * probe rule. Never a start failure; the events say which offer was refused and which
 * was taken, as data.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { BudgetLedger } from '../../src/budget/ledger.js';
import type { LeaseEvent } from '../../src/events.js';
import { LeaseManager, type AcquireSpec } from '../../src/leases/lease-manager.js';
import { fallbackSpecs } from '../../src/leases/offer-fallback.js';
import type { Marketplace } from '../../src/market/marketplace.js';
import type { CreateLeaseRequest, Lease, Offer } from '../../src/market/protocol.js';
import { runningBudget } from '../../src/controller/budget-guard.js';
import { MAX_FALLBACK_OFFERS, rentNodes } from '../../src/controller/steps/rent.js';
import type { TickContext } from '../../src/controller/steps/context.js';
import { MemoryMarket, modelledNodes } from '../support/memory-market.js';

const base = { currency: 'USD', billingIncrementSec: 1, minLeaseSec: 0, region: 'mem', coldStartSec: 2, available: 10, interruptible: false, reliability: 1 };
const offer = (id: string, pricePerHour: number, over: Partial<Offer> = {}): Offer => ({ ...base, id, gpu: { model: 'A100', count: 1, memoryGb: 40 }, pricePerHour, ...over });
const cheap = offer('cheap', 1);
const mid = offer('mid', 1.5);
const dear = offer('dear', 3);
const other = offer('other', 2, { gpu: { model: 'H100', count: 1, memoryGb: 80 } });

function spec(first: Offer, fallbacks: Offer[]): AcquireSpec {
  return { workload: 'w', offer: first, image: 'img', maxPricePerHour: first.pricePerHour, concurrencyPerNode: 1, maxProvisionSec: 60, nodeTimeoutMs: 10_000, fallbacks };
}

function setup(caps: { maxPerHour?: number; total?: number } = {}, wrap?: (m: MemoryMarket) => Marketplace) {
  const clock = new VirtualClock(1_700_000_000_000);
  const memory = new MemoryMarket(clock, { offers: [cheap, mid, dear, other], coldStartMs: 1000 });
  const ledger = new BudgetLedger(caps);
  const events: LeaseEvent[] = [];
  const startFailures: string[] = [];
  const gone: string[] = [];
  const manager = new LeaseManager({
    market: wrap ? wrap(memory) : memory,
    clock,
    ledger,
    clientId: 'c',
    dispatcherFor: () => undefined,
    emit: (e) => events.push(e),
    warn: () => undefined,
    onStartFailed: (s) => startFailures.push(s.offer.id),
    onOfferGone: (id) => gone.push(id),
    connectNode: modelledNodes(clock, 1, memory),
    host: 'h',
  });
  return { clock, memory, ledger, events, startFailures, gone, manager };
}

/** Let every pending promise run without moving the clock. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('the planner gives each planned lease its fallbacks', () => {
  const ctx = (offers: Offer[], maxPerHour?: number): TickContext => {
    const budget = runningBudget({ maxPerHour, total: undefined, hourlyRate: 0, committed: 0, workloads: {} }, { now: 0, tickMs: 1000, workloads: [] }, 2000);
    return { now: 0, tickMs: 1000, horizonMs: 2000, offers, budget, forced: new Map(), taken: new Map() };
  };
  const requirement = { model: ['A100'], count: 1, interruptible: 'allow' as const };

  it('the offers ranked after the chosen one that meet the requirement, at most MAX_FALLBACK_OFFERS', () => {
    const many = [dear, mid, cheap, other, offer('d2', 4), offer('d3', 5), offer('d4', 6)];
    const { add } = rentNodes('w', 1, requirement, 0, ctx(many));
    expect(add[0]!.offer.id).toBe('cheap');
    expect(add[0]!.fallbacks!.map((o) => o.id)).toEqual(['mid', 'dear', 'd2'].slice(0, MAX_FALLBACK_OFFERS));
  });

  it('leaves out offers the hourly cap refuses in the chosen one\'s place, and offers this tick already filled', () => {
    const one = { ...cheap, available: 1 };
    const { add } = rentNodes('w', 2, requirement, 0, ctx([one, mid, dear], 2));
    // dear ($3/h) passes the $2/h cap in any place; once cheap is rented, mid beside it would too.
    expect(add.map((r) => [r.offer.id, r.fallbacks!.map((o) => o.id)])).toEqual([['cheap', ['mid']]]);
    const { add: more } = rentNodes('w', 2, requirement, 0, ctx([one, mid, offer('m2', 1.6)]));
    // Uncapped: the second request cannot have cheap again (filled this tick), nor as a fallback.
    expect(more.map((r) => [r.offer.id, r.fallbacks!.map((o) => o.id)])).toEqual([
      ['cheap', ['mid', 'm2']],
      ['mid', ['m2']],
    ]);
  });

  it('a fallback spec asks its own price and carries the rest of the walk', () => {
    const steps = [...fallbackSpecs({ ...spec(cheap, [mid, cheap, dear]), refused: ['x'] })];
    expect(steps.map((s) => [s.offer.id, s.spec.maxPricePerHour, s.spec.refused, s.spec.fallbacks!.map((o) => o.id)])).toEqual([
      ['mid', 1.5, ['x', 'cheap'], ['cheap', 'dear']],
      ['dear', 3, ['x', 'cheap'], []],
    ]);
  });
});

describe('the lease manager on a capacity refusal', () => {
  it('requests the next fallback at once, at the same clock time, and says which offer was refused and which taken', async () => {
    const { clock, memory, events, startFailures, gone, manager, ledger } = setup();
    memory.goneOffers.add('cheap');
    const t0 = clock.now();
    expect(manager.acquire(spec(cheap, [mid, dear]))).toBeDefined();
    await settle();
    expect(clock.now()).toBe(t0);
    expect(memory.creates).toEqual(['cheap', 'mid']);
    const failed = events.find((e) => e.type === 'failed')!;
    const acquired = events.find((e) => e.type === 'acquired')!;
    expect(failed).toMatchObject({ offerId: 'cheap', leaseId: null, at: t0, offerGone: { refused: ['cheap'], next: 'mid' } });
    expect(acquired).toMatchObject({ offerId: 'mid', pricePerHour: 1.5, requestedAt: t0, offerGone: { refused: ['cheap'], next: 'mid' } });
    expect(manager.offersGone).toBe(1);
    expect(gone).toEqual(['cheap']);
    expect(startFailures).toEqual([]);
    // The budget follows the offer actually rented: one lease at mid's price.
    expect(ledger.snapshot(clock.now()).hourlyRate).toBeCloseTo(1.5);
    expect(manager.nodesOf('w').map((n) => n.pricePerHour)).toEqual([1.5]);
  });

  it('a dearer fallback the hourly cap refuses is not requested; the next one that fits is', async () => {
    const { memory, events, manager, ledger, clock } = setup({ maxPerHour: 4 });
    // Another lease already holds $1.5/h of the $4/h cap.
    expect(manager.acquire(spec(mid, []))).toBeDefined();
    await settle();
    memory.goneOffers.add('cheap');
    expect(manager.acquire(spec(cheap, [dear, offer('mid', 1.5)]))).toBeDefined();
    await settle();
    expect(memory.creates).toEqual(['mid', 'cheap', 'mid']);
    expect(events.filter((e) => e.type === 'failed').map((e) => e.offerGone)).toEqual([{ refused: ['cheap'], next: 'mid' }]);
    expect(ledger.snapshot(clock.now()).hourlyRate).toBeLessThanOrEqual(4);
  });

  it('with no fallback the caps allow, nothing more is requested and the event says none was left', async () => {
    const { memory, events, manager, ledger, clock } = setup({ maxPerHour: 2 });
    memory.goneOffers.add('cheap');
    manager.acquire(spec(cheap, [dear]));
    await settle();
    expect(memory.creates).toEqual(['cheap']);
    expect(events.map((e) => [e.type, e.offerGone])).toEqual([['failed', { refused: ['cheap'], next: null }]]);
    expect(ledger.snapshot(clock.now()).hourlyRate).toBe(0);
  });

  it('walks each fallback once when all are gone, then stops (bounded, one tick)', async () => {
    const { memory, events, manager, clock } = setup();
    for (const id of ['cheap', 'mid', 'dear']) memory.goneOffers.add(id);
    const t0 = clock.now();
    manager.acquire(spec(cheap, [mid, dear]));
    await settle();
    expect(memory.creates).toEqual(['cheap', 'mid', 'dear']);
    expect(events.map((e) => [e.type, e.offerId, e.offerGone, e.at])).toEqual([
      ['failed', 'cheap', { refused: ['cheap'], next: 'mid' }, t0],
      ['failed', 'mid', { refused: ['cheap', 'mid'], next: 'dear' }, t0],
      ['failed', 'dear', { refused: ['cheap', 'mid', 'dear'], next: null }, t0],
    ]);
    expect(manager.offersGone).toBe(3);
    expect(manager.liveCount()).toBe(0);
  });

  it('keeps the probe rule: a fallback whose first lease is still unanswered is skipped', async () => {
    let answer: (() => void) | undefined;
    const { memory, manager } = setup({}, (m) => ({
      ...bind(m),
      async createLease(request: CreateLeaseRequest, key: string): Promise<Lease> {
        // The first create of mid is held: its terms are not known yet.
        if (request.offerId === 'mid' && answer === undefined) await new Promise<void>((r) => (answer = r));
        return m.createLease(request, key);
      },
    }));
    manager.acquire(spec(mid, []));
    await settle();
    memory.goneOffers.add('cheap');
    manager.acquire(spec(cheap, [mid, dear]));
    await settle();
    expect(memory.creates).toEqual(['cheap', 'dear']);
    answer!();
    await settle();
    expect(memory.creates).toEqual(['cheap', 'dear', 'mid']);
  });

  it('a request released while in flight does not move on', async () => {
    let refuse: (() => void) | undefined;
    const { memory, manager } = setup({}, (m) => ({
      ...bind(m),
      async createLease(request: CreateLeaseRequest, key: string): Promise<Lease> {
        await new Promise<void>((r) => (refuse = r));
        return m.createLease(request, key);
      },
    }));
    memory.goneOffers.add('cheap');
    const key = manager.acquire(spec(cheap, [mid]))!;
    await settle();
    void manager.release(key, 'not needed');
    refuse!();
    await settle();
    expect(memory.creates).toEqual(['cheap']);
    expect(manager.liveCount()).toBe(0);
  });
});

function bind(m: MemoryMarket): Marketplace {
  return {
    listOffers: () => m.listOffers(),
    createLease: (r, k) => m.createLease(r, k),
    getLease: (id) => m.getLease(id),
    listLeases: (t) => m.listLeases(t),
    releaseLease: (id) => m.releaseLease(id),
    close: () => m.close(),
  };
}
