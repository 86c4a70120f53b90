/**
 * Moving a steady fleet onto a much cheaper offer (rebalance.ts and the planner's
 * use of it): make before break, the dear nodes given back once the replacements
 * are ready, and nothing moved for a small saving, under load, or past maxNodes.
 */
import { describe, expect, it } from 'vitest';
import { INITIAL_MEMORY } from '../../src/controller/observation.js';
import type { BudgetView, NodeView, Observation, PlannerMemory, WorkloadObservation } from '../../src/controller/observation.js';
import { plan } from '../../src/controller/planner.js';
import { completeSwap, nodesToReplace, nodesToRestore, nodeToTradeDown } from '../../src/controller/rebalance.js';
import { makeOffer, makePolicy } from './planner-driver.js';

const T = 5_000_000;
const onDemand = makeOffer({ id: 'od', pricePerHour: 2.5, billingIncrementSec: 1, minLeaseSec: 0 });
const spot = makeOffer({ id: 'spot', pricePerHour: 0.75, interruptible: true, reliability: 0.9, billingIncrementSec: 1, minLeaseSec: 0 });
const policy = makePolicy({ gpu: { model: ['A100'], count: 1, interruptible: 'allow' }, maxNodes: 10, concurrencyPerNode: 8, latencyTargetMs: 60_000, scaleDownDelayMs: 10_000 });
const NO_BUDGET = { maxPerHour: undefined, total: undefined, hourlyRate: 0, committed: 0, workloads: {} };

function node(id: string, over: Partial<NodeView> = {}): NodeView {
  return { id, state: 'ready', inFlight: 4, pricePerHour: 2.5, requestedAt: T - 600_000, billingIncrementSec: 1, minLeaseSec: 0, interruptible: false, ...over };
}

/** Steady demand for two nodes: 3/s of 4 s, 8 in flight. */
function steady(nodes: NodeView[], memory: PlannerMemory = INITIAL_MEMORY, over: Partial<WorkloadObservation> = {}): WorkloadObservation {
  return { name: 'w', queued: 0, inFlight: 8, arrivalRateShort: 3, arrivalRateLong: 3, serviceTimeMs: 4000, oldestQueuedMs: 0, coldStartMs: 30_000, nodes, paused: false, memory, ...over };
}

function tick(w: WorkloadObservation, now = T, offers = [onDemand, spot], p = policy, budget: BudgetView = NO_BUDGET) {
  const observation: Observation = { now, tickMs: 1000, workloads: [w] };
  return plan(observation, { w: p }, offers, budget).workloads[0]!;
}

