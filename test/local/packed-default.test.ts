/**
 * As a user gets it: the packed tarball, unpacked into an app, runs `createCompute()`
 * with no marketplace option end to end (the local marketplace finds the package's
 * own agent script), by `import` and by `require()`, and leaves no agent behind.
 * The app lives under node_modules/.cache (ignored) so that the package's own
 * dependencies resolve from the repository's node_modules, offline.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { agentPidsOf, waitUntil } from './processes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = join(root, 'node_modules', '.cache', 'adaptive-compute-local-pack');
const app = join(work, 'app');

function runApp(file: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--unhandled-rejections=strict', file], { cwd: app });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, pid: child.pid ?? -1 });
    });
  });
}

beforeAll(() => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(app, 'node_modules', 'adaptive-compute'), { recursive: true });
  execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: root, stdio: 'pipe' });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
  execFileSync('tar', ['-xzf', join(work, tarball), '-C', join(app, 'node_modules', 'adaptive-compute'), '--strip-components=1']);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
}, 120_000);

describe('packed tarball with the default (local) marketplace', () => {
  it.each([
    [
      'ESM',
      'default.mjs',
      `import { createCompute } from 'adaptive-compute';
       const compute = createCompute();
       const llm = compute.workload('llm', { gpu: { model: 'L4' }, image: 'tokens', scaling: { maxNodes: 2, concurrencyPerNode: 4 } });
       const out = await Promise.all([1, 2, 3].map((n) => llm.run({ inputTokens: 10, outputTokens: n })));
       await compute.shutdown();
       console.log(JSON.stringify(out.map((o) => o.outputTokens)));`,
    ],
    [
      'CommonJS',
      'default.cjs',
      `const { createCompute } = require('adaptive-compute');
       (async () => {
         const compute = createCompute();
         const echo = compute.workload('echo', { gpu: { model: 'A100' }, image: 'echo', scaling: { maxNodes: 1 } });
         const out = await echo.run({ n: 1 });
         await compute.shutdown();
         console.log(JSON.stringify(out));
       })();`,
    ],
  ])('%s: runs tasks on agent processes, exits on its own, leaves no process', async (_kind, file, source) => {
    writeFileSync(join(app, file), source);
    const r = await runApp(file, 60_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual(file.endsWith('.mjs') ? [1, 2, 3] : { echo: { n: 1 } });
    expect(await waitUntil(() => agentPidsOf(r.pid).length === 0, 5_000)).toBe(true);
  }, 90_000);
});
