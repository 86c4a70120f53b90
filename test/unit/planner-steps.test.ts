/**
 * The planner's steps one by one (steps/*.ts), the observer shared by the live loop
 * and the simulator (observe.ts), applying a decision (apply.ts), and the reasons'
 * rendering at the event boundary. Assertions are on structure.
 */
import { describe, expect, it } from 'vitest';
import { apply, nudgeDelayMs, NUDGE_MS } from '../../src/controller/apply.js';
import { estimateDemand } from '../../src/controller/demand.js';
import { INITIAL_MEMORY } from '../../src/controller/observation.js';
import type { NodeView, WorkloadDecision, WorkloadObservation } from '../../src/controller/observation.js';
import { coldStartEstimate, DEFAULT_COLD_START_MS, observe, type ObservationSource } from '../../src/controller/observe.js';
import type { PlanReason, StepReason } from '../../src/controller/reason.js';
import { renderReason } from '../../src/controller/reason-text.js';
import { runningBudget } from '../../src/controller/budget-guard.js';
import type { TickContext } from '../../src/controller/steps/context.js';
import { requirementOf } from '../../src/controller/steps/context.js';
import { groupAdds, rentNodes } from '../../src/controller/steps/rent.js';
import { scaleDown } from '../../src/controller/steps/scale-down.js';
import { scaleUp } from '../../src/controller/steps/scale-up.js';
import { pickSurplus } from '../../src/controller/steps/surplus.js';
import { carried, nextMemory, trackDemand } from '../../src/controller/steps/track.js';
import { RollingMean } from '../../src/metrics/rolling-mean.js';
import { makeOffer, makePolicy } from './planner-driver.js';

const T = 1_000_000;

function workload(over: Partial<WorkloadObservation> = {}): WorkloadObservation {
  return { name: 'w', queued: 0, inFlight: 0, arrivalRateShort: 0, arrivalRateLong: 0, serviceTimeMs: 100, oldestQueuedMs: 0, coldStartMs: 0, nodes: [], paused: false, memory: INITIAL_MEMORY, ...over };
}

function node(id: string, over: Partial<NodeView> = {}): NodeView {
  return { id, state: 'ready', inFlight: 0, pricePerHour: 2, requestedAt: T - 30_000, billingIncrementSec: 60, minLeaseSec: 60, interruptible: false, ...over };
}

function context(offers = [makeOffer()], over: Partial<TickContext> = {}): TickContext {
  const view = { maxPerHour: undefined, total: undefined, hourlyRate: 0, committed: 0, workloads: {} };
  return { now: T, tickMs: 1000, horizonMs: 2000, offers, budget: runningBudget(view, { now: T, tickMs: 1000, workloads: [] }, 2000), forced: new Map(), taken: new Map(), ...over };
}

describe('step: rent', () => {
  it('rents from the best offer until it runs out, then the next, and groups the adds by offer', () => {
    const ctx = context([makeOffer({ id: 'a', available: 2 }), makeOffer({ id: 'b', model: 'H100', pricePerHour: 3 })]);
    const { add, refusal } = rentNodes('w', 3, requirementOf(makePolicy()), 0, ctx);
    expect(add.map((r) => r.offer.id)).toEqual(['a', 'a', 'b']);
    expect(refusal).toBeUndefined();
    expect(groupAdds(add)).toEqual([
      { offerId: 'a', model: 'A100', gpuCount: 1, spot: false, pricePerHour: 2, currency: 'USD', count: 2 },
      { offerId: 'b', model: 'H100', gpuCount: 1, spot: false, pricePerHour: 3, currency: 'USD', count: 1 },
    ]);
    // The tick's running budget and the offers taken carry over to the next workload.
    expect(ctx.taken.get('a')).toBe(2);
    expect(ctx.budget.global.hourlyRate).toBe(7);
  });

  it('names the cap that stopped it', () => {
    const view = { maxPerHour: 4, total: undefined, hourlyRate: 0, committed: 0, workloads: {} };
    const ctx = context([makeOffer()], { budget: runningBudget(view, { now: T, tickMs: 1000, workloads: [] }, 2000) });
    const { add, refusal } = rentNodes('w', 3, requirementOf(makePolicy()), 0, ctx);
    expect(add).toHaveLength(2);
    expect(refusal).toEqual({ cap: 'maxPerHour', scope: 'global', limit: 4 });
  });
});

