/**
 * The demo's result: one JSON-safe object (what `--json` prints) and the table a
 * person reads at the end.
 */
import { duration, hourly, money } from './status.js';

/** One scale decision the controller took. */
export interface ScaleDecision {
  atSec: number;
  direction: 'up' | 'down' | 'hold';
  desired: number;
  added: number;
  drained: number;
  released: number;
  reason: string;
}

/** What `adaptive-compute demo` reports. */
export interface DemoSummary {
  burst: { source: string; requests: number; windowSec: number };
  /** `--duration`, s. */
  durationSec: number;
  /** Start of the replay to the end of shutdown, s. */
  wallSec: number;
  tasks: { total: number; succeeded: number; failed: number; failures: Record<string, number> };
  /** End-to-end latency of every successful task (queue wait + service). */
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; target: number };
  nodes: { peak: number; leases: number; preempted: number };
  /** Billed node-seconds, from the marketplace's bill. */
  nodeSeconds: number;
  /** What the marketplace billed. */
  cost: number;
  /** What the SDK's ledger counted (should agree with `cost`). */
  sdkSpent: number;
  budget: number;
  currency: string;
  /**
   * Like with like: holding the peak node count for the whole run (`seconds` = the
   * run's wall time, which is what the leases were billed within) at the average
   * hourly rate this run paid per node (the same spot / on-demand mix).
   */
  owningPeak: { cost: number; nodes: number; seconds: number; pricePerHour: number };
  scale: { up: number; down: number; decisions: ScaleDecision[] };
  /** When Ctrl-C stopped the run, s since its start (null: it ran to the end). */
  interruptedAtSec: number | null;
}

/** Owning the peak, priced like with like (see {@link DemoSummary.owningPeak}). */
export function owningPeak(peakNodes: number, runSec: number, cost: number, nodeSeconds: number): DemoSummary['owningPeak'] {
  const pricePerHour = nodeSeconds > 0 ? (cost / nodeSeconds) * 3600 : 0;
  const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;
  return { cost: round((peakNodes * runSec * pricePerHour) / 3600, 6), nodes: peakNodes, seconds: round(runSec, 1), pricePerHour: round(pricePerHour, 4) };
}

/** Whether the p95 target was met, said so that failed tasks cannot hide behind the p95 of the others. */
export function targetVerdict(s: Pick<DemoSummary, 'tasks' | 'latencyMs'>): { met: boolean; text: string } {
  const failures = failureList(s.tasks.failures);
  if (s.tasks.failed > 0) return { met: false, text: `missed: ${s.tasks.failed} of ${s.tasks.total} tasks failed (${failures})` };
  if (s.latencyMs.p95 === null) return { met: false, text: 'missed: no task succeeded' };
  return s.latencyMs.p95 <= s.latencyMs.target ? { met: true, text: 'met' } : { met: false, text: `missed: p95 ${duration(s.latencyMs.p95)}` };
}

function failureList(failures: Record<string, number>): string {
  return Object.entries(failures)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${n} ${code}${code === 'SHUTDOWN' ? ' (not run: interrupted)' : ''}`)
    .join(', ');
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(18)}${value}`;
}

/** The human summary table. */
export function summaryTable(s: DemoSummary): string {
  const failures = failureList(s.tasks.failures);
  const saving = s.owningPeak.cost > 0 ? ` (${Math.round((100 * (s.owningPeak.cost - s.cost)) / s.owningPeak.cost)}% less than owning the peak)` : '';
  const target = targetVerdict(s).text;
  const lines = [
    '',
    s.interruptedAtSec === null ? 'Summary' : `Summary (interrupted at ${s.interruptedAtSec.toFixed(1)} s)`,
    row('tasks', `${s.tasks.succeeded} succeeded, ${s.tasks.failed} failed${failures ? ` (${failures})` : ''} of ${s.tasks.total}`),
    row('latency', `p50 ${duration(s.latencyMs.p50)}   p95 ${duration(s.latencyMs.p95)}   p99 ${duration(s.latencyMs.p99)}`),
    row('p95 target', `${duration(s.latencyMs.target)} (${target})`),
    row('scale decisions', `${s.scale.up} up, ${s.scale.down} down`),
    row('nodes', `peak ${s.nodes.peak}, ${s.nodes.leases} leases${s.nodes.preempted > 0 ? `, ${s.nodes.preempted} preempted` : ''}`),
    row('node-seconds', s.nodeSeconds.toFixed(1)),
    row('cost', `${money(s.cost, s.currency)} of ${money(s.budget, s.currency)} budget${saving}`),
    row(
      'owning the peak',
      `${money(s.owningPeak.cost, s.currency)} (${s.owningPeak.nodes} nodes for the whole ${s.owningPeak.seconds.toFixed(1)} s at ${hourly(s.owningPeak.pricePerHour, s.currency)}, the average rate this run paid)`,
    ),
    row('wall time', `${s.wallSec.toFixed(1)} s`),
    '',
  ];
  return lines.join('\n');
}
