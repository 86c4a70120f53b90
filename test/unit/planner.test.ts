import { describe, expect, it } from 'vitest';
import { estimateDemand, firstNodeSlackMs, firstTaskBudgetMs, slotsForLatency } from '../../src/controller/demand.js';
import { INITIAL_MEMORY } from '../../src/controller/observation.js';
import type { BudgetView, NodeView, Observation, PlannerPolicy, WorkloadObservation } from '../../src/controller/observation.js';
import { plan } from '../../src/controller/planner.js';
import type { Offer } from '../../src/market/protocol.js';
import { TickDriver, makeOffer, makePolicy } from './planner-driver.js';

const T = 1_000_000;
const NO_BUDGET: BudgetView = { maxPerHour: undefined, total: undefined, hourlyRate: 0, committed: 0, workloads: {} };

function workload(over: Partial<WorkloadObservation> = {}): WorkloadObservation {
  return {
    name: 'embed',
    queued: 0,
    inFlight: 0,
    arrivalRateShort: 0,
    arrivalRateLong: 0,
    serviceTimeMs: 100,
    oldestQueuedMs: 0,
    coldStartMs: 0,
    nodes: [],
    paused: false,
    memory: INITIAL_MEMORY,
    ...over,
  };
}

function node(id: string, over: Partial<NodeView> = {}): NodeView {
  return { id, state: 'ready', inFlight: 0, pricePerHour: 2, requestedAt: T - 30_000, billingIncrementSec: 60, minLeaseSec: 60, interruptible: false, ...over };
}

function planOne(w: WorkloadObservation, policy: PlannerPolicy = makePolicy(), offers: Offer[] = [makeOffer()], budget: BudgetView = NO_BUDGET, now = T) {
  const observation: Observation = { now, tickMs: 1000, workloads: [w] };
  return plan(observation, { [w.name]: policy }, offers, budget).workloads[0]!;
}

function budgetOf(nodes: NodeView[], over: Partial<BudgetView> = {}): BudgetView {
  const hourlyRate = nodes.reduce((s, n) => s + n.pricePerHour, 0);
  return { maxPerHour: undefined, total: undefined, hourlyRate, committed: 0, workloads: {}, ...over };
}

