/**
 * The `adaptive-compute` CLI as a user runs it (dist/cli.js, built by `npm test`
 * before vitest): help and exit codes, one-line errors for bad flags, and the demo
 * end to end with its JSON summary.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNode, type ChildRun } from '../support/child.js';
import type { DemoSummary } from '../../src/cli/demo/summary.js';
import { agentPidsOf, waitUntil } from './processes.js';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** Run the built CLI with a minimal environment (as a user's shell would, no test env leaking in). */
function run(args: string[], timeoutMs = 30_000): Promise<ChildRun> {
  return runNode([cli, ...args], { timeoutMs, env: { PATH: process.env.PATH ?? '' } });
}

describe('adaptive-compute CLI', () => {
  it('ends quietly with 0 when its reader closes the pipe early (| head)', async () => {
    const child = spawn(process.execPath, [cli, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first line is written
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it.each([[[]], [['--help']], [['demo', '--help']], [['market', '--help']], [['agent', '--help']]])('%j prints help and exits 0', async (args) => {
    const r = await run(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: adaptive-compute/);
  });

  it.each([
    [['demo', '--budget', '-1'], 'budget'],
    [['demo', '--duration', 'soon'], 'duration'],
    [['demo', '--burst', 'big'], 'burst'],
    [['market', '--port', '70000'], 'port'],
    [['demo', '--bogus'], 'bogus'],
    [['frobnicate'], 'frobnicate'],
  ])('%j exits 2 with one error line naming %s', async (args, name) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toContain(name);
    expect(r.stdout).toBe('');
  });

  it('demo --duration 20 --json: one JSON object, scale up and down with reasons, cost within budget, no process left', async () => {
    const r = await run(['demo', '--duration', '20', '--json'], 90_000);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!) as DemoSummary;
    expect(summary.tasks.total).toBe(summary.burst.requests);
    expect(summary.tasks.succeeded).toBe(summary.tasks.total);
    const ups = summary.scale.decisions.filter((d) => d.direction === 'up');
    const downs = summary.scale.decisions.filter((d) => d.direction === 'down');
    expect(ups.length).toBeGreaterThanOrEqual(1);
    expect(downs.length).toBeGreaterThanOrEqual(1);
    for (const d of [...ups, ...downs]) expect(d.reason.length).toBeGreaterThan(5);
    expect(summary.cost).toBeGreaterThan(0);
    expect(summary.cost).toBeLessThanOrEqual(summary.budget);
    expect(summary.nodeSeconds).toBeGreaterThan(0);
    expect(summary.owningPeak.cost).toBeGreaterThan(0);
    expect(summary.latencyMs.p50).toBeGreaterThan(0);
    expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p95 ?? 0);
    expect(r.ms).toBeLessThan(60_000);
    expect(await waitUntil(() => agentPidsOf(r.pid).length === 0, 5_000)).toBe(true);
  }, 120_000);
});
