/**
 * `--tune-baselines` and what every policy pays: each autoscaler also runs over a
 * grid of its target knob and floor, and the report adds its cheapest setting that
 * meets the SLO as `<baseline>-tuned`; every lease is paid until the policy lets it go
 * after the last request (plus billing), not until the last completion.
 */
import { describe, expect, it } from 'vitest';
import { TARGET_FACTORS, TUNABLE_BASELINES, tuningGrid } from '../../src/sim/baselines/tuning.js';
import { parseSimPolicy, type SimConfig } from '../../src/sim/config.js';
import { renderJson } from '../../src/sim/report/json.js';
import { runSimulation } from '../../src/sim/run.js';
import { TraceBuilder } from '../../src/sim/trace/builder.js';
import type { Trace } from '../../src/sim/trace/types.js';

/** Bursts of `perBurst` 2 s requests every `everyMs`, `bursts` times. */
function bursty(bursts: number, perBurst: number, everyMs: number): Trace {
  const b = new TraceBuilder();
  for (let k = 0; k < bursts; k++) for (let i = 0; i < perBurst; i++) b.add(k * everyMs + i * 250, 2000);
  return b.build({ name: 'bursty', path: '-', format: 'generic', serviceSource: 'trace' });
}

function config(over: Record<string, unknown> = {}): SimConfig {
  return { ...parseSimPolicy({ coldStartSec: 30, concurrencyPerNode: 2, ...over }), latencyTargetMs: 40_000, latencyTargetSource: 'test' };
}

describe('tuning grid', () => {
  it('covers 0.25x to 2x the target with floors 0 and 1, less the default point', () => {
    expect(TARGET_FACTORS[0]).toBe(0.25);
    expect(TARGET_FACTORS.at(-1)).toBe(2);
    const kpa = tuningGrid('kpa', 0);
    expect(kpa).toHaveLength(TARGET_FACTORS.length * 2 - 1);
    expect(kpa).not.toContainEqual({ targetFactor: 1, minNodes: 0 });
    expect(kpa).toContainEqual({ targetFactor: 1, minNodes: 1 });
    // HPA's floor is one replica either way.
    expect(new Set(tuningGrid('hpa', 0).map((t) => t.minNodes))).toEqual(new Set([1]));
    // A policy floor above 1 is kept.
    expect(new Set(tuningGrid('keda', 3).map((t) => t.minNodes))).toEqual(new Set([3]));
  });
});

describe('--tune-baselines', () => {
  it('adds a <baseline>-tuned row per autoscaler: the cheapest grid point that met the SLO', async () => {
    const report = await runSimulation(bursty(6, 40, 300_000), config(), { baselines: ['fixed-reserved', ...TUNABLE_BASELINES], seed: 1, tuneBaselines: true });
    const rows = new Map(report.results.map((r) => [r.policy, r]));
    expect(report.results.filter((r) => !r.tuned).map((r) => r.policy)).toEqual(['adaptive', 'fixed-reserved', ...TUNABLE_BASELINES]);
    for (const name of TUNABLE_BASELINES) {
      const tuned = rows.get(`${name}-tuned`)!;
      const grid = report.tuning[name]!;
      expect(tuned.tuned).toBe(true);
      expect(grid).toHaveLength(1 + tuningGrid(name, 0).length);
      // The default run is one of the candidates.
      expect(grid[0]!.setting?.targetFactor).toBe(1);
      expect(tuned.setting).toBeDefined();
      expect(grid.map((g) => g.setting)).toContainEqual(tuned.setting);
      const meeting = grid.filter((g) => g.sloAttainment >= 0.99);
      expect(tuned.meetsSlo).toBe(meeting.length > 0);
      if (meeting.length > 0) {
        expect(tuned.cost).toBe(Math.min(...meeting.map((g) => g.cost)));
        expect(tuned.cost).toBeLessThanOrEqual(rows.get(name)!.meetsSlo ? rows.get(name)!.cost : Infinity);
      }
    }
    // The fixed fleets have no knob: no tuned row.
    expect(rows.has('fixed-reserved-tuned')).toBe(false);
    const doc = JSON.parse(renderJson(report)) as { policies: Array<{ policy: string; tuned: boolean; meetsSlo: boolean; setting?: { knob: string; minNodes: number } }> };
    const hpaTuned = doc.policies.find((p) => p.policy === 'hpa-tuned')!;
    expect(hpaTuned.tuned).toBe(true);
    expect(typeof hpaTuned.setting?.knob).toBe('string');
    expect(doc.policies.find((p) => p.policy === 'adaptive')!.tuned).toBe(false);
  });

  it('holds the tuned rows to the policy file sloTarget', async () => {
    const trace = bursty(4, 30, 240_000);
    const strict = await runSimulation(trace, config({ sloTarget: 1 }), { baselines: ['kpa'], seed: 1, tuneBaselines: true });
    for (const r of [...strict.results, ...strict.tuning['kpa']!]) expect(r.meetsSlo).toBe(r.sloAttainment >= 1);
  });
});

describe('what a policy pays after the last request', () => {
  it('each lease until the policy lets it go; a fixed fleet until the last completion', async () => {
    // One burst at the start, then nothing: KEDA keeps its nodes for its 300 s cooldown
    // after the queue empties, and pays for that; the fixed fleet holds its nodes for good
    // and pays until the trace's last completion.
    const trace = bursty(1, 40, 1);
    const report = await runSimulation(trace, config(), { baselines: ['fixed-reserved', 'keda'], seed: 1 });
    const lastArrivalSec = trace.arrivalMs[trace.count - 1]! / 1000;
    const keda = report.results.find((r) => r.policy === 'keda')!;
    const fixed = report.results.find((r) => r.policy === 'fixed-reserved')!;
    expect(keda.sloAttainment).toBe(1);
    // Its first node stays at least the cooldown past the last request.
    expect(keda.nodeSeconds).toBeGreaterThan(lastArrivalSec + 300);
    // The fixed fleet: one node, from 0 to the last completion (within a service time).
    expect(fixed.nodeSeconds).toBeGreaterThanOrEqual(lastArrivalSec);
    expect(fixed.nodeSeconds).toBeLessThan(lastArrivalSec + 60);
  });
});
