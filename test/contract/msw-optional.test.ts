/**
 * msw is an optional peer dependency. With msw made unloadable (as if not
 * installed), the built package must still load by `import` and `require()` (main
 * entry and `/testing`), the loopback fake must work, and only the msw parts fail,
 * with an error that says what to install. Runs against dist/ (npm test builds first).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const blockMsw = fileURLToPath(new URL('./support/block-msw.mjs', import.meta.url));

function node(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', blockMsw, ...args], { cwd: root, encoding: 'utf8', timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

const PROBE = `
  const blocked = await import('msw').then(() => 'loaded', (e) => e.code);
  const fake = await testing.createFakeMarketplace({ coldStartMs: 0 });
  const res = await fetch(fake.url + '/v1/offers', { headers: { authorization: 'Bearer ' + fake.apiKey } });
  await fake.close();
  const handlers = await testing.marketplaceHandlers().then(() => 'no error', (e) => e.code + ': ' + e.message);
  console.log(JSON.stringify({ blocked, create: typeof main.createCompute, fake: res.status, handlers }));`;

describe('msw stays optional', () => {
  it('ESM: import of the main entry and of /testing never loads msw; only marketplaceHandlers() needs it', async () => {
    const out = await node([
      '--input-type=module',
      '-e',
      `const main = await import('adaptive-compute'); const testing = await import('adaptive-compute/testing'); ${PROBE}`,
    ]);
    expect(JSON.parse(out)).toEqual({
      blocked: 'ERR_MODULE_NOT_FOUND',
      create: 'function',
      fake: 200,
      handlers: expect.stringMatching(/^CONFIG_INVALID: .*need msw 2.*npm install --save-dev msw/),
    });
  });

  it('CommonJS: require() of the main entry and of /testing never loads msw', async () => {
    const out = await node(['-e', `(async () => { const main = require('adaptive-compute'); const testing = require('adaptive-compute/testing'); ${PROBE} })()`]);
    expect(JSON.parse(out)).toMatchObject({ blocked: 'ERR_MODULE_NOT_FOUND', create: 'function', fake: 200, handlers: expect.stringMatching(/^CONFIG_INVALID: /) });
  });

  it('the main entry of the build does not mention msw at all', async () => {
    const { readFileSync } = await import('node:fs');
    for (const file of ['dist/index.js', 'dist/index.cjs']) expect(readFileSync(`${root}/${file}`, 'utf8'), file).not.toMatch(/\bmsw\b/);
  });
});
