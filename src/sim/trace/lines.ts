/**
 * Streaming line reading for trace files: the file is read in chunks and each line
 * handed to a synchronous callback with its 1-based number, so that a bad row can
 * be named precisely and a large trace never sits in memory as text. (readline's
 * async iterator costs a promise per line; this costs none.)
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { traceError } from './types.js';

/** Called per line without its line break; return `false` to stop reading. */
export type LineHandler = (line: string, lineNo: number) => boolean | void;

/** Throws `TRACE_INVALID` when `path` is not a readable file. */
export async function assertReadable(path: string): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw traceError(path, 'not a file');
  } catch (error) {
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('E')) {
      throw traceError(path, error.code === 'ENOENT' ? 'no such file' : `cannot read (${error.code})`);
    }
    throw error;
  }
}

/**
 * Read `path` line by line. CRLF and a UTF-8 byte-order mark are handled; a final
 * line without a newline is delivered too. Errors thrown by `onLine` propagate.
 */
export async function forEachLine(path: string, onLine: LineHandler): Promise<void> {
  await assertReadable(path);
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lineNo = 0;
  let first = true;
  let stopped = false;
  const emit = (raw: string): void => {
    lineNo++;
    let line = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    if (first) {
      first = false;
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    }
    if (onLine(line, lineNo) === false) stopped = true;
  };
  try {
    for await (const chunk of stream) {
      const text = carry + decoder.write(chunk as Buffer);
      let start = 0;
      for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
        emit(text.slice(start, nl));
        start = nl + 1;
        if (stopped) return;
      }
      carry = text.slice(start);
    }
    const rest = carry + decoder.end();
    if (rest.length > 0) emit(rest);
  } finally {
    stream.destroy();
  }
}

/**
 * Split one CSV line. Fast path for lines without quotes; quoted fields (`"a,b"`,
 * doubled `""`) are handled for generic CSVs written by spreadsheets.
 */
export function splitCsv(line: string): string[] {
  if (line.indexOf('"') === -1) return line.split(',');
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}
