/**
 * Every example under examples/ runs as a user would run it: `node <file>` against
 * the BUILT package (`import 'adaptive-compute'` resolves to this repository's
 * dist/ through the package's self-reference: its `name` + `exports`), offline, on
 * the embedded local marketplace or the `/testing` fake, and exits 0.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const vitestBin = `${root}node_modules/vitest/vitest.mjs`;
const tscBin = `${root}node_modules/typescript/bin/tsc`;
/** A kill switch well above the examples' own run time (1-7 s alone), for a loaded 2-core CI machine. */
const KILL_AFTER_MS = 25_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run `node args...` from the repository root with a minimal environment (no app secrets, no proxy). */
function run(args: string[]): Promise<Run> {
  const env: Record<string, string> = { NO_COLOR: '1' };
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Run an example script; expect exit 0 and hand back its output. */
async function example(path: string): Promise<Run> {
  const result = await run([path]);
  expect(result.code, `${path} exited ${String(result.code)}\n${result.stderr}`).toBe(0);
  return result;
}

describe('examples', () => {
  it('the package is built and every example says what it is for on its first line', () => {
    expect(existsSync(`${root}dist/index.js`), 'run `npm run build` first (npm test does)').toBe(true);
    const files = readdirSync(`${root}examples`, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.mjs') && !f.startsWith('demo-burst'));
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const file of files) expect(readFileSync(`${root}examples/${file}`, 'utf8').split('\n')[0], file).toMatch(/^\/\/ Purpose: \S/);
  });

  it('type-check (JSDoc, strict) against the built type declarations: only the public API', async () => {
    const result = await run([tscBin, '-p', 'examples']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('quick-start', async () => {
    const { stdout } = await example('examples/quick-start/index.mjs');
    expect(stdout).toContain('first answer: {"echo":{"text":"hello","ms":50}}');
    expect(stdout).toContain('map: 20 results in order');
    expect(stdout).toMatch(/\[lease\] released/);
  });

  it('budget-alerts', async () => {
    const { stdout } = await example('examples/budget-alerts/index.mjs');
    expect(stdout).toContain('global total at 50%');
    expect(stdout).toMatch(/refused with BUDGET_EXHAUSTED/);
    // Each level fires when committed spend crosses it: its figure is at least the level.
    for (const m of stdout.matchAll(/global total at (\d+)% \(\$([\d.]+) of \$([\d.]+) committed\)/g)) {
      expect(Number(m[2])).toBeGreaterThanOrEqual((Number(m[3]) * Number(m[1])) / 100 - 1e-6);
    }
    expect(stdout).toContain('[forecast]');
  });

  it('batch-map', async () => {
    const { stdout, stderr } = await example('examples/batch-map/index.mjs');
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; outputTokens: number; text: string });
    expect(lines.map((l) => l.id)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(lines.every((l) => l.text.split(' ').length === l.outputTokens)).toBe(true);
    expect(stderr).toContain('40/40 100%');
  });

  it('openai-chat', async () => {
    const { stdout } = await example('examples/openai-chat/index.mjs');
    const answer = /^answer \(24 tokens, length\): (.+)$/m.exec(stdout)?.[1];
    expect(answer).toBeDefined();
    expect(stdout).toContain(`streamed: ${answer}\n`);
    expect(Number(/\((\d+) chunks\)/.exec(stdout)?.[1])).toBeGreaterThan(1);
  });

  it('testing-with-vitest (run with vitest, as its header says)', async () => {
    const result = await run([vitestBin, 'run', '--root', 'examples/testing-with-vitest']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/1 passed/);
  });

  it('pause-resume', async () => {
    const { stdout } = await example('examples/pause-resume/index.mjs');
    expect(stdout).toMatch(/paused: 0 nodes/);
    expect(stdout).toMatch(/resume: held tasks run/);
    expect(Number(/24 jobs done; (\d+) sent during the closed hours/.exec(stdout)?.[1])).toBeGreaterThanOrEqual(10);
  });
});
