/**
 * Bursty arrivals: the per-second counts' dispersion (metrics/rate-meter.ts), the
 * Allen–Cunneen stretch of M/M/k waits it gives (controller/mmk-tail.ts), and the
 * headroom the planner keeps for it (controller/demand.ts).
 */
import { describe, expect, it } from 'vitest';
import { estimateDemand } from '../../src/controller/demand.js';
import { arrivalVariability, slotsForLatency } from '../../src/controller/mmk-tail.js';
import { INITIAL_MEMORY, type WorkloadObservation } from '../../src/controller/observation.js';
import { RateMeter } from '../../src/metrics/rate-meter.js';
import { makePolicy } from './planner-driver.js';

describe('the dispersion of arrival counts', () => {
  it('is 0 for a constant count, near 1 for Poisson arrivals, large for bursts, and unknown without arrivals', () => {
    const even = new RateMeter(60);
    for (let s = 0; s < 60; s++) for (let k = 0; k < 3; k++) even.record(s * 1000 + k * 300);
    expect(even.dispersion(60_000, 60)).toBeCloseTo(0, 9);

    // Poisson at 3/s, seeded (a Park–Miller generator).
    let seed = 7;
    const next = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const poisson = new RateMeter(60);
    for (let t = 0; t < 60_000; t += (-Math.log(next()) / 3) * 1000) poisson.record(t);
    const d = poisson.dispersion(60_000, 60)!;
    expect(d).toBeGreaterThan(0.5);
    expect(d).toBeLessThan(1.6);

    // The same 180 arrivals as 30 at once every 10 s: variance 30²·(1/10) - 3² = 81 over a mean of 3.
    const bursts = new RateMeter(60);
    for (let s = 0; s < 60; s += 10) bursts.record(s * 1000 + 500, 30);
    expect(bursts.dispersion(60_000, 60)).toBeGreaterThan(20);

    expect(new RateMeter(60).dispersion(60_000, 60)).toBeUndefined();
  });
});

describe('the Allen–Cunneen stretch', () => {
  it('is (ca² + cs²) / 2, never below the Poisson tail', () => {
    expect(arrivalVariability(undefined, undefined)).toBe(1);
    expect(arrivalVariability(9, undefined)).toBe(5);
    // Equal service times (cs² = 0) and Poisson arrivals would read 0.5: held at 1.
    expect(arrivalVariability(1, [2000, 2000, 2000])).toBe(1);
    // Service times 1 s and 3 s in equal shares: mean 2 s, variance 1 s², cs² = 1/4.
    expect(arrivalVariability(7, [1000, 3000])).toBeCloseTo((7 + 0.25) / 2, 9);
    expect(arrivalVariability(Number.NaN, undefined)).toBe(1);
  });

  it('asks for more slots at the same load as the waits stretch', () => {
    const poisson = slotsForLatency(20, 10_000, 2000, 1000);
    const bursty = slotsForLatency(20, 10_000 / arrivalVariability(9, undefined), 2000, 1000);
    expect(bursty).toBeGreaterThan(poisson);
  });
});

describe('demand for bursty arrivals', () => {
  it('keeps more headroom for a stream whose counts burst than for a Poisson one at the same rate', () => {
    const policy = makePolicy({ maxNodes: 100, latencyTargetMs: 20_000, concurrencyPerNode: 8, scaleDownDelayMs: 10_000 });
    const observation = (arrivalDispersion: number | undefined): WorkloadObservation => ({
      name: 'w',
      queued: 0,
      inFlight: 40,
      arrivalRateShort: 10,
      arrivalRateLong: 10,
      arrivalDispersion,
      serviceTimeMs: 4000,
      oldestQueuedMs: 0,
      coldStartMs: 60_000,
      observedForMs: 3_600_000,
      nodes: [],
      paused: false,
      memory: INITIAL_MEMORY,
    });
    const calm = estimateDemand(observation(1), policy, 1000, 10_000_000);
    const unmeasured = estimateDemand(observation(undefined), policy, 1000, 10_000_000);
    const bursty = estimateDemand(observation(12), policy, 1000, 10_000_000);
    expect(unmeasured.arrivalSlots).toBe(calm.arrivalSlots);
    expect(bursty.arrivalSlots).toBeGreaterThan(calm.arrivalSlots);
    expect(bursty.nodes).toBeGreaterThanOrEqual(calm.nodes);
  });
});
