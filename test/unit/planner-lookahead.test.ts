/**
 * The planner's cold-start look-ahead (projection.ts), the noise-robust and
 * trend-aware arrival rate (demand.ts, trend.ts), and the scale-down rules that
 * came with them: hold while capacity is coming, and with a queue give back nodes
 * that are not serving yet first.
 */
import { describe, expect, it } from 'vitest';
import { estimateDemand, robustRate } from '../../src/controller/demand.js';
import { INITIAL_MEMORY } from '../../src/controller/observation.js';
import type { NodeView, WorkloadObservation } from '../../src/controller/observation.js';
import { plan } from '../../src/controller/planner.js';
import { fewestNodes, maxWait, type ProjectionInput } from '../../src/controller/projection.js';
import { pushRate, rateLevel, rateSlope, recentRates, slopeNoise, TREND_SPAN_MS } from '../../src/controller/trend.js';
import { makeOffer, makePolicy } from './planner-driver.js';

const T = 1_000_000;
const policy = makePolicy({ maxNodes: 100, latencyTargetMs: 60_000, concurrencyPerNode: 8, scaleDownDelayMs: 10_000 });

function node(id: string, over: Partial<NodeView> = {}): NodeView {
  return { id, state: 'ready', inFlight: 8, pricePerHour: 2, requestedAt: T - 600_000, billingIncrementSec: 1, minLeaseSec: 60, interruptible: false, ...over };
}

function workload(over: Partial<WorkloadObservation> = {}): WorkloadObservation {
  return {
    name: 'w',
    queued: 0,
    inFlight: 16,
    arrivalRateShort: 4,
    arrivalRateLong: 4,
    serviceTimeMs: 4500,
    oldestQueuedMs: 0,
    coldStartMs: 60_000,
    nodes: [node('a'), node('b')],
    paused: false,
    memory: INITIAL_MEMORY,
    ...over,
  };
}

describe('projection', () => {
  const base: ProjectionInput = { now: 0, backlog: 100, rate: 0, slope: 0, serviceMs: 1000, slotsPerNode: 10, headroomSlots: 0, readyNodes: 1, provisioningAt: [], newNodeAt: 60_000 };

  it('drains a backlog at slots / service time, and reads the wait as backlog · S / slots', () => {
    // 100 waiting, 10 slots of 1 s: 10 s of wait now, 5 s after 5 s.
    expect(maxWait(base, 1, 0, 0)).toBeCloseTo(10_000, 6);
    expect(maxWait(base, 1, 5000, 5000)).toBeCloseTo(5000, 6);
    // 15/s arriving on 10/s: 400 waiting at 60 s; a second node then takes 10 at once and
    // 20/s drains 5/s net: 390 · 1000 / 20 = 19.5 s of wait at 60 s, 90 · 1000 / 20 = 4.5 s at 120 s.
    expect(maxWait({ ...base, rate: 0.015 }, 2, 60_000, 60_000)).toBeCloseTo(19_500, 6);
    expect(maxWait({ ...base, rate: 0.015 }, 2, 120_000, 120_000)).toBeCloseTo(4_500, 6);
  });

  it('counts provisioning nodes from their ready time and new ones after a cold start', () => {
    // 12 tasks/s arrive, one node serves 10/s: the backlog grows 2/s until help comes.
    const growing = { ...base, backlog: 0, rate: 0.012, provisioningAt: [30_000] };
    // With the provisioning node (ready at 30 s) capacity is 20/s: the 60 s backlog... never forms past 30 s.
    expect(maxWait(growing, 2, 60_000, 120_000)).toBe(0);
    // Without it (1 node), the backlog at 120 s is 240 tasks: 24 s of wait.
    expect(maxWait(growing, 1, 120_000, 120_000)).toBeCloseTo(24_000, 6);
    // Keeping waits within 10 s from 60 s on: the ready node alone has 12 s by then; with the
    // provisioning one the backlog (60 at 30 s) is gone within 8 s.
    const budget = { steadyMs: 10_000, clearMs: 10_000, clearFrom: 60_000 };
    expect(fewestNodes(growing, budget, 60_000, 75_000, 1, 100, 2, 1)).toBe(2);
  });

  it('does not let a backlog that still grows ride the allowance for clearing one', () => {
    // 12 tasks/s on one node serving 10/s, no queue yet: 2/s more wait every second.
    // A cold start of 60 s alone exceeds the target, so the backlog built meanwhile may
    // take another 60 s to clear; at 75 s it holds 150 tasks, 15 s of wait, within that.
    // But one node never clears it (it grows from there on), and 15 s is past the
    // steady 5 s: one node is not enough, a second one is.
    const growing = { ...base, backlog: 0, rate: 0.012 };
    const lenient = { steadyMs: 5_000, clearMs: 60_000, clearFrom: 60_000 };
    expect(maxWait(growing, 1, 60_000, 75_000, lenient)).toBeLessThan(0);
    expect(fewestNodes(growing, lenient, 60_000, 75_000, 1, 100, 1, 1)).toBe(2);
    // Draining at the window's end is enough, even past the steady allowance: 14 tasks/s
    // on two nodes (20/s), with a backlog that still waits over 5 s at 75 s.
    const draining = { ...base, backlog: 300, rate: 0.014 };
    expect(maxWait(draining, 2, 75_000, 75_000)).toBeGreaterThan(5_000);
    expect(fewestNodes(draining, lenient, 60_000, 75_000, 1, 100, 1, 1)).toBe(2);
  });
});

