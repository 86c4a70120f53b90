/**
 * The published package must load both ways: `import` (ESM) and `require()` (CJS),
 * main entry and subpaths, with one ComputeError brand shared between the two copies.
 * Runs against dist/ (npm test builds first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

describe('build output', () => {
  it('exists (npm test builds before testing)', () => {
    for (const file of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']) {
      expect(existsSync(`${root}/${file}`), file).toBe(true);
    }
  });

  it('loads with require() and exposes the public API', () => {
    const out = node([
      '-e',
      `const m = require('./dist/index.cjs');
       const e = new m.ComputeError('TIMEOUT', 'x');
       console.log(JSON.stringify({ create: typeof m.createCompute, code: e.code, isErr: e instanceof Error, codes: m.ERROR_CODES.length }));`,
    ]);
    expect(JSON.parse(out)).toEqual({ create: 'function', code: 'TIMEOUT', isErr: true, codes: expect.any(Number) });
  });

  it('loads with import and shares the error brand with the CJS copy', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module';
       import * as esm from './dist/index.js';
       const cjs = createRequire(import.meta.url)('./dist/index.cjs');
       const fromCjs = new cjs.ComputeError('ABORTED', 'x');
       console.log(JSON.stringify({ create: typeof esm.createCompute, cross: fromCjs instanceof esm.ComputeError, notPlain: new Error('x') instanceof esm.ComputeError }));`,
    ]);
    expect(JSON.parse(out)).toEqual({ create: 'function', cross: true, notPlain: false });
  });

  it('throws CONFIG_INVALID synchronously from the built package, naming the field', () => {
    const out = node([
      '-e',
      `const { createCompute } = require('./dist/index.cjs');
       const c = createCompute({ marketplace: { url: 'http://127.0.0.1:1', apiKey: 'k' } });
       try { c.workload('w', { gpu: { model: 'A100' }, image: 'i', scaling: { minNodes: 5, maxNodes: 2 } }); console.log('no throw'); }
       catch (e) { console.log(e.code + ' | ' + e.message); }`,
    ]);
    expect(out).toMatch(/^CONFIG_INVALID \| .*scaling\.maxNodes: must be >= minNodes/);
  });
});
