/**
 * The simulator's surface, for the CLI, the benchmark and tests: run a simulation
 * from files (`simulate`) or from an in-memory trace (`runSimulation`), and render
 * its report as a table, JSON or HTML.
 */
export { simulate, simulateSweep, type SimulateOptions, type SimulateResult, type SimulateSweepResult } from './simulate.js';
export { runSimulation, runSimulations, ADAPTIVE, type RunOptions } from './run.js';
export { runSweep, parseSweep, type SweepGrid, type SweepReport, type SweepCell } from './sweep.js';
export { renderSweepTable, renderSweepMarkdown, frontierRows, frontierStats, frontierSummary, boundCheck } from './report/sweep-table.js';
export { renderSweepJson } from './report/sweep-json.js';
export { renderSweepHtml } from './report/sweep-html.js';
export { readTrace, TRACE_FORMATS, type Trace, type TraceFormat, type ServiceModel } from './trace/index.js';
export { TraceBuilder } from './trace/builder.js';
export { parseSimPolicy, loadSimPolicy, resolveLatencyTarget, type SimConfig, type SimPolicy } from './config.js';
export { BASELINE_NAMES, type BaselineName } from './baselines/index.js';
export { Random } from './random.js';
export { renderTable } from './report/table.js';
export { renderJson } from './report/json.js';
export { renderHtml } from './report/html.js';
export type { SimReport } from './report/types.js';
export type { PolicyResult } from './results.js';