describe('step: scale-up', () => {
  it('takes a draining node back before renting, and says how many of each', () => {
    const policy = makePolicy({ concurrencyPerNode: 1 });
    const w = workload({ queued: 3, nodes: [node('d', { state: 'draining', inFlight: 1 })] });
    const demand = estimateDemand(w, policy, 1000, T);
    const out = scaleUp({ w, policy, requirement: requirementOf(policy), avoidSpotUntil: 0, demand, wanted: 3, nodes: w.nodes, live: [], pendingSwap: undefined }, context());
    expect(out.restore).toEqual(['d']);
    expect(out.add).toHaveLength(2);
    expect(out.desired).toBe(3);
    expect(out.reason).toMatchObject({ kind: 'scale-up', restored: 1, adds: [{ count: 2 }], steady: false });
    expect(out.reason.holding).toBeUndefined();
  });

  it('holds at what it could get and says why', () => {
    const policy = makePolicy();
    const w = workload({ queued: 100 });
    const demand = estimateDemand(w, policy, 1000, T);
    const out = scaleUp({ w, policy, requirement: requirementOf(policy), avoidSpotUntil: 0, demand, wanted: 4, nodes: [], live: [] , pendingSwap: undefined }, context([makeOffer({ available: 1 })]));
    expect(out.add).toHaveLength(1);
    expect(out.reason).toMatchObject({ holding: 1, shortfall: { kind: 'no-offer' } });
    expect(out.refused).toBe(false);
  });
});

describe('step: scale-down', () => {
  it('holds through the delay, then drains to the window maximum', () => {
    const policy = makePolicy({ scaleDownDelayMs: 60_000 });
    const live = [node('a'), node('b')];
    const w = workload({ nodes: live });
    const demand = estimateDemand(w, policy, 1000, T);
    const early = scaleDown({ w, policy, demand, target: 0, live, recentDesired: [{ at: T, desired: 0 }], now: T, horizonMs: 2000 });
    expect(early).toMatchObject({ desired: 2, drain: [], lowDemandSince: T, reason: { kind: 'hold', low: { kind: 'idle', forMs: 0, live: 2 }, delayMs: 60_000 } });
    const later = workload({ nodes: live, memory: { ...INITIAL_MEMORY, lowDemandSince: T - 60_000 } });
    const out = scaleDown({ w: later, policy, demand, target: 0, live, recentDesired: [{ at: T, desired: 0 }], now: T, horizonMs: 60_000 });
    expect(out.drain).toHaveLength(2);
    expect(out.lowDemandSince).toBeNull();
    expect(out.reason).toMatchObject({ kind: 'scale-down', drained: 2, low: { kind: 'idle', forMs: 60_000 } });
  });
});

describe('step: surplus', () => {
  it('gives back the nodes whose paid time ends first and keeps paid ones serving', () => {
    const ending = node('ending', { requestedAt: T - 59_000 });
    const paid = node('paid', { requestedAt: T - 10_000 });
    const out = pickSurplus([paid, ending], 2, 0, 5_000, T, false, () => 0);
    expect(out.drain).toEqual(['ending']);
    expect(out.kept).toBe(1);
    expect(out.paidLeftMs).toBe(50_000);
  });
});

describe('step: memory', () => {
  it('avoids spot for the cool-off after a preemption seen in the observation (the planner writes its memory alone)', () => {
    const policy = makePolicy({ spotCooloffMs: 600_000 });
    expect(carried(workload({ preemptedAt: T - 1000 }), policy, T).avoidSpotUntil).toBe(T - 1000 + 600_000);
    expect(carried(workload(), policy, T).avoidSpotUntil).toBe(0);
    // An older preemption never shortens a cool-off already remembered.
    expect(carried(workload({ preemptedAt: 0, memory: { ...INITIAL_MEMORY, avoidSpotUntil: T } }), policy, T).avoidSpotUntil).toBe(T);
  });

  it('starts an arrival streak with the first arrival and ends it with the long window empty', () => {
    const policy = makePolicy();
    expect(carried(workload({ arrivalRateLong: 1 }), policy, T).arrivingSince).toBe(T);
    expect(carried(workload({ arrivalRateLong: 0, memory: { ...INITIAL_MEMORY, arrivingSince: 5 } }), policy, T).arrivingSince).toBeUndefined();
    const w = workload({ arrivalRateLong: 2, arrivalRateShort: 2, memory: { ...INITIAL_MEMORY, arrivingSince: T - 120_000 } });
    const base = carried(w, policy, T);
    const tracked = trackDemand(w, base, estimateDemand(w, policy, 1000, T), 1, policy, T);
    expect(tracked.rates).toEqual([{ at: T, rate: 2 }]);
    expect(tracked.forecast?.pending).toHaveLength(1);
    expect(nextMemory(base, null, tracked.recentDesired, tracked.rates, tracked.forecast, undefined)).toMatchObject({ arrivingSince: T - 120_000, recentDesired: [{ at: T, desired: 1 }] });
  });
});

