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
import { Engine, type Controller } from './engine.js';
import { onDemandOffer, SIM_GPU, spotOffer } from './offers.js';
import { ADAPTIVE, summarise, type PolicyResult } from './results.js';
import { spotTimeline, type SpotTimeline } from './spot.js';
import { loadPerBucket, nodesForLoad, traceStats, type TraceStats } from './trace-stats.js';
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

/** Simulate `trace` under `config` for our policy and the baselines. */
export async function runSimulation(trace: Trace, config: SimConfig, options: RunOptions): Promise<SimReport> {
  const stats = traceStats(trace);
  const sampleMs = Math.max(1000, Math.ceil(stats.spanMs / MAX_BUCKETS / 1000) * 1000);
  const timeline = config.spot ? await spotTimeline(config.spot, stats.spanMs + MAX_TAIL_MS, options.seed) : undefined;
  const input: PolicyRunInput = { trace, config, stats, seed: options.seed, sampleMs, timeline };
  const names = [ADAPTIVE, ...options.baselines];
  const asked = options.jobs === 'auto' ? defaultJobs(trace.count) : (options.jobs ?? 1);
  const jobs = Math.min(names.length, Math.max(1, Math.floor(asked)));
  // Workers start at once; this thread computes the bound meanwhile.
  const inWorkers = jobs > 1 ? runInWorkers(input, names, jobs, options) : undefined;
  const bound = boundOf(trace, config);
  const results = (await inWorkers) ?? runHere(input, names, options);
  options.onProgress?.(1, '');
  return buildReport(trace, stats, config, options.seed, sampleMs, timeline, results, bound);
}

function runHere(input: PolicyRunInput, names: readonly string[], options: RunOptions): PolicyResult[] {
  const results: PolicyResult[] = [];
  for (const [index, name] of names.entries()) {
    const progress = options.onProgress ? (share: number) => options.onProgress!((index + share) / names.length, name) : undefined;
    options.onPolicy?.('start', name);
    results.push(runPolicy(input, name, progress));
    options.onPolicy?.('end', name);
  }
  return results;
}

/** Run one policy (ours or a baseline by name) on its own engine. */
export function runPolicy(input: PolicyRunInput, name: string, onProgress?: (share: number) => void): PolicyResult {
  const { trace, config, stats, seed, sampleMs, timeline } = input;
  const onDemand = onDemandOffer(config);
  const spot = spotOffer(config);
  const initialNodes = config.warmStart ? nodesForLoad(stats.firstLoad, stats.firstServiceMs, config.latencyTargetMs, config.concurrencyPerNode, config.maxNodes) : 0;
  const ctx: PolicyContext = {
    slots: config.concurrencyPerNode,
    minNodes: config.minNodes,
    maxNodes: config.maxNodes,
    latencyTargetMs: config.latencyTargetMs,
    meanServiceMs: stats.meanServiceMs,
    coldStartMs: config.coldStartSec * 1000,
    spotEnabled: spot !== undefined,
    initialNodes: Math.max(config.minNodes, initialNodes),
  };
  const engine = new Engine({
    trace,
    slots: config.concurrencyPerNode,
    onDemand,
    spot: spot && timeline ? { offer: spot, timeline } : undefined,
    ledger: ledgerFor(name, config),
    seed,
    policy: name,
    sampleMs,
    maxTailMs: MAX_TAIL_MS,
    onProgress,
  });
  let controller: Controller;
  let title: string;
  if (name === ADAPTIVE) {
    controller = adaptiveController(engine, config, ctx.initialNodes, config.warmStart ? stats.firstServiceMs : undefined, onDemand, spot);
    title = 'adaptive-compute planner (ours)';
  } else {
    const policy = createBaseline(name as BaselineName, ctx, stats);
    controller = new BaselineController(policy, onDemand, policy.name === 'skyserve' ? spot : undefined);
    title = policy.title;
  }
  engine.run(controller);
  return summarise(name, title, engine, config.latencyTargetMs);
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
    concurrencyPerNode: config.concurrencyPerNode,
    scaleDownDelayMs: config.scaleDownDelayMs,
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
  results: PolicyResult[],
  bound: LowerBound,
): SimReport {
  for (const r of results) r.costPerLowerBound = bound.cost > 0 ? r.cost / bound.cost : NaN;
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
  };
}
