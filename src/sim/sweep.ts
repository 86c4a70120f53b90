/**
 * `--sweep`: one simulation per cell of a grid of latency targets and cold starts,
 * every cell with every policy (and, with `--tune-baselines`, every autoscaler's
 * grid), all on one pool of worker threads. What it shows is the cost/SLO frontier:
 * per policy, what meeting each latency target costs.
 */
import { ComputeError } from '../errors.js';
import { resolveLatencyTarget, type SimConfig, type SimPolicy } from './config.js';
import type { SimReport } from './report/types.js';
import { runSimulations, type RunOptions } from './run.js';
import { traceStats } from './trace-stats.js';
import type { Trace } from './trace/types.js';

/** Settings a sweep can vary. */
export const SWEEP_KEYS = ['latencyTargetMs', 'coldStartSec'] as const;

/** One of {@link SWEEP_KEYS}. */
export type SweepKey = (typeof SWEEP_KEYS)[number];

/** A latency target in a sweep: ms, or a multiple of the trace's p99 service time (`2xp99`). */
export type TargetValue = number | { p99Multiple: number };

/** The grid: each key's values (a key left out keeps the policy's value). */
export interface SweepGrid {
  latencyTargetMs?: TargetValue[] | undefined;
  coldStartSec?: number[] | undefined;
}

/** One cell: its settings and the whole report for them. */
export interface SweepCell {
  latencyTargetMs: number;
  coldStartSec: number;
  report: SimReport;
}

/** Every cell of a sweep, cold start by cold start, each by increasing target. */
export interface SweepReport {
  /** The grid as given (`2xp99` kept as said). */
  grid: SweepGrid;
  cells: SweepCell[];
}

const P99_MULTIPLE = /^(\d+(?:\.\d+)?)x(?:p99)$/i;

/**
 * Parse `--sweep` values (`latencyTargetMs=2000,30000` or `coldStartSec=15,60`, the
 * flag given once per key, or both in one value joined by `;`). A bad key or value is
 * a `CONFIG_INVALID` naming it.
 */
export function parseSweep(specs: readonly string[]): SweepGrid {
  const grid: SweepGrid = {};
  for (const spec of specs.flatMap((s) => s.split(';')).map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = spec.indexOf('=');
    const key = (eq < 0 ? spec : spec.slice(0, eq)).trim();
    if (!(SWEEP_KEYS as readonly string[]).includes(key)) {
      throw new ComputeError('CONFIG_INVALID', `--sweep: unknown setting "${key}" (use ${SWEEP_KEYS.map((k) => `${k}=a,b,...`).join(' or ')})`);
    }
    const raw = eq < 0 ? [] : spec.slice(eq + 1).split(',').map((v) => v.trim()).filter((v) => v !== '');
    if (raw.length === 0) throw new ComputeError('CONFIG_INVALID', `--sweep ${key}: give at least one value (${key}=a,b,...)`);
    if (key === 'latencyTargetMs') grid.latencyTargetMs = raw.map((v) => targetValue(v));
    else grid.coldStartSec = raw.map((v) => number(key, v, (n) => n >= 0, 'a number >= 0'));
  }
  if (grid.latencyTargetMs === undefined && grid.coldStartSec === undefined) throw new ComputeError('CONFIG_INVALID', '--sweep: give latencyTargetMs=... and/or coldStartSec=...');
  return grid;
}

function targetValue(raw: string): TargetValue {
  const m = P99_MULTIPLE.exec(raw);
  if (m) return { p99Multiple: Number(m[1]) };
  return number('latencyTargetMs', raw, (n) => n > 0, 'a positive number of ms or a multiple of the p99 service time such as 2xp99');
}

function number(key: string, raw: string, ok: (n: number) => boolean, what: string): number {
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n) || !ok(n)) throw new ComputeError('CONFIG_INVALID', `--sweep ${key}: "${raw}" is not ${what}`);
  return n;
}

/** The configs of every cell: cold start outer, latency target inner, both in the order given. */
export function sweepConfigs(policy: SimPolicy, grid: SweepGrid, p99ServiceMs: number): SimConfig[] {
  const colds = grid.coldStartSec ?? [policy.coldStartSec];
  const targets: Array<TargetValue | undefined> = grid.latencyTargetMs ?? [undefined];
  const configs: SimConfig[] = [];
  for (const coldStartSec of colds) {
    for (const target of targets) {
      const latencyTargetMs = target === undefined ? policy.latencyTargetMs : typeof target === 'number' ? target : Math.ceil(target.p99Multiple * p99ServiceMs);
      const config = resolveLatencyTarget({ ...policy, coldStartSec, latencyTargetMs }, p99ServiceMs);
      if (typeof target === 'object') config.latencyTargetSource = `sweep: ${target.p99Multiple}x the p99 service time`;
      else if (target !== undefined) config.latencyTargetSource = 'sweep';
      configs.push(config);
    }
  }
  return configs;
}

/** Run every cell of `grid` on `trace`. */
export async function runSweep(trace: Trace, policy: SimPolicy, grid: SweepGrid, options: RunOptions): Promise<SweepReport> {
  const configs = sweepConfigs(policy, grid, traceStats(trace).p99ServiceMs);
  const reports = await runSimulations(trace, configs, options);
  return {
    grid,
    cells: reports.map((report, i) => ({ latencyTargetMs: configs[i]!.latencyTargetMs, coldStartSec: configs[i]!.coldStartSec, report })),
  };
}
