/**
 * The providers as a user gets them: the packed tarball in a fresh app, an app
 * process importing `adaptive-compute/providers` (ESM and CJS) and combining Vast.ai
 * and RunPod, against the providers' API fakes whose instances run the PACKED
 * package's `adaptive-compute agent` with the env each request carried: the issue's
 * acceptance on each provider alone and on both combined (200 tasks over pinned TLS,
 * scale to zero, impostor nodes released, a lost create answer leaving one instance,
 * no instance after shutdown, the bill within the budget).
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeLabel } from '../../src/providers/label.js';
import { runNode } from '../support/child.js';
import { installPackedApp, repoRoot } from '../support/packed-app.js';
import { RunPodFake } from '../support/runpod-fake.js';
import { VastFake } from '../support/vast-fake.js';

const work = join(repoRoot, 'node_modules', '.cache', 'adaptive-compute-providers-pack');
const GPU_4090 = 'NVIDIA GeForce RTX 4090';
const BUDGET_TOTAL = 2;
let app = '';
const agentCli = (): string => join(app, 'node_modules', 'adaptive-compute', 'dist', 'cli.js');

beforeAll(() => {
  app = installPackedApp(work);
  // The user's app: 200 tasks at once over the providers WHICH names, then wait for
  // the fleet to scale to zero, then shut down. The latency target is above any cold
  // start, even on a loaded machine: under a cold start the planner keeps nodes warm
  // until traffic returns.
  writeFileSync(
    join(app, 'burst.mjs'),
    `import { createCompute, combineMarketplaces } from 'adaptive-compute';
     import { vastai, runpod } from 'adaptive-compute/providers';
     const which = process.env.WHICH;
     const markets = [];
     if (which !== 'runpod') markets.push(vastai({ apiKey: process.env.VAST_KEY, baseUrl: process.env.VAST_URL }));
     // The fake bills per second; the default counts RunPod's larger (per-minute) increment.
     if (which !== 'vastai') markets.push(runpod({ apiKey: process.env.RUNPOD_KEY, baseUrl: process.env.RUNPOD_URL, billingIncrementSec: 1 }));
     const compute = createCompute({
       marketplace: markets.length === 1 ? markets[0] : combineMarketplaces(markets),
       budget: { maxPerHour: 10, total: ${BUDGET_TOTAL} },
       journal: false,
       tickMs: 200,
     });
     const llm = compute.workload('llm', { gpu: { model: ['RTX 4090'], count: 1, interruptible: 'never' }, image: 'ghcr.io/acme/llm-node:1',
       scaling: { minNodes: 0, maxNodes: 4, latencyTargetMs: 60000, concurrencyPerNode: 4, scaleDownDelayMs: 500, maxProvisionSec: 20 } });
     const out = await Promise.all(Array.from({ length: 200 }, (_, i) => llm.run({ i, ms: 50 })));
     const wrong = out.filter((o, i) => o.echo.i !== i).length;
     const providers = compute.metrics().marketplace.providers ?? {};
     let scaledToZero = false;
     for (const end = Date.now() + 20000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
       if (compute.metrics().leases.live === 0) { scaledToZero = true; break; }
     }
     const spent = compute.metrics().budget.spent;
     await compute.shutdown();
     console.log(JSON.stringify({ n: out.length, wrong, providers, scaledToZero, spent }));`,
  );
}, 120_000);

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

  // The acceptance, from the packed tarball: a burst of 200 tasks on each
  // provider alone and on both combined, each with a node presenting another TLS key
  // than its lease's and a create whose answer is lost.
  for (const which of ['vastai', 'runpod', 'both'] as const) {
    it(`ESM, ${which}: 200 tasks return, the fleet scales to zero, impostors get released, a lost create leaves one instance, nothing is left after shutdown()`, async () => {
      const vast = await new VastFake({ agentCli: agentCli(), impostorAsks: [101], loseCreateAnswers: 1 }).start();
      const pod = await new RunPodFake({ agentCli: agentCli(), impostorGpus: [`COMMUNITY:${GPU_4090}`], impostorPods: 1, loseCreateAnswers: 1 }).start();
      try {
        const r = await runNode(['--unhandled-rejections=strict', 'burst.mjs'], {
          cwd: app,
          timeoutMs: 90_000,
          env: { PATH: process.env.PATH ?? '', WHICH: which, VAST_KEY: vast.apiKey, VAST_URL: vast.baseUrl, RUNPOD_KEY: pod.apiKey, RUNPOD_URL: pod.baseUrl },
        });
        expect(r.code, r.stderr).toBe(0);
        const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
        expect(out).toMatchObject({ n: 200, wrong: 0, scaledToZero: true });
        expect(out.spent as number).toBeLessThanOrEqual(BUDGET_TOTAL);
        const used = which === 'both' ? [vast, pod] : which === 'vastai' ? [vast] : [pod];
        for (const fake of [vast, pod]) if (!used.includes(fake)) expect(fake.requests).toHaveLength(0);
        if (which === 'both') expect(Object.keys(out.providers as object).sort()).toEqual(['runpod', 'vastai']);
        const instances = [
          ...[...vast.instances.values()].map((i) => ({ env: i.env, key: decodeLabel(i.label)?.node, impostor: i.askId === 101, deleted: i.deletedAtMs !== null })),
          ...[...pod.pods.values()].map((p) => ({ env: p.env, key: decodeLabel(p.name)?.node, impostor: p.impostor, deleted: p.deletedAtMs !== null })),
        ];
        // Each lease its own token and TLS key (every node here is on a public IP).
        const tokens = instances.map((i) => i.env.ADAPTIVE_COMPUTE_NODE_TOKEN);
        const keys = instances.map((i) => i.env.ADAPTIVE_COMPUTE_TLS_KEY ?? '');
        expect(tokens.every((t) => typeof t === 'string' && t.length > 20)).toBe(true);
        expect(new Set(tokens).size).toBe(instances.length);
        expect(keys.every((k) => /^[A-Za-z0-9_-]{43}$/.test(k))).toBe(true);
        expect(new Set(keys).size).toBe(instances.length);
        // A creation answer was lost, and no lease key was created twice.
        expect(used.reduce((sum, f) => sum + f.lostCreates, 0)).toBeGreaterThanOrEqual(1);
        expect(new Set(instances.map((i) => i.key)).size).toBe(instances.length);
        // Impostors were rented and given back; the work ran on genuine nodes.
        expect(instances.some((i) => i.impostor)).toBe(true);
        expect(instances.filter((i) => i.impostor).every((i) => i.deleted)).toBe(true);
        expect(instances.some((i) => !i.impostor)).toBe(true);
        const end = Date.now() + 5_000;
        while ((vast.live().length > 0 || pod.live().length > 0) && Date.now() < end) await new Promise((res) => setTimeout(res, 100));
        expect(vast.live().length + pod.live().length).toBe(0);
        expect(vast.bill() + pod.bill()).toBeLessThanOrEqual(BUDGET_TOTAL);
      } finally {
        await vast.stop();
        await pod.stop();
      }
    }, 120_000);
  }
});
