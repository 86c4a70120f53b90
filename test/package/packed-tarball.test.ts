/**
 * As a user gets it: `npm pack`, unpack into an app's node_modules, then drive the
 * public API from a separate Node process, by `import` and by `require()`, against
 * the fake marketplace from `adaptive-compute/testing`. The app lives inside the
 * repository (git-ignored) so that the package's own dependencies resolve from the
 * repository's node_modules, offline.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../support/child.js';
import { installPackedApp, repoRoot } from '../support/packed-app.js';

const work = join(repoRoot, '.pack-test');
let app = '';
const runApp = (file: string, timeoutMs: number) => runNode(['--unhandled-rejections=strict', file], { cwd: app, timeoutMs });

beforeAll(() => {
  app = installPackedApp(work);
}, 120_000);

describe('packed tarball in a fresh app', () => {
  it('ships only the build, the README, the changelog and the license', () => {
    const files = readdirSync(join(app, 'node_modules', 'adaptive-compute')).sort();
    expect(files).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'dist', 'package.json']);
  });

  it('ESM: bursts, scales up, returns every result, scales to zero, and the process exits on its own', async () => {
    writeFileSync(
      join(app, 'burst.mjs'),
      `import { createCompute, ComputeError } from 'adaptive-compute';
       import { createFakeMarketplace } from 'adaptive-compute/testing';
       import { z } from 'zod';
       const market = await createFakeMarketplace({ coldStartMs: 1000, slots: 2 });
       const compute = createCompute({ marketplace: { url: market.url, apiKey: market.apiKey } });
       const w = compute.workload('sleep', { gpu: { model: ['A100'] }, image: 'i',
         scaling: { minNodes: 0, maxNodes: 6, concurrencyPerNode: 2, latencyTargetMs: 500, keepAliveMs: 0 },
         input: z.object({ ms: z.number(), i: z.number() }) });
       const t0 = Date.now();
       const out = await Promise.all(Array.from({ length: 300 }, (_, i) => w.run({ ms: 100, i })));
       const burstMs = Date.now() - t0;
       const wrong = out.filter((o, i) => o.echo.i !== i).length;
       const leases = market.leases().length;
       const t1 = Date.now();
       while (market.liveLeases().length > 0 && Date.now() - t1 < 25000) await new Promise((r) => setTimeout(r, 100));
       const zeroMs = Date.now() - t1;
       let bad;
       try { compute.workload('x', { gpu: { model: 'A100' }, image: 'i', scaling: { minNodes: 3, maxNodes: 1 } }); }
       catch (e) { bad = { isComputeError: e instanceof ComputeError, code: e.code, message: e.message }; }
       await compute.shutdown();
       console.log(JSON.stringify({ burstMs, wrong, leases, zeroMs, liveAfter: market.liveLeases().length, bad }));
       await market.close();`,
    );
    const r = await runApp('burst.mjs', 90_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    expect(s.wrong).toBe(0);
    expect(s.leases).toBeGreaterThanOrEqual(3);
    expect(s.burstMs).toBeLessThan(12_000);
    expect(s.zeroMs).toBeLessThan(20_000);
    expect(s.liveAfter).toBe(0);
    expect(s.bad).toMatchObject({ isComputeError: true, code: 'CONFIG_INVALID', message: expect.stringContaining('scaling.maxNodes') });
  }, 120_000);

  it('TypeScript with library checks on compiles an app using /testing without msw installed', () => {
    // Outside the repository, whose node_modules has msw: the package copied, its
    // dependencies (and Node's types) linked from the repository.
    const dir = mkdtempSync(join(tmpdir(), 'ac-ts-no-msw-'));
    try {
      cpSync(join(app, 'node_modules', 'adaptive-compute'), join(dir, 'node_modules', 'adaptive-compute'), { recursive: true });
      for (const dep of ['undici', 'zod', 'eventemitter3', 'commander', '@types']) symlinkSync(join(repoRoot, 'node_modules', dep), join(dir, 'node_modules', dep));
      writeFileSync(
        join(dir, 'main.ts'),
        `import { createCompute, type ComputeError } from 'adaptive-compute';
         import { createFakeMarketplace } from 'adaptive-compute/testing';
         const market = await createFakeMarketplace({ coldStartMs: 100 });
         const compute = createCompute({ marketplace: { url: market.url, apiKey: market.apiKey } });
         const failure: ComputeError | undefined = undefined;
         await compute.shutdown();
         await market.close();
         export { failure };`,
      );
      const compilerOptions = { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['main.ts'] }));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
      let output = '';
      try {
        execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir, stdio: 'pipe' });
      } catch (error) {
        output = String((error as { stdout?: Buffer }).stdout ?? error);
      }
      expect(output).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('CommonJS: require() of the main entry and of /testing works end to end', async () => {
    writeFileSync(
      join(app, 'small.cjs'),
      `const { createCompute } = require('adaptive-compute');
       const { createFakeMarketplace } = require('adaptive-compute/testing');
       (async () => {
         const market = await createFakeMarketplace({ coldStartMs: 100 });
         const compute = createCompute({ marketplace: { url: market.url, apiKey: market.apiKey }, budget: { total: 1 } });
         const w = compute.workload('echo', { gpu: { model: 'A100' }, image: 'i', scaling: { maxNodes: 2, concurrencyPerNode: 2 } });
         const ctrl = new AbortController();
         const aborted = w.run({ ms: 1 }, { signal: ctrl.signal }).catch((e) => e.code);
         ctrl.abort();
         const out = await Promise.all([1, 2, 3].map((i) => w.run({ i })));
         const m = compute.metrics();
         await compute.shutdown();
         await market.close();
         console.log(JSON.stringify({ out, aborted: await aborted, completed: m.workloads.echo.completed, spent: m.budget.spent, bill: market.bill().total }));
       })();`,
    );
    const r = await runApp('small.cjs', 30_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout.trim()) as { out: unknown[]; aborted: string; completed: number; spent: number; bill: number };
    expect(s.out).toEqual([{ echo: { i: 1 } }, { echo: { i: 2 } }, { echo: { i: 3 } }]);
    expect(s.aborted).toBe('ABORTED');
    expect(s.completed).toBe(3);
    expect(s.bill).toBeGreaterThan(0);
  }, 60_000);

  it('error classes: one brand each, shared by the ESM and the CJS copy loaded in one process', async () => {
    writeFileSync(
      join(app, 'brands.mjs'),
      `import { createRequire } from 'node:module';
       import * as esm from 'adaptive-compute';
       const cjs = createRequire(import.meta.url)('adaptive-compute');
       const kinds = { ComputeError: (m) => new m.ComputeError('TIMEOUT', 'x'),
         MarketError: (m) => new m.MarketError('MARKET_UNAVAILABLE', 'x', { request: 'GET /v1/offers' }),
         NodeError: (m) => new m.NodeError('NODE_FAILED', 'x', 'lease-1', 502) };
       const out = {};
       for (const [from, made] of [['esm', esm], ['cjs', cjs]]) for (const [kind, make] of Object.entries(kinds)) {
         const error = make(made);
         for (const [to, m] of [['esm', esm], ['cjs', cjs]]) {
           out[from + ':' + kind + '->' + to] = ['ComputeError', 'MarketError', 'NodeError'].filter((c) => error instanceof m[c]).join(',');
         }
       }
       console.log(JSON.stringify({ twoCopies: esm.ComputeError !== cjs.ComputeError, out }));`,
    );
    const r = await runApp('brands.mjs', 30_000);
    expect(r.stderr).toBe('');
    const s = JSON.parse(r.stdout.trim()) as { twoCopies: boolean; out: Record<string, string> };
    expect(s.twoCopies).toBe(true);
    const expected: Record<string, string> = {};
    for (const from of ['esm', 'cjs']) {
      for (const to of ['esm', 'cjs']) {
        expected[`${from}:ComputeError->${to}`] = 'ComputeError';
        expected[`${from}:MarketError->${to}`] = 'ComputeError,MarketError';
        expected[`${from}:NodeError->${to}`] = 'ComputeError,NodeError';
      }
    }
    expect(s.out).toEqual(expected);
  }, 60_000);

  it('simulate from the installed CLI: every baseline on worker threads, JSON and HTML; a missing file is one line and a non-zero exit', async () => {
    // Two hours of a rate that rises and falls, with token counts: a generic CSV as a user writes one.
    const rows = ['timestamp_s,input_tokens,output_tokens'];
    let seed = 11;
    const next = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let t = 0; t < 7200; ) {
      t += -Math.log(next()) / (3 + 2 * Math.sin((2 * Math.PI * t) / 3600));
      rows.push(`${t.toFixed(3)},${Math.round(200 + 1600 * next())},${Math.round(20 + 300 * next())}`);
    }
    writeFileSync(join(app, 'trace.csv'), `${rows.join('\n')}\n`);
    const cli = join(app, 'node_modules', 'adaptive-compute', 'dist', 'cli.js');
    const r = await runNode([cli, 'simulate', '--trace', 'trace.csv', '--baselines', 'all', '--jobs', '2', '--json', 'out.json', '--html', 'out.html'], { cwd: app, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(app, 'out.json'), 'utf8')) as { policies: Array<{ policy: string; cost: number; sloAttainment: number; p95Ms: number; nodeSeconds: number }> };
    expect(report.policies.map((p) => p.policy)).toEqual(['adaptive', 'static-peak', 'fixed-reserved', 'hpa', 'kpa', 'ray-serve', 'keda', 'skyserve']);
    for (const p of report.policies) for (const field of ['cost', 'sloAttainment', 'p95Ms', 'nodeSeconds'] as const) expect(Number.isFinite(p[field])).toBe(true);
    const [ours, ...others] = report.policies;
    expect(ours!.sloAttainment).toBeGreaterThanOrEqual(0.99);
    for (const p of others) if (p.sloAttainment >= 0.99) expect(ours!.cost, p.policy).toBeLessThan(p.cost);
    const html = readFileSync(join(app, 'out.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);

    // A sweep with a tuned autoscaler: a block per cell, each with the tuned row and its setting.
    const swept = await runNode([cli, 'simulate', '--trace', 'trace.csv', '--baselines', 'kpa', '--tune-baselines', '--sweep', 'coldStartSec=15,60', '--json', 'sweep.json'], { cwd: app, timeoutMs: 60_000 });
    expect(swept.code, swept.stderr).toBe(0);
    const sweep = JSON.parse(readFileSync(join(app, 'sweep.json'), 'utf8')) as { trace: { p99ServiceMs: number }; cells: Array<{ coldStartSec: number; lowerBound: { cost: number }; policies: Array<{ policy: string; tuned: boolean; setting?: { minNodes: number } }> }> };
    expect(sweep.trace.p99ServiceMs).toBeGreaterThan(0);
    expect(sweep.cells.map((c) => c.coldStartSec)).toEqual([15, 60]);
    for (const cell of sweep.cells) {
      expect(cell.policies.map((p) => [p.policy, p.tuned])).toEqual([['adaptive', false], ['kpa', false], ['kpa-tuned', true]]);
      expect(typeof cell.policies[2]!.setting?.minNodes).toBe('number');
    }

    // The policy as the app declares its workload (the SDK's shape), beside the market's cold start.
    writeFileSync(join(app, 'workload.json'), JSON.stringify({ gpu: { model: 'H100' }, env: { HF_TOKEN: 'hf_secret_value_1234' }, scaling: { latencyTargetMs: 30_000, maxNodes: 6, concurrencyPerNode: 4 }, coldStartSec: 15 }));
    const shaped = await runNode([cli, 'simulate', '--trace', 'trace.csv', '--baselines', 'none', '--policy', 'workload.json', '--json', 'shaped.json'], { cwd: app, timeoutMs: 60_000 });
    expect(shaped.code, shaped.stderr).toBe(0);
    const shapedReport = JSON.parse(readFileSync(join(app, 'shaped.json'), 'utf8')) as { settings: Record<string, unknown> };
    expect(shapedReport.settings).toMatchObject({ latencyTargetMs: 30_000, maxNodes: 6, concurrencyPerNode: 4, coldStartSec: 15 });
    expect(shaped.stderr).toContain('gpu');
    expect(shaped.stdout + shaped.stderr).not.toContain('hf_secret_value_1234');

    const missing = await runNode([cli, 'simulate', '--trace', 'nope.csv'], { cwd: app, timeoutMs: 30_000 });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('nope.csv');
  }, 90_000);
});