describe('demand', () => {
  it('sizes arrivals with the M/M/k tail (hand-computed Erlang C, at most 1 % late)', () => {
    // a = 0.5 Erlang, W = S: k = 2 gives P = C·e^-(k-a)W/S = 0.1 e^-1.5 = 0.022; k = 3 gives 0.0152 e^-2.5 = 0.0012.
    expect(slotsForLatency(0.5, 100, 100, 100)).toBe(3);
    // a = 2, W = 4 S: k = 3 gives C = 0.444, P = 0.444 e^-4 = 0.008.
    expect(slotsForLatency(2, 400, 100, 100)).toBe(3);
    // a = 2, no waiting allowed: C(6) = 0.018 > 1 %, C(7) = 0.0048.
    expect(slotsForLatency(2, 0, 100, 100)).toBe(7);
    expect(slotsForLatency(0, 400, 100, 100)).toBe(0);
    expect(slotsForLatency(50, 400, 100, 10)).toBeGreaterThan(10);
  });

  it('weighs each share of tasks by what its own service time leaves it to wait', () => {
    // Half the tasks may wait 4 S, half not at all: the mean of the two P(wait > W).
    // k = 5: C = 0.0597, (e^-12 + 1) / 2 · C = 0.030; k = 6: C = 0.018, half of it 0.009.
    expect(slotsForLatency(2, [400, 0], 100, 100)).toBe(6);
    // A share whose service alone exceeds the target misses whatever k is: left out.
    expect(slotsForLatency(2, [400, -50], 100, 100)).toBe(3);
    expect(slotsForLatency(2, [-1, -2], 100, 100)).toBe(3);
  });

  it('leaves room for the long tasks of a heavy-tailed service time, not only the mean one', () => {
    // 8 tasks/s of mean 1 s on nodes of 2 slots, target 5 s: the mean task could wait
    // 4 s, but a tenth of the tasks take 4.5 s and may wait only 0.5 s.
    const spread = [...Array.from({ length: 18 }, () => 0.611), 4.5, 4.5].map((s) => s * 1000);
    const base = { queued: 0, inFlight: 8, arrivalRateShort: 8, arrivalRateLong: 8, serviceTimeMs: 1000, coldStartMs: 4000, nodes: ['a', 'b', 'c', 'd', 'e'].map((id) => node(id)) };
    const policy = makePolicy({ latencyTargetMs: 5000, concurrencyPerNode: 2, maxNodes: 50 });
    const meanOnly = estimateDemand(workload(base), policy, 1000);
    const withSpread = estimateDemand(workload({ ...base, serviceTimeSpreadMs: spread }), policy, 1000);
    expect(withSpread.arrivalSlots).toBeGreaterThan(meanOnly.arrivalSlots);
    expect(withSpread.nodes).toBeGreaterThan(meanOnly.nodes);
  });

  it('clears the backlog within the wait budget, floored at one tick', () => {
    // W = 400 ms < tick: 120 tasks * 100 ms / 1000 ms = 12 slots = 3 nodes of 4.
    expect(estimateDemand(workload({ queued: 120 }), makePolicy(), 1000).nodes).toBe(3);
  });

  it('clears the backlog within one cold start when nodes take longer to come', () => {
    // 120 * 100 / 30 000 = 0.4 slots: one node.
    expect(estimateDemand(workload({ queued: 120, coldStartMs: 30_000 }), makePolicy(), 1000).nodes).toBe(1);
  });

  it('never counts more than one slot per queued task', () => {
    const d = estimateDemand(workload({ queued: 3, serviceTimeMs: 10_000 }), makePolicy({ latencyTargetMs: 12_000, concurrencyPerNode: 1 }), 1000);
    expect(d.backlogSlots).toBe(3);
    expect(d.nodes).toBe(3);
  });

  it('assumes half the latency target before the first completion', () => {
    // S = 500, W = 500 < tick: the backlog must have started within a tick. With k slots,
    // k tasks start now and 10 - k wait (10 - k) * 500 / k ms: k = 4 is the first within 1000 ms.
    const d = estimateDemand(workload({ queued: 10, serviceTimeMs: undefined }), makePolicy({ latencyTargetMs: 1000, concurrencyPerNode: 1 }), 1000);
    expect(d.serviceTimeMs).toBe(500);
    expect(d.serviceTimeAssumed).toBe(true);
    expect(d.nodes).toBe(4);
  });

  it('keeps a slot for every task in flight, without counting arrivals twice', () => {
    expect(estimateDemand(workload({ inFlight: 10, arrivalRateShort: 0.01 }), makePolicy(), 1000).nodes).toBe(3);
    // a = 2 Erlang needs 3 slots; 2 in flight are already part of that load.
    const d = estimateDemand(workload({ inFlight: 2, arrivalRateShort: 20 }), makePolicy({ concurrencyPerNode: 1 }), 1000);
    expect(d.nodes).toBe(3);
  });

  it('is idle without queue and short-window arrivals, whatever still runs', () => {
    expect(estimateDemand(workload({ arrivalRateLong: 5 }), makePolicy(), 1000)).toMatchObject({ idle: true, nodes: 0 });
    // Tasks still running need no capacity kept for new work: their nodes drain and finish them.
    expect(estimateDemand(workload({ inFlight: 10, arrivalRateLong: 5 }), makePolicy(), 1000)).toMatchObject({ idle: true, nodes: 0 });
    expect(estimateDemand(workload({ queued: 1, inFlight: 10 }), makePolicy(), 1000)).toMatchObject({ idle: false });
    expect(estimateDemand(workload({ arrivalRateShort: 0.01 }), makePolicy(), 1000)).toMatchObject({ idle: false, nodes: 1 });
  });
});

