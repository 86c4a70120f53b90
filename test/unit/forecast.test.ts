/**
 * The rate forecast's record (forecast.ts) and what the planner does with it
 * (demand.ts): a forecast that has been right lets the backlog use more of the wait
 * budget; one that has been wrong, or no record yet, keeps half of it back.
 */
import { describe, expect, it } from 'vitest';
import { estimateDemand } from '../../src/controller/demand.js';
import { ERROR_MEMORY, FORECAST_EVERY_MS, PRIOR_ERROR, forecastError, trackForecast, type ForecastRecord } from '../../src/controller/forecast.js';
import { INITIAL_MEMORY, type WorkloadObservation } from '../../src/controller/observation.js';
import { makePolicy } from './planner-driver.js';

describe('forecast record', () => {
  it('starts from the prior, keeps forecasts until due, one per spacing', () => {
    const r1 = trackForecast(undefined, 0, 10, { due: 90_000, rate: 10 });
    expect(forecastError(r1)).toBeCloseTo(PRIOR_ERROR, 12);
    expect(r1.pending).toEqual([{ due: 90_000, rate: 10 }]);
    // Too soon after the last one: not added, and the record is the same object.
    const r2 = trackForecast(r1, 1000, 10, { due: 91_000, rate: 11 });
    expect(r2).toBe(r1);
    const r3 = trackForecast(r2, FORECAST_EVERY_MS, 10, { due: 90_000 + FORECAST_EVERY_MS, rate: 12 });
    expect(r3.pending.map((f) => f.rate)).toEqual([10, 12]);
  });

  it('scores a due forecast by how far the rate came in above it, weighed into the mean square', () => {
    const start: ForecastRecord = { pending: [{ due: 60_000, rate: 8 }], meanSquare: 0.04 };
    // Seen 10/s where 8/s was forecast: shortfall (10 - 8) / 10 = 0.2, squared 0.04; the mean stays.
    expect(forecastError(trackForecast(start, 60_000, 10, undefined))).toBeCloseTo(0.2, 12);
    // Seen 16/s: (16 - 8) / 16 = 0.5, squared 0.25, weighing 1/ERROR_MEMORY.
    const scored = trackForecast(start, 60_000, 16, undefined);
    expect(scored.meanSquare).toBeCloseTo(0.04 + (0.25 - 0.04) / ERROR_MEMORY, 12);
    expect(scored.pending).toEqual([]);
    // Seen 4/s: a forecast too high cost capacity, not waiting: scored as no shortfall.
    const over = trackForecast(start, 60_000, 4, undefined);
    expect(over.meanSquare).toBeCloseTo(0.04 - 0.04 / ERROR_MEMORY, 12);
    // Not due yet: kept, nothing scored, however long since the last one.
    expect(trackForecast(start, 59_999, 1000, undefined)).toBe(start);
    // Nothing forecast, one arrival a minute seen: a whole miss, not a division by zero.
    const idle = trackForecast({ pending: [{ due: 0, rate: 0 }], meanSquare: 0 }, 0, 1 / 60, undefined);
    expect(idle.meanSquare).toBeCloseTo(1 / ERROR_MEMORY, 12);
  });

  it('narrows over a calm stretch of many forecasts, and a miss widens it again', () => {
    let record: ForecastRecord | undefined;
    const calm = 6 * ERROR_MEMORY * FORECAST_EVERY_MS;
    for (let t = 0; t <= calm; t += FORECAST_EVERY_MS) record = trackForecast(record, t, 100, { due: t + 90_000, rate: 101 });
    expect(forecastError(record)).toBeLessThan(0.05);
    expect(forecastError(record)).toBeGreaterThan(0.005);
    // Three forecasts in a row off by half: past 0.15 at once.
    for (let k = 1; k <= 3; k++) record = trackForecast(record, calm + 90_000 + k * FORECAST_EVERY_MS, 200, undefined);
    expect(forecastError(record)).toBeGreaterThan(0.15);
  });
});

describe('the margin in the planner', () => {
  const policy = makePolicy({ maxNodes: 100, latencyTargetMs: 60_000, concurrencyPerNode: 8 });
  // 20/s of 2 s tasks (40 slots of load) on 5 ready nodes (40 slots), 900 queued: a
  // standing backlog of 900 · 2 s / 40 = 45 s of wait. The budget is 60 - 2 = 58 s:
  // half of it (29 s) does not allow that wait; all but a small margin does.
  const observe = (forecast?: ForecastRecord): WorkloadObservation => ({
    name: 'w',
    queued: 900,
    inFlight: 40,
    arrivalRateShort: 20,
    arrivalRateLong: 20,
    serviceTimeMs: 2000,
    oldestQueuedMs: 10_000,
    coldStartMs: 60_000,
    nodes: Array.from({ length: 5 }, (_, i) => ({ id: `n${i}`, state: 'ready' as const, inFlight: 8, pricePerHour: 2, requestedAt: 0, billingIncrementSec: 1, minLeaseSec: 60, interruptible: false })),
    paused: false,
    memory: forecast ? { ...INITIAL_MEMORY, forecast } : INITIAL_MEMORY,
  });

  it('holds back half the wait budget with no record, or a poor one', () => {
    const none = estimateDemand(observe(), policy, 1000, 0);
    const poor = estimateDemand(observe({ pending: [], meanSquare: 0.5 * 0.5 }), policy, 1000, 0);
    expect(poor.nodes).toBe(none.nodes);
    expect(poor.nodesUp).toBe(none.nodesUp);
  });

  it('lets a backlog use more of the budget when the forecast has been right', () => {
    const none = estimateDemand(observe(), policy, 1000, 0);
    const good = estimateDemand(observe({ pending: [], meanSquare: 0.02 * 0.02 }), policy, 1000, 0);
    expect(good.nodesUp).toBeLessThan(none.nodesUp);
    // Never below what the load itself needs (20/s of 2 s on 8 slots: 5 nodes).
    expect(good.nodes).toBeGreaterThanOrEqual(5);
  });
});
