/**
 * A sweep's HTML page: the frontier table, then per cold start a chart of cost
 * against latency target for every policy (log scales both ways), a filled dot
 * where the policy met the SLO and a hollow one where it did not, and the lower
 * bound as a dashed line: the cost/SLO frontier. Self-contained, like the single
 * run's page (inline CSS and SVG, no script).
 */
import { ADAPTIVE } from '../results.js';
import type { SweepReport } from '../sweep.js';
import { duration, money, percent } from './format.js';
import { esc } from './svg.js';
import { boundCheck, frontierRows, renderSweepMarkdown } from './sweep-table.js';

const OURS = '#1f5fbf';
const BOUND = '#c92a2a';
const PALETTE = ['#d9822b', '#7a5195', '#2f9e44', '#868e96', '#e8590c', '#0b7285', '#5c940d', '#a61e4d', '#364fc7', '#9c36b5', '#495057', '#f08c00', '#099268'];

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1180px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}table{border-collapse:collapse;margin:8px 0}
td,th{padding:3px 10px;border-bottom:1px solid #e3e3e3;text-align:right;white-space:nowrap}th{background:#f4f6f8}td:first-child,th:first-child{text-align:left}
.note{color:#777}svg.chart text{font-size:10px;fill:#555}svg.chart .label{font-size:11px;fill:#333}.axis{stroke:#888}.grid{stroke:#eee}
.legend span{display:inline-block;margin-right:14px;white-space:nowrap}.legend i{display:inline-block;width:10px;height:10px;border-radius:5px;vertical-align:middle;margin-right:4px}`;

/** The complete HTML document for `sweep`. */
export function renderSweepHtml(sweep: SweepReport): string {
  const first = sweep.cells[0]?.report;
  const policies = first ? first.results.map((r) => r.policy) : [];
  const colors = new Map(policies.map((p, i) => [p, p === ADAPTIVE ? OURS : PALETTE[(i - 1) % PALETTE.length]!]));
  const colds = [...new Set(sweep.cells.map((c) => c.coldStartSec))];
  const body = [
    `<h1>adaptive-compute sweep: ${esc(first?.trace.name ?? '')}</h1>`,
    first ? `<p>${esc(`${first.trace.requests.toLocaleString('en-US')} requests, p99 service ${duration(first.trace.p99ServiceMs)}. SLO: ${percent(first.settings.sloTarget)} of requests within the latency target (queue wait + service). ${boundCheck(frontierRows(sweep))}`)}</p>` : '',
    `<h2>Frontier</h2>`,
    markdownTable(renderSweepMarkdown(sweep)),
    `<h2>Cost against latency target</h2><p class="note">Filled dot: the policy met the SLO in that cell; hollow: it did not. Dashed red: the clairvoyant lower bound (no policy that meets every target pays less).</p>`,
    legend(policies, colors),
    ...colds.map((cold) => frontierChart(sweep, cold, policies, colors)),
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(`sweep: ${first?.trace.name ?? ''}`)}</title><style>${CSS}</style></head><body>${body.join('\n')}</body></html>\n`;
}

function markdownTable(md: string): string {
  const lines = md.trim().split('\n').filter((_, i) => i !== 1);
  const cellsOf = (line: string): string[] => line.slice(2, -2).split(' | ');
  const [head, ...rows] = lines;
  return `<table><tr>${cellsOf(head!).map((c) => `<th>${esc(c)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${cellsOf(r).map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</table>`;
}

function legend(policies: readonly string[], colors: Map<string, string>): string {
  const items = policies.map((p) => `<span><i style="background:${colors.get(p)}"></i>${esc(p === ADAPTIVE ? 'adaptive (ours)' : p)}</span>`);
  items.push(`<span><i style="background:${BOUND}"></i>lower bound</span>`);
  return `<p class="legend">${items.join('')}</p>`;
}

const W = 760;
const H = 320;
const PAD = { left: 64, right: 16, top: 14, bottom: 38 };

/** Cost (log) against latency target (log) for every policy at one cold start. */
export function frontierChart(sweep: SweepReport, coldStartSec: number, policies: readonly string[], colors: Map<string, string>): string {
  const cells = sweep.cells.filter((c) => c.coldStartSec === coldStartSec).sort((a, b) => a.latencyTargetMs - b.latencyTargetMs);
  const points = cells.flatMap((c) => [c.report.lowerBound.cost, ...c.report.results.map((r) => r.cost)]).filter((v) => Number.isFinite(v) && v > 0);
  if (cells.length === 0 || points.length === 0) return '';
  const xs = cells.map((c) => Math.log10(c.latencyTargetMs));
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  if (x1 - x0 < 1e-9) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  const pad = (x1 - x0) * 0.05;
  x0 -= pad;
  x1 += pad;
  const y0 = Math.floor(Math.log10(Math.min(...points)) * 4) / 4;
  const y1 = Math.max(y0 + 0.25, Math.ceil(Math.log10(Math.max(...points)) * 4) / 4);
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const px = (ms: number): number => PAD.left + ((Math.log10(ms) - x0) / (x1 - x0)) * iw;
  const py = (cost: number): number => PAD.top + ih - ((Math.log10(cost) - y0) / (y1 - y0)) * ih;
  const f = (n: number): string => (Math.round(n * 10) / 10).toString();
  const parts = [`<h3>Cold start ${coldStartSec} s</h3><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" class="chart">`];
  parts.push(`<line x1="${PAD.left}" y1="${PAD.top + ih}" x2="${PAD.left + iw}" y2="${PAD.top + ih}" class="axis"/><line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + ih}" class="axis"/>`);
  for (const v of logTicks(y0, y1)) {
    parts.push(`<line x1="${PAD.left}" x2="${PAD.left + iw}" y1="${f(py(v))}" y2="${f(py(v))}" class="grid"/><text x="${PAD.left - 4}" y="${f(py(v) + 3)}" text-anchor="end">${esc(money(v))}</text>`);
  }
  for (const c of cells) parts.push(`<text x="${f(px(c.latencyTargetMs))}" y="${PAD.top + ih + 14}" text-anchor="middle">${esc(duration(c.latencyTargetMs))}</text>`);
  parts.push(`<text x="${PAD.left + iw / 2}" y="${H - 4}" text-anchor="middle" class="label">latency target (log scale)</text>`);
  parts.push(`<text x="12" y="${PAD.top + ih / 2}" transform="rotate(-90 12 ${PAD.top + ih / 2})" text-anchor="middle" class="label">cost (log scale)</text>`);
  const line = (pts: Array<[number, number]>, color: string, extra: string): string => `<path d="${pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${f(px(x))},${f(py(y))}`).join('')}" fill="none" stroke="${color}" ${extra}/>`;
  parts.push(line(cells.map((c) => [c.latencyTargetMs, c.report.lowerBound.cost]), BOUND, 'stroke-width="1.5" stroke-dasharray="5 4"'));
  for (const policy of policies) {
    const color = colors.get(policy)!;
    const pts = cells.flatMap((c) => {
      const r = c.report.results.find((x) => x.policy === policy);
      return r && Number.isFinite(r.cost) && r.cost > 0 ? [{ ms: c.latencyTargetMs, r }] : [];
    });
    if (pts.length === 0) continue;
    parts.push(line(pts.map((p) => [p.ms, p.r.cost]), color, `stroke-width="${policy === ADAPTIVE ? 2.4 : 1.2}" opacity="${policy === ADAPTIVE ? 1 : 0.75}"`));
    for (const { ms, r } of pts) {
      const tip = `${policy}, target ${duration(ms)}: ${money(r.cost)}, SLO ${percent(r.sloAttainment)}`;
      parts.push(`<circle cx="${f(px(ms))}" cy="${f(py(r.cost))}" r="${policy === ADAPTIVE ? 4.5 : 3.5}" fill="${r.meetsSlo ? color : '#fff'}" stroke="${color}" stroke-width="1.5"><title>${esc(tip)}</title></circle>`);
    }
  }
  parts.push('</svg>');
  return parts.join('');
}

/** 1, 2, 5 times powers of ten within [lo, hi] (log10 values), as plain numbers. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) >= lo - 1e-9 && Math.log10(v) <= hi + 1e-9) ticks.push(v);
    }
  }
  return ticks;
}
