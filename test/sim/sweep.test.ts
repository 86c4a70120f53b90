/**
 * `--sweep`: one run per cell of a grid of latency targets and cold starts, a table
 * row per cell, a JSON block per cell, and an HTML chart of cost against latency
 * target per cold start. And the lower bound across such grids: in no cell is a
 * policy that met every target (tuned baselines included) billed below it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSimulate } from '../../src/cli/simulate-run.js';
import { BASELINE_NAMES } from '../../src/sim/baselines/index.js';
import { parseSimPolicy } from '../../src/sim/config.js';
import { Random } from '../../src/sim/random.js';
import { frontierRows, frontierStats, renderSweepMarkdown, type FrontierRow } from '../../src/sim/report/sweep-table.js';
import type { PolicyResult } from '../../src/sim/results.js';
import { parseSweep, runSweep, sweepConfigs } from '../../src/sim/sweep.js';
import { TraceBuilder } from '../../src/sim/trace/builder.js';
import type { Trace } from '../../src/sim/trace/types.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('sim-sweep');
const azure = new URL('../fixtures/traces/azure-conv-5min.csv', import.meta.url).pathname;

function sink() {
  const out: string[] = [];
  return { out, io: { stdout: { write: (t: string) => out.push(t) }, stderr: { isTTY: false, write: () => true } } };
}

describe('--sweep values', () => {
  it('parses each key once or both joined, numbers or multiples of the p99 service time', () => {
    expect(parseSweep(['latencyTargetMs=2000,30000', 'coldStartSec=15,60'])).toEqual({ latencyTargetMs: [2000, 30_000], coldStartSec: [15, 60] });
    expect(parseSweep(['latencyTargetMs=2xp99,60000;coldStartSec=0'])).toEqual({ latencyTargetMs: [{ p99Multiple: 2 }, 60_000], coldStartSec: [0] });
  });

  it('names the key and the value it rejects', () => {
    expect(() => parseSweep(['latency=1'])).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('"latency"') }));
    expect(() => parseSweep(['latencyTargetMs=fast'])).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('"fast"') }));
    expect(() => parseSweep(['coldStartSec=-1'])).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('"-1"') }));
    expect(() => parseSweep(['coldStartSec='])).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('makes a cell per pair, cold start outer, with the target resolved against the trace', () => {
    const configs = sweepConfigs(parseSimPolicy({}), { latencyTargetMs: [{ p99Multiple: 2 }, 30_000], coldStartSec: [15, 180] }, 1500);
    expect(configs.map((c) => [c.coldStartSec, c.latencyTargetMs])).toEqual([
      [15, 3000],
      [15, 30_000],
      [180, 3000],
      [180, 30_000],
    ]);
  });
});

describe('simulate --sweep', () => {
  it('prints a row per cell and writes a JSON block per cell and a frontier chart per cold start', async () => {
    const { out, io } = sink();
    const json = join(dir, 'sweep.json');
    const html = join(dir, 'sweep.html');
    const code = await runSimulate({ trace: azure, baselines: 'kpa,keda', seed: 1, sweep: ['latencyTargetMs=2xp99,60000', 'coldStartSec=15,60'], tuneBaselines: true, json, html }, io);
    expect(code).toBe(0);
    const text = out.join('');
    expect(text.split('\n').filter((l) => /^(15|60) s /.test(l))).toHaveLength(4);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as {
      sweep: { latencyTargetMs: unknown[]; coldStartSec: number[] };
      trace: { p99ServiceMs: number };
      cells: Array<{ coldStartSec: number; latencyTargetMs: number; lowerBound: { cost: number }; policies: Array<{ policy: string; cost: number; sloAttainment: number; tuned: boolean }> }>;
    };
    expect(doc.sweep).toEqual({ latencyTargetMs: ['2xp99', 60_000], coldStartSec: [15, 60] });
    expect(doc.cells.map((c) => [c.coldStartSec, c.latencyTargetMs])).toEqual([
      [15, Math.ceil(2 * doc.trace.p99ServiceMs)],
      [15, 60_000],
      [60, Math.ceil(2 * doc.trace.p99ServiceMs)],
      [60, 60_000],
    ]);
    for (const cell of doc.cells) {
      expect(cell.policies.map((p) => p.policy)).toEqual(['adaptive', 'kpa', 'keda', 'kpa-tuned', 'keda-tuned']);
      expect(cell.lowerBound.cost).toBeGreaterThan(0);
    }
    const page = readFileSync(html, 'utf8');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect((page.match(/<svg/g) ?? []).length).toBe(2);
    // A dot per policy per cell, filled or hollow.
    expect((page.match(/<circle/g) ?? []).length).toBe(4 * 5);
    expect(page).not.toMatch(/<script|<link|src="http|href="http/);
  }, 30_000);

  it('renders the same rows as Markdown', async () => {
    const trace = bursts(new Random(3), 3);
    const sweep = await runSweep(trace, parseSimPolicy({ concurrencyPerNode: 2 }), { latencyTargetMs: [20_000, 90_000] }, { baselines: ['hpa'], seed: 1 });
    const md = renderSweepMarkdown(sweep).trim().split('\n');
    expect(md).toHaveLength(2 + 2);
    const rows = frontierRows(sweep);
    expect(rows.map((r) => r.latencyTargetMs)).toEqual([20_000, 90_000]);
    expect(md[2]).toContain(`| ${rows[0]!.coldStartSec} s |`);
  });
});

describe('frontier stats', () => {
  it('count where ours met the SLO, where it was cheapest, and its worst excess', () => {
    const r = (policy: string, cost: number, meetsSlo: boolean) => ({ policy, cost, meetsSlo }) as PolicyResult;
    const row = (ours: PolicyResult, other?: PolicyResult): FrontierRow => ({ coldStartSec: 15, latencyTargetMs: 30_000, lowerBound: 1, ours, cheapestOther: other, belowBound: [] });
    const stats = frontierStats([
      row(r('adaptive', 10, true), r('kpa', 12, true)), // cheapest
      row(r('adaptive', 11, true), r('kpa', 10, true)), // 10 % dearer
      row(r('adaptive', 5, false), r('hpa', 10, true)), // missed where another met
      row(r('adaptive', 3, true)), // the only one meeting
      row(r('adaptive', 3, false)), // nobody met
    ]);
    expect(stats).toEqual({ contested: 3, oursMetContested: 2, anyMet: 4, oursCheapest: 2, worstExcess: expect.closeTo(0.1, 9) });
  });
});

/** A few bursts of requests a few minutes apart, seeded. */
function bursts(rng: Random, count: number): Trace {
  const b = new TraceBuilder();
  let t = 0;
  for (let k = 0; k < count; k++) {
    const n = 1 + Math.floor(rng.next() * 12);
    for (let i = 0; i < n; i++) b.add(t + rng.next() * 20_000, 500 + rng.next() * 9500);
    t += 60_000 + rng.next() * 400_000;
  }
  return b.build({ name: 'bursts', path: '-', format: 'generic', serviceSource: 'trace' });
}

describe('lower bound across a sweep', () => {
  it('in no cell is a policy that met every target billed below it, tuned baselines included', async () => {
    let compared = 0;
    for (const seed of [1, 2, 3]) {
      const trace = bursts(new Random(seed), 5);
      const policy = parseSimPolicy({ concurrencyPerNode: 1 + (seed % 3), minLeaseSec: seed === 2 ? 0 : 60 });
      const sweep = await runSweep(trace, policy, { latencyTargetMs: [{ p99Multiple: 2 }, 30_000, 60_000, 300_000], coldStartSec: [0, 15, 60, 180] }, { baselines: BASELINE_NAMES, seed, tuneBaselines: true });
      for (const { report } of sweep.cells) {
        for (const r of [...report.results, ...Object.values(report.tuning).flat()]) {
          if (r.sloAttainment < 1 || r.unfinished > 0) continue;
          compared++;
          expect(report.lowerBound.cost, `${r.policy} paid ${r.cost}`).toBeLessThanOrEqual(r.cost + 1e-9);
        }
      }
      expect(frontierRows(sweep).every((row) => row.belowBound.length === 0)).toBe(true);
    }
    // Not vacuous: most runs met every target.
    expect(compared).toBeGreaterThan(1000);
  }, 60_000);
});
