/**
 * Several processes of one app, started at the same moment from one folder with the
 * default client id and journal, each renting a lease; all killed with SIGKILL; one
 * restart then gives back the leases of every one of them, whichever journal file
 * (`<id>` or `<id>-<pid>`) each used. Real child processes running the built package,
 * the marketplace in the test process (it outlives them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createFakeMarketplace } from '../../src/testing/index.js';
import { tempDir } from '../support/temp-dir.js';

const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const dir = tempDir('ac-journals');
const tmp = join(dir, 'tmp');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

// Every process waits for the same wall-clock moment before it creates its runtime,
// so that their journal claims race as hard as they can.
const APP = `
import { createCompute } from ${JSON.stringify(dist)};
const [url, apiKey, startAt, leases] = process.argv.slice(2);
while (Date.now() < Number(startAt)) {}
const compute = createCompute({ marketplace: { url, apiKey } });
console.log('client ' + compute.clientId);
compute.on('lease', (e) => { if (e.type === 'ready') console.log('ready ' + e.leaseId); });
compute.on('warning', (e) => console.log('warning ' + e.during + ': ' + e.error.message));
const n = Number(leases);
compute.workload('w', { gpu: { model: 'A100' }, image: 'i', scaling: { minNodes: n, maxNodes: Math.max(1, n) } });
compute.recovered().then((count) => console.log('recovered ' + count));
setInterval(() => {}, 1000);
`;
const appFile = join(dir, 'app.mjs');
writeFileSync(appFile, APP);

function start(url: string, apiKey: string, startAt: number, leases: number) {
  // Same folder, same script: the same derived client id for all. TMPDIR keeps the journals in the test's folder.
  const child = spawn(process.execPath, [appFile, url, apiKey, String(startAt), String(leases)], {
    cwd: dir,
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  child.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (d: Buffer) => lines.push(`stderr: ${d.toString()}`));
  const waitFor = async (test: (line: string) => boolean, ms: number): Promise<string> => {
    const until = Date.now() + ms;
    for (;;) {
      const line = lines.find(test);
      if (line !== undefined) return line;
      if (Date.now() > until) throw new Error(`no such line within ${ms} ms:\n${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, lines, waitFor };
}

describe('journals of every process on the host', () => {
  it('processes started at the same moment get distinct client ids; a restart recovers all of them after kill -9', async () => {
    const market = await createFakeMarketplace({ coldStartMs: 100 });
    try {
      const startAt = Date.now() + 1500;
      const apps = Array.from({ length: 4 }, () => start(market.url, market.apiKey, startAt, 1));
      const ids = await Promise.all(apps.map(async (a) => (await a.waitFor((l) => l.startsWith('client '), 30_000)).slice(7)));
      expect(new Set(ids).size).toBe(ids.length);
      await Promise.all(apps.map((a) => a.waitFor((l) => l.startsWith('ready '), 30_000)));
      const held = market.liveLeases().map((l) => l.id);
      expect(held).toHaveLength(4);
      // Each process rented under its own id: the tags say so.
      expect(new Set(market.liveLeases().map((l) => l.tags.client)).size).toBe(4);

      for (const a of apps) a.child.kill('SIGKILL');
      await Promise.all(apps.map((a) => (a.child.exitCode === null ? new Promise((r) => a.child.once('exit', r)) : undefined)));
      expect(market.liveLeases()).toHaveLength(4);

      // One restart, renting nothing itself, gives back what all four left.
      const again = start(market.url, market.apiKey, 0, 0);
      const recovered = await again.waitFor((l) => l.startsWith('recovered '), 30_000);
      expect(recovered).toBe('recovered 4');
      for (const id of held) expect(market.lease(id)!.state).toBe('terminated');
      again.child.kill('SIGKILL');
      await new Promise((r) => again.child.once('exit', r));
      // The dead processes' journals were taken over: only the restart's own is left.
      const left = readdirSync(join(tmp, 'adaptive-compute')).filter((f) => f.endsWith('.json'));
      expect(left).toHaveLength(1);
    } finally {
      await market.close();
    }
  }, 90_000);
});
