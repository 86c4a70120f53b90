/**
 * `adaptive-compute simulate`, the work behind the flags: run the simulation,
 * print the table, write the JSON and HTML reports. Loaded lazily by simulate.ts.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ComputeError } from '../errors.js';
import { BASELINE_NAMES, type BaselineName } from '../sim/baselines/index.js';
import { renderHtml } from '../sim/report/html.js';
import { renderJson } from '../sim/report/json.js';
import { progressBar, type ProgressStream } from '../sim/report/progress.js';
import { renderTable } from '../sim/report/table.js';
import { simulate } from '../sim/simulate.js';
import type { TraceFormat } from '../sim/trace/types.js';

/** Parsed flags of `simulate`. */
export interface SimulateFlags {
  trace: string;
  format?: TraceFormat | undefined;
  policy?: string | undefined;
  /** `all`, `none`, or a comma-separated list of baseline names. */
  baselines: string;
  json?: string | undefined;
  html?: string | undefined;
  seed: number;
  /** Policies simulated at once (worker threads); by default one per core, as memory allows. */
  jobs?: number | undefined;
  /** Add a `<baseline>-tuned` row per autoscaler (its cheapest setting that meets the SLO). */
  tuneBaselines?: boolean | undefined;
  /** `--sweep` values (`latencyTargetMs=...`, `coldStartSec=...`): one run per cell of their grid. */
  sweep?: string[] | undefined;
}

/** Where output goes. */
export interface SimulateIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
}

/** `--baselines` to names; an unknown name is a `CONFIG_INVALID` one-liner listing the valid ones. */
export function parseBaselines(raw: string): BaselineName[] {
  const text = raw.trim();
  if (text === 'all') return [...BASELINE_NAMES];
  if (text === 'none' || text === '') return [];
  const names = text.split(',').map((n) => n.trim()).filter((n) => n !== '');
  for (const name of names) {
    if (!(BASELINE_NAMES as readonly string[]).includes(name)) {
      throw new ComputeError('CONFIG_INVALID', `--baselines: unknown baseline "${name}" (use all, none, or a list of ${BASELINE_NAMES.join(', ')})`);
    }
  }
  return [...new Set(names)] as BaselineName[];
}

/** Run `simulate`; resolves with the exit code (errors are thrown as one-line `ComputeError`s). */
export async function runSimulate(flags: SimulateFlags, io: SimulateIo): Promise<number> {
  const baselines = parseBaselines(flags.baselines);
  if (flags.sweep !== undefined && flags.sweep.length > 0) {
    const { runSweepCommand } = await import('./simulate-sweep.js');
    return runSweepCommand(flags, baselines, io);
  }
  const progress = progressBar(io.stderr);
  let result;
  try {
    result = await simulate({ trace: flags.trace, format: flags.format, policy: flags.policy, baselines, seed: flags.seed, jobs: flags.jobs ?? 'auto', tuneBaselines: flags.tuneBaselines, onProgress: (share, policy) => progress.update(share, policy) });
  } finally {
    progress.done();
  }
  const { report, policyKeys } = result;
  noteNotModelled(io, flags.policy, result.notModelled);
  io.stdout.write(renderTable(report, policyKeys));
  // Say where the reports went (absolute: the user may have given a relative path).
  const wrote: string[] = [];
  if (flags.json !== undefined) wrote.push(await write(flags.json, renderJson(report), '--json'));
  if (flags.html !== undefined) wrote.push(await write(flags.html, renderHtml(report, policyKeys), '--html'));
  for (const path of wrote) io.stdout.write(`wrote ${path}\n`);
  return 0;
}

/**
 * Say which workload options of the policy file the simulator leaves out (their names
 * only: `env` holds secrets). On stderr, so that stdout stays the report.
 */
export function noteNotModelled(io: SimulateIo, path: string | undefined, notModelled: readonly string[]): void {
  if (notModelled.length === 0) return;
  io.stderr.write(`note: ${path ?? 'policy'}: not modelled by the simulator, left out: ${notModelled.join(', ')}\n`);
}

/** Write a report file; returns its absolute path. A failure is a `CONFIG_INVALID` naming the flag and the path. */
export async function write(path: string, text: string, flag: string): Promise<string> {
  try {
    await writeFile(path, text);
    return resolve(path);
  } catch (error) {
    throw new ComputeError('CONFIG_INVALID', `${flag} ${path}: cannot write (${(error as { code?: string }).code ?? String(error)})`);
  }
}