describe('arrival rate', () => {
  it('ignores what Poisson noise explains on the short window, and counts a burst', () => {
    // 6 s at 5/s when the minute says 4/s: within noise.
    expect(robustRate(5, 4)).toBe(4);
    // 6 s at 20/s: 120 arrivals, lower 2σ bound (120 - 2·√120) / 6 = 16.3/s.
    expect(robustRate(20, 4)).toBeCloseTo((120 - 2 * Math.sqrt(120)) / 6, 9);
  });

  it('reads the trend from samples 10 s apart, kept for ten minutes', () => {
    let samples = pushRate(undefined, 0, 1);
    samples = pushRate(samples, 5000, 99); // too soon: not kept
    for (let t = 10_000; t <= 60_000; t += 10_000) samples = pushRate(samples, t, 1 + t / 10_000);
    expect(samples).toHaveLength(7);
    // +1/s every 10 s: 0.1/s per second, per ms here.
    expect(rateSlope(samples) * 1000).toBeCloseTo(0.1, 9);
    expect(pushRate(samples, 200_000, 5)).toHaveLength(8);
    expect(pushRate(samples, 700_000, 5)).toEqual([{ at: 700_000, rate: 5 }]);
  });

  it('carries the last two minutes of the trend forward, and reads its noise over all ten', () => {
    // Ten minutes flat at 4/s, then two minutes rising by 1/s a minute.
    let samples = pushRate(undefined, 0, 4);
    for (let t = 10_000; t <= 600_000; t += 10_000) samples = pushRate(samples, t, t <= 480_000 ? 4 : 4 + (t - 480_000) / 60_000);
    const recent = recentRates(samples, TREND_SPAN_MS);
    expect(recent[0]!.at).toBe(480_000);
    expect(rateSlope(recent) * 60_000).toBeCloseTo(1, 9);
    expect(rateSlope(samples) * 60_000).toBeLessThan(0.5);
    // Poisson noise of a 60 s count at 4/s is sqrt(4/60) per s; over ten minutes, eleven windows' worth.
    const flat = Array.from({ length: 61 }, (_, i) => ({ at: i * 10_000, rate: 4 }));
    expect(slopeNoise(flat)).toBeCloseTo((Math.sqrt(4 / 60) * Math.sqrt(12 / 11)) / 600_000, 15);
    // Over two minutes the same noise is more than nine times as large.
    expect(slopeNoise(recentRates(flat, TREND_SPAN_MS))).toBeGreaterThan(9 * slopeNoise(flat));
    expect(slopeNoise(flat.slice(0, 2))).toBe(Infinity);
  });

  it('reads the ten-minute level at the latest sample, once the samples span two minutes', () => {
    // Noise around 4/s (alternating ±0.5): the level is the mean, not the last sample.
    const noisy = Array.from({ length: 61 }, (_, i) => ({ at: 1_000_000 + i * 10_000, rate: 4 + (i % 2 === 0 ? 0.5 : -0.5) }));
    expect(Math.abs(rateLevel(noisy)! - 4)).toBeLessThan(0.05);
    // A straight rise of 1/s a minute from 2/s: the line's value at the last sample.
    const rise = Array.from({ length: 61 }, (_, i) => ({ at: i * 10_000, rate: 2 + (i * 10_000) / 60_000 }));
    expect(rateLevel(rise)).toBeCloseTo(12, 9);
    // Too short a span to read a level from, and never below zero.
    expect(rateLevel(noisy.slice(0, 12))).toBeUndefined();
    expect(rateLevel(noisy.slice(0, 13))).toBeDefined();
    expect(rateLevel(undefined)).toBeUndefined();
    // 3, 2, 1/s and then nothing: the line ends below zero, the level at zero.
    const ended = Array.from({ length: 13 }, (_, i) => ({ at: i * 10_000, rate: Math.max(0, 3 - i) }));
    expect(rateLevel(ended)).toBe(0);
  });
});

