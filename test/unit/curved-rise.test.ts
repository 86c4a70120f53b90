/**
 * The rise out of a trough (controller/trend.ts `curvedRise`): where the ten-minute
 * line is flat, the parabola through the same samples sees the rate turn up; on a
 * steady stream it reads its Poisson noise as no rise at all.
 */
import { describe, expect, it } from 'vitest';
import { curvedRise, rateSlope, type RateSample } from '../../src/controller/trend.js';
import { CURVE_SIGMAS } from '../../src/controller/rent-evidence.js';

/** Samples every 10 s over ten minutes, ending `endSec` after the bottom of a 30 ± 18/s swing (period 2π·600 s). */
function swing(endSec: number): RateSample[] {
  const samples: RateSample[] = [];
  for (let t = endSec - 600; t <= endSec; t += 10) samples.push({ at: t * 1000, rate: 30 - 18 * Math.cos(t / 600) });
  return samples;
}

/** A seeded Poisson stream's long-window (60 s) rate, sampled every 10 s over ten minutes. */
function poissonSamples(rate: number, seed: number): RateSample[] {
  let state = seed;
  const uniform = (): number => (state = (state * 16807) % 2147483647) / 2147483647;
  const arrivals: number[] = [];
  for (let t = 0; t < 660; ) {
    t += -Math.log(1 - uniform()) / rate;
    arrivals.push(t);
  }
  const samples: RateSample[] = [];
  for (let at = 70; at <= 660; at += 10) samples.push({ at: at * 1000, rate: arrivals.filter((a) => a > at - 60 && a <= at).length / 60 });
  return samples;
}

describe('curved rise', () => {
  it('sees the way out of a trough that the ten-minute line misses', () => {
    // Two minutes past the bottom the line through ten minutes still falls.
    expect(rateSlope(swing(120))).toBeLessThan(0);
    const rises = [180, 300].map((end) => curvedRise(swing(end), 210_000, CURVE_SIGMAS));
    expect(rises[0]).toBeGreaterThan(0);
    // It grows as the rise does, and never predicts more than the parabola itself.
    expect(rises[1]).toBeGreaterThan(rises[0]!);
    for (const end of [120, 180, 300]) expect(curvedRise(swing(end), 210_000, CURVE_SIGMAS)).toBeLessThanOrEqual(curvedRise(swing(end), 210_000, 0));
    // With no noise deducted, close to the true rise over the next 210 s.
    const truth = 30 - 18 * Math.cos((300 + 210) / 600) - (30 - 18 * Math.cos(300 / 600));
    expect(curvedRise(swing(300), 210_000, 0)).toBeGreaterThan(truth * 0.8);
    expect(curvedRise(swing(300), 210_000, 0)).toBeLessThan(truth * 1.2);
  });

  it('reads no rise going into a trough, nor at the top of a swing', () => {
    expect(curvedRise(swing(-120), 210_000, CURVE_SIGMAS)).toBe(0);
    const top = swing(300).map((s) => ({ at: s.at, rate: 60 - s.rate }));
    expect(curvedRise(top, 210_000, CURVE_SIGMAS)).toBe(0);
  });

  it('reads a steady Poisson stream as no rise nearly always, and a wider noise for a stream that clumps', () => {
    let rises = 0;
    for (let seed = 1; seed <= 200; seed++) if (curvedRise(poissonSamples(10, seed), 210_000, CURVE_SIGMAS) > 0) rises++;
    expect(rises).toBeLessThanOrEqual(3);
    // Fewer than 3 standard errors would read one several times as often.
    let loose = 0;
    for (let seed = 1; seed <= 200; seed++) if (curvedRise(poissonSamples(10, seed), 210_000, 1) > 0) loose++;
    expect(loose).toBeGreaterThan(rises);
    // The same samples read as a bursty stream's: the noise is wider, the rise smaller.
    const samples = swing(300);
    expect(curvedRise(samples, 210_000, CURVE_SIGMAS, 9)).toBeLessThan(curvedRise(samples, 210_000, CURVE_SIGMAS, 1));
  });

  it('says nothing over less than two minutes of samples', () => {
    expect(curvedRise(swing(300).slice(-10), 210_000, 0)).toBe(0);
    expect(curvedRise(undefined, 210_000, 0)).toBe(0);
  });
});
