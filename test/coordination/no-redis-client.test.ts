/**
 * Without `coordination`, no Redis client is loaded: the built package imports ioredis
 * only dynamically, and a runtime that ran a task never loaded it. A bad coordination
 * option is CONFIG_INVALID naming the field, without echoing the URL (it may hold a password).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createCompute } from '../../src/index.js';
import { runNode } from '../support/child.js';
import { repoRoot } from '../support/packed-app.js';

it('the built package loads the Redis client only inside a function, never at module load', () => {
  const files = readdirSync(join(repoRoot, 'dist')).filter((f) => /\.(c?js)$/.test(f));
  const uses = files.flatMap((f) =>
    readFileSync(join(repoRoot, 'dist', f), 'utf8')
      .split('\n')
      .filter((line) => line.includes('ioredis')),
  );
  expect(uses.length).toBeGreaterThan(0);
  for (const line of uses) expect(line).toMatch(/await (import\("ioredis"\)|Promise\.resolve\(\)\.then\(\(\) => .*require\("ioredis"\)\))/);
});

it('a runtime without coordination runs a task and never loads ioredis', async () => {
  const script = `
    const { createCompute } = require(${JSON.stringify(join(repoRoot, 'dist', 'index.cjs'))});
    const compute = createCompute({ journal: false, marketplace: { url: 'http://127.0.0.1:1', apiKey: 'k' } });
    const w = compute.workload('w', { gpu: { model: ['A100'] }, image: 'i' });
    w.run({}, { timeoutMs: 300 }).catch(() => {}).finally(async () => {
      await compute.shutdown({ graceMs: 0, releaseTimeoutMs: 0 });
      const loaded = Object.keys(require.cache).filter((k) => k.includes('ioredis'));
      console.log(JSON.stringify({ loaded, coordination: compute.metrics().coordination ?? null }));
    });`;
  const run = await runNode(['-e', script], { cwd: repoRoot, timeoutMs: 20_000 });
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toEqual({ loaded: [], coordination: null });
});

it('a bad coordination option is CONFIG_INVALID naming the field, and the URL is not echoed', () => {
  const secret = 'hunter2-secret';
  let error: unknown;
  try {
    createCompute({ coordination: { redis: `http://:${secret}@redis.example:6379`, group: 'g' } });
  } catch (e) {
    error = e;
  }
  expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
  expect(String((error as Error).message)).toMatch(/coordination\.redis/);
  expect(String((error as Error).message)).not.toContain(secret);
  expect(() => createCompute({ coordination: { redis: 'redis://127.0.0.1:1', group: 'bad group!' } })).toThrow(/coordination\.group/);
  expect(() => createCompute({ coordination: { redis: 'redis://127.0.0.1:1', group: 'g', ttlMs: 10 } })).toThrow(/coordination\.ttlMs/);
});
