/**
 * The terminal report: the settings in force, then one row per policy (cost,
 * cost / lower bound, SLO attainment, latency percentiles, node-hours, idle
 * node-hours, scale events), then the clairvoyant lower bound and a one-line verdict.
 */
import { ADAPTIVE } from '../results.js';
import { money, nodeHours, percent, ratio, resultCells } from './format.js';
import { settingLines } from './settings.js';
import type { SimReport } from './types.js';

/** SLO attainment a policy needs to count as meeting the target, unless the policy file sets `sloTarget`. */
export const SLO_GOAL = 0.99;

/** The report's SLO target (`sloTarget` of the settings; reports made before it existed: {@link SLO_GOAL}). */
export function sloGoal(report: SimReport): number {
  return report.settings.sloTarget ?? SLO_GOAL;
}

const HEADERS = ['policy', 'cost', 'cost/LB', 'SLO', 'p50', 'p95', 'p99', 'node-h', 'idle node-h', 'scale events'];

/** The whole terminal report as text (ends with a newline). */
export function renderTable(report: SimReport, fromPolicy: readonly string[] = []): string {
  const out: string[] = [];
  const settings = settingLines(report, fromPolicy);
  const width = Math.max(...settings.map((l) => l.label.length));
  for (const l of settings) out.push(`${l.label.padEnd(width)}  ${l.value}${l.note ? `  (${l.note})` : ''}`);
  out.push('');
  const rows = report.results.map((r) => [r.policy === ADAPTIVE ? `${r.policy} (ours)` : r.policy, ...resultCells(r)]);
  const lb = report.lowerBound;
  rows.push(['lower bound', money(lb.cost), '1.00x', '-', '-', '-', '-', nodeHours(lb.nodeSeconds), '-', '-']);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  out.push(line(HEADERS));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) out.push(line(r));
  const tuned = report.results.filter((r) => r.tuned);
  if (tuned.length > 0) {
    out.push('');
    for (const r of tuned) out.push(`${r.policy}: ${r.title}${r.meetsSlo ? '' : ' (no setting met the SLO: the closest)'}`);
  }
  out.push('');
  out.push(verdict(report));
  if (lb.infeasible > 0) out.push(`${lb.infeasible} request(s) take longer than the target to serve alone: no policy can meet it for them.`);
  return `${out.join('\n')}\n`;
}

/** One line: which policy is cheapest among those meeting the SLO, and where ours stands. */
export function verdict(report: SimReport): string {
  const goal = sloGoal(report);
  const meeting = report.results.filter((r) => r.sloAttainment >= goal);
  const ours = report.results.find((r) => r.policy === ADAPTIVE);
  if (meeting.length === 0) return `No policy reached ${percent(goal)} SLO attainment on this trace.`;
  const cheapest = meeting.reduce((a, b) => (b.cost < a.cost ? b : a));
  const who = cheapest.policy === ADAPTIVE ? 'ours' : cheapest.policy;
  const tail = ours && ours.policy !== cheapest.policy ? `; ours: ${money(ours.cost)} at ${percent(ours.sloAttainment)}` : '';
  return `Cheapest with SLO >= ${percent(goal)}: ${who} at ${money(cheapest.cost)} (${ratio(cheapest.costPerLowerBound)} the lower bound)${tail}.`;
}
