/**
 * A whole simulation: one trace, our policy and the chosen baselines, each on its
 * own engine with the same nodes, billing, spot market and seed; plus the
 * clairvoyant lower bound. Returns a {@link SimReport}; nothing here prints.
 */
import { BudgetLedger } from '../budget/ledger.js';
import type { PlannerPolicy } from '../controller/observation.js';
import { createBaseline, lowerBound, type BaselineName, type LowerBound, type PolicyContext } from './baselines/index.js';
import type { SimConfig } from './config.js';
import { AdaptiveController } from './controllers/adaptive.js';
import { BaselineController } from './controllers/baseline.js';
import { Engine } from './engine.js';
import { onDemandOffer, SIM_GPU, spotOffer } from './offers.js';
import { ADAPTIVE, settingOf, summarise, type PolicyResult } from './results.js';
import { isTunable, pickTuned, tuningGrid, tuningId, type Tuning } from './baselines/tuning.js';
import { spotTimeline, type SpotTimeline } from './spot.js';
import { loadPerBucket, nodesForLoad, openingLoad, traceStats, type TraceStats } from './trace-stats.js';
import type { Trace } from './trace/types.js';
import type { SimReport } from './report/types.js';
import { defaultJobs, runInWorkers } from './parallel.js';

export { ADAPTIVE } from './results.js';

// Requests still waiting this long after the last arrival are given up on.
const MAX_TAIL_MS = 24 * 3_600_000;
// At most this many chart buckets per run.
const MAX_BUCKETS = 720;

/** Options of {@link runSimulation}. */
export interface RunOptions {
  /** Baselines to run beside ours. */
  baselines: readonly BaselineName[];
  seed: number;
  /** Progress of the whole simulation, 0..1, with the policy being run. */
  onProgress?: ((share: number, policy: string) => void) | undefined;
  /** Called as each policy's run starts and ends (the benchmark times them; nothing here reads a clock). Runs in worker threads report neither. */
  onPolicy?: ((phase: 'start' | 'end', policy: string) => void) | undefined;
  /**
   * Policies run at once, each in a worker thread of its own (the results do not
   * depend on it). Worker threads need the built package (`dist/sim-worker.js`);
   * without it, or with 1, every policy runs on this thread. `auto`: one per core,
   * as far as free memory allows for this trace. @default 1
   */
  jobs?: number | 'auto' | undefined;
  /**
   * Also run each autoscaler among `baselines` over its tuning grid (target knob 0.25x
   * to 2x, `minNodes` 0 and 1) and add a `<baseline>-tuned` row: its cheapest setting
   * that met the SLO. @default false
   */
  tuneBaselines?: boolean | undefined;
}

/**
 * Everything one policy's run needs besides the policy's name: the same for every
 * policy of a simulation, and plain data, so that a worker thread can run a policy
 * from it as well as this thread can.
 */
export interface PolicyRunInput {
  trace: Trace;
  config: SimConfig;
  stats: TraceStats;
  seed: number;
  sampleMs: number;
  timeline: SpotTimeline | undefined;
}

/** One policy's run: ours, a baseline at its defaults, or an autoscaler at a point of its tuning grid. */
export interface PolicyRun {
  /** Row id in the report. */
  id: string;
  /** `adaptive` or a baseline's name. */
  policy: string;
  tuning?: Tuning | undefined;
}

/** A run under a config of its own (a sweep's cell) instead of the input's. */
export interface PolicyTask {
  run: PolicyRun;
  config: SimConfig;
}

/** What a worker or this thread is asked to run: a policy by name under the input's config, or a task. */
export type PolicyJob = string | PolicyTask;

/** Simulate `trace` under `config` for our policy and the baselines. */
export async function runSimulation(trace: Trace, config: SimConfig, options: RunOptions): Promise<SimReport> {
  const [report] = await runSimulations(trace, [config], options);
  return report!;
}

/**
 * Simulate `trace` under each of `configs` (the cells of a sweep), with every policy
 * of every cell on one pool of worker threads, and one report per config. The
 * configs may differ in anything but `spot` (the spot market is drawn once).
 */
