/**
 * A sweep as one table, a row per cell: the lower bound, ours (cost and SLO
 * attainment), the cheapest other policy that met the SLO there, and the ratios.
 * The same rows print on the terminal and as Markdown (docs/simulator.md pastes the
 * shared traces' table from bench/sim-sweep.mjs).
 */
import { ADAPTIVE, type PolicyResult } from '../results.js';
import type { SweepCell, SweepReport } from '../sweep.js';
import { duration, money, percent, ratio } from './format.js';

/** One cell, as the table shows it. */
export interface FrontierRow {
  coldStartSec: number;
  latencyTargetMs: number;
  lowerBound: number;
  ours: PolicyResult | undefined;
  /** The cheapest policy other than ours that met the SLO in this cell. */
  cheapestOther: PolicyResult | undefined;
  /** Policies that met every target (100 %) and were billed below the lower bound: never, if the bound is right. */
  belowBound: string[];
}

const HEADERS = ['cold start', 'target', 'lower bound', 'ours', 'ours SLO', 'cheapest other at SLO', 'ours / it', 'ours / LB'];

/** The rows of `sweep`, in cell order. */
export function frontierRows(sweep: SweepReport): FrontierRow[] {
  return sweep.cells.map((cell) => frontierRow(cell));
}

function frontierRow(cell: SweepCell): FrontierRow {
  const { report } = cell;
  const ours = report.results.find((r) => r.policy === ADAPTIVE);
  const others = report.results.filter((r) => r.policy !== ADAPTIVE && r.meetsSlo);
  const cheapestOther = others.length === 0 ? undefined : others.reduce((a, b) => (b.cost < a.cost ? b : a));
  const lb = report.lowerBound.cost;
  const all = [...report.results, ...Object.values(report.tuning).flat()];
  const belowBound = all.filter((r) => r.sloAttainment >= 1 && r.unfinished === 0 && r.cost < lb * (1 - 1e-9)).map((r) => r.policy);
  return { coldStartSec: cell.coldStartSec, latencyTargetMs: cell.latencyTargetMs, lowerBound: lb, ours, cheapestOther, belowBound: [...new Set(belowBound)] };
}

function cells(row: FrontierRow): string[] {
  const ours = row.ours;
  const other = row.cheapestOther;
  return [
    `${row.coldStartSec} s`,
    duration(row.latencyTargetMs),
    money(row.lowerBound),
    ours ? money(ours.cost) : '-',
    ours ? `${percent(ours.sloAttainment)}${ours.meetsSlo ? '' : ' (miss)'}` : '-',
    other ? `${other.policy} ${money(other.cost)}` : 'none',
    ours && other ? ratio(ours.cost / other.cost) : '-',
    ours ? ratio(ours.cost / row.lowerBound) : '-',
  ];
}

/** The sweep's table for the terminal (ends with a newline). */
export function renderSweepTable(sweep: SweepReport): string {
  const rows = frontierRows(sweep);
  const text = rows.map(cells);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)));
  const line = (c: readonly string[]): string => c.map((v, i) => (i <= 1 || i === 5 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  const first = sweep.cells[0]?.report;
  const out: string[] = [];
  if (first) out.push(`trace  ${first.trace.name} (${first.trace.format}), ${first.trace.requests.toLocaleString('en-US')} requests, p99 service ${duration(first.trace.p99ServiceMs)}; SLO: ${percent(first.settings.sloTarget)} of requests within the target`, '');
  out.push(line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line), '', frontierSummary(rows), boundCheck(rows));
  return `${out.join('\n')}\n`;
}

/** The sweep's table as Markdown (a header row, a separator, a row per cell; ends with a newline). */
export function renderSweepMarkdown(sweep: SweepReport): string {
  const rows = frontierRows(sweep).map(cells);
  const md = (c: readonly string[]): string => `| ${c.join(' | ')} |`;
  return `${[md(HEADERS), md(HEADERS.map(() => '---')), ...rows.map(md)].join('\n')}\n`;
}

/** How ours fared across a sweep, in the terms the issue's acceptance uses. */
export interface FrontierStats {
  /** Cells where a policy other than ours met the SLO. */
  contested: number;
  /** Of those, cells where ours met it too. */
  oursMetContested: number;
  /** Cells where any policy (ours included) met the SLO. */
  anyMet: number;
  /** Of those, cells where ours met it at the lowest cost (ties count for ours). */
  oursCheapest: number;
  /** Where ours met the SLO but another met it for less: the largest excess, as a share (0 if none). */
  worstExcess: number;
}

/** {@link FrontierStats} of `rows`. */
export function frontierStats(rows: readonly FrontierRow[]): FrontierStats {
  const contested = rows.filter((r) => r.cheapestOther !== undefined);
  const anyMet = rows.filter((r) => r.cheapestOther !== undefined || r.ours?.meetsSlo === true);
  const oursMet = (r: FrontierRow): boolean => r.ours?.meetsSlo === true;
  const excess = contested.filter(oursMet).map((r) => r.ours!.cost / r.cheapestOther!.cost - 1);
  return {
    contested: contested.length,
    oursMetContested: contested.filter(oursMet).length,
    anyMet: anyMet.length,
    oursCheapest: anyMet.filter((r) => oursMet(r) && (r.cheapestOther === undefined || r.ours!.cost <= r.cheapestOther.cost)).length,
    worstExcess: Math.max(0, ...excess),
  };
}

/** {@link frontierStats} as one line. */
export function frontierSummary(rows: readonly FrontierRow[]): string {
  const s = frontierStats(rows);
  const worst = s.worstExcess > 0 ? `; where another was cheaper, ours cost up to ${(s.worstExcess * 100).toFixed(1)} % more` : '';
  return `Ours met the SLO in ${s.oursMetContested} of the ${s.contested} cells where another policy did, and was the cheapest policy meeting it in ${s.oursCheapest} of the ${s.anyMet} cells where any did${worst}.`;
}

/** One line: whether any policy that met every target was billed below the lower bound. */
export function boundCheck(rows: readonly FrontierRow[]): string {
  const bad = rows.filter((r) => r.belowBound.length > 0);
  if (bad.length === 0) return 'Lower bound: no policy that met every target was billed below it in any cell.';
  return `Lower bound BROKEN in ${bad.length} cell(s): ${bad.map((r) => `${r.coldStartSec} s / ${duration(r.latencyTargetMs)}: ${r.belowBound.join(', ')}`).join('; ')}.`;
}
