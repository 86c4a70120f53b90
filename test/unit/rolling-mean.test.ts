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

  it('reads a quantile of the window, only once it holds its floor of samples', () => {
    const w = new RollingMean(1000, { minSamples: 200 });
    for (const v of shuffled(Array.from({ length: 199 }, (_, i) => i + 1))) w.record(v);
    // 199 samples: the slowest 1 % is two of them, not a tail.
    expect(w.quantile(0.99)).toBeUndefined();
    w.record(200);
    expect(w.quantile(0.99)).toBe(199); // nearest rank: the 199th smallest of 1..200
    expect(w.quantile(0)).toBe(1);
    expect(w.quantile(1)).toBe(200);
    // Read from the same sort as the spread, refreshed as it is.
    expect(w.spread(2)).toEqual([51, 151]);
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

describe('RollingMean over time', () => {
  it('holds every sample of the horizon (up to its capacity), and never fewer than the latest few', () => {
    const w = new RollingMean(6, { minSamples: 2, horizonMs: 10 });
    for (const [v, at] of [[1, 0], [2, 5], [3, 8], [4, 9]] as const) w.record(v, at);
    expect(w.size).toBe(4); // all within 10 ms of the latest (9)
    expect(w.value).toBe(2.5);
    w.record(10, 16); // 0 and 5 are now more than 10 ms old
    expect(w.size).toBe(3);
    expect(w.value).toBeCloseTo((3 + 4 + 10) / 3, 12);
    w.record(20, 100); // after a quiet spell: nothing ages until the new traffic has run a horizon
    expect(w.size).toBe(4);
    w.record(5, 110); // it has: the old ones go, the latest two stay
    expect(w.size).toBe(2);
    expect(w.value).toBe(12.5);
    for (let i = 1; i <= 10; i++) w.record(7, 110 + i); // the capacity caps a busy horizon
    expect(w.size).toBe(6);
    expect(w.value).toBe(7);
  });

  it('keeps the running sum exact over many turnovers', () => {
    const w = new RollingMean(16, { minSamples: 4, horizonMs: 50 });
    for (let i = 0; i < 5000; i++) w.record(((i * 7919) % 1000) / 7 + 0.1, i);
    // At one sample per ms every one of the last 16 is within the 50 ms horizon.
    const last16 = Array.from({ length: 16 }, (_, k) => ((4984 + k) * 7919 % 1000) / 7 + 0.1);
    expect(w.value).toBeCloseTo(last16.reduce((a, b) => a + b, 0) / 16, 9);
  });
});

describe('RollingMean dated by task start', () => {
  it('keeps a burst when its longest tasks end last, after the traffic stopped', () => {
    // 100 tasks of 1 s start one a second; 10 of 100 s start at 95 s and end last, at 195 s.
    const w = new RollingMean(4096, { minSamples: 4, horizonMs: 60_000 });
    for (let s = 0; s < 100; s++) w.record(1000, s * 1000);
    for (let k = 0; k < 10; k++) w.record(100_000, 95_000);
    // Dated by start, the last minute of starts (39..99 s) is all of them since then: 61 short
    // and 10 long. Dated by end, the stragglers alone would be the last minute.
    expect(w.size).toBe(71);
    expect(w.value).toBeCloseTo((61 * 1000 + 10 * 100_000) / 71, 6);
  });
});

describe('RollingMean after a quiet spell', () => {
  it('keeps what it knew until the new traffic has run a horizon (its first tasks to end are its shortest)', () => {
    const w = new RollingMean(4096, { minSamples: 8, horizonMs: 60_000 });
    // A burst: 1 s and 9 s tasks alternate, one a second for 100 s.
    for (let s = 0; s < 100; s++) w.record(s % 2 === 0 ? 1000 : 9000, s * 1000);
    // Started in its last minute (39..99 s): 30 short, 31 long.
    expect(w.value).toBeCloseTo((30 * 1000 + 31 * 9000) / 61, 6);
    // Quiet, then a new burst of the same tasks: the short ones end first.
    for (let s = 0; s < 20; s++) w.record(1000, 600_000 + s * 1000);
    expect(w.value!).toBeGreaterThan(3000); // still held up by what came before
    // A horizon into the new traffic, with its long tasks ending too: the old samples are gone.
    for (let s = 20; s < 130; s++) w.record(s % 2 === 0 ? 1000 : 9000, 600_000 + s * 1000);
    // Started in the last minute (669..729 s): 30 short, 31 long.
    expect(w.size).toBe(61);
    expect(w.value).toBeCloseTo((30 * 1000 + 31 * 9000) / 61, 6);
  });
});
