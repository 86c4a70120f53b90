/**
 * A fleet that is all up grows only on evidence (controller/rent-evidence.ts): a rent
 * asked for by estimates that noise could explain waits, one backed by the rate, the
 * ten-minute trend or the queue goes ahead; and the planner says which.
 */
import { describe, expect, it } from 'vitest';
import { estimateDemand } from '../../src/controller/demand.js';
import { INITIAL_MEMORY, type NodeView, type WorkloadObservation } from '../../src/controller/observation.js';
import { renderReason } from '../../src/controller/reason-text.js';
import { plan } from '../../src/controller/planner.js';
import { CALM_WAIT_SHARE, EVIDENCE_SIGMAS, rentWithinNoise, STEADY_MAX_DISPERSION, type RentEvidenceInput } from '../../src/controller/rent-evidence.js';
import { slotsForLatency } from '../../src/controller/mmk-tail.js';
import type { RateSample } from '../../src/controller/trend.js';
import { makeOffer, makePolicy } from './planner-driver.js';

const T = 10_000_000;

describe('rent evidence', () => {
  // Four nodes of 8 slots, 3.5 s of service, 30 s target: the fleet carries about 31 busy slots.
  const base: RentEvidenceInput = {
    nodes: 4,
    slotsPerNode: 8,
    longRate: 9,
    longWindowMs: 60_000,
    slope: 0,
    slopeNoise: Infinity,
    slopeSeen: 1,
    reachMs: 210_000,
    serviceMs: 3500,
    shareBudgetsMs: [26_500],
    missShare: 0.01,
    // Below the 32 / 3.5 s = 9.14/s the fleet serves: 4 slots to spare.
    recentRate: 8,
    coldStartMs: 180_000,
    oldestQueuedMs: 1000,
    backlog: 20,
    waitBudgetMs: 13_000,
  };

  it('holds a rent that the rate less two standard deviations does not need', () => {
    // 9/s over a minute: 540 arrivals, σ = √540 / 60 = 0.39/s; 8.23/s of 3.5 s is 28.8 busy slots.
    const hold = rentWithinNoise(base);
    expect(hold).toBeDefined();
    const low = 9 - (EVIDENCE_SIGMAS * Math.sqrt(540)) / 60;
    expect(hold!.lowLoad).toBeCloseTo(low * 3.5, 9);
    expect(hold!.slots).toBe(slotsForLatency(low * 3.5, [26_500], 3500, 32, 0.01));
    expect(hold!.slots).toBeLessThanOrEqual(32);
  });

  it('lets it go when the rate stands out of the noise, or the trend does over ten minutes', () => {
    expect(rentWithinNoise({ ...base, longRate: 10.5 })).toBeUndefined();
    // +1/s a minute, read with a standard error of 0.05/s a minute, carried 210 s: 3.3/s more.
    const perMs = 1 / 60_000;
    expect(rentWithinNoise({ ...base, slope: perMs, slopeNoise: 0.05 * perMs })).toBeUndefined();
    // The same slope read with a standard error as large as itself (two minutes at this rate): noise.
    expect(rentWithinNoise({ ...base, slope: perMs, slopeNoise: perMs })).toBeDefined();
    // Carried forward only as far as it was seen.
    expect(rentWithinNoise({ ...base, slope: perMs, slopeNoise: 0.05 * perMs, slopeSeen: 0 })).toBeDefined();
  });

  it('lets it go when the parabola through ten minutes predicts a rise out of a trough the line does not see', () => {
    // 8.23/s at its low end fills 28.8 slots; 2/s more over the reach fills 35.8 of 32.
    expect(rentWithinNoise({ ...base, curvedRise: 2 })).toBeUndefined();
    expect(rentWithinNoise({ ...base, curvedRise: 0 })).toBeDefined();
    // The larger of the two is carried, not their sum.
    const perMs = 1 / 60_000;
    const hold = rentWithinNoise({ ...base, curvedRise: 0.1, slope: 0.05 * perMs, slopeNoise: 0 });
    expect(hold).toBeDefined();
    const low = 9 - (EVIDENCE_SIGMAS * Math.sqrt(540)) / 60;
    expect(hold!.lowLoad).toBeCloseTo((low + Math.max(0.1, 0.05 * perMs * base.reachMs)) * 3.5, 9);
  });

  it('reads a bursty stream with the wider noise of its count, a Poisson one with the plain one', () => {
    // At 10/s, Poisson noise over a minute is σ = √600 / 60 = 0.41/s: the low bound 9.18/s
    // needs more than 32 slots of 3.5 s, so the rent goes ahead. At three times the
    // Poisson variance the count swings √3 times as far: the low bound 8.59/s fits.
    const rising = { ...base, longRate: 10 };
    expect(rentWithinNoise(rising)).toBeUndefined();
    expect(rentWithinNoise({ ...rising, dispersion: 1 })).toBeUndefined();
    expect(rentWithinNoise({ ...rising, dispersion: 0.4 })).toBeUndefined();
    const hold = rentWithinNoise({ ...rising, dispersion: 3 });
    expect(hold).toBeDefined();
    expect(hold!.lowLoad).toBeCloseTo((10 - (EVIDENCE_SIGMAS * Math.sqrt(3 * 600)) / 60) * 3.5, 9);
    // A rise beyond even that noise goes ahead.
    expect(rentWithinNoise({ ...base, longRate: 11, dispersion: 3 })).toBeUndefined();
    // The trend's standard error widens alike: a slope that stands out of Poisson noise
    // by 3 standard errors does not out of three times its variance.
    const perMs = 1 / 60_000;
    const trending = { ...base, slope: perMs, slopeNoise: perMs / 3 };
    expect(rentWithinNoise(trending)).toBeUndefined();
    expect(rentWithinNoise({ ...trending, dispersion: 3 })).toBeDefined();
  });

  it('lets it go when the queue waits past half the budget and the fleet would not work it off within a cold start', () => {
    const calm = base.waitBudgetMs * CALM_WAIT_SHARE;
    // 10/s of 3.5 s is 35 busy slots: more than the fleet's 32.
    const outrunning = { ...base, recentRate: 10 };
    expect(rentWithinNoise({ ...outrunning, oldestQueuedMs: calm + 1 })).toBeUndefined();
    expect(rentWithinNoise({ ...outrunning, oldestQueuedMs: calm })).toBeDefined();
    // 32 slots of 3.5 s: a backlog of 60 is 6.56 s of wait, more than half of 13 s; 59 is 6.45 s.
    expect(rentWithinNoise({ ...outrunning, backlog: 60 })).toBeUndefined();
    expect(rentWithinNoise({ ...outrunning, backlog: 59 })).toBeDefined();
    // An unreadable recent rate counts as outrunning.
    expect(rentWithinNoise({ ...base, recentRate: Number.NaN, backlog: 60 })).toBeUndefined();
    // At 9/s, 0.5 slot to spare: 60 tasks of 3.5 s take 420 s to work off, longer than
    // a 180 s cold start (long tasks holding slots read the same way), shorter than 600 s.
    const slow = { ...base, recentRate: 9, backlog: 60 };
    expect(rentWithinNoise(slow)).toBeUndefined();
    expect(rentWithinNoise({ ...slow, coldStartMs: 600_000 })).toBeDefined();
  });

  it('holds through a queue of chance the fleet works off within a cold start, up to the whole budget', () => {
    const calm = base.waitBudgetMs * CALM_WAIT_SHARE;
    // At 8/s, 4 slots to spare: 60 tasks of 3.5 s are worked off in 52.5 s, within the cold start.
    expect(rentWithinNoise({ ...base, oldestQueuedMs: calm + 1 })).toBeDefined();
    expect(rentWithinNoise({ ...base, backlog: 60 })).toBeDefined();
    expect(rentWithinNoise({ ...base, oldestQueuedMs: base.waitBudgetMs })).toBeDefined();
    // Past the whole budget it rents whatever the cause: 119 tasks are 13.02 s behind 32 slots.
    const patient = { ...base, coldStartMs: 3_600_000 };
    expect(rentWithinNoise({ ...patient, oldestQueuedMs: base.waitBudgetMs + 1 })).toBeUndefined();
    expect(rentWithinNoise({ ...patient, backlog: 119 })).toBeUndefined();
    expect(rentWithinNoise({ ...patient, backlog: 118 })).toBeDefined();
  });

  it('on a steady stream, works the queue off at the ten-minute rate, not at the clump that made it', () => {
    // The last few seconds at 10/s (35 busy slots, more than the fleet's 32), a backlog of
    // 60 (6.56 s, past half the budget): on the recent rate alone, a rent.
    const clump = { ...base, recentRate: 10, backlog: 60 };
    expect(rentWithinNoise(clump)).toBeUndefined();
    // Ten minutes of 8/s: 4 slots to spare, the 60 tasks worked off in 52.5 s. A queue of chance.
    expect(rentWithinNoise({ ...clump, tenMinuteRate: 8 })).toBeDefined();
    expect(rentWithinNoise({ ...clump, tenMinuteRate: 8, dispersion: STEADY_MAX_DISPERSION })).toBeDefined();
    // The lower of the two rates: ten minutes above the last few seconds change nothing.
    expect(rentWithinNoise({ ...clump, recentRate: 8, tenMinuteRate: 10 })).toBeDefined();
    expect(rentWithinNoise({ ...clump, tenMinuteRate: 9.5 })).toBeUndefined();
    // A stream that clumps a little (ServeGen's clients in most minutes) drains its clumps too;
    // not one whose bursts are its load.
    expect(rentWithinNoise({ ...clump, tenMinuteRate: 8, dispersion: 3 })).toBeDefined();
    expect(rentWithinNoise({ ...clump, tenMinuteRate: 8, dispersion: STEADY_MAX_DISPERSION + 1 })).toBeUndefined();
    // Not while the ten-minute trend shows a rise: +0.1/s a minute read at ±0.01, not at ±0.1.
    const perMinute = 1 / 60_000;
    expect(rentWithinNoise({ ...clump, tenMinuteRate: 8, slope: 0.1 * perMinute, slopeNoise: 0.01 * perMinute })).toBeUndefined();
    expect(rentWithinNoise({ ...clump, tenMinuteRate: 8, slope: 0.1 * perMinute, slopeNoise: 0.1 * perMinute })).toBeDefined();
    // Past the whole budget it rents all the same, unless the queue is sure to get through in time (below).
    expect(rentWithinNoise({ ...clump, tenMinuteRate: 8, oldestQueuedMs: base.waitBudgetMs + 1 })).toBeUndefined();
  });

  it('on a steady stream, lets a queue the fleet does not work off wait while every task still gets through within the target', () => {
    // 30 s target, 3.5 s of service: 26.5 s of wait. The slots get through 9.14/s.
    const steadyQueue = { ...base, recentRate: 12, backlog: 60, completionRate: 9.14, targetWaitMs: 26_500, tickMs: 1000 };
    // Ten minutes at 9.5/s: the queue grows by 0.36 tasks a second; in the 181 s before a
    // node rented at the next tick serves, from 60 to 125 tasks, 13.7 s of work. It waits.
    expect(rentWithinNoise({ ...steadyQueue, tenMinuteRate: 9.5 })).toBeDefined();
    // At 11/s it grows to 397 tasks, 43 s: a rent. So with a 15 s target, or a 600 s cold start.
    expect(rentWithinNoise({ ...steadyQueue, tenMinuteRate: 11 })).toBeUndefined();
    expect(rentWithinNoise({ ...steadyQueue, tenMinuteRate: 9.5, targetWaitMs: 11_500 })).toBeUndefined();
    expect(rentWithinNoise({ ...steadyQueue, tenMinuteRate: 9.5, coldStartMs: 600_000 })).toBeUndefined();
    // Long tasks holding the slots: the fleet finished 7/s, not the 9.14/s its slots over
    // the mean service time say. The queue grows by 2.5/s to 513 tasks, 73 s behind 7/s.
    expect(rentWithinNoise({ ...steadyQueue, tenMinuteRate: 9.5, completionRate: 7 })).toBeUndefined();
    // What it finished counts no higher than its slots allow (a burst of short tasks).
    expect(rentWithinNoise({ ...steadyQueue, tenMinuteRate: 11, completionRate: 20 })).toBeUndefined();
    // Not measured, or on a stream that clumps: no waiting.
    expect(rentWithinNoise({ ...steadyQueue, tenMinuteRate: 9.5, completionRate: undefined })).toBeUndefined();
    expect(rentWithinNoise({ ...steadyQueue, tenMinuteRate: 9.5, dispersion: STEADY_MAX_DISPERSION + 1 })).toBeUndefined();
  });

  it('on a steady stream, lets a queue past the steady budget wait while it still gets through within the target', () => {
    // The steady budget (13 s) keeps a margin for what the forecast may get wrong over a
    // cold start; a measured queue on a steady stream is checked against the target's wait.
    const steadyQueue = { ...base, recentRate: 12, backlog: 60, completionRate: 9.14, targetWaitMs: 26_500, tickMs: 1000, tenMinuteRate: 9.5 };
    const waited = { ...steadyQueue, oldestQueuedMs: 14_000 };
    expect(rentWithinNoise(waited)).toBeDefined();
    // Past the target's wait, or growing past it before a node could serve: a rent.
    expect(rentWithinNoise({ ...waited, oldestQueuedMs: 26_501 })).toBeUndefined();
    expect(rentWithinNoise({ ...waited, tenMinuteRate: 11 })).toBeUndefined();
    // Not on a stream that clumps, nor one whose trend rises beyond its noise.
    expect(rentWithinNoise({ ...waited, dispersion: STEADY_MAX_DISPERSION + 1 })).toBeUndefined();
    const perMinute = 1 / 60_000;
    expect(rentWithinNoise({ ...waited, slope: 0.1 * perMinute, slopeNoise: 0.01 * perMinute })).toBeUndefined();
    // Without the ten-minute rate (the first minutes), nothing says the stream is steady.
    expect(rentWithinNoise({ ...waited, tenMinuteRate: undefined })).toBeUndefined();
  });

  it('never holds for a fleet with no node or no counted window', () => {
    expect(rentWithinNoise({ ...base, nodes: 0 })).toBeUndefined();
    expect(rentWithinNoise({ ...base, longWindowMs: 0 })).toBeUndefined();
  });
});

