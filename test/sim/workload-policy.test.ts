/**
 * `simulate --policy` with the SDK workload's own options as JSON: the scaling keys the
 * simulator models are read as the SDK reads them (its defaults included), the rest is
 * accepted and named as not modelled (never echoed: `env` holds secrets), and a key
 * given in both places is an error naming both.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ComputeError } from '../../src/errors.js';
import { runSimulate } from '../../src/cli/simulate-run.js';
import { parseSimPolicy } from '../../src/sim/config.js';
import { foldWorkloadShape } from '../../src/sim/workload-policy.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('sim-workload-policy');
const azure = new URL('../fixtures/traces/azure-conv-5min.csv', import.meta.url).pathname;
const SECRET = 'sk-live-do-not-print-4242';

const workload = {
  gpu: { model: 'H100', count: 1 },
  image: 'ghcr.io/acme/llm:1',
  env: { HF_TOKEN: SECRET },
  scaling: { latencyTargetMs: 45_000, maxNodes: 12, concurrencyPerNode: 4, sloTarget: 0.95, maxQueued: 500 },
  budget: { maxPerHour: 40 },
  coldStartSec: 30,
};

describe('policy.json in the SDK workload shape', () => {
  it('folds the modelled scaling keys into the flat ones, with the SDK defaults for the rest', () => {
    const folded = foldWorkloadShape(workload, 'p.json');
    expect(folded.flat).toMatchObject({ latencyTargetMs: 45_000, maxNodes: 12, concurrencyPerNode: 4, sloTarget: 0.95, minNodes: 0, scaleDownDelayMs: 10_000, coldStartSec: 30, budget: { maxPerHour: 40 } });
    expect(folded.flat).not.toHaveProperty('scaling');
    expect(folded.flat).not.toHaveProperty('gpu');
    expect(folded.notModelled.sort()).toEqual(['env', 'gpu', 'image', 'scaling.maxQueued']);
    // The SDK's defaults, not the simulator's: what the app would run with.
    const sdkDefaults = parseSimPolicy({ scaling: {} });
    const simDefaults = parseSimPolicy({});
    expect(sdkDefaults.maxNodes).toBe(4);
    expect(sdkDefaults.concurrencyPerNode).toBe(1);
    expect(sdkDefaults.latencyTargetMs).toBe(1000);
    expect(simDefaults.maxNodes).toBeGreaterThan(4);
    expect(simDefaults.latencyTargetMs).toBeUndefined();
    // A flat file is left as it is.
    expect(foldWorkloadShape({ coldStartSec: 15 }, 'p.json')).toEqual({ flat: { coldStartSec: 15 }, keys: ['coldStartSec'], notModelled: [] });
    // What the file wrote, for the report's provenance.
    expect(folded.keys.sort()).toEqual(['budget', 'coldStartSec', 'env', 'gpu', 'image', 'scaling', 'scaling.concurrencyPerNode', 'scaling.latencyTargetMs', 'scaling.maxNodes', 'scaling.maxQueued', 'scaling.sloTarget']);
  });

  it('rejects a key given twice, a bad scaling value and an unknown scaling key, naming the field', () => {
    const twice = (() => {
      try {
        foldWorkloadShape({ latencyTargetMs: 1000, scaling: { latencyTargetMs: 2000 } }, 'p.json');
      } catch (error) {
        return error;
      }
    })();
    expect(twice).toBeInstanceOf(ComputeError);
    expect(twice).toMatchObject({ code: 'CONFIG_INVALID', details: { paths: ['latencyTargetMs', 'scaling.latencyTargetMs'] } });
    expect(() => parseSimPolicy({ scaling: { minNodes: 3, maxNodes: 2 } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', details: { paths: ['maxNodes'] } }));
    expect(() => parseSimPolicy({ scaling: { latencyTarget: 2000 } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('latencyTarget') }));
    expect(() => parseSimPolicy({ scaling: { maxNodes: -1 } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    // A top-level key the SDK workload does not have is still an unknown key.
    expect(() => parseSimPolicy({ scaling: {}, gpus: 2 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('gpus') }));
  });

  it('runs through the command: settings from the workload, a note on what is left out, no secret anywhere', async () => {
    const policy = join(dir, 'workload.json');
    writeFileSync(policy, JSON.stringify(workload));
    const json = join(dir, 'out.json');
    const out: string[] = [];
    const err: string[] = [];
    const code = await runSimulate({ trace: azure, baselines: 'kpa', policy, json, seed: 1 }, { stdout: { write: (t: string) => out.push(t) }, stderr: { isTTY: false, write: (t: string) => err.push(t) } });
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { settings: { latencyTargetMs: number; maxNodes: number; concurrencyPerNode: number; sloTarget: number; coldStartSec: number }; policies: Array<{ policy: string }> };
    expect(report.settings).toMatchObject({ latencyTargetMs: 45_000, maxNodes: 12, concurrencyPerNode: 4, sloTarget: 0.95, coldStartSec: 30 });
    expect(report.policies.map((p) => p.policy)).toEqual(['adaptive', 'kpa']);
    expect(out.join('')).toMatch(/slots per node\s+4\s+\(from policy\.json\)/);
    // Not written in its scaling: the SDK's default, said as such.
    expect(out.join('')).toMatch(/scale-down delay 10000 ms\s+\(the SDK's default for scaling\.scaleDownDelayMs\)/);
    const note = err.join('');
    for (const path of ['gpu', 'image', 'env', 'scaling.maxQueued']) expect(note).toContain(path);
    for (const text of [out.join(''), note, readFileSync(json, 'utf8')]) expect(text).not.toContain(SECRET);
  });
});

describe('docs/simulator.md', () => {
  it('every policy.json example parses', () => {
    const page = readFileSync(new URL('../../docs/simulator.md', import.meta.url), 'utf8');
    const blocks = [...page.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const block of blocks) expect(() => parseSimPolicy(JSON.parse(block), 'docs/simulator.md')).not.toThrow();
    const workloadShaped = blocks.map((b) => JSON.parse(b) as Record<string, unknown>).find((b) => 'scaling' in b);
    expect(parseSimPolicy(workloadShaped)).toMatchObject({ latencyTargetMs: 2000, maxNodes: 8, concurrencyPerNode: 4 });
  });
});