export async function runSimulations(trace: Trace, configs: readonly SimConfig[], options: RunOptions): Promise<SimReport[]> {
  const stats = traceStats(trace);
  const sampleMs = Math.max(1000, Math.ceil(stats.spanMs / MAX_BUCKETS / 1000) * 1000);
  const first = configs[0]!;
  const timeline = first.spot ? await spotTimeline(first.spot, stats.spanMs + MAX_TAIL_MS, options.seed) : undefined;
  const input: PolicyRunInput = { trace, config: first, stats, seed: options.seed, sampleMs, timeline };
  const plans = configs.map((config) => policyRuns(config, options));
  const tasks: PolicyTask[] = plans.flatMap((runs, cell) => runs.map((run) => ({ run, config: configs[cell]! })));
  const asked = options.jobs === 'auto' ? defaultJobs(trace.count) : (options.jobs ?? 1);
  const jobs = Math.min(tasks.length, Math.max(1, Math.floor(asked)));
  // Workers start at once; this thread computes the bounds meanwhile.
  const inWorkers = jobs > 1 ? runInWorkers(input, tasks, jobs, options) : undefined;
  const bounds = configs.map((config) => boundOf(trace, config));
  const results = (await inWorkers) ?? runHere(input, tasks, options);
  options.onProgress?.(1, '');
  let at = 0;
  return configs.map((config, cell) => {
    const runs = plans[cell]!;
    const cellResults = results.slice(at, at + runs.length);
    at += runs.length;
    return buildReport(trace, stats, config, options.seed, sampleMs, timeline, withTuned(runs, cellResults), bounds[cell]!);
  });
}

/** Ours, each baseline at its defaults, then (tuning) each autoscaler's grid. */
function policyRuns(config: SimConfig, options: RunOptions): PolicyRun[] {
  const runs: PolicyRun[] = [ADAPTIVE, ...options.baselines].map((name) => ({ id: name, policy: name }));
  if (options.tuneBaselines) {
    for (const name of options.baselines) {
      if (!isTunable(name)) continue;
      for (const tuning of tuningGrid(name, config.minNodes)) runs.push({ id: tuningId(name, tuning), policy: name, tuning });
    }
  }
  return runs;
}

/**
 * The report's rows: the untuned runs as they are, then per tuned autoscaler its
 * `<baseline>-tuned` row (the grid points themselves stay out of the rows).
 */
function withTuned(runs: readonly PolicyRun[], results: PolicyResult[]): { rows: PolicyResult[]; grid: Record<string, PolicyResult[]> } {
  const rows: PolicyResult[] = [];
  const grid: Record<string, PolicyResult[]> = {};
  runs.forEach((run, i) => {
    const result = results[i]!;
    if (run.tuning === undefined) rows.push(result);
    if (isTunable(run.policy) && runs.some((r) => r.tuning !== undefined && r.policy === run.policy)) (grid[run.policy] ??= []).push(result);
  });
  for (const [name, candidates] of Object.entries(grid)) {
    const tuned = pickTuned(name, candidates);
    if (tuned) rows.push(tuned);
  }
  return { rows, grid };
}

function runHere(input: PolicyRunInput, tasks: readonly PolicyTask[], options: RunOptions): PolicyResult[] {
  const results: PolicyResult[] = [];
  for (const [index, task] of tasks.entries()) {
    const id = task.run.id;
    const progress = options.onProgress ? (share: number) => options.onProgress!((index + share) / tasks.length, id) : undefined;
    options.onPolicy?.('start', id);
    results.push(runPolicy({ ...input, config: task.config }, task.run, progress));
    options.onPolicy?.('end', id);
  }
  return results;
}

/** Run one policy (ours or a baseline by name, or a {@link PolicyRun}) on its own engine, under `input.config`. */
export function runPolicy(input: PolicyRunInput, which: string | PolicyRun, onProgress?: (share: number) => void): PolicyResult {
  const run: PolicyRun = typeof which === 'string' ? { id: which, policy: which } : which;
  const { trace, config, stats, seed, sampleMs, timeline } = input;
  const onDemand = onDemandOffer(config);
  const spot = spotOffer(config);
  const minNodes = run.tuning?.minNodes ?? config.minNodes;
  const targetFactor = run.tuning?.targetFactor ?? 1;
  // The warm start holds what the trace asks before a node rented at its start could
  // serve: the busiest minute of the first cold start. Sized by the first minute alone, a
  // trace that opens on a rise (the Azure hour doubles in three minutes) was lost by
  // every autoscaler to its first cold start, whatever its rule.
  const opening = config.warmStart ? openingLoad(trace, config.coldStartSec * 1000) : undefined;
  const initialNodes = opening ? nodesForLoad(opening.load, opening.serviceMs, config.latencyTargetMs, config.concurrencyPerNode, config.maxNodes) : 0;
  const ctx: PolicyContext = {
    slots: config.concurrencyPerNode,
    minNodes,
    maxNodes: config.maxNodes,
    latencyTargetMs: config.latencyTargetMs,
    meanServiceMs: stats.meanServiceMs,
    coldStartMs: config.coldStartSec * 1000,
    spotEnabled: spot !== undefined,
    initialNodes: Math.max(minNodes, initialNodes),
    targetFactor,
  };
  const baseline = run.policy === ADAPTIVE ? undefined : createBaseline(run.policy as BaselineName, ctx, stats);
  const engine = new Engine({
    trace,
    slots: config.concurrencyPerNode,
    onDemand,
    spot: spot && timeline ? { offer: spot, timeline } : undefined,
    ledger: ledgerFor(run.policy, config),
    seed,
    policy: run.policy,
    sampleMs,
    maxTailMs: MAX_TAIL_MS,
    restingNodes: baseline ? baseline.restingNodes : config.minNodes,
    onProgress,
  });
  if (baseline === undefined) {
    engine.run(adaptiveController(engine, config, ctx.initialNodes, opening?.serviceMs, onDemand, spot));
    return summarise(run.id, 'adaptive-compute planner (ours)', engine, config.latencyTargetMs, config.sloTarget);
  }
  engine.run(new BaselineController(baseline, onDemand, baseline.name === 'skyserve' ? spot : undefined));
  return summarise(run.id, baseline.title, engine, config.latencyTargetMs, config.sloTarget, settingOf(baseline.knob, targetFactor, baseline.restingNodes));
}

