/**
 * The built package (dist/) in an app process of its own, against the hostile
 * marketplace in the test process: leases stuck in `terminating` after DELETE. The
 * app's shutdown() resolves within releaseTimeoutMs naming exactly the leases the
 * marketplace still bills, and the app exits by itself (no retry timer holds it).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runNode } from '../support/child.js';
import { repoRoot } from '../support/packed-app.js';
import { tempDir } from '../support/temp-dir.js';
import { startHostileMarket, type HostileMarket } from '../chaos/support/hostile-market.js';

const entry = pathToFileURL(join(repoRoot, 'dist', 'index.js')).href;
let market: HostileMarket | undefined;
afterEach(async () => {
  await market?.close();
});

describe('built package against a marketplace that never ends its leases', () => {
  it('shutdown() resolves naming the leases still billing, and the app exits by itself', async () => {
    market = await startHostileMarket();
    market.set({ deleteKeeps: 'terminating' });
    const script = join(tempDir('ac-hostile-app'), 'app.mjs');
    writeFileSync(
      script,
      `import { createCompute } from ${JSON.stringify(entry)};
       const compute = createCompute({ marketplace: { url: ${JSON.stringify(market.url)}, apiKey: ${JSON.stringify(market.apiKey)} }, budget: { total: 0.3 }, journal: false, tickMs: 200 });
       const warnings = [];
       compute.on('warning', (e) => warnings.push(e.error.details.warning ?? null));
       const w = compute.workload('w', { gpu: { model: 'A100' }, image: 'x', scaling: { maxNodes: 2, concurrencyPerNode: 2, scaleDownDelayMs: 60_000 } });
       await Promise.all(Array.from({ length: 6 }, (_, i) => w.run({ ms: 100, i })));
       const t0 = Date.now();
       const { stillBilling } = await compute.shutdown({ graceMs: 0, releaseTimeoutMs: 1_500 });
       console.log(JSON.stringify({ ms: Date.now() - t0, ids: stillBilling.map((l) => l.leaseId).sort(), states: stillBilling.map((l) => l.state), warned: warnings.includes('release-unconfirmed') }));`,
    );
    const r = await runNode(['--unhandled-rejections=strict', script], { timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as { ms: number; ids: string[]; states: string[]; warned: boolean };
    const billing = market.live().map((l) => l.id).sort();
    expect(billing.length).toBeGreaterThan(0);
    expect(out.ids).toEqual(billing);
    expect(out.states.every((s) => s === 'terminating')).toBe(true);
    expect(out.warned).toBe(true);
    expect(out.ms).toBeGreaterThanOrEqual(1_400);
    expect(out.ms).toBeLessThan(1_500 + 1_000);
    expect(r.stdout).not.toContain(market.apiKey);
  }, 40_000);
});
