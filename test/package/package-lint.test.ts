/**
 * The package as published: publint (package.json fields, exports, files) and
 * @arethetypeswrong/cli (types resolve, ESM/CJS agree) pass for every entry, offline,
 * on the packed tarball; every tsup entry has its `exports` subpath; the main entry's
 * declarations stay small. Runs against dist/ (npm test builds first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { entries } from '../../tsup.config.js';
import { repoRoot } from '../support/packed-app.js';
import { tempDir } from '../support/temp-dir.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
  version: string;
  repository?: { url?: string };
  homepage?: string;
  bugs?: { url?: string };
};
const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);
let tarball = '';

beforeAll(() => {
  const dir = tempDir('ac-lint');
  execFileSync('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: repoRoot, stdio: 'pipe' });
  tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
}, 120_000);

describe('published package', () => {
  it('publint finds nothing to report', () => {
    const out = execFileSync(bin('publint'), ['--strict'], { cwd: repoRoot, encoding: 'utf8', stdio: 'pipe' });
    expect(out).toMatch(/All good/);
  }, 60_000);

  it('arethetypeswrong passes for every entry (node10 through typesVersions, node16 CJS and ESM, bundler)', () => {
    const json = execFileSync(bin('attw'), [tarball, '--format', 'json'], { encoding: 'utf8', stdio: 'pipe' });
    const result = JSON.parse(json) as { analysis: { entrypoints: Record<string, unknown> }; problems?: Record<string, unknown[]> };
    const subpaths = Object.keys(result.analysis.entrypoints).sort();
    expect(subpaths).toEqual(Object.keys(pkg.exports).sort());
    expect(Object.values(result.problems ?? {}).flat()).toEqual([]);
  }, 60_000);

  it('every tsup entry is an exports subpath, and every code subpath a tsup entry', () => {
    const subpathOf = (entry: string) => (entry === 'index' ? '.' : `./${entry}`);
    const codeSubpaths = Object.keys(pkg.exports).filter((s) => s !== './package.json');
    expect(Object.keys(entries).map(subpathOf).sort()).toEqual(codeSubpaths.sort());
  });

  it('the main entry declares only what a user calls (dist/index.d.ts under 700 lines, no internals)', () => {
    const dts = readFileSync(join(repoRoot, 'dist', 'index.d.ts'), 'utf8');
    expect(dts.split('\n').length).toBeLessThan(700);
    for (const internal of ['TaskQueue', 'WorkloadDispatcher', 'WorkloadRuntime', 'RateMeter', 'RetryBudget', 'LocalMarketplace', 'VirtualClock']) {
      expect(dts, internal).not.toMatch(new RegExp(`\\b${internal}\\b`));
    }
  });

  it('README links work on the npm page: absolute URLs (or in-page anchors), and those into the repository name files that exist', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThan(5);
    // On npm a relative link is broken: write https://github.com/adaptive-compute/adaptive-compute/blob/main/<path>.
    for (const target of targets) expect(target, `README link ${target} must be absolute`).toMatch(/^(https?:\/\/|#)/);
    const repoBlob = 'https://github.com/adaptive-compute/adaptive-compute/blob/main/';
    for (const target of targets.filter((t) => t.startsWith(repoBlob))) {
      const file = target.slice(repoBlob.length).split('#')[0]!;
      expect(existsSync(join(repoRoot, file)), target).toBe(true);
    }
  });

  it('says where it lives: repository, homepage and bugs', () => {
    expect(pkg.repository?.url).toMatch(/github\.com\/adaptive-compute\/adaptive-compute/);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.bugs?.url).toMatch(/^https:\/\/.*\/issues$/);
  });
});