describe('plan: scaling up', () => {
  it('scales from zero in the first tick of a burst', () => {
    const d = planOne(workload({ queued: 120 }));
    expect(d.add).toHaveLength(3);
    expect(d.add[0]!.reserve).toBeCloseTo((2 * 60) / 3600, 12);
    expect(d.desired).toBe(3);
    expect(d.reason.step).toMatchObject({ kind: 'scale-up', load: { queued: 120 }, fleet: { ready: 0, provisioning: 0 }, need: { kind: 'need', nodes: 3, latencyTargetMs: 500 }, adds: [{ model: 'A100', count: 3, pricePerHour: 2 }] });
    expect(d.memory.lowDemandSince).toBeNull();
  });

  it('lets the first node wait while the oldest task can still meet its budget, then rents it', () => {
    // Target 120 s, service 10 s, cold start 30 s: W = 110 s, half held back for the
    // forecast (no record yet) leaves 55 s of wait. A task queued 10 s ago, with a node
    // rented at the next tick (1 s) and ready 30 s later, waits 41 s: 14 s to spare. Every ms
    // waited brings arrivals (1/60 per s, long rate) that the node must also serve: the
    // slack shrinks by 1 + rate · S / slots = 1 + 10/60/4, to 14 s / 1.0417 = 13.44 s.
    const policy = makePolicy({ latencyTargetMs: 120_000 });
    const sparse = { queued: 1, arrivalRateShort: 1 / 6, arrivalRateLong: 1 / 60, serviceTimeMs: 10_000, coldStartMs: 30_000 };
    const waiting = planOne(workload({ ...sparse, oldestQueuedMs: 10_000 }), policy);
    expect(waiting.add).toHaveLength(0);
    expect(waiting.desired).toBe(0);
    expect(waiting.reason.step).toMatchObject({ kind: 'scale-up', need: { kind: 'first-node-wait' } });
    expect((waiting.reason.step as { need: { canWaitMs: number } }).need.canWaitMs).toBeCloseTo(14_000 / (1 + 10 / 60 / 4), 6);
    // Once it cannot wait another tick, the node is rented.
    expect(planOne(workload({ ...sparse, oldestQueuedMs: 24_000 }), policy).add).toHaveLength(1);
    // A burst that needs more than one node rents at once; so does a target shorter than a cold start.
    expect(planOne(workload({ ...sparse, queued: 200 }), policy).add.length).toBeGreaterThan(1);
    expect(planOne(workload({ ...sparse, oldestQueuedMs: 0 }), makePolicy({ latencyTargetMs: 20_000 })).add).toHaveLength(1);
    // With a node up, even draining, nothing waits on purpose: the node is there.
    const draining = planOne(workload({ ...sparse, oldestQueuedMs: 0, inFlight: 1, nodes: [node('d', { state: 'draining', inFlight: 1 })] }), policy);
    expect(draining.restore).toEqual(['d']);
  });

  it('gives the first node no slack past the target: firstNodeSlackMs', () => {
    expect(firstNodeSlackMs(10_000, 30_000, 1000, 55_000)).toBe(14_000);
    expect(firstNodeSlackMs(24_000, 30_000, 1000, 55_000)).toBe(0);
    expect(firstNodeSlackMs(0, 60_000, 1000, 30_000)).toBe(0);
    // A backlog beyond the node's slots when it comes takes time to clear, and that time is
    // not slack: 4 slots, 1 s tasks, 10 queued + 1/s over 31 s = 41 at arrival, 37 beyond
    // the slots: 9.25 s to clear, out of 14 s; the rest shrinks by 1 + 1 · 1 / 4 per ms.
    expect(firstNodeSlackMs(10_000, 30_000, 1000, 55_000, { queued: 10, ratePerMs: 1 / 1000, serviceMs: 1000, slots: 4 })).toBeCloseTo((14_000 - 9250) / 1.25, 6);
    // One that one node cannot clear within the budget: rent now.
    expect(firstNodeSlackMs(10_000, 30_000, 1000, 55_000, { queued: 100, ratePerMs: 1 / 1000, serviceMs: 1000, slots: 4 })).toBe(0);
  });

  it('lets the oldest task wait for the first node what the target leaves after the p99 service time', () => {
    // Target 120 s, p99 service 40 s: 80 s, more than the steady budget of 55 s.
    expect(firstTaskBudgetMs(120_000, 40_000, 55_000)).toBe(80_000);
    // A tail longer than the target leaves less than the steady budget: that one holds.
    expect(firstTaskBudgetMs(120_000, 100_000, 55_000)).toBe(55_000);
    expect(firstTaskBudgetMs(120_000, undefined, 55_000)).toBe(55_000);
    // In the planner: a task queued 30 s ago may still wait 80 - (30 + 1 + 30) = 19 s, less
    // what the arrivals meanwhile take (as above: / 1.0417).
    const policy = makePolicy({ latencyTargetMs: 120_000 });
    const sparse = { queued: 1, arrivalRateShort: 1 / 6, arrivalRateLong: 1 / 60, serviceTimeMs: 10_000, coldStartMs: 30_000, oldestQueuedMs: 30_000 };
    expect(planOne(workload(sparse), policy).add).toHaveLength(1);
    const withTail = planOne(workload({ ...sparse, serviceTimeTailMs: 40_000 }), policy);
    expect(withTail.add).toHaveLength(0);
    expect(withTail.reason.step).toMatchObject({ kind: 'scale-up', need: { kind: 'first-node-wait' } });
    expect((withTail.reason.step as { need: { canWaitMs: number } }).need.canWaitMs).toBeCloseTo(19_000 / (1 + 10 / 60 / 4), 6);
  });

  it('counts provisioning nodes as coming capacity', () => {
    const d = planOne(workload({ queued: 120, nodes: [node('r1'), node('p1', { state: 'provisioning' })] }));
    expect(d.add).toHaveLength(1);
    expect(d.reason.step).toMatchObject({ kind: 'scale-up', fleet: { ready: 1, provisioning: 1 }, need: { kind: 'need', nodes: 3 } });
    const again = planOne(workload({ queued: 120, nodes: [node('p1', { state: 'requested' }), node('p2', { state: 'provisioning' }), node('p3', { state: 'provisioning' })] }));
    expect(again.add).toHaveLength(0);
    expect(again.reason.step).toMatchObject({ kind: 'scale-up', steady: true, fleet: { ready: 0, provisioning: 3 }, adds: [] });
  });

  it('respects maxNodes and says so', () => {
    // 1000 tasks of 100 ms all started within a tick: 4n slots take 4n at once, the rest
    // wait (1000 - 4n) * 100 / 4n ms <= 1000 ms for n >= 23.
    const d = planOne(workload({ queued: 1000 }), makePolicy({ maxNodes: 4 }));
    expect(d.add).toHaveLength(4);
    expect(d.reason.step).toMatchObject({ kind: 'scale-up', need: { kind: 'need', nodes: 23, maxNodes: 4 } });
  });

  it('keeps minNodes without demand', () => {
    const d = planOne(workload(), makePolicy({ minNodes: 2 }));
    expect(d.add).toHaveLength(2);
    expect(d.desired).toBe(2);
  });

  it('uses the next offer when the best one runs out', () => {
    const offers = [makeOffer({ id: 'cheap', available: 2 }), makeOffer({ id: 'dear', model: 'H100', pricePerHour: 3 })];
    const d = planOne(workload({ queued: 120 }), makePolicy(), offers);
    expect(d.add.map((a) => a.offer.id)).toEqual(['cheap', 'cheap', 'dear']);
    expect(d.reason.step).toMatchObject({ adds: [{ offerId: 'cheap', model: 'A100', count: 2, pricePerHour: 2 }, { offerId: 'dear', model: 'H100', count: 1, pricePerHour: 3 }] });
  });

  it('avoids spot after a preemption, and uses it otherwise', () => {
    const offers = [makeOffer({ id: 'od' }), makeOffer({ id: 'spot', pricePerHour: 0.8, interruptible: true, reliability: 0.9 })];
    expect(planOne(workload({ queued: 1 }), makePolicy(), offers).add[0]!.offer.id).toBe('spot');
    const avoiding = planOne(workload({ queued: 1, memory: { ...INITIAL_MEMORY, avoidSpotUntil: T + 1 } }), makePolicy(), offers);
    expect(avoiding.add[0]!.offer.id).toBe('od');
  });

  it('reports a missing offer without blaming the budget', () => {
    const d = planOne(workload({ queued: 5 }), makePolicy(), [makeOffer({ model: 'L4' })]);
    expect(d.add).toHaveLength(0);
    expect(d.budgetBlocked).toBe(false);
    expect(d.reason.step).toMatchObject({ kind: 'scale-up', holding: 0, shortfall: { kind: 'no-offer' } });
  });
});

