/**
 * The providers as a user gets them: the packed tarball in a fresh app, an app
 * process importing `adaptive-compute/providers` (ESM and CJS) and combining Vast.ai
 * and RunPod, against the providers' API fakes whose instances run the PACKED
 * package's `adaptive-compute agent` with the env each request carried. A burst
 * returns every result over pinned TLS, and shutdown leaves no instance.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../support/child.js';
import { installPackedApp, repoRoot } from '../support/packed-app.js';
import { RunPodFake } from '../support/runpod-fake.js';
import { VastFake } from '../support/vast-fake.js';

const work = join(repoRoot, 'node_modules', '.cache', 'adaptive-compute-providers-pack');
let app = '';
let vast: VastFake;
let pod: RunPodFake;

beforeAll(async () => {
  app = installPackedApp(work);
  const agentCli = join(app, 'node_modules', 'adaptive-compute', 'dist', 'cli.js');
  vast = await new VastFake({ agentCli }).start();
  pod = await new RunPodFake({ agentCli }).start();
}, 120_000);
afterAll(async () => {
  await vast?.stop();
  await pod?.stop();
});

describe('adaptive-compute/providers from the packed tarball', () => {
  it('CJS: require() gives the factories; bad options are CONFIG_INVALID', async () => {
    writeFileSync(
      join(app, 'providers.cjs'),
      `const { vastai, runpod } = require('adaptive-compute/providers');
       const { combineMarketplaces, isComputeError } = require('adaptive-compute');
       const m = combineMarketplaces([vastai({ apiKey: 'k' }), runpod({ apiKey: 'k' })]);
       let code = '';
       try { vastai({ apiKey: '' }); } catch (e) { code = isComputeError(e) ? e.code : 'other'; }
       console.log(JSON.stringify({ names: m.names, code, json: JSON.stringify(m) }));
       m.close();`,
    );
    const r = await runNode(['providers.cjs'], { cwd: app, timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ names: ['vastai', 'runpod'], code: 'CONFIG_INVALID', json: '{"providers":["vastai","runpod"]}' });
  });

  it('ESM: a burst over both providers returns every result, each lease has its own token, nothing is left after shutdown()', async () => {
    writeFileSync(
      join(app, 'providers.mjs'),
      `import { createCompute, combineMarketplaces } from 'adaptive-compute';
       import { vastai, runpod } from 'adaptive-compute/providers';
       const compute = createCompute({
         marketplace: combineMarketplaces([
           vastai({ apiKey: process.env.VAST_KEY, baseUrl: process.env.VAST_URL }),
           runpod({ apiKey: process.env.RUNPOD_KEY, baseUrl: process.env.RUNPOD_URL, clouds: ['SECURE'], billingIncrementSec: 1 }),
         ]),
         budget: { maxPerHour: 10, total: 2 },
         journal: false,
         tickMs: 200,
       });
       const llm = compute.workload('llm', { gpu: { model: ['RTX 4090'], count: 1, interruptible: 'never' }, image: 'ghcr.io/acme/llm-node:1',
         scaling: { minNodes: 0, maxNodes: 4, latencyTargetMs: 1000, concurrencyPerNode: 2, scaleDownDelayMs: 500, maxProvisionSec: 30 } });
       const out = await Promise.all(Array.from({ length: 120 }, (_, i) => llm.run({ i, ms: 150 })));
       const wrong = out.filter((o, i) => o.echo.i !== i).length;
       const providers = compute.metrics().marketplace.providers;
       await compute.shutdown();
       console.log(JSON.stringify({ n: out.length, wrong, providers: Object.keys(providers).sort() }));`,
    );
    const r = await runNode(['--unhandled-rejections=strict', 'providers.mjs'], {
      cwd: app,
      timeoutMs: 90_000,
      env: { PATH: process.env.PATH ?? '', VAST_KEY: vast.apiKey, VAST_URL: vast.baseUrl, RUNPOD_KEY: pod.apiKey, RUNPOD_URL: pod.baseUrl },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ n: 120, wrong: 0, providers: ['runpod', 'vastai'] });
    const tokens = [...[...vast.instances.values()].map((i) => i.env.ADAPTIVE_COMPUTE_NODE_TOKEN), ...[...pod.pods.values()].map((p) => p.env.ADAPTIVE_COMPUTE_NODE_TOKEN)];
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect([...vast.instances.values()].every((i) => /^[A-Za-z0-9_-]{43}$/.test(i.env.ADAPTIVE_COMPUTE_TLS_KEY ?? ''))).toBe(true);
    const end = Date.now() + 5_000;
    while ((vast.live().length > 0 || pod.live().length > 0) && Date.now() < end) await new Promise((res) => setTimeout(res, 100));
    expect(vast.live().length + pod.live().length).toBe(0);
    expect(vast.bill() + pod.bill()).toBeLessThanOrEqual(2);
  }, 120_000);
});
