/**
 * The live smoke tests (npm run smoke:vast / smoke:runpod) rent real nodes, so they
 * are opt-in: without the provider's key they do nothing, say so, and exit 0. They
 * never run in npm test with a key either: this file only checks the skip.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('live provider smoke tests', () => {
  it.each([
    ['vastai', 'VAST_API_KEY'],
    ['runpod', 'RUNPOD_API_KEY'],
  ])('%s without %s: skipped, saying so, exit 0', (provider, key) => {
    const run = spawnSync(process.execPath, ['scripts/smoke-provider.mjs', provider], { cwd: root, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`skipped: ${key} is not set`));
  });

  it('package.json runs them as smoke:vast and smoke:runpod', async () => {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { scripts: Record<string, string> };
    expect(pkg.scripts['smoke:vast']).toContain('scripts/smoke-provider.mjs vastai');
    expect(pkg.scripts['smoke:runpod']).toContain('scripts/smoke-provider.mjs runpod');
    expect(pkg.scripts.test).not.toContain('smoke');
  });
});