describe('plan: budget', () => {
  it('adds only what fits under maxPerHour and holds there', () => {
    const nodes = [node('a'), node('b'), node('c')];
    const d = planOne(workload({ queued: 1000, nodes }), makePolicy(), [makeOffer()], budgetOf(nodes, { maxPerHour: 10 }));
    expect(d.add).toHaveLength(2);
    expect(d.desired).toBe(5);
    expect(d.budgetBlocked).toBe(true);
    expect(d.reason.step).toMatchObject({ holding: 5, shortfall: { kind: 'budget', scope: 'global', cap: 'maxPerHour', limit: 10 } });
  });

  it('shares the global cap across workloads in observation order', () => {
    const observation: Observation = { now: T, tickMs: 1000, workloads: [workload({ name: 'a', queued: 40 }), workload({ name: 'b', queued: 40 })] };
    const policy = makePolicy({ concurrencyPerNode: 1 });
    const d = plan(observation, { a: policy, b: policy }, [makeOffer()], { ...NO_BUDGET, maxPerHour: 4 });
    expect(d.workloads[0]!.add).toHaveLength(2);
    expect(d.workloads[1]!.add).toHaveLength(0);
    expect(d.workloads[1]!.budgetBlocked).toBe(true);
  });

  it('applies per-workload caps inside the global one', () => {
    const budget: BudgetView = { ...NO_BUDGET, workloads: { embed: { maxPerHour: 4, hourlyRate: 0, committed: 0 } } };
    const d = planOne(workload({ queued: 1000 }), makePolicy(), [makeOffer()], budget);
    expect(d.add).toHaveLength(2);
    expect(d.reason.step).toMatchObject({ holding: 2, shortfall: { kind: 'budget', scope: 'workload', cap: 'maxPerHour', limit: 4 } });
  });

  it('releases a lease before its next increment would pass the total', () => {
    // $60/h with 60 s increments: $1 per increment. Node x enters its 2nd increment within 2 ticks.
    const x = node('x', { pricePerHour: 60, requestedAt: T - 59_500 });
    const y = node('y', { pricePerHour: 60, requestedAt: T - 10_000 });
    const budget = budgetOf([x, y], { total: 11, committed: 10.5 });
    const d = planOne(workload({ queued: 2, nodes: [x, y] }), makePolicy({ concurrencyPerNode: 1 }), [makeOffer({ billingIncrementSec: 3600 })], budget);
    expect(d.release).toEqual(['x']);
    expect(d.add).toHaveLength(0);
    expect(d.budgetBlocked).toBe(true);
    expect(d.reason.budget).toEqual({ scope: 'global', cap: 'total', limit: 11, count: 1 });
  });

  it('does not add a lease that the look-ahead would release again', () => {
    // x will commit $1 more within 2 ticks: 9 + 1 = 10 <= 10.2 keeps it. A $36/h lease costs
    // $0.60 at least: it fits the committed 9 alone, not with the $1 that is coming.
    const x = node('x', { pricePerHour: 60, requestedAt: T - 59_500 });
    const budget = budgetOf([x], { total: 10.2, committed: 9 });
    const d = planOne(workload({ queued: 20, nodes: [x] }), makePolicy({ concurrencyPerNode: 1 }), [makeOffer({ pricePerHour: 36 })], budget);
    expect(d.release).toEqual([]);
    expect(d.add).toEqual([]);
    expect(d.budgetBlocked).toBe(true);
  });

  it('rents only the leases the total can carry through their cold start and the look-ahead', () => {
    // $3.60/h billed per second: $0.001 a second. A lease costs its 10 s cold start and
    // 2 s of look-ahead, $0.012; $0.05 left carries four of them, not the ten the queue wants.
    const offer = makeOffer({ pricePerHour: 3.6, billingIncrementSec: 1, minLeaseSec: 0, coldStartSec: 10 });
    const budget = { ...NO_BUDGET, total: 1, committed: 0.95 };
    const d = planOne(workload({ queued: 100 }), makePolicy({ maxNodes: 10, concurrencyPerNode: 1 }), [offer], budget);
    expect(d.add).toHaveLength(4);
    expect(d.budgetBlocked).toBe(true);
    // With less left than one lease's cold start and look-ahead, nothing is rented and the queue is told.
    const none = planOne(workload({ queued: 100 }), makePolicy({ maxNodes: 10 }), [offer], { ...budget, committed: 0.99 });
    expect(none.add).toEqual([]);
    expect(none.budgetExhausted).toBe(true);
  });

  it('counts what the ledger asks of a new lease when that is more (a replica group commits it through a failover)', () => {
    // $0.001 a second; the lease's cold start and look-ahead cost $0.012, and $0.015 is left.
    const offer = makeOffer({ pricePerHour: 3.6, billingIncrementSec: 1, minLeaseSec: 0, coldStartSec: 10 });
    const budget = { ...NO_BUDGET, total: 1, committed: 0.985 };
    expect(planOne(workload({ queued: 5 }), makePolicy(), [offer], budget).add).toHaveLength(1);
    // The ledger wants 20 s of it ($0.02): nothing is planned that it would refuse, and the queue is told at once.
    const group = planOne(workload({ queued: 5 }), makePolicy(), [offer], { ...budget, newLeaseMinSec: 20 });
    expect(group.add).toEqual([]);
    expect(group.budgetExhausted).toBe(true);
  });

  it('releases the dearest leases when the hourly rate is above the cap', () => {
    const nodes = [node('a', { pricePerHour: 2 }), node('b', { pricePerHour: 5 }), node('c', { pricePerHour: 3 })];
    const d = planOne(workload({ inFlight: 8, nodes }), makePolicy(), [], budgetOf(nodes, { maxPerHour: 6 }));
    expect(d.release).toEqual(['b']);
  });

  it('flags exhaustion when no node is left and the cheapest lease cannot fit the total', () => {
    const offers = [makeOffer({ id: 'a' }), makeOffer({ id: 'b', pricePerHour: 1 })];
    // Cheapest minimum: $1/h for 60 s = 0.0167; 9.99 + 0.0167 > 10.
    const d = planOne(workload({ queued: 5 }), makePolicy(), offers, { ...NO_BUDGET, total: 10, committed: 9.99 });
    expect(d.budgetExhausted).toBe(true);
    expect(d.budgetBlocked).toBe(true);
    expect(d.reason.step).toMatchObject({ shortfall: { kind: 'budget', cap: 'total', limit: 10 } });
    const withNode = planOne(workload({ queued: 5, nodes: [node('n', { requestedAt: T })] }), makePolicy(), offers, { ...NO_BUDGET, total: 10, committed: 9.99 });
    expect(withNode.budgetExhausted).toBe(false);
    const fits = planOne(workload({ queued: 5 }), makePolicy(), offers, { ...NO_BUDGET, total: 10, committed: 9.9 });
    expect(fits.budgetExhausted).toBe(false);
    expect(fits.add.length).toBeGreaterThan(0);
  });
});