describe('observe', () => {
  function source(over: Partial<ObservationSource> = {}): ObservationSource {
    const serviceTime = new RollingMean();
    return {
      name: 'w',
      queued: 2,
      inFlight: 1,
      arrivalRate: (_now, windowSec) => windowSec,
      countingSince: T - 5000,
      serviceTime,
      oldestQueuedAt: () => T - 700,
      coldStartSeenMs: undefined,
      gpuModels: ['A100'],
      offers: () => [makeOffer({ coldStartSec: 45 })],
      nodes: () => [node('a')],
      paused: false,
      preemptedAt: 123,
      memory: INITIAL_MEMORY,
      ...over,
    };
  }

  it('reads the two windows, the ages and the facts the planner needs', () => {
    const w = observe(source(), T);
    expect(w).toMatchObject({ name: 'w', queued: 2, inFlight: 1, arrivalRateShort: 6, arrivalRateLong: 60, observedForMs: 5000, oldestQueuedMs: 700, coldStartMs: 45_000, preemptedAt: 123 });
    expect(w.serviceTimeMs).toBeUndefined();
    expect(w.nodes.map((n) => n.id)).toEqual(['a']);
  });

  it('plans with the measured cold start, else the offer of a wanted model, else 30 s', () => {
    expect(coldStartEstimate(12_000, [makeOffer()], ['A100'])).toBe(12_000);
    expect(coldStartEstimate(undefined, [makeOffer({ model: 'L4', coldStartSec: 5 }), makeOffer({ coldStartSec: 40 })], ['A100'])).toBe(40_000);
    expect(coldStartEstimate(undefined, [makeOffer({ model: 'L4' })], ['A100'])).toBe(DEFAULT_COLD_START_MS);
  });
});

describe('apply', () => {
  const decision = (over: Partial<WorkloadDecision> = {}): WorkloadDecision => ({
    name: 'w',
    desired: 1,
    add: [{ offer: makeOffer(), reserve: 1 }],
    drain: ['d'],
    release: ['r'],
    restore: ['x'],
    reason: { step: { kind: 'no-policy' }, releasedDrained: 0 },
    budgetBlocked: false,
    budgetExhausted: false,
    memory: { ...INITIAL_MEMORY, lowDemandSince: 7 },
    ...over,
  });

  it('hands the memory back, then rents, restores, drains and releases in that order', () => {
    const calls: string[] = [];
    const holder = { memory: INITIAL_MEMORY };
    const done = apply(holder, decision(), {
      rent: (r) => (calls.push(`rent ${r.offer.id}`), true),
      restore: (id) => (calls.push(`restore ${id}`), true),
      drain: (id) => (calls.push(`drain ${id}`), false),
      release: (id) => (calls.push(`release ${id}`), true),
    });
    expect(calls).toEqual(['rent a100-od', 'restore x', 'drain d', 'release r']);
    expect(done).toEqual({ added: 1, restored: 1, drained: 0, released: 1 });
    expect(holder.memory.lowDemandSince).toBe(7);
  });

  it('rents nothing when renting is not allowed', () => {
    const holder = { memory: INITIAL_MEMORY };
    const done = apply(holder, decision(), { rent: () => true, restore: () => true, drain: () => true, release: () => true }, false);
    expect(done.added).toBe(0);
  });

  it('nudges at most once per NUDGE_MS', () => {
    expect(nudgeDelayMs(1000, 990)).toBe(NUDGE_MS - 10);
    expect(nudgeDelayMs(1000, 0)).toBe(0);
  });
});