describe('demand with the look-ahead', () => {
  it('runs just under the mean load while the backlog stays within budget, and adds a node before it would not', () => {
    // 4/s of 4.5 s: 18 busy slots on 2 nodes of 8. The queue absorbs the difference:
    const calm = estimateDemand(workload(), policy, 1000, T);
    expect(calm).toMatchObject({ nodesUp: 2, nodes: 2 });
    // A backlog building up that two nodes would never clear, past half the budget by the
    // time a node asked for now is there: that node is needed.
    expect(estimateDemand(workload({ queued: 60 }), policy, 1000, T)).toMatchObject({ nodesUp: 3, nodes: 3 });
    // Enough backlog that a node asked for now is needed when it arrives.
    expect(estimateDemand(workload({ queued: 120 }), policy, 1000, T).nodesUp).toBe(3);
  });

  it('clears a burst in time for its target when the cold start leaves room, and gives up on it when not', () => {
    // 1000 queued on one ready node of 8 slots, S = 2 s, cold start 60 s: 760 still wait
    // when new nodes come. Target 90 s leaves 28 s of the 88 s wait budget after the cold
    // start, so they must clear within the steady allowance (44 s): 760 · 2 / 44 = 34.5
    // slots, 5 nodes. Target 50 s cannot be met by any fleet: one more cold start (60 s)
    // to clear is enough, 760 · 2 / 60 = 25.3 slots, 4 nodes.
    const burst = (latencyTargetMs: number) =>
      estimateDemand(
        workload({ queued: 1000, inFlight: 0, arrivalRateShort: 0, arrivalRateLong: 0, serviceTimeMs: 2000, nodes: [node('a', { inFlight: 0 })] }),
        { ...policy, latencyTargetMs },
        1000,
        T,
      ).nodesUp;
    expect(burst(90_000)).toBe(5);
    expect(burst(50_000)).toBe(4);
  });

  it('grows a running fleet at most twofold on an assumed service time, until a task completes', () => {
    const burst = (over: Partial<WorkloadObservation>) => estimateDemand(workload({ queued: 2000, arrivalRateShort: 300, arrivalRateLong: 30, ...over }), policy, 1000, T).nodesUp;
    // Two ready nodes running tasks, nothing measured yet: at most four.
    expect(burst({ serviceTimeMs: undefined })).toBe(4);
    // The same burst once a completion measured 4.5 s: sized by the projection.
    expect(burst({})).toBeGreaterThan(4);
    // No node ready: the guess is all there is, and it starts a fleet.
    expect(burst({ serviceTimeMs: undefined, inFlight: 0, nodes: [] })).toBeGreaterThan(4);
  });

  it('takes no trend from a long rate that is still filling its window', () => {
    const NO_BUDGET = { maxPerHour: undefined, total: undefined, hourlyRate: 0, committed: 0, workloads: {} };
    // Steady 4/s since the workload was declared 40 s ago: the 60 s window reads 40/60 of
    // it, then more each tick. That rise is the window filling, not demand growing.
    let memory = INITIAL_MEMORY;
    for (let t = 0; t <= 40_000; t += 10_000) {
      const observed = workload({ arrivalRateLong: (4 * t) / 60_000, observedForMs: t, memory });
      memory = plan({ now: T + t, tickMs: 1000, workloads: [observed] }, { w: policy }, [makeOffer()], NO_BUDGET).workloads[0]!.memory;
    }
    expect(memory.rates ?? []).toEqual([]);
    // Once the window holds a whole minute of arrivals (first seen at 10 s), samples are kept.
    const tickAt = (t: number, over: Partial<WorkloadObservation>) =>
      plan({ now: T + t, tickMs: 1000, workloads: [workload({ observedForMs: t, memory, ...over })] }, { w: policy }, [makeOffer()], NO_BUDGET).workloads[0]!.memory;
    expect(tickAt(60_000, {}).rates ?? []).toEqual([]);
    memory = tickAt(70_000, {});
    expect(memory.rates).toHaveLength(1);
    // A minute without arrivals ends the count: the next ones fill the window again, and
    // what they show in the meantime (a climb from nothing) is no trend either.
    memory = tickAt(200_000, { arrivalRateLong: 0, arrivalRateShort: 0, queued: 0, inFlight: 0 });
    expect(memory.rates).toBeUndefined();
    for (let t = 210_000; t <= 260_000; t += 10_000) memory = tickAt(t, { arrivalRateLong: (4 * (t - 200_000)) / 60_000 });
    expect(memory.rates ?? []).toEqual([]);
    expect(tickAt(270_000, {}).rates).toHaveLength(1);
  });

  it('sizes for the rate the new nodes will meet when arrivals are rising', () => {
    const rising = { ...INITIAL_MEMORY, rates: [0, 1, 2, 3, 4, 5, 6].map((k) => ({ at: T - 60_000 + k * 10_000, rate: 2 + k })) };
    const flat = estimateDemand(workload(), policy, 1000, T);
    const up = estimateDemand(workload({ memory: rising }), policy, 1000, T);
    expect(up.nodesUp).toBeGreaterThan(flat.nodesUp);
  });

  it('carries a trend forward no further than it was seen', () => {
    // The long rate rose from 4/s to 6/s over the last 30 s. New nodes arrive after a
    // 300 s cold start, 330 s past the long window's centre: carried that far, the slope
    // would predict 26/s. Seen over 30 s only, it adds what it added then: 2/s, so 8/s.
    const rising = { ...INITIAL_MEMORY, rates: [0, 1, 2, 3].map((k) => ({ at: T - 30_000 + k * 10_000, rate: 4 + (2 * k) / 3 })) };
    const observed = workload({ arrivalRateShort: 6, arrivalRateLong: 6, serviceTimeMs: 1000, inFlight: 6, coldStartMs: 300_000, memory: rising });
    const demand = estimateDemand(observed, { ...policy, latencyTargetMs: 400_000 }, 1000, T);
    // 8/s of 1 s: 8 busy slots and a few for randomness; 26/s would need over 26.
    expect(demand.arrivalSlots).toBeGreaterThanOrEqual(9);
    expect(demand.arrivalSlots).toBeLessThan(12);
  });
});

