/**
 * What the demo's views show: one status snapshot (built from `compute.metrics()`
 * and the demo's own counters) and one-line renderings of it.
 */

import { formatMoney, formatRate } from '../../util/money.js';

/** The demo at one moment. */
export interface DemoStatus {
  elapsedSec: number;
  durationSec: number;
  /** Requests submitted so far / in the burst. */
  arrived: number;
  total: number;
  /** Settled so far: succeeded and failed. */
  ok: number;
  failed: number;
  queued: number;
  running: number;
  nodes: { requested: number; provisioning: number; ready: number; draining: number };
  /** p95 of recent end-to-end latencies (the SDK's window), ms. */
  p95Ms: number | null;
  targetMs: number;
  spent: number;
  budget: number;
  currency: string;
  lastScale: { atSec: number; desired: number; direction: 'up' | 'down' | 'hold'; reason: string } | undefined;
}

/** `$0.0123` (util/money.ts) */
export const money = formatMoney;

/** `$0.65/h` (util/money.ts) */
export const hourly = formatRate;

/** `1.23 s` or `850 ms` */
export function duration(ms: number | null): string {
  if (ms === null) return '-';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** `[ 12.5s]` prefix of plain log lines. */
export function stamp(sec: number): string {
  return `[${sec.toFixed(1).padStart(5)}s]`;
}

/** Nodes by state, compact: `3 ready, 1 starting, 1 draining`. */
export function nodeLine(nodes: DemoStatus['nodes']): string {
  const starting = nodes.requested + nodes.provisioning;
  const parts = [`${nodes.ready} ready`];
  if (starting > 0) parts.push(`${starting} starting`);
  if (nodes.draining > 0) parts.push(`${nodes.draining} draining`);
  return parts.join(', ');
}

/** One plain status line (non-TTY output). */
export function statusLine(s: DemoStatus): string {
  const p95 = s.p95Ms === null ? 'p95 -' : `p95 ${duration(s.p95Ms)} (target ${duration(s.targetMs)})`;
  return `${stamp(s.elapsedSec)} status: ${s.arrived}/${s.total} arrived, queue ${s.queued}, running ${s.running}, nodes ${nodeLine(s.nodes)}, ${p95}, spend ${money(s.spent, s.currency)} of ${money(s.budget, s.currency)}`;
}
