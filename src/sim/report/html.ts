/**
 * The HTML report: one self-contained page (inline CSS and SVG, no script, no
 * network) with the settings, the results table, cost bars, demand against nodes
 * over time for every policy, and the latency CDFs.
 */
import { ADAPTIVE } from '../results.js';
import { OURS, policyColors } from './colors.js';
import { duration, money, nodeHours, percent, ratio, resultCells } from './format.js';
import { settingLines } from './settings.js';
import { barChart, esc, lineChart } from './svg.js';
import { sloGoal, verdict } from './table.js';
import type { SimReport } from './types.js';


const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1180px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}table{border-collapse:collapse;margin:8px 0}
td,th{padding:3px 10px;border-bottom:1px solid #e3e3e3;text-align:right;white-space:nowrap}th{background:#f4f6f8}td:first-child,th:first-child{text-align:left}
tr.ours td{font-weight:600;color:${OURS}}tr.miss td{color:#999}.settings td{text-align:left}.note{color:#777}
.scroll{overflow-x:auto}.grid-charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(370px,1fr));gap:12px}
.panel{border:1px solid #e3e3e3;border-radius:4px;padding:6px}.panel h3{font-size:13px;margin:0 0 2px}
svg.chart text{font-size:10px;fill:#555}svg.chart .label{font-size:11px;fill:#333}.axis{stroke:#888}.grid{stroke:#eee}
.marker{stroke:#c92a2a;stroke-dasharray:4 3}.marker-label{fill:#c92a2a;font-size:10px}.legend span{display:inline-block;margin-right:14px}
.legend i{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:4px}`;

/** The complete HTML document for `report`. */
export function renderHtml(report: SimReport, fromPolicy: readonly string[] = []): string {
  const colors = policyColors(report.results.map((r) => r.policy));
  const body = [
    `<h1>adaptive-compute simulation: ${esc(report.trace.name)}</h1>`,
    `<p>${esc(verdict(report))}</p>`,
    settingsTable(report, fromPolicy),
    `<h2>Results</h2>`,
    resultsTable(report),
    `<h2>Cost</h2>`,
    barChart(
      report.results.map((r) => ({ label: r.policy, value: r.cost, color: colors.get(r.policy)!, text: `${money(r.cost)} (${ratio(r.costPerLowerBound)})` })),
      760,
      { value: report.lowerBound.cost, label: `lower bound ${money(report.lowerBound.cost)}` },
    ),
    `<h2>Demand and nodes over time</h2><p class="note">Grey: offered load in nodes (work arriving per bucket / slots per node). Line: nodes leased (mean per bucket of ${esc(duration(report.bucketMs))}).</p>`,
    timelines(report, colors),
    `<h2>Latency CDF</h2>`,
    cdfChart(report, colors),
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(`simulation: ${report.trace.name}`)}</title><style>${CSS}</style></head><body>${body.join('\n')}</body></html>\n`;
}

function settingsTable(report: SimReport, fromPolicy: readonly string[]): string {
  const rows = settingLines(report, fromPolicy).map((l) => `<tr><td>${esc(l.label)}</td><td>${esc(l.value)}${l.note ? ` <span class="note">(${esc(l.note)})</span>` : ''}</td></tr>`);
  return `<table class="settings">${rows.join('')}</table>`;
}

function resultsTable(report: SimReport): string {
  const head = ['policy', 'cost', 'cost / LB', 'SLO attainment', 'p50', 'p95', 'p99', 'node-hours', 'idle node-hours', 'scale events'];
  const rows = report.results.map((r) => {
    const cls = r.policy === ADAPTIVE ? 'ours' : r.sloAttainment < sloGoal(report) ? 'miss' : '';
    const cells = [
      `${r.policy}${r.policy === ADAPTIVE ? ' (ours)' : ''} <span class="note">${esc(r.title)}</span>`,
      ...resultCells(r),
    ];
    return `<tr class="${cls}">${cells.map((c, i) => `<td>${i === 0 ? c : esc(c)}</td>`).join('')}</tr>`;
  });
  const lb = report.lowerBound;
  rows.push(`<tr><td>clairvoyant lower bound</td><td>${money(lb.cost)}</td><td>1.00x</td><td>-</td><td>-</td><td>-</td><td>-</td><td>${nodeHours(lb.nodeSeconds)}</td><td>-</td><td>-</td></tr>`);
  return `<div class="scroll"><table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.join('')}</table></div><p class="note">Greyed rows miss ${percent(sloGoal(report))} SLO attainment.</p>`;
}

function timelines(report: SimReport, colors: Map<string, string>): string {
  const hours = (report.bucketMs * report.demand.length) / 3_600_000;
  const unit = hours >= 3 ? 3_600_000 : 60_000;
  const xFormat = (x: number): string => `${(x / unit).toFixed(hours >= 3 || hours < 0.1 ? 1 : 0)}${unit === 60_000 ? ' min' : ' h'}`;
  // One y scale for every panel, so that the panels compare at a glance.
  let top = 1;
  for (const series of [report.demand, ...report.results.map((r) => r.nodes)]) for (const v of series) if (v > top) top = v;
  const yMax = top * 1.08;
  const demand = report.demand.map((d, i) => [i * report.bucketMs, d] as const);
  const panels = report.results.map((r) => {
    const chart = lineChart({
      width: 370,
      height: 150,
      yMax,
      area: { name: 'demand (nodes)', color: '#c9d0d8', points: demand },
      series: [{ name: `${r.policy} nodes`, color: colors.get(r.policy)!, points: r.nodes.map((n, i) => [i * report.bucketMs, n] as const), width: 1.6 }],
      xLabel: 'time',
      yLabel: 'nodes',
      xFormat,
      yFormat: (y) => y.toFixed(y < 10 ? 1 : 0),
    });
    return `<div class="panel"><h3 style="color:${colors.get(r.policy)}">${esc(r.policy)} <span class="note">${money(r.cost)}, SLO ${percent(r.sloAttainment)}</span></h3>${chart}</div>`;
  });
  return `<div class="grid-charts">${panels.join('')}</div>`;
}

function cdfChart(report: SimReport, colors: Map<string, string>): string {
  const chart = lineChart({
    width: 760,
    height: 320,
    logX: true,
    yMax: 1.02,
    series: report.results.map((r) => ({
      name: r.policy,
      color: colors.get(r.policy)!,
      points: r.cdf.filter(([, ms]) => Number.isFinite(ms)).map(([q, ms]) => [Math.max(ms, 1), q] as const),
      width: r.policy === ADAPTIVE ? 2.5 : 1.4,
    })),
    xLabel: 'latency (queue wait + service), log scale',
    yLabel: 'share of requests',
    xFormat: (x) => duration(x),
    yFormat: (y) => `${Math.round(y * 100)}%`,
    marker: { x: report.settings.latencyTargetMs, label: 'target' },
  });
  const legend = report.results.map((r) => `<span><i style="background:${colors.get(r.policy)}"></i>${esc(r.policy)}</span>`).join('');
  return `${chart}<div class="legend">${legend}</div>`;
}
