/**
 * An app is killed with SIGKILL while it holds leases; started again with the same
 * journal and tag, it gives every old lease back within seconds. Then SIGTERM with
 * `handleSignals: true` drains it and releases everything before it exits.
 * The app is a real child process running the built package; the marketplace lives
 * in the test process, so it outlives the app.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createFakeMarketplace } from '../../src/testing/index.js';

const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ac-crash-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const APP = `
import { createCompute } from ${JSON.stringify(dist)};
const [url, apiKey, journal] = process.argv.slice(1);
const compute = createCompute({ marketplace: { url, apiKey }, clientId: 'crash-app', journal, handleSignals: true, signalGraceMs: 2000 });
compute.on('lease', (e) => { if (e.type === 'released') console.log('released ' + e.leaseId + ' ' + e.reason); });
const w = compute.workload('w', { gpu: { model: 'A100' }, image: 'i', scaling: { minNodes: 2, maxNodes: 2 } });
let ready = 0;
compute.on('lease', (e) => { if (e.type === 'ready' && ++ready === 2) console.log('ready'); });
setInterval(() => {}, 1000);
`;

function startApp(url: string, apiKey: string, journal: string): { child: ChildProcess; lines: string[]; waitFor(text: string, ms: number): Promise<void> } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', APP, url, apiKey, journal], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  child.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (d: Buffer) => lines.push(`stderr: ${d.toString()}`));
  const waitFor = async (text: string, ms: number): Promise<void> => {
    const until = Date.now() + ms;
    while (!lines.some((l) => l.includes(text))) {
      if (Date.now() > until) throw new Error(`no "${text}" within ${ms} ms:\n${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, lines, waitFor };
}

describe('crash recovery', () => {
  it('after kill -9, the next start releases every old lease; SIGTERM then releases the rest', async () => {
    const market = await createFakeMarketplace({ coldStartMs: 200 });
    try {
      const journal = join(dir, 'journal.json');
      const first = startApp(market.url, market.apiKey, journal);
      await first.waitFor('ready', 20_000);
      const held = market.liveLeases().map((l) => l.id);
      expect(held).toHaveLength(2);
      expect(readFileSync(journal, 'utf8')).toContain(held[0]!);
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      expect(market.liveLeases().map((l) => l.id).sort()).toEqual([...held].sort());

      const restarted = Date.now();
      const second = startApp(market.url, market.apiKey, journal);
      for (const id of held) await second.waitFor(`released ${id}`, 10_000);
      expect(Date.now() - restarted).toBeLessThan(10_000);
      for (const id of held) expect(market.lease(id)!.state).toBe('terminated');
      await second.waitFor('ready', 20_000);
      expect(market.liveLeases()).toHaveLength(2);

      second.child.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => second.child.once('exit', (c) => r(c)));
      expect(code).toBe(143);
      expect(market.liveLeases()).toHaveLength(0);
      expect(existsSync(journal)).toBe(false);
    } finally {
      await market.close();
    }
  }, 60_000);
});
