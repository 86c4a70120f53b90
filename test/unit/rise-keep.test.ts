/**
 * A fleet above demand keeps what a measured rise takes back within a cold start
 * (controller/rise-keep.ts), and says so; a flat stream gives the surplus back.
 */
import { describe, expect, it } from 'vitest';
import { estimateDemand } from '../../src/controller/demand.js';
import { INITIAL_MEMORY, type NodeView, type WorkloadObservation } from '../../src/controller/observation.js';
import { plan } from '../../src/controller/planner.js';
import { nodesForMeasuredRise, type RiseKeepInput } from '../../src/controller/rise-keep.js';
import { slotsForLatency } from '../../src/controller/mmk-tail.js';
import type { RateSample } from '../../src/controller/trend.js';
import { makeOffer, makePolicy } from './planner-driver.js';

const T = 10_000_000;

/** Ten minutes of samples every 10 s, from `from` to `to` arrivals/s in a straight line. */
function line(from: number, to: number): RateSample[] {
  const samples: RateSample[] = [];
  for (let t = T - 600_000; t <= T; t += 10_000) samples.push({ at: t, rate: from + ((to - from) * (t - (T - 600_000))) / 600_000 });
  return samples;
}

describe('nodes for a measured rise', () => {
  const base: RiseKeepInput = {
    samples: line(1.5, 2.5),
    longRate: 2.5,
    dispersion: 1,
    reachMs: 210_000,
    serviceMs: 3500,
    shareBudgetsMs: [26_500],
    missShare: 0.01,
    slotsPerNode: 1,
    maxSlots: 100,
  };

  it('sizes for the long rate plus the rise over the reach', () => {
    const keep = nodesForMeasuredRise(base);
    expect(keep).toBeDefined();
    // +1/s over ten minutes, read well out of its noise: most of 0.35/s over 210 s.
    expect(keep!.risePerSec).toBeGreaterThan(0.2);
    expect(keep!.risePerSec).toBeLessThanOrEqual(0.35 + 1e-9);
    const slots = slotsForLatency(((2.5 + keep!.risePerSec) / 1000) * 3500, [26_500], 3500, 100, 0.01);
    expect(keep!.nodes).toBe(slots);
    expect(keep!.nodes).toBeGreaterThan(slotsForLatency((2.5 / 1000) * 3500, [26_500], 3500, 100, 0.01));
  });

  it('measures no rise on a flat stream, a falling one, or one whose clumps hide it', () => {
    expect(nodesForMeasuredRise({ ...base, samples: line(2.5, 2.5) })).toBeUndefined();
    expect(nodesForMeasuredRise({ ...base, samples: line(3.5, 2.5) })).toBeUndefined();
    expect(nodesForMeasuredRise({ ...base, samples: line(2.3, 2.5) })).toBeUndefined();
    // The same +1/s read on a stream that clumps at 40 times the Poisson variance.
    expect(nodesForMeasuredRise({ ...base, dispersion: 40 })).toBeUndefined();
    expect(nodesForMeasuredRise({ ...base, samples: undefined })).toBeUndefined();
  });
});

describe('the planner with a measured rise', () => {
  const policy = makePolicy({ maxNodes: 30, latencyTargetMs: 30_000, concurrencyPerNode: 1, scaleDownDelayMs: 10_000 });
  const ready = (id: string): NodeView => ({ id, state: 'ready', inFlight: 1, pricePerHour: 2, requestedAt: T - 3_600_000, billingIncrementSec: 1, minLeaseSec: 60, interruptible: false });
  // Sixteen nodes after a burst; 2.5/s of 3.5 s now needs fewer. Low for 20 s, past the delay.
  const observation = (rates: RateSample[]): WorkloadObservation => ({
    name: 'w',
    queued: 0,
    inFlight: 9,
    arrivalRateShort: 2.5,
    arrivalRateLong: 2.5,
    serviceTimeMs: 3500,
    oldestQueuedMs: 0,
    coldStartMs: 180_000,
    observedForMs: 3_600_000,
    nodes: Array.from({ length: 16 }, (_, i) => ready(`n${i}`)),
    paused: false,
    memory: { ...INITIAL_MEMORY, rates, lowDemandSince: T - 20_000 },
  });
  const decide = (rates: RateSample[]) =>
    plan({ now: T, tickMs: 1000, workloads: [observation(rates)] }, { w: policy }, [makeOffer({ id: 'o', pricePerHour: 2 })], { maxPerHour: undefined, total: undefined, hourlyRate: 32, committed: 0, workloads: {} }).workloads[0]!;

  it('keeps the nodes the rise asks for again, never rents for it, and says why', () => {
    const flat = decide(line(2.5, 2.5));
    // +2/s over ten minutes: the planner's own two-minute trend carries a little over half
    // of the rise over the reach; the ten-minute line measures nearly all of it.
    const rising = decide(line(0.5, 2.5));
    const demand = estimateDemand(observation(line(0.5, 2.5)), policy, 1000, T);
    expect(demand.riseKeep).toBeDefined();
    const rise = demand.riseKeep!;
    expect(rise.nodes).toBeGreaterThan(rise.needsNow);
    expect(rise.nodes).toBeLessThanOrEqual(16);
    // The flat stream gives back more than the rising one.
    expect(flat.desired).toBeLessThan(rising.desired);
    expect(rising.desired).toBeGreaterThanOrEqual(rise.nodes);
    expect(rising.add).toHaveLength(0);
    expect(flat.reason.step).not.toHaveProperty('rise');
    const step = rising.reason.step as { rise?: { kind: string; nodes: number; needsNow: number; reachMs: number } };
    expect(step.rise).toMatchObject({ kind: 'rise-keep', nodes: rise.nodes, needsNow: rise.needsNow, reachMs: rise.reachMs });
  });
});
