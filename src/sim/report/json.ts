/**
 * The JSON report: one object, `policies` holding one row per policy (ours first)
 * with at least `policy`, `cost`, `sloAttainment`, `p95Ms` and `nodeSeconds`; the
 * lower bound, trace and settings beside it; the time series and latency CDFs the
 * HTML charts are drawn from under `series`. Numbers are rounded so that the same
 * run gives the same bytes.
 */
import type { PolicyResult } from '../results.js';
import { round } from './format.js';
import type { SimReport } from './types.js';

/** Format version of the JSON report. */
export const REPORT_VERSION = 1;

/** The JSON document for `report` (pretty-printed, ends with a newline). */
export function renderJson(report: SimReport): string {
  return `${JSON.stringify(reportDoc(report), null, 2)}\n`;
}

/** The JSON object for `report` (a sweep's cells embed one each). */
export function reportDoc(report: SimReport): Record<string, unknown> {
  return {
    version: REPORT_VERSION,
    trace: { ...report.trace, spanSec: round(report.trace.spanSec, 3), meanServiceMs: round(report.trace.meanServiceMs, 3), p99ServiceMs: round(report.trace.p99ServiceMs, 3) },
    settings: report.settings,
    seed: report.seed,
    lowerBound: { cost: round(report.lowerBound.cost), nodeSeconds: round(report.lowerBound.nodeSeconds, 3), infeasible: report.lowerBound.infeasible },
    policies: report.results.map(policyRow),
    tuning: Object.fromEntries(Object.entries(report.tuning).map(([name, runs]) => [name, runs.map(gridRow)])),
    series: {
      bucketMs: report.bucketMs,
      demandNodes: report.demand.map((d) => round(d, 4)),
      nodes: Object.fromEntries(report.results.map((r) => [r.policy, r.nodes.map((n) => round(n, 4))])),
      latencyCdf: Object.fromEntries(report.results.map((r) => [r.policy, r.cdf.map(([q, ms]) => [q, round(ms, 3)])])),
    },
  };
}

/** One row of `policies`. */
export function policyRow(r: PolicyResult): Record<string, unknown> {
  return {
    policy: r.policy,
    title: r.title,
    cost: round(r.cost),
    costPerLowerBound: round(r.costPerLowerBound, 4),
    sloAttainment: round(r.sloAttainment, 6),
    meetsSlo: r.meetsSlo,
    tuned: r.tuned,
    ...(r.setting ? { setting: { ...r.setting, value: round(r.setting.value, 6) } } : {}),
    p50Ms: round(r.p50Ms, 3),
    p95Ms: round(r.p95Ms, 3),
    p99Ms: round(r.p99Ms, 3),
    nodeSeconds: round(r.nodeSeconds, 3),
    idleNodeSeconds: round(r.idleNodeSeconds, 3),
    scaleEvents: r.scaleEvents,
    preemptions: r.preemptions,
    unfinished: r.unfinished,
  };
}

/** One point of an autoscaler's tuning grid: its setting and what it gave. */
function gridRow(r: PolicyResult): Record<string, unknown> {
  return { setting: r.setting ? { ...r.setting, value: round(r.setting.value, 6) } : undefined, cost: round(r.cost), sloAttainment: round(r.sloAttainment, 6), meetsSlo: r.meetsSlo };
}
