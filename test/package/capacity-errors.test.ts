/**
 * Capacity that cannot be had, through the built package as an app uses it (the
 * default embedded marketplace, a script of its own that must exit by itself): a
 * handler module that does not exist ends in NODE_START_FAILED with the
 * marketplace's reason (and the lease events say it), and a GPU model no offer has
 * is warned about at once with the models offered, closest first.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runNode } from '../support/child.js';
import { repoRoot } from '../support/packed-app.js';

const dir = mkdtempSync(join(tmpdir(), 'ac-capacity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('capacity that cannot be had, from the built package', () => {
  it('a missing handler fails with NODE_START_FAILED and its reason; an unknown GPU model warns with the models offered', async () => {
    const script = join(dir, 'app.mjs');
    writeFileSync(
      script,
      `import { createCompute } from ${JSON.stringify(pathToFileURL(join(repoRoot, 'dist', 'index.js')).href)};
       const compute = createCompute({ journal: false });
       const failed = [];
       const warnings = [];
       compute.on('lease', (e) => { if (e.type === 'failed') failed.push(e.reason); });
       compute.on('warning', (e) => warnings.push({ code: e.error.code, details: e.error.details }));
       const broken = compute.workload('broken', { gpu: { model: 'A100' }, image: './missing-handler.mjs' });
       const typo = compute.workload('typo', { gpu: { model: 'A1000' }, image: 'echo' });
       const error = await broken.run({ i: 1 }).catch((e) => e);
       void typo.run({ i: 2 }).catch(() => undefined);
       const t0 = Date.now();
       while (!warnings.some((w) => w.code === 'NO_OFFER') && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 50));
       await compute.shutdown();
       console.log(JSON.stringify({ code: error.code, reason: error.details.reason, failed, noOffer: warnings.find((w) => w.code === 'NO_OFFER') }));`,
    );
    const r = await runNode(['--unhandled-rejections=strict', script], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as { code: string; reason: string; failed: string[]; noOffer?: { details: { offeredModels: string[] } } };
    expect(out.code).toBe('NODE_START_FAILED');
    expect(out.reason).toMatch(/^node did not start: .*cannot load/);
    expect(out.failed.length).toBeGreaterThanOrEqual(1);
    for (const reason of out.failed) expect(reason).toContain('cannot load');
    expect(out.noOffer?.details.offeredModels[0]).toBe('A100');
  }, 90_000);
});
