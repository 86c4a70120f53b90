/**
 * As a user gets it: the packed tarball, unpacked into an app, runs `createCompute()`
 * with no marketplace option end to end (the local marketplace finds the package's
 * own agent script), by `import` and by `require()`, and leaves no agent behind.
 * The app lives under node_modules/.cache (ignored) so that the package's own
 * dependencies resolve from the repository's node_modules, offline.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../support/child.js';
import { installPackedApp, repoRoot } from '../support/packed-app.js';
import { agentPidsOf, waitUntil } from './processes.js';

const work = join(repoRoot, 'node_modules', '.cache', 'adaptive-compute-local-pack');
let app = '';
const runApp = (file: string, timeoutMs: number) => runNode(['--unhandled-rejections=strict', file], { cwd: app, timeoutMs });

beforeAll(() => {
  app = installPackedApp(work);
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

  it.each([
    [
      'ESM',
      'lazy.mjs',
      `const before = new Set(process.moduleLoadList);
       const { createCompute } = await import('adaptive-compute');
       const atImport = process.moduleLoadList.filter((m) => !before.has(m));
       const compute = createCompute();
       const echo = compute.workload('echo', { gpu: { model: 'A100' }, image: 'echo', scaling: { maxNodes: 1 } });
       await echo.run({ n: 1 });
       const atRun = process.moduleLoadList.filter((m) => !before.has(m));
       await compute.shutdown();
       console.log(JSON.stringify({ atImport, atRun }));`,
    ],
    [
      'CommonJS',
      'lazy.cjs',
      `const before = new Set(process.moduleLoadList);
       const { createCompute } = require('adaptive-compute');
       const atImport = process.moduleLoadList.filter((m) => !before.has(m));
       const files = Object.keys(require.cache).filter((f) => f.includes('/node_modules/adaptive-compute/'));
       const fs = require('node:fs');
       const serverCode = files.filter((f) => /child_process|createServer/.test(fs.readFileSync(f, 'utf8')));
       (async () => {
         const compute = createCompute();
         const echo = compute.workload('echo', { gpu: { model: 'A100' }, image: 'echo', scaling: { maxNodes: 1 } });
         await echo.run({ n: 1 });
         const atRun = process.moduleLoadList.filter((m) => !before.has(m));
         await compute.shutdown();
         console.log(JSON.stringify({ atImport, atRun, files: files.length, serverCode }));
       })();`,
    ],
  ])('%s: importing the package loads no child_process nor server code until the local marketplace is needed', async (_kind, file, source) => {
    writeFileSync(join(app, file), source);
    const r = await runApp(file, 60_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as { atImport: string[]; atRun: string[]; files?: number; serverCode?: string[] };
    const childProcess = (list: string[]) => list.filter((m) => /\bchild_process\b/.test(m));
    expect(childProcess(out.atImport)).toEqual([]);
    // The probe can see it: the same process loads child_process once a task needs a node.
    expect(childProcess(out.atRun).length).toBeGreaterThan(0);
    if (out.files !== undefined) {
      expect(out.files).toBeGreaterThan(0);
      expect(out.serverCode).toEqual([]);
    }
  }, 90_000);
});
