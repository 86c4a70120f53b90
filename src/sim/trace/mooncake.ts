/**
 * Mooncake traces (FAST'25; Apache-2.0): JSON Lines with `timestamp` in ms,
 * `input_length` and `output_length` in tokens (other keys such as `hash_ids`
 * are ignored). Service time comes from the token model.
 */
import { TraceBuilder } from './builder.js';
import { parseNumber } from './fields.js';
import { forEachLine } from './lines.js';
import { rowError, type ServiceModel, type ServiceSource, tokenServiceMs } from './types.js';

/** Read a Mooncake JSONL trace into `builder`. */
export async function readMooncake(path: string, builder: TraceBuilder, model: ServiceModel): Promise<ServiceSource> {
  await forEachLine(path, (line, lineNo) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw rowError(path, lineNo, 'not a JSON object');
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw rowError(path, lineNo, 'not a JSON object');
    const r = row as Record<string, unknown>;
    const at = parseNumber(field(r.timestamp), path, lineNo, 'timestamp');
    const input = parseNumber(field(r.input_length), path, lineNo, 'input_length', 0);
    const output = parseNumber(field(r.output_length), path, lineNo, 'output_length', 0);
    builder.add(at, tokenServiceMs(model, input, output));
  });
  return 'tokens';
}

function field(value: unknown): string | undefined {
  return typeof value === 'number' || typeof value === 'string' ? String(value) : undefined;
}
