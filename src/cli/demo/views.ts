/**
 * The demo's two faces. On a TTY: event lines scroll, and a status panel at the
 * bottom is redrawn in place (cursor up, clear, write). Elsewhere (pipes, CI, `--json`):
 * plain log lines, events as they happen and a status line every few seconds.
 */
import type { DemoStatus } from './status.js';
import { duration, money, nodeLine, stamp, statusLine } from './status.js';
import { wrap } from './wrap.js';

/** Width of `[ 12.3s] `, where wrapped event lines continue. */
const EVENT_INDENT = 9;

/** Where the demo reports progress. */
export interface DemoView {
  /** Something happened (scale decision, lease change, budget). */
  event(atSec: number, text: string): void;
  /** The current state; the view decides how often to show it. */
  status(status: DemoStatus): void;
  /** Final state: leave the panel on screen, stop redrawing. */
  close(status: DemoStatus): void;
}

/** A writable text stream (process.stdout / process.stderr). */
export interface TextOut {
  write(text: string): unknown;
  columns?: number;
}

/** Plain log lines; a status line at most every `everySec`. */
export function plainView(out: TextOut, everySec = 2): DemoView {
  let lastAt = -Infinity;
  return {
    event: (atSec, text) => void out.write(`${stamp(atSec)} ${text}\n`),
    status: (s) => {
      if (s.elapsedSec - lastAt < everySec) return;
      lastAt = s.elapsedSec;
      out.write(`${statusLine(s)}\n`);
    },
    close: (s) => void out.write(`${statusLine(s)}\n`),
  };
}

const BAR_WIDTH = 24;

function bar(fraction: number): string {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * BAR_WIDTH);
  return `${'#'.repeat(full)}${'.'.repeat(BAR_WIDTH - full)}`;
}

function panel(s: DemoStatus, width: number): string[] {
  const cut = (line: string): string => (line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line);
  const met = s.p95Ms === null ? '' : s.p95Ms <= s.targetMs ? '  ok' : '  over target';
  const scale = s.lastScale
    ? `${s.lastScale.direction === 'up' ? 'up' : s.lastScale.direction === 'down' ? 'down' : 'hold'} to ${s.lastScale.desired} at ${s.lastScale.atSec.toFixed(1)}s: ${s.lastScale.reason}`
    : 'none yet';
  return [
    `  time     ${bar(s.elapsedSec / s.durationSec)} ${s.elapsedSec.toFixed(1)} / ${s.durationSec} s`,
    `  demand   ${s.arrived}/${s.total} arrived, ${s.ok} done${s.failed > 0 ? `, ${s.failed} failed` : ''}`,
    `  queue    ${s.queued} waiting, ${s.running} running`,
    `  nodes    ${nodeLine(s.nodes)}`,
    `  p95      ${duration(s.p95Ms)} vs target ${duration(s.targetMs)}${met}`,
    `  spend    ${money(s.spent, s.currency)} of ${money(s.budget, s.currency)} budget (${((100 * s.spent) / s.budget).toFixed(1)}%)`,
    `  scale    ${scale}`,
  ].map(cut);
}

/** Live panel redrawn in place; events print above it. */
export function liveView(out: TextOut): DemoView {
  let drawn = 0;
  const pending: string[] = [];
  const draw = (s: DemoStatus): void => {
    const width = Math.max(40, (out.columns ?? 100) - 1);
    // Cursor up over the old panel, clear to the end of the screen, then events and the new panel.
    let text = drawn > 0 ? `\x1b[${drawn}A\r\x1b[J` : '';
    // Events wrap under their time stamp: a reason is the point of the line, never cut.
    for (const line of pending.splice(0)) text += `${wrap(line, width, ' '.repeat(EVENT_INDENT))}\n`;
    const lines = panel(s, width);
    text += `${lines.join('\n')}\n`;
    drawn = lines.length;
    out.write(text);
  };
  return {
    event: (atSec, text) => void pending.push(`${stamp(atSec)} ${text}`),
    status: draw,
    close: draw,
  };
}
