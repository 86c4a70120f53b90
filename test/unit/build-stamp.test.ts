/**
 * The stale-build guard: dist/ counts as a build of the sources only while no build
 * input changed since `npm run build` stamped it and its outputs are the ones that
 * build wrote; otherwise the test run's global setup rebuilds first.
 */
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD_OUTPUTS, staleReason, writeStamp } from '../../scripts/build-stamp.mjs';
import { tempDir } from '../support/temp-dir.js';

function fakeRepo(): string {
  const root = tempDir('build-stamp');
  mkdirSync(join(root, 'src'));
  mkdirSync(join(root, 'dist'));
  writeFileSync(join(root, 'src', 'index.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'package.json'), '{"name":"x"}');
  writeFileSync(join(root, 'tsup.config.ts'), 'export default {};\n');
  for (const out of BUILD_OUTPUTS) writeFileSync(join(root, out), '// built\n');
  return root;
}

describe('build stamp', () => {
  it('is fresh right after the build stamped it', () => {
    const root = fakeRepo();
    expect(staleReason(root)).toMatch(/no build stamp/);
    writeStamp(root);
    expect(staleReason(root)).toBeUndefined();
  });

  it('is stale once a source changes, and fresh again when it is changed back', () => {
    const root = fakeRepo();
    writeStamp(root);
    writeFileSync(join(root, 'src', 'index.ts'), 'export const a = 2;\n');
    expect(staleReason(root)).toMatch(/sources changed/);
    writeFileSync(join(root, 'src', 'index.ts'), 'export const a = 1;\n');
    expect(staleReason(root)).toBeUndefined();
    writeFileSync(join(root, 'src', 'new.ts'), 'export {};\n');
    expect(staleReason(root)).toMatch(/sources changed/);
  });

  it('is stale when an output is missing or was written by something else', () => {
    const root = fakeRepo();
    writeStamp(root);
    utimesSync(join(root, 'dist', 'index.js'), new Date(), new Date(Date.now() + 5_000));
    expect(staleReason(root)).toMatch(/dist\/index\.js changed/);
    rmSync(join(root, 'dist', 'cli.js'));
    expect(staleReason(root)).toMatch(/missing dist\/cli\.js/);
  });
});
