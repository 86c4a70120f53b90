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

/**
 * Fast path for the numeric cells of an unquoted CSV line: the cells at `columns`
 * (ascending, as indices into the line's fields) parsed into `out`, or false when the
 * line is not plain (a quote, fewer than `width` fields, a cell that is not a bare decimal such
 * as `12`, `-3.25` or `0.5`): the caller then takes the general path, which reads
 * anything `Number` does and names the cell of an error. Splitting and `Number()` on
 * every row cost most of the time of reading a large trace; this allocates nothing,
 * and gives the same value `Number` would (digits accumulated exactly, then one
 * correctly rounded division by a power of ten).
 */
export function readNumberCells(line: string, width: number, columns: Int32Array, out: Float64Array): boolean {
  if (line.indexOf('"') !== -1) return false;
  let fields = 1;
  for (let at = line.indexOf(','); at !== -1 && fields < width; at = line.indexOf(',', at + 1)) fields++;
  if (fields < width) return false;
  let field = 0;
  let want = 0;
  let i = 0;
  const n = line.length;
  while (want < columns.length) {
    // Skip to the start of the next wanted field.
    while (field < columns[want]!) {
      const comma = line.indexOf(',', i);
      if (comma === -1) return false;
      i = comma + 1;
      field++;
    }
    let sign = 1;
    if (i < n && line.charCodeAt(i) === 45) {
      sign = -1;
      i++;
    }
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    let dot = false;
    for (; i < n; i++) {
      const ch = line.charCodeAt(i);
      if (ch >= 48 && ch <= 57) {
        mantissa = mantissa * 10 + (ch - 48);
        digits++;
        if (dot) scale++;
      } else if (ch === 46 && !dot) dot = true;
      else if (ch === 44) break;
      else return false;
    }
    if (digits === 0 || digits > 15 || scale > 22) return false;
    out[want] = (sign * mantissa) / POWERS_OF_TEN[scale]!;
    want++;
    // Past the comma that ended this field (or at the end of the line).
    if (i < n) i++;
    field++;
  }
  return true;
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
