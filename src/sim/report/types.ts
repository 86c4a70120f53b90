/**
 * The report of one simulation, shared by the terminal table, the JSON file and
 * the HTML page. Deterministic: the same trace, settings and seed give the same
 * report byte for byte (wall-clock timings are kept out of it).
 */
import type { LowerBound } from '../baselines/lower-bound.js';
import type { SimConfig } from '../config.js';
import type { PolicyResult } from '../results.js';
import type { ServiceSource, TraceFormat } from '../trace/types.js';

/** The trace as the report describes it. */
export interface TraceSummary {
  name: string;
  path: string;
  format: TraceFormat;
  requests: number;
  /** First to last arrival, seconds. */
  spanSec: number;
  serviceSource: ServiceSource;
  meanServiceMs: number;
  p99ServiceMs: number;
  notes: string[];
}

/** Everything one simulation found. */
export interface SimReport {
  trace: TraceSummary;
  /** The settings in force (defaults filled in), printed at the top of the report. */
  settings: SimConfig & { spotSource?: string | undefined };
  seed: number;
  lowerBound: LowerBound;
  /** Width of a chart bucket, ms. */
  bucketMs: number;
  /** Offered load per bucket, in nodes (busy slots / slots per node). */
  demand: number[];
  /** Our policy first, then the baselines, then (`--tune-baselines`) each autoscaler's `<baseline>-tuned` row. */
  results: PolicyResult[];
  /** `--tune-baselines`: every run of each autoscaler's grid (its default first), by baseline; empty without it. */
  tuning: Record<string, PolicyResult[]>;
}
