/**
 * Number formatting shared by the terminal table and the HTML page, so that both
 * show the same figures.
 */
import type { PolicyResult } from '../results.js';
import { formatMoney } from '../../util/money.js';

/** Money in USD (util/money.ts: small amounts keep their significant digits). */
export function money(amount: number): string {
  return formatMoney(amount);
}

/** A ratio such as cost / lower bound. */
export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : '-';
}

/** A share as a percentage with two decimals. */
export function percent(share: number): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(2)}%` : '-';
}

/** A duration in ms, in the unit that reads best. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return 'never';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Node-hours from node-seconds. */
export function nodeHours(seconds: number): string {
  return (seconds / 3600).toFixed(2);
}

/** Round for JSON: stable, readable, and enough digits for any comparison made on it. */
export function round(value: number, digits = 6): number | null {
  if (!Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The numeric cells of a report row, in table order (after the policy name). */
export function resultCells(r: PolicyResult): string[] {
  return [
    money(r.cost),
    ratio(r.costPerLowerBound),
    percent(r.sloAttainment),
    duration(r.p50Ms),
    duration(r.p95Ms),
    duration(r.p99Ms),
    nodeHours(r.nodeSeconds),
    nodeHours(r.idleNodeSeconds),
    String(r.scaleEvents),
  ];
}
