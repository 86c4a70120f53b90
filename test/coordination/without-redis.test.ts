/**
 * On a machine without `redis-server`, the coordination suites skip and say how to
 * install it, and the run still passes. Simulated with a PATH that holds only node.
 */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runNode } from '../support/child.js';
import { repoRoot } from '../support/packed-app.js';
import { tempDir } from '../support/temp-dir.js';

it('skips the Redis suites with an install hint when redis-server is not on PATH', async () => {
  const bin = tempDir('no-redis-bin');
  symlinkSync(process.execPath, join(bin, 'node'));
  const run = await runNode([join(repoRoot, 'node_modules/vitest/vitest.mjs'), 'run', 'test/coordination/leadership.test.ts'], {
    cwd: repoRoot,
    env: { PATH: bin, HOME: process.env.HOME ?? '/tmp', CI: '' },
    timeoutMs: 60_000,
  });
  const out = run.stdout + run.stderr;
  expect(run.code, out).toBe(0);
  expect(out).toMatch(/apt-get install redis-server/);
  expect(out).toMatch(/skipped/);
});