describe('rebalancing onto a cheaper offer', () => {
  it('picks ready nodes priced a quarter or more above the best offer, dearest first', () => {
    const live = [node('a'), node('b', { pricePerHour: 3 }), node('c', { state: 'provisioning' }), node('s', { pricePerHour: 0.75, interruptible: true })];
    expect(nodesToReplace(live, spot).map((n) => n.id)).toEqual(['b', 'a']);
    // An offer less than a quarter cheaper than either is not worth a cold start and the churn.
    expect(nodesToReplace(live, makeOffer({ pricePerHour: 2.3 }))).toEqual([]);
    expect(nodesToReplace(live, undefined)).toEqual([]);
  });

  it('rents replacements for a steady on-demand fleet, then gives back the dear nodes once they are ready', () => {
    const first = tick(steady([node('a'), node('b')]));
    expect(first.add.map((r) => r.offer.id)).toEqual(['spot', 'spot']);
    expect(first.drain).toEqual([]);
    expect(first.reason.step).toMatchObject({ kind: 'scale-up', replace: { count: 2, pricePerHour: 2.5 } });
    expect(first.memory.swap).toEqual({ replacing: ['a', 'b'], fleet: 2 });

    // The replacements are in their cold start: nothing is given back, nothing more rented.
    const coming = [node('a'), node('b'), node('s1', { state: 'provisioning', pricePerHour: 0.75, interruptible: true, inFlight: 0 }), node('s2', { state: 'provisioning', pricePerHour: 0.75, interruptible: true, inFlight: 0 })];
    const second = tick(steady(coming, first.memory), T + 10_000);
    expect(second.add).toEqual([]);
    expect(second.drain).toEqual([]);

    // Ready: both dear nodes are drained at once, whatever the scale-down delay.
    const ready = coming.map((n) => (n.state === 'provisioning' ? { ...n, state: 'ready' as const } : n));
    const third = tick(steady(ready, second.memory), T + 31_000);
    expect([...third.drain].sort()).toEqual(['a', 'b']);
    expect(third.add).toEqual([]);
    expect(third.memory.swap).toBeUndefined();
  });

  it('keeps a dear node whose replacement was lost, or that demand grew into', () => {
    const swap = { replacing: ['a', 'b'], fleet: 2 };
    const spotNode = (id: string) => node(id, { pricePerHour: 0.75, interruptible: true });
    // One replacement preempted before it was ready: one dear node goes.
    expect(completeSwap(swap, [node('a'), node('b'), spotNode('s1')], 2).drain).toHaveLength(1);
    // Demand now needs three: one goes.
    expect(completeSwap(swap, [node('a'), node('b'), spotNode('s1'), spotNode('s2')], 3).drain).toHaveLength(1);
    // Still in cold start: the move stays pending.
    expect(completeSwap(swap, [node('a'), node('b'), node('s1', { state: 'provisioning' })], 2)).toEqual({ drain: [], pending: swap });
  });

  it('moves nothing with tasks queued, while avoiding spot after a preemption, or past maxNodes', () => {
    expect(tick(steady([node('a'), node('b')], INITIAL_MEMORY, { queued: 5 })).add.filter((r) => r.offer.id === 'spot')).toEqual([]);
    expect(tick(steady([node('a'), node('b')], { ...INITIAL_MEMORY, avoidSpotUntil: T + 60_000 })).add).toEqual([]);
    const capped = tick(steady([node('a'), node('b')]), T, [onDemand, spot], { ...policy, maxNodes: 3 });
    expect(capped.add).toHaveLength(1);
    expect(tick(steady([node('a'), node('b')]), T, [onDemand, spot], { ...policy, maxNodes: 2 }).add).toEqual([]);
  });

  it('under an hourly cap that holds the fleet back, gives back a dear node so that its money rents cheaper ones', () => {
    expect(nodeToTradeDown([node('a'), node('b', { pricePerHour: 1.4 })], spot)?.id).toBe('a'); // 2.50 buys 3 spot nodes
    expect(nodeToTradeDown([node('b', { pricePerHour: 1.4 })], spot)).toBeUndefined(); // 1.40 buys only one
    // One on-demand node ($2.50/h) under a $3/h cap, a backlog asking for more: no spot
    // node fits beside it, but three fit in its place.
    const capped: BudgetView = { maxPerHour: 3, total: undefined, hourlyRate: 2.5, committed: 0, workloads: {} };
    const busy = steady([node('a', { inFlight: 8 })], INITIAL_MEMORY, { queued: 200, inFlight: 8, arrivalRateShort: 6, arrivalRateLong: 6 });
    const decision = tick(busy, T, [onDemand, spot], policy, capped);
    expect(decision.add).toEqual([]);
    expect(decision.drain).toEqual(['a']);
    expect(decision.reason.step).toMatchObject({ kind: 'scale-up', tradeDownPricePerHour: 2.5 });
    // While that node drains, nothing more is given back.
    const draining = steady([node('a', { state: 'draining' }), node('b')], INITIAL_MEMORY, { queued: 200, inFlight: 8, arrivalRateShort: 6, arrivalRateLong: 6 });
    const stillDraining = tick(draining, T, [onDemand, spot], policy, { ...capped, maxPerHour: 5.5, hourlyRate: 5 });
    expect(stillDraining.reason.step).toMatchObject({ shortfall: { kind: 'budget', cap: 'maxPerHour', limit: 5.5 } });
    expect(stillDraining.drain).toEqual([]);
  });
});

describe('taking draining nodes back', () => {
  const only = [onDemand];

  it('takes back a draining node still running tasks before renting, cheapest first, never an idle or a dear one', () => {
    const nodes = [
      node('a'),
      node('long', { state: 'draining', inFlight: 1 }),
      node('idle', { state: 'draining', inFlight: 0 }),
      node('dear', { state: 'draining', inFlight: 3, pricePerHour: 9 }),
      node('cheap', { state: 'draining', inFlight: 1, pricePerHour: 2 }),
    ];
    expect(nodesToRestore(nodes, 5, onDemand).map((n) => n.id)).toEqual(['cheap', 'long']);
    expect(nodesToRestore(nodes, 1, onDemand).map((n) => n.id)).toEqual(['cheap']);
    expect(nodesToRestore(nodes, 0, onDemand)).toEqual([]);
  });

  it('answers a queue with the draining node, not a new lease', () => {
    // One ready node, one draining with a long task; 40 queued at 3/s of 4 s: two nodes needed.
    const w = steady([node('a', { inFlight: 8 }), node('d', { state: 'draining', inFlight: 1 })], INITIAL_MEMORY, { queued: 40, inFlight: 9 });
    const d = tick(w, T, only);
    expect(d.restore).toEqual(['d']);
    expect(d.add.length).toBe(Math.max(0, d.desired - 2));
    expect(d.reason.step).toMatchObject({ kind: 'scale-up', restored: 1 });
    // Without the draining node, the same demand rents.
    const without = tick(steady([node('a', { inFlight: 8 })], INITIAL_MEMORY, { queued: 40, inFlight: 8 }), T, only);
    expect(without.restore).toEqual([]);
    expect(without.add.length).toBeGreaterThan(0);
  });
});
