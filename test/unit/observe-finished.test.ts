/**
 * What the fleet got through, as the observer reads it (controller/observe.ts): the
 * source's count of finished attempts over the long window, for the evidence test's
 * view of how fast a queue grows (controller/rent-evidence.ts).
 */
import { describe, expect, it } from 'vitest';
import { LONG_WINDOW_SEC, observe } from '../../src/controller/observe.js';
import { RateMeter } from '../../src/metrics/rate-meter.js';
import { quietSource } from './source-driver.js';

const T = 10_000_000;

describe('what the fleet finished, in the observation', () => {
  it('is the source’s count over the long window, per second', () => {
    const finished = new RateMeter(60);
    // 90 attempts ended over the last minute, 30 more before it.
    for (let i = 0; i < 30; i++) finished.record(T - 100_000 + i * 100);
    for (let i = 0; i < 90; i++) finished.record(T - 59_000 + i * 600);
    const windows: number[] = [];
    const w = observe(quietSource({ completionRate: (now, windowSec) => (windows.push(windowSec), finished.rate(now, windowSec)) }), T);
    expect(windows).toEqual([LONG_WINDOW_SEC]);
    expect(w.completionRateLong).toBeCloseTo(90 / 60, 1);
  });

  it('is absent for a source that does not count it', () => {
    expect(observe(quietSource({}), T).completionRateLong).toBeUndefined();
  });
});
