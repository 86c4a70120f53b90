/**
 * The spot market: the SkyPilot series replay (availability and preemptions at its
 * drops), the seeded rate model, and spot capacity used by our policy and SkyServe.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpotSchema } from '../../src/sim/config.js';
import { spotTimeline } from '../../src/sim/spot.js';
import { simulate } from '../../src/sim/simulate.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('sim-spot');

describe('spot market', () => {
  it('replays a SkyPilot series: obtainable while above zero, a fall preempts its share', async () => {
    const path = join(dir, 'series.json');
    writeFileSync(path, JSON.stringify({ metadata: { gap_seconds: 60 }, data: [4, 4, 2, 0, 0, 3] }));
    const t = await spotTimeline(SpotSchema.parse({ trace: path }), 5 * 60_000, 1);
    expect(t.initiallyAvailable).toBe(true);
    expect(t.hazardPerMs).toBe(0);
    expect(t.events).toEqual([
      { at: 120_000, available: true, preempt: 0.5 },
      { at: 180_000, available: false, preempt: 1 },
      { at: 300_000, available: true, preempt: 0 },
    ]);
  });

  it('draws the rate model from the seed', async () => {
    const spot = SpotSchema.parse({});
    const a = await spotTimeline(spot, 48 * 3_600_000, 5);
    const b = await spotTimeline(spot, 48 * 3_600_000, 5);
    expect(a.events).toEqual(b.events);
    expect(a.events.length).toBeGreaterThan(0);
    // Per-node rate while obtainable: 0.468 − 1 / 3.34 per hour.
    expect(a.hazardPerMs * 3_600_000).toBeCloseTo(0.468 - 1 / 3.34, 9);
  });

  it('lets our policy and SkyServe rent spot, and bounds them at the spot price', async () => {
    const azure = new URL('../fixtures/traces/azure-conv-5min.csv', import.meta.url).pathname;
    const spotPolicy = join(dir, 'spot.json');
    const plainPolicy = join(dir, 'plain.json');
    // No warm start, so that every node is rented during the run (warm nodes are on-demand).
    writeFileSync(spotPolicy, JSON.stringify({ spot: {}, warmStart: false }));
    writeFileSync(plainPolicy, JSON.stringify({ warmStart: false }));
    const withSpot = await simulate({ trace: azure, policy: spotPolicy, baselines: ['skyserve'], seed: 2 });
    const without = await simulate({ trace: azure, policy: plainPolicy, baselines: ['skyserve'], seed: 2 });
    const ours = withSpot.report.results[0]!;
    expect(ours.cost).toBeLessThan(without.report.results[0]!.cost);
    expect(withSpot.report.results[1]!.cost).toBeLessThan(without.report.results[1]!.cost);
    // The bound uses the cheapest price any policy can rent at: 30 % of on-demand.
    expect(withSpot.report.lowerBound.cost).toBeCloseTo(without.report.lowerBound.cost * 0.3, 9);
  });
});
