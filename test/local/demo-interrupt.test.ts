/**
 * Ctrl-C in the demo, as a terminal sends it: SIGINT to the whole foreground process
 * group. The demo stops renting at once, lets the tasks in flight finish on agents
 * that the signal did not reach (they run in a group of their own), releases every
 * lease, and exits 130 with no agent left.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DemoSummary } from '../../src/cli/demo/summary.js';
import { agentPidsOf, isRunning, waitUntil } from './processes.js';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

describe('demo: Ctrl-C', () => {
  it('stops renting at once, drains on agents the signal did not reach, releases everything and exits 130', async () => {
    // detached: a process group of its own, as a shell gives a foreground job.
    const demo = spawn(process.execPath, [cli, 'demo', '--duration', '30', '--json'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    demo.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    demo.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(demo, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      // Signal while busy: two nodes serving and tasks in flight.
      expect(await waitUntil(() => (stderr.match(/ ready: /g) ?? []).length >= 2, 30_000, 50), stderr).toBe(true);
      const agents = agentPidsOf(demo.pid!);
      expect(agents.length).toBeGreaterThanOrEqual(2);
      process.kill(-demo.pid!, 'SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The signal went to the demo's group only: its nodes still run, finishing their tasks.
      expect(agents.filter(isRunning).length).toBeGreaterThanOrEqual(1);

      const [code] = await exited;
      expect(code, stderr).toBe(130);
      expect(stderr).toMatch(/interrupted: renting nothing more/);
      const summary = JSON.parse(stdout.trim()) as DemoSummary;
      expect(summary.interruptedAtSec).not.toBeNull();
      // No lease after the signal.
      const after = summary.scale.decisions.filter((d) => d.atSec > summary.interruptedAtSec! && d.added > 0);
      expect(after).toEqual([]);
      // Tasks in flight finished or were never run; none died with its node.
      expect(Object.keys(summary.tasks.failures).filter((c) => c !== 'SHUTDOWN')).toEqual([]);
      expect(await waitUntil(() => agentPidsOf(demo.pid!).length === 0 && agents.every((p) => !isRunning(p)), 5_000)).toBe(true);
    } finally {
      if (demo.exitCode === null) demo.kill('SIGKILL');
    }
  }, 90_000);
});
