/**
 * The acceptance of `adaptive-compute/testing`, as a new user meets it: the packed
 * tarball unpacked into a fresh app (msw resolvable, as after `npm i -D msw`),
 * with the network disabled (a preload that lets only loopback through), then
 * - a real vitest run of the app's own test file that imports `createFakeMarketplace`
 *   (and `marketplaceHandlers`) from `adaptive-compute/testing`, runs 50 tasks
 *   through a workload and asserts the bill;
 * - the same through `require()` in a CommonJS script;
 * - `import('adaptive-compute')` with msw made unloadable still works.
 * The app lives in a git-ignored folder inside the repository so that the
 * package's dependencies (and vitest, msw) resolve from the repository's
 * node_modules, offline.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runNode, type ChildRun } from '../support/child.js';
import { installPackedApp, repoRoot } from '../support/packed-app.js';

const root = repoRoot;
const work = join(root, '.pack-test-testing');
let app = '';
const noNetwork = fileURLToPath(new URL('./support/no-network.mjs', import.meta.url));
const blockMsw = fileURLToPath(new URL('./support/block-msw.mjs', import.meta.url));

function run(args: string[], timeoutMs: number, env: Record<string, string> = {}): Promise<ChildRun> {
  // The network is off for the app and everything it starts (vitest's workers inherit NODE_OPTIONS).
  return runNode(args, { cwd: app, timeoutMs, env: { ...process.env, NODE_OPTIONS: `--import ${noNetwork}`, ...env } });
}

/** What the app's test and script both do, ESM or CommonJS. */
const SCENARIO = `
  async function fiftyTasks(marketplace, extra = {}) {
    const compute = createCompute({ marketplace, journal: false, budget: { total: 1 }, ...extra });
    const embed = compute.workload('embed', {
      gpu: { model: ['A100', 'H100'] },
      image: 'ghcr.io/acme/embedder:1.4',
      scaling: { minNodes: 0, maxNodes: 4, concurrencyPerNode: 4 },
    });
    const out = await Promise.all(Array.from({ length: 50 }, (_, i) => embed.run({ i, ms: 10 })));
    await compute.shutdown();
    return out.map((o) => o.echo.i);
  }
  async function offline() {
    const cause = await fetch('https://example.com/').then(() => 'reached', (e) => e.cause?.code ?? e.code);
    return cause;
  }`;

beforeAll(() => {
  app = installPackedApp(work, { name: 'fresh-app', private: true, type: 'module' });
  writeFileSync(join(app, 'vitest.config.mjs'), `export default { test: { include: ['test/**/*.test.mjs'], pool: 'forks', testTimeout: 20000 } };\n`);
  mkdirSync(join(app, 'test'));
  writeFileSync(
    join(app, 'test', 'billing.test.mjs'),
    `import { afterEach, describe, expect, it } from 'vitest';
     import { createCompute } from 'adaptive-compute';
     import { createFakeMarketplace, marketplaceHandlers } from 'adaptive-compute/testing';
     ${SCENARIO}
     const opened = [];
     afterEach(async () => { for (const m of opened.splice(0)) await m.close(); });

     describe('my app on a fake marketplace', () => {
       it('runs offline', async () => {
         expect(await offline()).toBe('ENETUNREACH');
       });

       it('runs 50 tasks through a workload and pays for them (createFakeMarketplace)', async () => {
         const market = await createFakeMarketplace({ coldStartMs: 100, serviceMs: 20 });
         opened.push(market);
         expect(await fiftyTasks({ url: market.url, apiKey: market.apiKey })).toEqual([...Array(50).keys()]);
         market.expectNoLiveLeases();
         const bill = market.bill();
         expect(bill.leases.length).toBeGreaterThan(0);
         expect(bill.total).toBeGreaterThan(0);
         expect(bill.total).toBeCloseTo(bill.leases.reduce((sum, l) => sum + l.cost, 0), 5);
         market.expectBillAtMost(0.05);
       });

       it('runs 50 tasks through the msw handlers and their dispatcher (marketplaceHandlers)', async () => {
         const market = await marketplaceHandlers({ coldStartMs: 100, serviceMs: 20 });
         opened.push(market);
         expect(await fiftyTasks(market.connection, { nodeDispatcher: market.dispatcher })).toEqual([...Array(50).keys()]);
         market.expectNoLiveLeases();
         expect(market.bill().total).toBeGreaterThan(0);
         market.expectBillAtMost(0.05);
       });
     });
    `,
  );
  writeFileSync(
    join(app, 'billing.cjs'),
    `const { createCompute } = require('adaptive-compute');
     const { createFakeMarketplace, marketplaceHandlers } = require('adaptive-compute/testing');
     ${SCENARIO}
     (async () => {
       const fake = await createFakeMarketplace({ coldStartMs: 100, serviceMs: 20 });
       const fakeOut = await fiftyTasks({ url: fake.url, apiKey: fake.apiKey });
       fake.expectNoLiveLeases();
       const fakeBill = fake.bill();
       await fake.close();
       const handlers = await marketplaceHandlers({ coldStartMs: 100 });
       const mswOut = await fiftyTasks(handlers.connection, { nodeDispatcher: handlers.dispatcher });
       handlers.expectNoLiveLeases();
       const mswBill = handlers.bill().total;
       await handlers.close();
       console.log(JSON.stringify({ offline: await offline(), fakeOk: fakeOut.every((v, i) => v === i) && fakeOut.length === 50, fakeBill, mswOk: mswOut.length === 50, mswBill }));
     })();`,
  );
}, 120_000);

describe('adaptive-compute/testing from the packed tarball, network disabled', () => {
  it('a vitest file in a fresh app runs 50 tasks on createFakeMarketplace (and the msw handlers) and asserts the bill', async () => {
    const r = await run([join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', app, '--config', join(app, 'vitest.config.mjs')], 90_000);
    const output = `${r.stdout}\n${r.stderr}`;
    expect(r.code, output).toBe(0);
    expect(output).toMatch(/Tests\s+.*3 passed/);
  }, 120_000);

  it('the same through require() in a CommonJS script, which exits on its own', async () => {
    const r = await run(['--unhandled-rejections=strict', 'billing.cjs'], 60_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout.trim()) as { offline: string; fakeOk: boolean; fakeBill: { total: number; leases: { cost: number }[] }; mswOk: boolean; mswBill: number };
    expect(s.offline).toBe('ENETUNREACH');
    expect(s.fakeOk).toBe(true);
    expect(s.fakeBill.total).toBeGreaterThan(0);
    expect(s.fakeBill.total).toBeCloseTo(s.fakeBill.leases.reduce((sum, l) => sum + l.cost, 0), 5);
    expect(s.mswOk).toBe(true);
    expect(s.mswBill).toBeGreaterThan(0);
  }, 90_000);

  it("import('adaptive-compute') and the fake work with msw impossible to load", async () => {
    const r = await run(
      [
        '--input-type=module',
        '-e',
        `const m = await import('adaptive-compute');
         const t = await import('adaptive-compute/testing');
         const market = await t.createFakeMarketplace({ coldStartMs: 0 });
         await market.close();
         console.log(typeof m.createCompute, await import('msw').then(() => 'msw loaded', (e) => e.code));`,
      ],
      30_000,
      { NODE_OPTIONS: `--import ${noNetwork} --import ${blockMsw}` },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function ERR_MODULE_NOT_FOUND');
  }, 60_000);
});
