/**
 * The `simulate` command end to end on the committed fixture: the table, the JSON
 * rows, a self-contained HTML page with charts, determinism by seed, and
 * one-line errors for bad input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ComputeError } from '../../src/errors.js';
import { parseBaselines, runSimulate } from '../../src/cli/simulate-run.js';
import { renderJson } from '../../src/sim/report/json.js';
import { simulate } from '../../src/sim/simulate.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('sim-report');
const azure = new URL('../fixtures/traces/azure-conv-5min.csv', import.meta.url).pathname;

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: { write: (t: string) => out.push(t) }, stderr: { isTTY: false, write: (t: string) => err.push(t) } } };
}

describe('simulate command', () => {
  it('prints the settings and a row per policy, and writes JSON and HTML reports', async () => {
    const { out, err, io: sink } = io();
    const json = join(dir, 'out.json');
    const html = join(dir, 'out.html');
    const code = await runSimulate({ trace: azure, baselines: 'all', json, html, seed: 1 }, sink);
    expect(code).toBe(0);
    const text = out.join('');
    for (const label of ['cold start', 'slots per node', 'latency target', 'price', 'service time']) expect(text).toContain(label);
    for (const name of ['adaptive (ours)', 'static-peak', 'fixed-reserved', 'hpa', 'kpa', 'ray-serve', 'keda', 'skyserve', 'lower bound']) expect(text).toContain(name);
    expect(err.join('')).toBe(''); // no progress bar when stderr is not a terminal
    // It says where the reports went.
    const wrote = text.split('\n').filter((l) => l.startsWith('wrote '));
    expect(wrote.map((l) => l.slice('wrote '.length))).toEqual([json, html]);

    const doc = JSON.parse(readFileSync(json, 'utf8')) as { policies: Array<Record<string, unknown>>; lowerBound: { cost: number } };
    expect(doc.policies.map((p) => p.policy)).toEqual(['adaptive', 'static-peak', 'fixed-reserved', 'hpa', 'kpa', 'ray-serve', 'keda', 'skyserve']);
    for (const row of doc.policies) {
      for (const key of ['cost', 'sloAttainment', 'p95Ms', 'nodeSeconds']) expect(typeof row[key], key).toBe('number');
    }
    expect(doc.lowerBound.cost).toBeGreaterThan(0);

    const page = readFileSync(html, 'utf8');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect((page.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(3);
    // Self-contained: nothing is fetched.
    expect(page).not.toMatch(/<script|<link|src="http|href="http/);
  });

  it('gives the same report for the same seed', async () => {
    const a = await simulate({ trace: azure, seed: 3 });
    const b = await simulate({ trace: azure, seed: 3 });
    expect(renderJson(a.report)).toBe(renderJson(b.report));
  });

  it('applies policy.json overrides and says where they came from', async () => {
    const policy = join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ latencyTargetMs: 40_000, coldStartSec: 30, concurrencyPerNode: 4 }));
    const { out, io: sink } = io();
    await runSimulate({ trace: azure, baselines: 'none', policy, seed: 1 }, sink);
    const text = out.join('');
    expect(text).toMatch(/latency target\s+40000 ms/);
    expect(text).toMatch(/cold start\s+30 s\s+\(from policy\.json\)/);
    expect(text).toMatch(/slots per node\s+4\s+\(from policy\.json\)/);
  });

  it('rejects bad input with one-line errors', async () => {
    const { io: sink } = io();
    const bad = join(dir, 'bad-policy.json');
    writeFileSync(bad, JSON.stringify({ coldStart: 30 }));
    await expect(runSimulate({ trace: azure, baselines: 'all', policy: bad, seed: 1 }, sink)).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/bad-policy\.json: .*coldStart/) });
    await expect(runSimulate({ trace: join(dir, 'missing.csv'), baselines: 'all', seed: 1 }, sink)).rejects.toMatchObject({ code: 'TRACE_INVALID', message: expect.stringMatching(/missing\.csv: no such file/) });
    const badColumn = join(dir, 'cols.csv');
    writeFileSync(badColumn, 'timestamp_s,service_ms\n1,fast\n');
    const error = await runSimulate({ trace: badColumn, baselines: 'all', seed: 1 }, sink).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComputeError);
    expect((error as Error).message).toMatch(/cols\.csv:2: service_ms: not a number/);
    expect(() => parseBaselines('hpa,nope')).toThrow(/unknown baseline "nope"/);
    expect(parseBaselines('kpa, hpa,kpa')).toEqual(['kpa', 'hpa']);
    expect(parseBaselines('none')).toEqual([]);
  });
});