describe('plan: scaling down', () => {
  const three = [
    node('late', { requestedAt: T + 60_000 - 30_000 }),
    node('soon', { requestedAt: T + 60_000 - 59_000 }),
    node('next', { requestedAt: T + 60_000 - 58_500 }),
  ];

  it('holds during the scale-down delay', () => {
    const first = planOne(workload({ nodes: three }));
    expect(first.drain).toEqual([]);
    expect(first.memory).toMatchObject({ lowDemandSince: T, recentDesired: [{ at: T, desired: 0 }] });
    expect(first.reason.step).toEqual({ kind: 'hold', low: { kind: 'idle', forMs: 0, inFlight: 0, needs: 0, live: 3 }, delayMs: 60_000, provisioning: 0 });
    const later = planOne(workload({ nodes: three, memory: first.memory }), makePolicy(), [makeOffer()], NO_BUDGET, T + 59_000);
    expect(later.drain).toEqual([]);
  });

  it('drains the nodes whose increments end soonest and keeps paid ones serving', () => {
    const memory = { ...INITIAL_MEMORY, lowDemandSince: T };
    const d = planOne(workload({ nodes: three, memory }), makePolicy(), [makeOffer()], NO_BUDGET, T + 60_000);
    expect(d.drain).toEqual(['soon', 'next']);
    expect(d.desired).toBe(0);
    expect(d.reason.step).toMatchObject({ kind: 'scale-down', low: { kind: 'idle', forMs: 60_000 }, drained: 2, kept: 1, paidLeftMs: 30_000 });
    expect(d.memory.lowDemandSince).toBe(T);
  });

  it('keeps surplus nodes serving while their paid time lasts', () => {
    const paid = [node('p1', { requestedAt: T + 60_000 - 20_000 }), node('p2', { requestedAt: T + 60_000 - 10_000 })];
    const memory = { ...INITIAL_MEMORY, lowDemandSince: T };
    const d = planOne(workload({ nodes: paid, memory }), makePolicy(), [makeOffer()], NO_BUDGET, T + 60_000);
    expect(d.drain).toEqual([]);
    expect(d.reason.step).toMatchObject({ kind: 'scale-down', low: { kind: 'idle', forMs: 60_000 }, drained: 0, kept: 2, paidLeftMs: 40_000 });
    expect(d.memory.lowDemandSince).toBe(T);
  });

  it('scales down only to the highest demand seen while low', () => {
    // Demand asked for 2 nodes 30 s ago (inside the 60 s window), for none since.
    const memory = { ...INITIAL_MEMORY, lowDemandSince: T, recentDesired: [{ at: T + 30_000, desired: 2 }] };
    const d = planOne(workload({ nodes: three, memory }), makePolicy(), [makeOffer()], NO_BUDGET, T + 60_000);
    expect(d.drain).toEqual(['soon']);
    expect(d.desired).toBe(2);
    // Still above demand: the low period goes on, so the last two follow once the 2 leaves the window.
    expect(d.memory.lowDemandSince).toBe(T);
    const later = planOne(
      workload({ nodes: three.filter((n) => n.id !== 'soon'), memory: d.memory }),
      makePolicy(),
      [makeOffer()],
      NO_BUDGET,
      T + 90_001,
    );
    expect(later.desired).toBe(0);
  });

  it('resets the low period when demand comes back', () => {
    const memory = { ...INITIAL_MEMORY, lowDemandSince: T - 50_000, recentDesired: [{ at: T - 10_000, desired: 1 }] };
    const d = planOne(workload({ queued: 200, nodes: three, memory }));
    expect(d.memory.lowDemandSince).toBeNull();
    expect(d.drain).toEqual([]);
  });

  it('releases drained nodes once idle, not before', () => {
    const nodes = [node('busy', { state: 'draining', inFlight: 2 }), node('idle', { state: 'draining' }), node('r')];
    const d = planOne(workload({ inFlight: 3, nodes }));
    expect(d.release).toEqual(['idle']);
    expect(d.reason.releasedDrained).toBe(1);
  });

  it('drains at once what is above maxNodes', () => {
    const five = ['a', 'b', 'c', 'd', 'e'].map((id) => node(id));
    const d = planOne(workload({ queued: 1000, nodes: five }), makePolicy({ maxNodes: 3 }));
    expect(d.drain).toHaveLength(2);
    expect(d.reason.step).toMatchObject({ kind: 'scale-down', maxNodes: 3, drained: 2 });
  });

  it('drains everything when paused', () => {
    const d = planOne(workload({ paused: true, queued: 10, nodes: three }));
    expect(d).toMatchObject({ desired: 0, add: [] });
    expect(d.drain).toHaveLength(3);
    expect(d.reason.step).toEqual({ kind: 'paused', drain: 3 });
  });

  it('reaches zero after an idle period (driven)', () => {
    const driver = new TickDriver({ tickMs: 1000, coldStartMs: 5000, offers: [makeOffer({ billingIncrementSec: 1, minLeaseSec: 0 })], policies: { embed: makePolicy({ scaleDownDelayMs: 10_000 }) } });
    driver.step({ embed: { queued: 100 } });
    expect(driver.live('embed').length).toBeGreaterThan(0);
    for (let i = 0; i < 30; i++) driver.step();
    expect(driver.nodes.get('embed')).toEqual([]);
    const firstDrain = driver.history.findIndex((h) => h.decision.workloads[0]!.drain.length > 0);
    // Low from tick 1 on; the delay is 10 ticks.
    expect(firstDrain).toBe(11);
  });
});
