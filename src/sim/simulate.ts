/**
 * The simulator's entry point: read the policy file and the trace, resolve the
 * trace-dependent defaults, run our policy and the baselines, return the report.
 * The CLI (`adaptive-compute simulate`) is a thin shell around this.
 */
import { BASELINE_NAMES, type BaselineName } from './baselines/index.js';
import { loadSimPolicy, resolveLatencyTarget, type SimPolicy } from './config.js';
import type { SimReport } from './report/types.js';
import { runSimulation, type RunOptions } from './run.js';
import { traceStats } from './trace-stats.js';
import { runSweep, type SweepGrid, type SweepReport } from './sweep.js';
import { readTrace } from './trace/index.js';
import type { Trace, TraceFormat } from './trace/types.js';

/** What to simulate. */
export interface SimulateOptions {
  /** Trace file (or ServeGen folder). */
  trace: string;
  /** Reader; detected when omitted. */
  format?: TraceFormat | undefined;
  /** `policy.json` overriding the defaults. */
  policy?: string | undefined;
  /** Baselines to run beside ours. @default all */
  baselines?: readonly BaselineName[] | undefined;
  /** Seed of generated arrivals and spot preemptions. @default 1 */
  seed?: number | undefined;
  onProgress?: ((share: number, policy: string) => void) | undefined;
  /** Policies run at once on worker threads (see {@link RunOptions.jobs}). @default 1 */
  jobs?: number | 'auto' | undefined;
  /** Also run each autoscaler over its tuning grid (see {@link RunOptions.tuneBaselines}). @default false */
  tuneBaselines?: boolean | undefined;
}

/** The report and the settings keys the policy file set. */
export interface SimulateResult {
  report: SimReport;
  policyKeys: string[];
  /** Workload options the policy file gave that the simulator does not model (`gpu`, `scaling.maxQueued`). */
  notModelled: string[];
}

/** Run a whole simulation. Throws `TRACE_INVALID` or `CONFIG_INVALID` with a one-line message. */
export async function simulate(options: SimulateOptions): Promise<SimulateResult> {
  const { trace, policy, keys, notModelled, seed } = await load(options);
  const config = resolveLatencyTarget(policy, traceStats(trace).p99ServiceMs);
  const report = await runSimulation(trace, config, runOptions(options, seed));
  return { report, policyKeys: keys, notModelled };
}

/** A sweep's report and the settings keys the policy file set. */
export interface SimulateSweepResult {
  sweep: SweepReport;
  policyKeys: string[];
  /** As in {@link SimulateResult}. */
  notModelled: string[];
}

/** Run one simulation per cell of `grid` (`--sweep`). Throws like {@link simulate}. */
export async function simulateSweep(options: SimulateOptions & { sweep: SweepGrid }): Promise<SimulateSweepResult> {
  const { trace, policy, keys, notModelled, seed } = await load(options);
  const sweep = await runSweep(trace, policy, options.sweep, runOptions(options, seed));
  return { sweep, policyKeys: keys, notModelled };
}

async function load(options: SimulateOptions): Promise<{ trace: Trace; policy: SimPolicy; keys: string[]; notModelled: string[]; seed: number }> {
  const seed = options.seed ?? 1;
  const { policy, keys, notModelled } = await loadSimPolicy(options.policy);
  const service = { ...policy.serviceTime, defaultServiceMs: policy.serviceTime.defaultMs };
  const trace = await readTrace(options.trace, { format: options.format, service, seed });
  return { trace, policy, keys, notModelled, seed };
}

function runOptions(options: SimulateOptions, seed: number): RunOptions {
  return { baselines: options.baselines ?? BASELINE_NAMES, seed, onProgress: options.onProgress, jobs: options.jobs, tuneBaselines: options.tuneBaselines };
}
