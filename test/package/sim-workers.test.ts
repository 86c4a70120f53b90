/**
 * Policies simulated side by side on worker threads give the report one thread
 * gives: the pool (src) driving the built worker script (dist/sim-worker.js, which
 * npm test builds first), and the CLI's --jobs end to end. A worker that fails
 * rejects the run instead of leaving it pending.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BASELINE_NAMES } from '../../src/sim/baselines/index.js';
import { parseSimPolicy, resolveLatencyTarget } from '../../src/sim/config.js';
import { defaultJobs, runInWorkers } from '../../src/sim/parallel.js';
import { ADAPTIVE, runPolicy, type PolicyRunInput } from '../../src/sim/run.js';
import { traceStats } from '../../src/sim/trace-stats.js';
import { readTrace } from '../../src/sim/trace/index.js';
import { tempDir } from '../support/temp-dir.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const workerScript = join(root, 'dist', 'sim-worker.js');
const cli = join(root, 'dist', 'cli.js');
const azure = fileURLToPath(new URL('../fixtures/traces/azure-conv-5min.csv', import.meta.url));
const run = promisify(execFile);

async function input(): Promise<PolicyRunInput> {
  const policy = parseSimPolicy({});
  const trace = await readTrace(azure, { service: { ...policy.serviceTime, defaultServiceMs: policy.serviceTime.defaultMs }, seed: 1 });
  const stats = traceStats(trace);
  const config = resolveLatencyTarget(policy, stats.p99ServiceMs);
  return { trace, config, stats, seed: 1, sampleMs: 1000, timeline: undefined };
}

describe('simulation on worker threads', () => {
  it('returns, in order, the results each policy gives on this thread', async () => {
    const shared = await input();
    const names = [ADAPTIVE, ...BASELINE_NAMES];
    const progress: number[] = [];
    const parallel = await runInWorkers(shared, names, 2, { onProgress: (share) => progress.push(share) }, workerScript);
    expect(parallel).toBeDefined();
    const here = names.map((name) => runPolicy(shared, name));
    expect(parallel!.map((r) => r.policy)).toEqual(names);
    expect(parallel).toEqual(here);
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((share, i) => i === 0 || share >= progress[i - 1]!)).toBe(true);
  });

  it('rejects when a worker cannot start or stops before its policy is done', async () => {
    const dir = tempDir('sim-worker');
    const broken = join(dir, 'broken.mjs');
    writeFileSync(broken, 'throw new Error("broken worker");\n');
    const quits = join(dir, 'quits.mjs');
    writeFileSync(quits, 'import { parentPort } from "node:worker_threads"; parentPort.on("message", () => process.exit(3));\n');
    const shared = await input();
    await expect(runInWorkers(shared, [ADAPTIVE, 'hpa'], 2, {}, broken)).rejects.toThrow('broken worker');
    await expect(runInWorkers(shared, [ADAPTIVE, 'hpa'], 2, {}, quits)).rejects.toThrow(/exit code 3/);
  });

  it('by default runs one policy per core, fewer when the trace would not fit in memory', () => {
    expect(defaultJobs(1000)).toBe(availableParallelism());
    // A trillion requests at 32 B each: not even two runs fit at once.
    expect(defaultJobs(1e12)).toBe(1);
  });

  it('--jobs 2 and --jobs 1 write the same JSON report', async () => {
    const dir = tempDir('sim-jobs');
    const outs: string[] = [];
    for (const jobs of ['1', '2']) {
      const json = join(dir, `jobs${jobs}.json`);
      await run(process.execPath, [cli, 'simulate', '--trace', azure, '--baselines', 'all', '--jobs', jobs, '--json', json]);
      outs.push(readFileSync(json, 'utf8'));
    }
    expect(JSON.parse(outs[1]!).policies).toHaveLength(BASELINE_NAMES.length + 1);
    expect(outs[1]).toBe(outs[0]);
  });
});
