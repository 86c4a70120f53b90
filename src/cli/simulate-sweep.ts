/**
 * `adaptive-compute simulate --sweep`: one run per cell of a grid of latency targets
 * and cold starts; prints the frontier table and writes the sweep's JSON (a block
 * per cell) and HTML (cost against latency target per policy).
 */
import type { BaselineName } from '../sim/baselines/index.js';
import { progressBar } from '../sim/report/progress.js';
import { renderSweepHtml } from '../sim/report/sweep-html.js';
import { renderSweepJson } from '../sim/report/sweep-json.js';
import { renderSweepTable } from '../sim/report/sweep-table.js';
import { simulateSweep } from '../sim/simulate.js';
import { parseSweep } from '../sim/sweep.js';
import { noteNotModelled, write, type SimulateFlags, type SimulateIo } from './simulate-run.js';

/** Run the sweep `flags.sweep` asks for; resolves with the exit code. */
export async function runSweepCommand(flags: SimulateFlags, baselines: BaselineName[], io: SimulateIo): Promise<number> {
  const grid = parseSweep(flags.sweep ?? []);
  const progress = progressBar(io.stderr);
  let result;
  try {
    result = await simulateSweep({
      trace: flags.trace,
      format: flags.format,
      policy: flags.policy,
      baselines,
      seed: flags.seed,
      jobs: flags.jobs ?? 'auto',
      tuneBaselines: flags.tuneBaselines,
      sweep: grid,
      onProgress: (share, policy) => progress.update(share, policy),
    });
  } finally {
    progress.done();
  }
  noteNotModelled(io, flags.policy, result.notModelled);
  io.stdout.write(renderSweepTable(result.sweep));
  if (flags.json !== undefined) await write(flags.json, renderSweepJson(result.sweep), '--json');
  if (flags.html !== undefined) await write(flags.html, renderSweepHtml(result.sweep), '--html');
  return 0;
}
