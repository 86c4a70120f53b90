/**
 * What one policy's run produced, in the shape the report (terminal, JSON, HTML)
 * uses: cost, SLO attainment, latency percentiles and CDF, node-time, and the
 * node count over time.
 */
import { attainment } from '../controller/slo.js';
import type { TargetKnob } from './baselines/types.js';
import type { Engine } from './engine.js';
import { distribution } from './select.js';

/** Our policy's id in reports. */
export const ADAPTIVE = 'adaptive';

/** The measured outcome of one policy on one trace. */
export interface PolicyResult {
  /** Policy id (`adaptive` is ours). */
  policy: string;
  title: string;
  /** Money paid for every lease, billing rules applied. */
  cost: number;
  /** `cost / lowerBound.cost` (filled in by the report). */
  costPerLowerBound: number;
  /** Share of requests finished within the latency target (queue wait + service). */
  sloAttainment: number;
  /** `sloAttainment >= sloTarget`. */
  meetsSlo: boolean;
  /** A `<baseline>-tuned` row: the cheapest setting of the grid that met the SLO (or, if none did, the one closest to it). */
  tuned: boolean;
  /** An autoscaler's setting in force: its main knob and its floor. */
  setting?: PolicySetting | undefined;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Node-seconds leased (requested to released). */
  nodeSeconds: number;
  /** Node-seconds ready with no task in flight. */
  idleNodeSeconds: number;
  /** Decisions that added or removed nodes. */
  scaleEvents: number;
  /** Spot nodes taken back by the market. */
  preemptions: number;
  /** Requests not finished when the run gave up (counted as missing the target). */
  unfinished: number;
  /** Mean leased nodes per chart bucket. */
  nodes: number[];
  /** Latency quantiles for the CDF: `[quantile, ms]` (from a log histogram, within about 1 %). */
  cdf: Array<[number, number]>;
}

/** An autoscaler baseline's setting in a run. */
export interface PolicySetting {
  /** Its main target knob (name upstream, value per node). */
  knob: string;
  value: number;
  /** The knob as a multiple of its default (1: the published default). */
  targetFactor: number;
  /** The floor of nodes it may scale down to. */
  minNodes: number;
}

const CDF_QUANTILES = [...Array.from({ length: 100 }, (_, k) => k / 100), 0.995, 0.999, 1];

/** Summarise a finished engine run. */
export function summarise(policy: string, title: string, engine: Engine, latencyTargetMs: number, sloTarget: number, setting?: PolicySetting): PolicyResult {
  const c = engine.cluster;
  // The SLO's definition is the planner's (controller/slo.ts), over every request of the trace.
  const sloAttainment = attainment(c.latency, c.n, latencyTargetMs);
  // The latencies are not needed after this: select in place instead of sorting a copy.
  const dist = distribution(c.latency.subarray(0, c.n), [0.5, 0.95, 0.99], CDF_QUANTILES);
  const at = (q: number): number => dist.at.get(q) ?? 0;
  return {
    policy,
    title,
    cost: c.cost,
    costPerLowerBound: NaN,
    sloAttainment,
    meetsSlo: sloAttainment >= sloTarget,
    tuned: false,
    setting,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    p99Ms: at(0.99),
    nodeSeconds: c.nodeMs / 1000,
    idleNodeSeconds: c.meter.idle / 1000,
    scaleEvents: engine.scaleEvents,
    preemptions: engine.preemptions,
    unfinished: c.n - c.completed,
    nodes: c.meter.samples,
    cdf: dist.cdf,
  };
}

/** The setting of an autoscaler run with `knob` in force. */
export function settingOf(knob: TargetKnob | undefined, targetFactor: number, minNodes: number): PolicySetting | undefined {
  return knob ? { knob: knob.name, value: knob.value, targetFactor, minNodes } : undefined;
}
