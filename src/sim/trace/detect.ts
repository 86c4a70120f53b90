/**
 * Which reader a trace needs when `--format` is not given: a folder is ServeGen;
 * otherwise the first line decides (its header, or for headerless ServeGen files
 * its shape), with the extension as a hint for JSON Lines.
 */
import { stat } from 'node:fs/promises';
import { forEachLine, splitCsv } from './lines.js';
import { traceError, type TraceFormat } from './types.js';

const SERVEGEN_ROW = /^\d+(\.\d+)?,[^,]*,[^,]*,(Gamma|Weibull|Exponential)?,[^,]*,[^,]*$/;

/** Detect the format of `path`; throws `TRACE_INVALID` when nothing matches. */
export async function detectFormat(path: string): Promise<TraceFormat> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw traceError(path, 'no such file');
  if (info.isDirectory()) return 'servegen';
  let first = '';
  await forEachLine(path, (line) => {
    first = line;
    return false;
  });
  const format = formatOfFirstLine(first, path);
  if (format === undefined) {
    throw traceError(
      path,
      `cannot tell the format from the first line (${JSON.stringify(first.slice(0, 60))}): a generic CSV needs a "timestamp_s" column, or pass --format generic|azure|mooncake|alibaba-lora|servegen`,
    );
  }
  return format;
}

/** The format a first line implies, if any. */
export function formatOfFirstLine(first: string, path = ''): TraceFormat | undefined {
  const text = first.trim();
  if (text.startsWith('{') || /\.jsonl?$/i.test(path)) return text.startsWith('{') && text.includes('"timestamp"') ? 'mooncake' : undefined;
  const header = splitCsv(text).map((h) => h.trim());
  if (header.includes('timestamp_s')) return 'generic';
  if (header.includes('TIMESTAMP') && header.includes('ContextTokens')) return 'azure';
  if (header.includes('gmt_create') && header.includes('exec_time_seconds')) return 'alibaba-lora';
  if (SERVEGEN_ROW.test(text)) return 'servegen';
  return undefined;
}