function ledgerFor(name: string, config: SimConfig): BudgetLedger {
  const caps = name === ADAPTIVE && config.budget ? config.budget : {};
  return new BudgetLedger(caps);
}

function adaptiveController(
  engine: Engine,
  config: SimConfig,
  initialNodes: number,
  initialServiceMs: number | undefined,
  onDemand: ReturnType<typeof onDemandOffer>,
  spot: ReturnType<typeof spotOffer>,
): AdaptiveController {
  const policy: PlannerPolicy = {
    minNodes: config.minNodes,
    maxNodes: config.maxNodes,
    latencyTargetMs: config.latencyTargetMs,
    sloTarget: config.sloTarget,
    concurrencyPerNode: config.concurrencyPerNode,
    scaleDownDelayMs: config.scaleDownDelayMs,
    ...(config.keepAliveMs !== undefined ? { keepAliveMs: config.keepAliveMs } : {}),
    gpu: { model: [SIM_GPU], count: 1, interruptible: spot ? 'allow' : 'never' },
  };
  const spotUnavailable = spot ? { ...spot, available: 0 } : undefined;
  const offers = spot ? () => [onDemand, engine.spotAvailable ? spot : spotUnavailable!] : () => [onDemand];
  return new AdaptiveController({ policy, tickMs: config.tickMs, initialNodes, initialServiceMs, offers, spotCooloffMs: config.spot?.cooloffMs ?? 0 });
}

function boundOf(trace: Trace, config: SimConfig): LowerBound {
  const cheapest = Math.min(config.pricePerHour, config.spot ? config.pricePerHour * config.spot.priceFactor : Infinity);
  return lowerBound({
    arrivalMs: trace.arrivalMs,
    serviceMs: trace.serviceMs,
    count: trace.count,
    latencyTargetMs: config.latencyTargetMs,
    slots: config.concurrencyPerNode,
    coldStartMs: config.coldStartSec * 1000,
    pricePerHour: cheapest,
  });
}

function buildReport(
  trace: Trace,
  stats: TraceStats,
  config: SimConfig,
  seed: number,
  sampleMs: number,
  timeline: SpotTimeline | undefined,
  { rows: results, grid }: { rows: PolicyResult[]; grid: Record<string, PolicyResult[]> },
  bound: LowerBound,
): SimReport {
  for (const r of [...results, ...Object.values(grid).flat()]) r.costPerLowerBound = bound.cost > 0 ? r.cost / bound.cost : NaN;
  const buckets = Math.max(1, ...results.map((r) => r.nodes.length));
  const demand = loadPerBucket(trace, sampleMs, buckets).map((load) => load / config.concurrencyPerNode);
  return {
    trace: {
      name: trace.name,
      path: trace.path,
      format: trace.format,
      requests: trace.count,
      spanSec: stats.spanMs / 1000,
      serviceSource: trace.serviceSource,
      meanServiceMs: stats.meanServiceMs,
      p99ServiceMs: stats.p99ServiceMs,
      notes: trace.notes,
    },
    settings: { ...config, spotSource: timeline?.source },
    seed,
    lowerBound: bound,
    bucketMs: sampleMs,
    demand,
    results,
    tuning: grid,
  };
}