describe('reason text', () => {
  const steps: StepReason[] = [
    { kind: 'no-policy' },
    { kind: 'paused', drain: 2 },
    { kind: 'scale-up', load: { queued: 3, arrivalRate: 1.5, inFlight: 1 }, fleet: { ready: 1, provisioning: 1 }, need: { kind: 'need', nodes: 4, maxNodes: 3, latencyTargetMs: 900, sloTarget: 0.995 }, restored: 1, adds: [{ offerId: 'o', model: 'A100', gpuCount: 2, spot: true, pricePerHour: 1.25, currency: 'EUR', count: 2 }], holding: 3, shortfall: { kind: 'budget', scope: 'workload', cap: 'maxPerHour', limit: 4 }, tradeDownPricePerHour: 3, steady: false },
    { kind: 'hold', low: { kind: 'finishing', forMs: 3000, inFlight: 2, needs: 0, live: 2 }, delayMs: 10_000, provisioning: 0 },
    { kind: 'scale-down', low: { kind: 'low', forMs: 300_000, inFlight: 0, needs: 1, live: 3 }, drained: 1, kept: 1, paidLeftMs: 20_000, maxNodes: 2 },
  ];

  it('renders every step on one line that carries its numbers', () => {
    for (const step of steps) {
      const reason: PlanReason = { budget: { scope: 'global', cap: 'total', limit: 9, count: 1 }, step, releasedDrained: 2 };
      const text = renderReason(reason);
      expect(text).not.toContain('\n');
      expect(text).not.toContain('undefined');
      expect(text).toContain('9');
      if (step.kind === 'scale-up') for (const n of ['900', '99.5', '1.25', '4']) expect(text).toContain(n);
    }
  });
});

describe('the SLO', () => {
  it('is one definition: a request within the target, a share of requests, a miss budget', async () => {
    const { attainment, missShare, withinTarget, MIN_MISS_SHARE } = await import('../../src/controller/slo.js');
    expect(withinTarget(1000, 1000)).toBe(true);
    expect(withinTarget(1000.5, 1000)).toBe(false);
    expect(attainment([10, 2000, 999, 1000], 4, 1000)).toBe(0.75);
    expect(attainment([], 0, 1000)).toBe(1);
    expect(missShare(0.95)).toBeCloseTo(0.05, 12);
    expect(missShare(undefined)).toBeCloseTo(0.01, 12);
    expect(missShare(1)).toBe(MIN_MISS_SHARE);
  });

  it('sizes the fleet for the miss budget the workload asks for', () => {
    const w = workload({ queued: 0, inFlight: 20, arrivalRateShort: 20, arrivalRateLong: 20, serviceTimeMs: 1000, nodes: Array.from({ length: 6 }, (_, i) => node(`n${i}`)) });
    const loose = estimateDemand(w, makePolicy({ latencyTargetMs: 1500, sloTarget: 0.9 }), 1000, T);
    const tight = estimateDemand(w, makePolicy({ latencyTargetMs: 1500, sloTarget: 0.999 }), 1000, T);
    expect(tight.arrivalSlots).toBeGreaterThan(loose.arrivalSlots);
  });
});

describe('demand: a return of traffic', () => {
  const policy = makePolicy({ latencyTargetMs: 24_000, concurrencyPerNode: 8, maxNodes: 50 });
  // Three seconds into a return at about 6/s: 19 arrivals, on a 6 s and a 60 s window.
  const back = (memory: Partial<WorkloadObservation['memory']>) =>
    workload({ queued: 19, arrivalRateShort: 19 / 6, arrivalRateLong: 19 / 60, serviceTimeMs: 4400, coldStartMs: 15_000, memory: { ...INITIAL_MEMORY, ...memory } });

  it('reads the windows over the seconds arrivals were seen in, once the streak is dated', async () => {
    const { arrivalsSeenMs } = await import('../../src/controller/demand.js');
    expect(arrivalsSeenMs(back({ quietAt: T - 100_000, arrivingSince: T - 3000 }), T, 1000)).toBe(3000);
    expect(arrivalsSeenMs(back({ arrivingSince: T - 3000 }), T, 1000)).toBe(Infinity);
    expect(arrivalsSeenMs(back({ quietAt: T - 100_000 }), T, 1000)).toBe(Infinity);
    expect(arrivalsSeenMs({ ...back({ quietAt: T - 100_000, arrivingSince: T - 3000 }), observedForMs: 2000 }, T, 1000)).toBe(2000);
    expect(arrivalsSeenMs(back({ quietAt: T - 100_000, arrivingSince: T }), T, 1000)).toBe(1000);
  });

  it('sizes a return for the rate it has, not for the quiet minute before it', () => {
    const dated = estimateDemand(back({ quietAt: T - 100_000, arrivingSince: T - 3000 }), policy, 1000, T);
    const undated = estimateDemand(back({ arrivingSince: T - 3000 }), policy, 1000, T);
    expect(dated.arrivalRate).toBeGreaterThan(3);
    expect(undated.arrivalRate).toBeLessThan(2);
    expect(dated.nodesUp).toBeGreaterThan(undated.nodesUp);
  });

  it('dates a streak only after the window was seen empty', () => {
    const p = makePolicy();
    expect(carried(workload({ arrivalRateLong: 0 }), p, T).quietAt).toBe(T);
    expect(carried(workload({ arrivalRateLong: 1, memory: { ...INITIAL_MEMORY, quietAt: T - 5000 } }), p, T).quietAt).toBe(T - 5000);
    expect(carried(workload({ arrivalRateLong: 1 }), p, T).quietAt).toBeUndefined();
    const memory = nextMemory(carried(workload({ arrivalRateLong: 0 }), p, T), null, [], undefined, undefined, undefined);
    expect(memory.quietAt).toBe(T);
  });

  it('takes a lone request after a quiet spell for no more than the windows say', () => {
    const lone = workload({ queued: 1, arrivalRateShort: 1 / 6, arrivalRateLong: 1 / 60, serviceTimeMs: 4400, coldStartMs: 15_000, memory: { ...INITIAL_MEMORY, quietAt: T - 100_000, arrivingSince: T - 2000 } });
    const d = estimateDemand(lone, policy, 1000, T);
    expect(d.arrivalRate).toBeCloseTo(1 / 60, 9);
    expect(d.nodesUp).toBe(1);
  });
});

