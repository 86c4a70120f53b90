/**
 * The Alibaba GenAI LoRA request trace (clusterdata cluster-trace-v2026-GenAI,
 * Lin et al., SoCC'25): a production Stable-Diffusion service, one request a row,
 * `gmt_create` at 1-second resolution and `exec_time_seconds`, the real time the
 * request held a GPU. Every row that has an execution time is replayed, failed
 * ones too: they occupied a node all the same.
 */
import { TraceBuilder } from './builder.js';
import { columnIndex, parseDateTime, parseNumber } from './fields.js';
import { forEachLine, splitCsv } from './lines.js';
import { rowError, traceError, type ServiceSource } from './types.js';

/** Read an Alibaba LoRA request CSV into `builder`. */
export async function readAlibabaLora(path: string, builder: TraceBuilder): Promise<ServiceSource> {
  let ts = -1;
  let exec = -1;
  let width = 0;
  await forEachLine(path, (line, lineNo) => {
    if (lineNo === 1) {
      const header = splitCsv(line);
      const index = columnIndex(header, path, ['gmt_create', 'exec_time_seconds']);
      ts = index.get('gmt_create')!;
      exec = index.get('exec_time_seconds')!;
      width = Math.max(ts, exec) + 1;
      return;
    }
    if (line.trim() === '') return;
    const f = splitCsv(line);
    if (f.length < width) throw rowError(path, lineNo, `expected at least ${width} columns, found ${f.length}`);
    const at = parseDateTime(f[ts], path, lineNo, 'gmt_create');
    const seconds = parseNumber(f[exec], path, lineNo, 'exec_time_seconds', 0);
    builder.add(at, seconds * 1000);
  });
  if (ts === -1) throw traceError(path, 'empty file: expected a header with gmt_create and exec_time_seconds');
  return 'trace';
}
