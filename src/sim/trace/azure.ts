/**
 * The Azure LLM inference trace (Patel et al., Splitwise, ISCA'24; CC-BY 4.0):
 * `TIMESTAMP,ContextTokens,GeneratedTokens`, one request a row, timestamps as
 * `YYYY-MM-DD HH:MM:SS.fffffff`. Service time comes from the token model.
 */
import { TraceBuilder } from './builder.js';
import { columnIndex, parseDateTime, parseNumber } from './fields.js';
import { forEachLine, splitCsv } from './lines.js';
import { rowError, type ServiceModel, type ServiceSource, tokenServiceMs, traceError } from './types.js';

/** Read an Azure LLM CSV into `builder`. */
export async function readAzure(path: string, builder: TraceBuilder, model: ServiceModel): Promise<ServiceSource> {
  let ts = -1;
  let tin = -1;
  let tout = -1;
  await forEachLine(path, (line, lineNo) => {
    if (lineNo === 1) {
      const index = columnIndex(splitCsv(line), path, ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens']);
      ts = index.get('TIMESTAMP')!;
      tin = index.get('ContextTokens')!;
      tout = index.get('GeneratedTokens')!;
      return;
    }
    if (line.trim() === '') return;
    const f = line.split(',');
    if (f.length < 3) throw rowError(path, lineNo, `expected 3 columns, found ${f.length}`);
    const at = parseDateTime(f[ts], path, lineNo, 'TIMESTAMP');
    const input = parseNumber(f[tin], path, lineNo, 'ContextTokens', 0);
    const output = parseNumber(f[tout], path, lineNo, 'GeneratedTokens', 0);
    builder.add(at, tokenServiceMs(model, input, output));
  });
  if (ts === -1) throw traceError(path, 'empty file: expected the header TIMESTAMP,ContextTokens,GeneratedTokens');
  return 'tokens';
}