describe('step: keep warm', () => {
  const policy = makePolicy({ latencyTargetMs: 10_000, scaleDownDelayMs: 10_000, concurrencyPerNode: 1, maxNodes: 8 });
  const busySpell = { requests: 1000, peakNodes: 3, peakRate: 2 };
  const quiet = (over: Partial<WorkloadObservation>) =>
    workload({ coldStartMs: 60_000, serviceTimeMs: 1000, arrivalCount: 5000, lastArrivalAt: T - 20_000, memory: { ...INITIAL_MEMORY, warm: { recent: [busySpell] } }, ...over });
  const input = (w: WorkloadObservation) => ({ w, policy, idle: true, streamNodes: 0, arrivalRate: 0, serviceTimeMs: 1000, pricePerHour: () => 2, now: T, tickMs: 1000 });

  it('reads the head and tail of regular quiet spells, and nothing from few or irregular ones', async () => {
    const { spellWindows, MIN_SPELLS } = await import('../../src/controller/steps/keep-warm.js');
    const regular = [600_000, 620_000, 580_000, 610_000, 590_000];
    const win = spellWindows(regular)!;
    expect(win.p5Ms).toBeGreaterThanOrEqual(580_000);
    expect(win.p5Ms).toBeLessThan(590_000);
    expect(win.headMs).toBeCloseTo(win.p5Ms * 0.9, 6);
    expect(win.keepAliveMs).toBeCloseTo(win.p99Ms * 1.1, 6);
    expect(spellWindows(regular.slice(0, MIN_SPELLS - 1))).toBeUndefined();
    expect(spellWindows([10_000, 10_000, 10_000, 2_000_000, 10_000, 10_000])).toBeUndefined();
  });

  it('keeps the fleet a cold return would need when that return would miss more than the budget allows', async () => {
    const { keepWarm } = await import('../../src/controller/steps/keep-warm.js');
    // Regular spells too short to release and rent again in (a 60 s cold start, a 60 s minimum
    // lease), and enough of them that a spell outlasting their 99th percentile plus 10 % is
    // rare enough to bet a cold return on (Cantelli: at most 1 in 33 here).
    const spells = Array.from({ length: 40 }, (_, i) => 100_000 + ((i * 37) % 11) * 1000 - 5000);
    const out = keepWarm(input(quiet({ idleSpellsMs: spells })));
    expect(out.floor).toBe(3);
    expect(out.facts).toMatchObject({ kind: 'keep-warm', nodes: 3, idleForMs: 20_000, spells: 40, predicted: true });
    const facts = out.facts as { coldMisses: number; missBudget: number; warmCost: number; warmPerHour: number; keepAliveMs: number; idleP99Ms: number };
    // A cold return waits 60 s + 1 s of service against a 10 s target: 51 s at 2/s, plus the first.
    expect(facts.coldMisses).toBeCloseTo(1 + 2 * 51, 6);
    expect(facts.missBudget).toBeCloseTo(10, 6);
    expect(facts.keepAliveMs).toBeCloseTo(facts.idleP99Ms * 1.1, 6);
    expect(facts.warmPerHour).toBe(6);
    expect(facts.warmCost).toBeCloseTo((6 * (facts.keepAliveMs - 20_000)) / 3_600_000, 9);
    expect(out.wakeAt).toBeCloseTo(T - 20_000 + facts.keepAliveMs, 6);
    // Four such spells cannot say it: one spell in five may be the longest yet, and a cold
    // return then costs ten budgets. The histogram's keep-alive is not taken; held until traffic returns.
    const few = keepWarm(input(quiet({ idleSpellsMs: [100_000, 110_000, 90_000, 105_000] })));
    expect(few.floor).toBe(3);
    expect(few.wakeAt).toBeUndefined();
    expect(few.facts).toMatchObject({ kind: 'keep-warm', nodes: 3, predicted: false });
    expect(few.facts).not.toHaveProperty('keepAliveMs');
  });

  it('bounds the chance that a spell outlasts the keep-alive by rank and by Cantelli', async () => {
    const { lateChance } = await import('../../src/controller/steps/keep-warm.js');
    expect(lateChance(4, 100_000, 7_000, 120_000)).toBeCloseTo(1 / (1 + (20 / 7) ** 2), 9);
    expect(lateChance(4, 100_000, 30_000, 120_000)).toBeCloseTo(1 / 5, 9);
    expect(lateChance(9, 100_000, 0, 120_000)).toBe(0);
    expect(lateChance(9, 100_000, 5_000, 90_000)).toBeCloseTo(1 / 10, 9);
  });

  it('after a return, with no histogram to trust (few or irregular spells), keeps them warm until traffic returns, or for the keep-alive the user set', async () => {
    const { keepWarm } = await import('../../src/controller/steps/keep-warm.js');
    for (const spells of [[300_000], [10_000, 10_000, 10_000, 2_000_000, 10_000, 10_000]]) {
      const late = keepWarm(input(quiet({ idleSpellsMs: spells, lastArrivalAt: T - 10 * 3_600_000 })));
      expect(late.floor).toBe(3);
      expect(late.wakeAt).toBeUndefined();
      expect(late.facts).toMatchObject({ kind: 'keep-warm', nodes: 3, predicted: false });
      expect(late.facts).not.toHaveProperty('keepAliveMs');
      expect(late.facts).not.toHaveProperty('warmCost');
    }
    // The user's keep-alive bounds it, stretched to the longest spell traffic came back after.
    const set = (keepAliveMs: number, spells: number[], idleMs: number) =>
      keepWarm({ ...input(quiet({ idleSpellsMs: spells, lastArrivalAt: T - idleMs })), policy: { ...policy, keepAliveMs } });
    expect(set(600_000, [300_000], 60_000).facts).toMatchObject({ keepAliveMs: 600_000, predicted: false });
    expect(set(600_000, [300_000], 600_000).floor).toBe(0);
    expect(set(600_000, [300_000, 2_400_000], 30 * 60_000).facts).toMatchObject({ keepAliveMs: 2_400_000 * 1.1 });
    // 0 opts out.
    expect(set(0, [300_000], 60_000).floor).toBe(0);
  });

  it('before any return of traffic, a burst that a cold return would make miss keeps its nodes for the fixed keep-alive', async () => {
    const { keepWarm, DEFAULT_KEEP_ALIVE_MS } = await import('../../src/controller/steps/keep-warm.js');
    // No spell at all, or only pauses shorter than the scale-down delay (traffic going on, not a return).
    for (const spells of [[], [6000, 7000]]) {
      const out = keepWarm(input(quiet({ idleSpellsMs: spells })));
      expect(out.floor).toBe(3);
      expect(out.facts).toMatchObject({ kind: 'keep-warm', predicted: false, keepAliveMs: DEFAULT_KEEP_ALIVE_MS, spells: spells.length });
    }
    // Traffic that went on for longer than the keep-alive is a service, not a one-off: kept until it returns.
    const service = keepWarm(input(quiet({ idleSpellsMs: [], memory: { ...INITIAL_MEMORY, warm: { recent: [{ ...busySpell, durationMs: 3_600_000 }] } } })));
    // (1000 requests of 1 s over an hour: one node carries a return like it.)
    expect(service.floor).toBe(1);
    expect(service.facts).toMatchObject({ kind: 'keep-warm', predicted: false });
    expect(service.facts).not.toHaveProperty('keepAliveMs');
    expect(service.wakeAt).toBeUndefined();
    // A fleet that boots in 5 s is kept for (5/15)^2 of twenty minutes, not the whole of
    // them; one that boots in 15 s or more, the whole twenty minutes.
    const fast = keepWarm({ ...input(quiet({ idleSpellsMs: [], coldStartMs: 5000 })), policy: { ...policy, latencyTargetMs: 2000 } });
    expect((fast.facts as { keepAliveMs: number }).keepAliveMs).toBeCloseTo(DEFAULT_KEEP_ALIVE_MS / 9, 6);
    const gpu = keepWarm({ ...input(quiet({ idleSpellsMs: [], coldStartMs: 15_000 })), policy: { ...policy, latencyTargetMs: 2000 } });
    expect(gpu.facts).toMatchObject({ keepAliveMs: DEFAULT_KEEP_ALIVE_MS });
    // A target a cold start meets: nothing kept, the fleet goes after the scale-down delay.
    const tolerant = keepWarm({ ...input(quiet({ idleSpellsMs: [] })), policy: { ...policy, latencyTargetMs: 90_000 } });
    expect(tolerant.floor).toBe(0);
    expect(tolerant.facts).toBeUndefined();
  });

  it('keeps only the nodes that carry a return like the recent ones through a cold start, at least one', async () => {
    const { warmNodes } = await import('../../src/controller/steps/keep-warm.js');
    const p = makePolicy({ latencyTargetMs: 30_000, concurrencyPerNode: 8, maxNodes: 10 });
    // 90 s at 2.7/s of 3.7 s tasks: 10 Erlangs on 8 slots; one node's queue reaches ~22 s by the end: one.
    expect(warmNodes([{ requests: 243, peakNodes: 2, peakRate: 3, durationMs: 90_000 }], 3700, 180_000, p)).toBe(1);
    // The same rate for 10 minutes outlasts the cold start: two nodes carry it until more are up.
    expect(warmNodes([{ requests: 1620, peakNodes: 2, peakRate: 3, durationMs: 600_000 }], 3700, 180_000, p)).toBe(2);
    // Never more than the stream needed at its peak, never less than one, the largest of the spells.
    expect(warmNodes([{ requests: 100_000, peakNodes: 3, peakRate: 100, durationMs: 600_000 }], 3700, 180_000, p)).toBe(3);
    expect(warmNodes([{ requests: 1, peakNodes: 0, peakRate: 0.1, durationMs: 1000 }], 3700, 180_000, p)).toBe(1);
    expect(warmNodes([{ requests: 243, peakNodes: 2, peakRate: 3, durationMs: 90_000 }, { requests: 1620, peakNodes: 2, peakRate: 3, durationMs: 600_000 }], 3700, 180_000, p)).toBe(2);
    // Each spell's load with its own service time, not today's: 4.2 s tasks now would read it as 11 Erlangs.
    expect(warmNodes([{ requests: 243, peakNodes: 2, peakRate: 3, durationMs: 90_000, serviceMs: 3700 }], 4200, 180_000, p)).toBe(1);
    expect(warmNodes([{ requests: 243, peakNodes: 2, peakRate: 3, durationMs: 90_000 }], 4200, 180_000, p)).toBe(2);
    // Spells remembered from before their length was kept: the peak count.
    expect(warmNodes([{ requests: 243, peakNodes: 2, peakRate: 3 }], 3700, 180_000, p)).toBe(2);
  });

  it('holds the nodes kept warm through the first long window of a return, then lets demand decide', async () => {
    const { keepWarm } = await import('../../src/controller/steps/keep-warm.js');
    const warm = { recent: [busySpell], busy: { since: T - 20_000, count: 5000, peakNodes: 1, peakRate: 0.5 } };
    const back = (since: number, nodes: NodeView[]) => keepWarm({ ...input(quiet({ idleSpellsMs: [300_000], lastArrivalAt: T - 1000, nodes, memory: { ...INITIAL_MEMORY, warm: { ...warm, busy: { ...warm.busy, since } } } })), idle: false, streamNodes: 1, arrivalRate: 0.5 });
    const three = [node('a'), node('b'), node('c')];
    const early = back(T - 20_000, three);
    expect(early.floor).toBe(3);
    expect(early.facts).toMatchObject({ kind: 'return', nodes: 3, backForMs: 20_000, untilMs: 60_000 });
    // It holds what is there; it does not rent for a return.
    expect(back(T - 20_000, [node('a')]).floor).toBe(1);
    expect(back(T - 60_000, three).floor).toBe(0);
  });

  it('lets the fleet go when a cold return fits the target or the budget, or the keep-alive is over', async () => {
    const { keepWarm } = await import('../../src/controller/steps/keep-warm.js');
    const spells = [300_000, 310_000, 290_000, 305_000];
    expect(keepWarm({ ...input(quiet({ idleSpellsMs: spells })), policy: { ...policy, latencyTargetMs: 70_000 } }).floor).toBe(0);
    const rare = quiet({ idleSpellsMs: spells, memory: { ...INITIAL_MEMORY, warm: { recent: [{ requests: 100_000, peakNodes: 3, peakRate: 0.01 }] } } });
    expect(keepWarm(input(rare)).floor).toBe(0);
    expect(keepWarm(input(quiet({ idleSpellsMs: spells, lastArrivalAt: T - 400_000 }))).floor).toBe(0);
    // The slowest 1 % take longer than the target by themselves: the SLO is lost warm or cold.
    const short = [100_000, 110_000, 90_000, 105_000];
    expect(keepWarm(input(quiet({ idleSpellsMs: short, serviceTimeTailMs: 12_000 }))).floor).toBe(0);
    expect(keepWarm(input(quiet({ idleSpellsMs: short, serviceTimeTailMs: 8000 }))).floor).toBe(3);
    // Before the first busy spell has ended, nothing is known to keep.
    expect(keepWarm(input(quiet({ idleSpellsMs: spells, memory: INITIAL_MEMORY }))).floor).toBe(0);
    // Busy: no floor, but the busy spell is tracked.
    const busy = keepWarm({ ...input(quiet({ idleSpellsMs: spells })), idle: false, streamNodes: 4, arrivalRate: 3 });
    expect(busy.floor).toBe(0);
    expect(busy.memory?.busy).toMatchObject({ since: T, count: 5000, peakNodes: 4, peakRate: 3 });
  });

  it('releases, then rents again a cold start before regular quiet spells end (pre-warm), once the bet is worth it', async () => {
    const { keepWarm, earlyChance } = await import('../../src/controller/steps/keep-warm.js');
    // Five spells of 7 to 13 minutes: the next is the shortest yet with chance 1/6, and
    // Cantelli bounds an early end no tighter; 1/6 of a cold return's 103 misses is more
    // than half the budget of 10: kept warm, not released; and the same holds for a spell
    // outlasting the keep-alive, so that is not bounded either (held until traffic returns).
    const few = keepWarm(input(quiet({ idleSpellsMs: [420_000, 780_000, 600_000, 500_000, 700_000] })));
    expect(few.floor).toBe(3);
    expect(few.facts).toMatchObject({ kind: 'keep-warm', predicted: false });
    expect(few.facts).not.toHaveProperty('keepAliveMs');
    // The chance of an early end: the rank bound, or Cantelli's when spells are nearly equal.
    expect(earlyChance(5, 600_000, 0, 540_000)).toBe(0);
    expect(earlyChance(5, 600_000, 200_000, 540_000)).toBeCloseTo(1 / 6, 9);
    expect(earlyChance(40, 600_000, 20_000, 540_000)).toBeCloseTo(1 / 41, 9);
    expect(earlyChance(40, 600_000, 60_000, 540_000)).toBeCloseTo(1 / 41, 9);
    expect(earlyChance(4, 600_000, 20_000, 540_000)).toBeCloseTo(1 / 10, 9);
    // Five spells of exactly ten minutes: released.
    const spells = Array(5).fill(600_000);
    const early = keepWarm(input(quiet({ idleSpellsMs: spells })));
    expect(early.floor).toBe(0);
    // Head 540 s, less a 60 s cold start and a tick: rent at 479 s into the spell.
    expect(early.wakeAt).toBe(T - 20_000 + 479_000);
    const due = keepWarm(input(quiet({ idleSpellsMs: spells, lastArrivalAt: T - 480_000 })));
    expect(due.floor).toBe(3);
    expect(due.facts).toMatchObject({ kind: 'pre-warm', nodes: 3, returnAfterMs: 540_000, coldStartMs: 60_000 });
  });
});

describe('idle spells', () => {
  it('counts arrivals and keeps gaps of 6 s or more, oldest first', async () => {
    const { IdleSpells, IDLE_SPELL_MEMORY } = await import('../../src/metrics/idle-spells.js');
    const s = new IdleSpells();
    for (const t of [0, 1000, 8000, 9000, 30_000]) s.record(t);
    expect(s.count).toBe(5);
    expect(s.lastAt).toBe(30_000);
    expect(s.spells()).toEqual([7000, 21_000]);
    for (let i = 1; i <= IDLE_SPELL_MEMORY + 5; i++) s.record(30_000 + i * 10_000);
    expect(s.spells()).toHaveLength(IDLE_SPELL_MEMORY);
    expect(s.spells()[0]).toBe(10_000);
  });
});
