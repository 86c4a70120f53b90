/**
 * `compute.metrics({ format: 'prometheus' })`: the metrics snapshot in the
 * Prometheus text exposition format (version 0.0.4), ready to serve on /metrics.
 */
import type { MetricsSnapshot } from '../metrics/snapshot.js';

type Labels = Readonly<Record<string, string>>;

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: { labels: Labels; value: number }[];
}

// Label values escape backslash, double quote and newline, per the format.
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function render(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      lines.push(`${f.name}${labels.length ? `{${labels.join(',')}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Render a snapshot as Prometheus text. Names are prefixed `adaptive_compute_`. */
export function toPrometheus(m: MetricsSnapshot): string {
  const p = 'adaptive_compute_';
  const family = (name: string, help: string, type: Family['type'] = 'gauge'): Family => ({ name: p + name, help, type, samples: [] });
  const queued = family('queued_tasks', 'Tasks waiting for a node slot.');
  const running = family('running_tasks', 'Tasks in flight on nodes.');
  const completed = family('tasks_completed_total', 'Tasks answered successfully.', 'counter');
  const failed = family('tasks_failed_total', 'Tasks that ended with an error.', 'counter');
  const nodes = family('nodes', 'Leased nodes by state.');
  const latency = family('task_latency_ms', 'End-to-end task latency of recent tasks (queue wait + service), by quantile.');
  const service = family('service_time_ms', 'Mean node service time per task.');
  const arrivals = family('arrival_rate', 'Task arrivals per second over the last 60 s.');
  const paused = family('paused', '1 when the workload is paused.');
  const attained = family('slo_attainment', 'Share of tasks completed over the last hour within the latency target.');
  const budgetLeft = family('slo_miss_budget_left', 'Latency-target misses the last hour still allows under sloTarget (negative: SLO missed).');
  for (const [workload, w] of Object.entries(m.workloads)) {
    const l = { workload };
    queued.samples.push({ labels: l, value: w.queued });
    running.samples.push({ labels: l, value: w.running });
    completed.samples.push({ labels: l, value: w.completed });
    failed.samples.push({ labels: l, value: w.failed });
    for (const [state, n] of Object.entries(w.nodes)) nodes.samples.push({ labels: { workload, state }, value: n });
    for (const q of ['p50', 'p95', 'p99'] as const) {
      const v = w.latencyMs[q];
      if (v !== null) latency.samples.push({ labels: { workload, quantile: String(Number(q.slice(1)) / 100) }, value: v });
    }
    if (w.serviceTimeMs !== null) service.samples.push({ labels: l, value: w.serviceTimeMs });
    arrivals.samples.push({ labels: l, value: w.arrivalRate });
    paused.samples.push({ labels: l, value: w.paused ? 1 : 0 });
    if (w.slo.attainment !== null) attained.samples.push({ labels: l, value: w.slo.attainment });
    budgetLeft.samples.push({ labels: l, value: w.slo.missBudget.left });
  }
  const b = m.budget;
  const currency = { currency: b.currency };
  const spend = [
    { f: family('spend_total', 'Billed cost so far.', 'counter'), v: b.spent },
    { f: family('committed_spend', 'Spent plus the least live leases must still pay.'), v: b.committed },
    { f: family('hourly_rate', 'Summed hourly price of live leases.'), v: b.hourlyRate },
    { f: family('budget_total', 'The total budget cap.'), v: b.total },
    { f: family('budget_max_per_hour', 'The hourly budget cap.'), v: b.maxPerHour },
    { f: family('budget_remaining', 'Total cap minus committed spend.'), v: b.remaining },
  ];
  for (const { f, v } of spend) if (v !== null) f.samples.push({ labels: currency, value: v });
  const leases = family('leases', 'Leases by liveness.');
  leases.samples.push({ labels: { state: 'live' }, value: m.leases.live }, { labels: { state: 'ended' }, value: m.leases.ended });
  const gone = family('offers_gone_total', 'Lease requests refused because their offer was gone or full (each moved on to the next offer).', 'counter');
  gone.samples.push({ labels: {}, value: m.leases.offersGone });
  const degraded = family('marketplace_degraded', '1 while marketplace calls are failing or a release stays unconfirmed.');
  degraded.samples.push({ labels: {}, value: m.marketplace.degraded ? 1 : 0 });
  const unconfirmed = family('unconfirmed_releases', 'Leases asked to end that the marketplace has not reported ended (they may still bill).');
  unconfirmed.samples.push({ labels: {}, value: m.marketplace.unconfirmedReleases.length });
  return render([queued, running, completed, failed, nodes, latency, service, arrivals, paused, attained, budgetLeft, ...spend.map((s) => s.f), leases, gone, degraded, unconfirmed]);
}
