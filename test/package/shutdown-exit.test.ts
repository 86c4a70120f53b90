/**
 * A pending `run()`, `await compute.shutdown()` and `await compute.recovered()` keep
 * Node running even when nothing but their own retry pauses is left to do so. Here the marketplace is another party (an object whose
 * calls answer at once), so no socket or server holds the process open, and the
 * first releases fail: shutdown must keep Node alive through its retry pause. Run on
 * the build, in a child process that must print its result and exit 0 by itself
 * (Node exits 13 when it empties its event loop with a top-level await pending).
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { runNode } from '../support/child.js';
import { repoRoot } from '../support/packed-app.js';

const dir = mkdtempSync(join(tmpdir(), 'ac-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('shutdown in a process with nothing else to keep it running', () => {
  it('retries a failing release, settles, and the process then exits on its own', async () => {
    const entry = pathToFileURL(join(repoRoot, 'dist', 'index.js')).href;
    const script = join(dir, 'app.mjs');
    writeFileSync(
      script,
      `import { createCompute, ComputeError } from ${JSON.stringify(entry)};
       const at = () => new Date().toISOString();
       let state = 'running';
       let deletes = 0;
       const lease = () => ({ id: 'l1', offerId: 'o', state, endpoint: null, nodeToken: null, pricePerHour: 1, createdAt: at(), readyAt: null, endedAt: null, billedSec: 1, cost: 0, tags: {} });
       const market = {
         listOffers: async () => [{ id: 'o', gpu: { model: 'A100', count: 1, memoryGb: 80 }, pricePerHour: 1, currency: 'USD', billingIncrementSec: 1, minLeaseSec: 0, interruptible: false, region: 'x', reliability: 1, coldStartSec: 600, available: 1 }],
         createLease: async () => ({ ...lease(), state: 'provisioning' }),
         getLease: async () => ({ ...lease(), state: 'provisioning' }),
         listLeases: async () => [],
         releaseLease: async () => {
           deletes++;
           if (deletes < 3) throw new ComputeError('MARKET_UNAVAILABLE', 'try again', { retryable: true });
           state = 'terminated';
           return lease();
         },
         close: async () => {},
       };
       const compute = createCompute({ marketplace: market });
       const leased = new Promise((resolve) => compute.on('lease', (e) => e.type === 'acquired' && resolve()));
       const w = compute.workload('w', { gpu: { model: 'A100' }, image: 'i', scaling: { maxNodes: 1 } });
       const task = w.run({}).catch((e) => e.code);
       await leased;
       await compute.shutdown({ graceMs: 0, releaseTimeoutMs: 10_000 });
       console.log(JSON.stringify({ task: await task, deletes }));`,
    );
    const r = await runNode(['--unhandled-rejections=strict', script], { timeoutMs: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ task: 'SHUTDOWN', deletes: 3 });
  }, 30_000);

  it('waits out a retried marketplace call when the caller awaits recovered()', async () => {
    // A marketplace in its own process that answers 503 to the first lease listing.
    const server = spawn(process.execPath, [
      '-e',
      `let calls = 0;
       require('node:http').createServer((req, res) => {
         res.setHeader('content-type', 'application/json');
         if (req.url.startsWith('/v1/leases') && calls++ === 0) {
           res.writeHead(503, { 'retry-after': '1' }).end(JSON.stringify({ error: { code: 'busy', message: 'try later', retryable: true } }));
           return;
         }
         res.end(JSON.stringify(req.url.startsWith('/v1/leases') ? { leases: [] } : { offers: [] }));
       }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`,
    ]);
    try {
      const [port] = (await once(server.stdout, 'data')) as [Buffer];
      const entry = pathToFileURL(join(repoRoot, 'dist', 'index.js')).href;
      const script = join(dir, 'recover.mjs');
      writeFileSync(
        script,
        `import { createCompute } from ${JSON.stringify(entry)};
         const compute = createCompute({ marketplace: { url: 'http://127.0.0.1:${String(port).trim()}', apiKey: 'k' }, clientId: 'recover-test' });
         const released = await compute.recovered();
         await compute.shutdown();
         console.log(JSON.stringify({ released }));`,
      );
      const r = await runNode(['--unhandled-rejections=strict', script], { timeoutMs: 20_000 });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout.trim())).toEqual({ released: 0 });
    } finally {
      server.kill();
    }
  }, 30_000);

  it('keeps a task waiting for a marketplace that is not up yet, and runs it once it is', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const entry = pathToFileURL(join(repoRoot, 'dist', 'index.js')).href;
    const script = join(dir, 'wait.mjs');
    writeFileSync(
      script,
      `import { createCompute } from ${JSON.stringify(entry)};
       const compute = createCompute({ marketplace: { url: 'http://127.0.0.1:${port}', apiKey: 'local' } });
       const w = compute.workload('w', { gpu: { model: 'A100' }, image: 'echo', scaling: { maxNodes: 1 } });
       const output = await w.run({ hello: 1 });
       await compute.shutdown();
       console.log(JSON.stringify(output));`,
    );
    const app = runNode(['--unhandled-rejections=strict', script], { timeoutMs: 40_000 });
    // The marketplace (with its node agents, real processes) comes up two seconds later.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const market = spawn(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'market', '--port', String(port), '--cold-start-ms', '200'], {
      env: { ...process.env, ADAPTIVE_COMPUTE_MARKET_KEY: 'local' },
      stdio: 'ignore',
    });
    try {
      const r = await app;
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout.trim())).toEqual({ echo: { hello: 1 } });
    } finally {
      market.kill('SIGTERM');
    }
  }, 60_000);
});