describe('scaling down with the look-ahead', () => {
  const offer = makeOffer({ billingIncrementSec: 1, minLeaseSec: 0 });
  const observe = (w: WorkloadObservation, now = T) => plan({ now, tickMs: 1000, workloads: [w] }, { w: policy }, [offer], { maxPerHour: undefined, total: undefined, hourlyRate: 0, committed: 0, workloads: {} }).workloads[0]!;

  it('gives nothing back while a node is still in its cold start', () => {
    const nodes = [node('a', { inFlight: 0 }), node('b', { inFlight: 0 }), node('p', { state: 'provisioning', inFlight: 0, requestedAt: T - 30_000 })];
    const memory = { ...INITIAL_MEMORY, lowDemandSince: T - 60_000 };
    const d = observe(workload({ inFlight: 0, arrivalRateShort: 0, arrivalRateLong: 0, nodes, memory }));
    expect(d.drain).toEqual([]);
    expect(d.reason.step).toMatchObject({ kind: 'hold', provisioning: 1 });
  });

  it('with tasks waiting, drains a node that is not ready before one that serves', () => {
    const nodes = [node('a'), node('b'), node('c'), node('p', { state: 'provisioning', inFlight: 0, requestedAt: T - 5_000 })];
    const memory = { ...INITIAL_MEMORY, lowDemandSince: T - 60_000, recentDesired: [] };
    const d = plan(
      { now: T, tickMs: 1000, workloads: [workload({ queued: 1, inFlight: 24, arrivalRateShort: 1, arrivalRateLong: 1, nodes, memory })] },
      { w: { ...policy, maxNodes: 3 } },
      [offer],
      { maxPerHour: undefined, total: undefined, hourlyRate: 0, committed: 0, workloads: {} },
    ).workloads[0]!;
    // Above maxNodes by one: the provisioning node goes, not a ready one.
    expect(d.drain).toEqual(['p']);
  });
});
