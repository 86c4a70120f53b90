/**
 * Field parsing shared by the readers: every bad value becomes a `TRACE_INVALID`
 * error that names the file, the line and the column.
 */
import { rowError, traceError } from './types.js';

/**
 * A finite number at least `min` (default: any finite number); `file`, `line` and
 * `column` only name the cell in the error (passed loose: no object per field read).
 */
export function parseNumber(raw: string | undefined, file: string, line: number, column: string, min = -Infinity): number {
  // Fast path (millions of rows): a bare number needs no trim and no second look.
  if (raw !== undefined && raw.length > 0 && raw.charCodeAt(0) > 32 && raw.charCodeAt(raw.length - 1) > 32) {
    const quick = Number(raw);
    if (Number.isFinite(quick) && quick >= min) return quick;
  }
  const cell = { file, line, column };
  const text = raw?.trim() ?? '';
  if (text === '') throw rowError(cell.file, cell.line, `${cell.column}: empty`);
  const value = Number(text);
  if (!Number.isFinite(value)) throw rowError(cell.file, cell.line, `${cell.column}: not a number (${JSON.stringify(truncate(text))})`);
  if (value < min) throw rowError(cell.file, cell.line, `${cell.column}: must be >= ${min} (got ${text})`);
  return value;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.fraction]` (or with `T`) to ms, read as UTC: only
 * differences between rows matter, so the zone does not. Hand-parsed because
 * `Date.parse` is slow and lenient about what it accepts.
 */
export function parseDateTime(raw: string | undefined, file: string, line: number, column: string): number {
  const cell = { file, line, column };
  const text = raw?.trim() ?? '';
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z?$/.exec(text);
  if (m === null) throw rowError(cell.file, cell.line, `${cell.column}: not a date-time YYYY-MM-DD HH:MM:SS (${JSON.stringify(truncate(text))})`);
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  const fraction = m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000;
  return ms + fraction;
}

/** Index of each wanted column in a CSV header; a missing required one is a one-line error. */
export function columnIndex(header: readonly string[], file: string, required: readonly string[], optional: readonly string[] = []): Map<string, number> {
  const names = header.map((h) => h.trim());
  const index = new Map<string, number>();
  for (const column of [...required, ...optional]) {
    const at = names.indexOf(column);
    if (at !== -1) index.set(column, at);
    else if (required.includes(column)) {
      throw traceError(file, `missing column "${column}" (header: ${truncate(names.join(','))})`);
    }
  }
  return index;
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
