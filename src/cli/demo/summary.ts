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
  /** Owning `nodes` GPUs for the same `seconds`, priced at the on-demand rate. */
  owningPeak: { cost: number; nodes: number; seconds: number; pricePerHour: number; offerId: string };
  scale: { up: number; down: number; decisions: ScaleDecision[] };
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(18)}${value}`;
}

/** The human summary table. */
export function summaryTable(s: DemoSummary): string {
  const failures = Object.entries(s.tasks.failures)
    .map(([code, n]) => `${n} ${code}`)
    .join(', ');
  const saving = s.owningPeak.cost > 0 ? ` (${Math.round((100 * (s.owningPeak.cost - s.cost)) / s.owningPeak.cost)}% less than owning the peak)` : '';
  const target = s.latencyMs.p95 !== null && s.latencyMs.p95 <= s.latencyMs.target ? 'met' : 'missed';
  const lines = [
    '',
    'Summary',
    row('tasks', `${s.tasks.succeeded} succeeded, ${s.tasks.failed} failed${failures ? ` (${failures})` : ''} of ${s.tasks.total}`),
    row('latency', `p50 ${duration(s.latencyMs.p50)}   p95 ${duration(s.latencyMs.p95)}   p99 ${duration(s.latencyMs.p99)}`),
    row('p95 target', `${duration(s.latencyMs.target)} (${target})`),
    row('scale decisions', `${s.scale.up} up, ${s.scale.down} down`),
    row('nodes', `peak ${s.nodes.peak}, ${s.nodes.leases} leases${s.nodes.preempted > 0 ? `, ${s.nodes.preempted} preempted` : ''}`),
    row('node-seconds', s.nodeSeconds.toFixed(1)),
    row('cost', `${money(s.cost, s.currency)} of ${money(s.budget, s.currency)} budget${saving}`),
    row(
      'owning the peak',
      `${money(s.owningPeak.cost, s.currency)} (${s.owningPeak.nodes} x ${s.owningPeak.offerId} for ${s.owningPeak.seconds.toFixed(1)} s at ${hourly(s.owningPeak.pricePerHour, s.currency)})`,
    ),
    row('wall time', `${s.wallSec.toFixed(1)} s`),
    '',
  ];
  return lines.join('\n');
}