describe('demand and the planner with the evidence test', () => {
  const policy = makePolicy({ maxNodes: 20, latencyTargetMs: 30_000, concurrencyPerNode: 8, scaleDownDelayMs: 10_000 });
  const ready = (id: string): NodeView => ({ id, state: 'ready', inFlight: 8, pricePerHour: 2, requestedAt: T - 3_600_000, billingIncrementSec: 1, minLeaseSec: 60, interruptible: false });
  // Ten minutes of rate samples, flat at 9/s, then a noise peak over the last two minutes.
  const rates: RateSample[] = [];
  for (let t = T - 600_000; t <= T; t += 10_000) rates.push({ at: t, rate: t <= T - 120_000 ? 9 : 9 + ((t - (T - 120_000)) / 120_000) * 0.6 });
  const steady = (over: Partial<WorkloadObservation> = {}): WorkloadObservation => ({
    name: 'w',
    queued: 10,
    inFlight: 32,
    arrivalRateShort: 9.2,
    arrivalRateLong: 9.2,
    serviceTimeMs: 3500,
    oldestQueuedMs: 500,
    coldStartMs: 180_000,
    observedForMs: 3_600_000,
    nodes: ['a', 'b', 'c', 'd'].map(ready),
    paused: false,
    memory: { ...INITIAL_MEMORY, rates },
    ...over,
  });

  it('holds a fleet at capacity through a noise peak, and says what the estimate asked for', () => {
    const demand = estimateDemand(steady(), policy, 1000, T);
    expect(demand.heldBack).toBeDefined();
    expect(demand.heldBack!.nodes).toBeGreaterThan(4);
    expect(demand.nodesUp).toBe(4);
    const decision = plan({ now: T, tickMs: 1000, workloads: [steady()] }, { w: policy }, [makeOffer({ id: 'o', pricePerHour: 2 })], { maxPerHour: undefined, total: undefined, hourlyRate: 8, committed: 0, workloads: {} });
    const d = decision.workloads[0]!;
    expect(d.add).toHaveLength(0);
    const step = d.reason.step as { kind: string; need?: { heldBack?: { nodes: number } } };
    expect(step.kind).toBe('scale-up');
    expect(step.need?.heldBack?.nodes).toBe(demand.heldBack!.nodes);
    expect(renderReason(d.reason)).toMatch(/within its noise/);
  });

  it('rents when the evidence is there (a queue that waits, a rate out of the noise), and leaves a fleet with a node coming to the look-ahead', () => {
    // The oldest task has waited 10 s, past half the steady budget, while 9.6/s of 3.5 s
    // (33.6 busy slots) come to 32 slots.
    const waiting = estimateDemand(steady({ oldestQueuedMs: 10_000, arrivalRateShort: 9.6 }), policy, 1000, T);
    expect(waiting.heldBack).toBeUndefined();
    expect(waiting.nodesUp).toBeGreaterThan(4);
    // The same wait while 8.5/s come: a queue of chance the fleet works off; past the
    // whole budget it rents all the same.
    const chance = estimateDemand(steady({ oldestQueuedMs: 10_000, arrivalRateShort: 8.5 }), policy, 1000, T);
    expect(chance.heldBack).toBeDefined();
    expect(chance.nodesUp).toBe(4);
    const late = estimateDemand(steady({ oldestQueuedMs: 27_000, arrivalRateShort: 8.5 }), policy, 1000, T);
    expect(late.heldBack).toBeUndefined();
    expect(late.nodesUp).toBeGreaterThan(4);
    const rising = estimateDemand(steady({ arrivalRateLong: 12, arrivalRateShort: 12 }), policy, 1000, T);
    expect(rising.heldBack).toBeUndefined();
    expect(rising.nodesUp).toBeGreaterThan(4);
    // With a node still provisioning the fleet is not all up: the look-ahead decides alone.
    const coming = estimateDemand(steady({ nodes: [...['a', 'b', 'c'].map(ready), { ...ready('d'), state: 'provisioning', requestedAt: T - 10_000 }] }), policy, 1000, T);
    expect(coming.heldBack).toBeUndefined();
  });
  it('holds a queue of chance on a steady stream whose last seconds clump, and rents for it on a stream that clumps', () => {
    // Ten minutes at 8.8/s (30.8 of 32 slots busy), the last minute's count at a noise
    // peak of 9.2/s that asks for a fifth node; the last 6 s brought 10/s, and the oldest
    // task has waited 10 s, past half the steady budget.
    const flat: RateSample[] = [];
    for (let t = T - 600_000; t <= T; t += 10_000) flat.push({ at: t, rate: t < T ? 8.8 : 9.2 });
    const clumped = steady({ oldestQueuedMs: 10_000, arrivalRateShort: 10, arrivalRateLong: 9.2, memory: { ...INITIAL_MEMORY, rates: flat } });
    const held = estimateDemand(clumped, policy, 1000, T);
    expect(held.heldBack).toBeDefined();
    expect(held.nodesUp).toBe(4);
    const bursty = estimateDemand({ ...clumped, arrivalDispersion: STEADY_MAX_DISPERSION + 1 }, policy, 1000, T);
    expect(bursty.heldBack).toBeUndefined();
    expect(bursty.nodesUp).toBeGreaterThan(4);
    // Two minutes of samples say nothing of the ten-minute rate yet: the last seconds decide.
    const young = estimateDemand({ ...clumped, memory: { ...INITIAL_MEMORY, rates: flat.slice(-10) } }, policy, 1000, T);
    expect(young.heldBack).toBeUndefined();
  });
});
