/**
 * The service-time window the planner reads: its mean over the last N samples, and
 * its spread in equal shares, refreshed once the window has turned over.
 */
import { describe, expect, it } from 'vitest';
import { RollingMean } from '../../src/metrics/rolling-mean.js';

function shuffled(values: number[]): number[] {
  // A fixed permutation: order must not matter.
  return values.map((v, i) => [((i * 37) % values.length), v] as const).sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

describe('RollingMean', () => {
  it('keeps the mean of the last N samples', () => {
    const w = new RollingMean(4);
    expect(w.value).toBeUndefined();
    for (const v of [10, 20, 30, 40, 50]) w.record(v);
    expect(w.value).toBe(35); // 20..50
  });

  it('gives the spread as the middle sample of each equal share, ascending', () => {
    const w = new RollingMean(100);
    expect(w.spread(20)).toBeUndefined();
    for (const v of shuffled(Array.from({ length: 100 }, (_, i) => i + 1))) w.record(v);
    // Shares of 5 samples: the 3rd, 8th, ..., 98th smallest.
    expect(w.spread(20)).toEqual(Array.from({ length: 20 }, (_, j) => 5 * j + 3));
    expect(w.spread(4)).toEqual([13, 38, 63, 88]);
  });

  it('refreshes the spread once the window has turned over, at each doubling while it fills', () => {
    const w = new RollingMean(8);
    w.record(1);
    expect(w.spread(2)).toEqual([1, 1]);
    w.record(9);
    expect(w.spread(2)).toEqual([1, 9]); // 2 samples: a doubling
    w.record(5);
    expect(w.spread(2)).toEqual([1, 9]); // 3: not yet
    w.record(7);
    expect(w.spread(2)).toEqual([5, 9]); // 4: [1, 5, 7, 9]
    for (let i = 0; i < 4; i++) w.record(100);
    expect(w.spread(2)).toEqual([7, 100]); // 8: [1, 5, 7, 9, 100 x4]
    for (let i = 0; i < 7; i++) w.record(200);
    expect(w.spread(2)).toEqual([7, 100]); // 7 of 8 replaced: still the last one
    w.record(200);
    expect(w.spread(2)).toEqual([200, 200]);
  });
});
