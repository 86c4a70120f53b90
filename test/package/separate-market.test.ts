/**
 * The acceptance scenarios against a marketplace in a process of its own, written
 * from the protocol alone (test/support/spec-market.mjs): a burst that scales up and
 * back to zero, and a total budget so small that only some tasks can be paid for.
 * The app is a child process on the build; it must settle every task, print its
 * result and exit 0 by itself. In-process fakes hid three defects of this kind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../support/child.js';
import { repoRoot } from '../support/packed-app.js';

const dir = mkdtempSync(join(tmpdir(), 'ac-separate-'));
const entry = pathToFileURL(join(repoRoot, 'dist', 'index.js')).href;
let market: ChildProcess;
let url = '';

beforeAll(async () => {
  market = spawn(process.execPath, [join(repoRoot, 'test', 'support', 'spec-market.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [port] = (await once(market.stdout!, 'data')) as [Buffer];
  url = `http://127.0.0.1:${String(port).trim()}`;
});
afterAll(() => {
  market.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function runApp(name: string, body: string): Promise<Record<string, unknown>> {
  const script = join(dir, `${name}.mjs`);
  writeFileSync(
    script,
    `import { createCompute } from ${JSON.stringify(entry)};
     const url = ${JSON.stringify(url)};
     const bill = async () => (await fetch(url + '/bill')).json();
     ${body}`,
  );
  const r = await runNode(['--unhandled-rejections=strict', script], { timeoutMs: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout.trim()) as Record<string, unknown>;
}

describe('against a marketplace in another process', () => {
  it('bursts to several leases, returns every result, scales to zero and exits by itself', async () => {
    const out = await runApp(
      'burst',
      `const compute = createCompute({ marketplace: { url, apiKey: 'k-secret' } });
       let live = 0, most = 0;
       compute.on('lease', (e) => { if (e.type === 'acquired') most = Math.max(most, ++live); if (['released', 'failed', 'preempted'].includes(e.type)) live--; });
       const w = compute.workload('sleep', { gpu: { model: 'A100' }, image: 'x', scaling: { minNodes: 0, maxNodes: 6, concurrencyPerNode: 2, scaleDownDelayMs: 1_000 } });
       const t0 = Date.now();
       const results = await Promise.all(Array.from({ length: 300 }, (_, i) => w.run({ ms: 100, i })));
       const burstMs = Date.now() - t0;
       const t1 = Date.now();
       while ((await bill()).live > 0 && Date.now() - t1 < 20_000) await new Promise((r) => setTimeout(r, 100));
       const zeroMs = Date.now() - t1;
       await compute.shutdown();
       console.log(JSON.stringify({ right: results.every((r, i) => r.echo.i === i), burstMs, most, zeroMs, liveAfter: (await bill()).live }));`,
    );
    expect(out).toMatchObject({ right: true, liveAfter: 0 });
    expect(out.most).toBeGreaterThanOrEqual(3);
    expect(out.burstMs).toBeLessThan(12_000);
    expect(out.zeroMs).toBeLessThan(20_000);
  }, 90_000);

  it('keeps the bill within a tiny total: some tasks run, the rest reject with BUDGET_EXHAUSTED', async () => {
    const out = await runApp(
      'budget',
      `const before = (await bill()).total;
       const compute = createCompute({ marketplace: { url, apiKey: 'k-secret' }, budget: { total: 0.01 } });
       const w = compute.workload('sleep', { gpu: { model: 'A100' }, image: 'x', scaling: { maxNodes: 6, concurrencyPerNode: 2 } });
       const settled = await Promise.allSettled(Array.from({ length: 400 }, (_, i) => w.run({ ms: 200, i })));
       await compute.shutdown();
       const codes = [...new Set(settled.filter((s) => s.status === 'rejected').map((s) => s.reason.code))];
       console.log(JSON.stringify({ ok: settled.filter((s) => s.status === 'fulfilled').length, codes, spent: (await bill()).total - before }));`,
    );
    expect(out.ok).toBeGreaterThan(0);
    expect(out.ok).toBeLessThan(400);
    expect(out.codes).toEqual(['BUDGET_EXHAUSTED']);
    expect(out.spent).toBeLessThanOrEqual(0.01 + 1e-9);
  }, 90_000);
});
