/**
 * The generic trace: a CSV with a header and one request a row. `timestamp_s`
 * (seconds, any origin, sorted or not) is required; `service_ms` gives the
 * request's service time on one slot, or `input_tokens,output_tokens` give it
 * through the token model; with neither, every request takes the default, and so
 * does a row whose size cells are empty (counted in the trace's notes).
 */
import { TraceBuilder } from './builder.js';
import { columnIndex, parseNumber, readNumberCells } from './fields.js';
import { forEachLine, splitCsv } from './lines.js';
import { rowError, type ServiceModel, type ServiceSource, tokenServiceMs, traceError } from './types.js';

/** Read a generic CSV into `builder`; returns where service times came from. */
export async function readGeneric(path: string, builder: TraceBuilder, model: ServiceModel): Promise<ServiceSource> {
  let ts = -1;
  let svc = -1;
  let tin = -1;
  let tout = -1;
  let width = 0;
  let source: ServiceSource = 'default';
  // The numeric cells a row needs, in column order, and where each role sits among them.
  let cells = new Int32Array(0);
  const values = new Float64Array(3);
  let at = { ts: 0, svc: 0, tin: 0, tout: 0 };
  let unsized = 0;
  await forEachLine(path, (line, lineNo) => {
    if (lineNo === 1) {
      const header = splitCsv(line);
      const index = columnIndex(header, path, ['timestamp_s'], ['service_ms', 'input_tokens', 'output_tokens']);
      ts = index.get('timestamp_s')!;
      width = header.length;
      if (index.has('service_ms')) {
        svc = index.get('service_ms')!;
        source = 'trace';
      } else if (index.has('input_tokens') || index.has('output_tokens')) {
        if (!index.has('input_tokens') || !index.has('output_tokens')) {
          throw traceError(path, 'token columns come in pairs: give both "input_tokens" and "output_tokens"');
        }
        tin = index.get('input_tokens')!;
        tout = index.get('output_tokens')!;
        source = 'tokens';
      }
      const used = [ts, svc, tin, tout].filter((c) => c >= 0).sort((a, b) => a - b);
      cells = Int32Array.from(used);
      at = { ts: used.indexOf(ts), svc: used.indexOf(svc), tin: used.indexOf(tin), tout: used.indexOf(tout) };
      return;
    }
    // Plain rows (bare decimals, no quotes) take the fast path; anything else, and any
    // value out of range, the general one, which reads what `Number` does and names errors.
    if (readNumberCells(line, width, cells, values)) {
      const service = serviceOf(values, at, model);
      if (service !== undefined) {
        builder.add(values[at.ts]! * 1000, service);
        return;
      }
    }
    if (line.trim() === '') return;
    const f = splitCsv(line);
    if (f.length < width) throw rowError(path, lineNo, `expected ${width} columns, found ${f.length}`);
    const arrival = parseNumber(f[ts], path, lineNo, 'timestamp_s') * 1000;
    let service = model.defaultServiceMs;
    // A row whose size cells are empty has no size, as a trace without size columns:
    // it takes the default service time, and the report says how many did.
    if ((svc >= 0 && blank(f[svc])) || (tin >= 0 && (blank(f[tin]) || blank(f[tout])))) unsized++;
    else if (svc >= 0) service = parseNumber(f[svc], path, lineNo, 'service_ms', 0);
    else if (tin >= 0) {
      const input = parseNumber(f[tin], path, lineNo, 'input_tokens', 0);
      const output = parseNumber(f[tout], path, lineNo, 'output_tokens', 0);
      service = tokenServiceMs(model, input, output);
    }
    builder.add(arrival, service);
  });
  if (ts === -1) throw traceError(path, 'empty file: expected a header with "timestamp_s"');
  if (unsized > 0) {
    const cellsNamed = svc >= 0 ? 'service_ms' : 'input_tokens/output_tokens';
    builder.notes.push(`${unsized.toLocaleString('en-US')} ${unsized === 1 ? 'row' : 'rows'} had an empty ${cellsNamed} cell: each took the default service time (${model.defaultServiceMs} ms, serviceTime.defaultMs)`);
  }
  return source;
}

function blank(cell: string | undefined): boolean {
  return cell === undefined || cell.trim() === '';
}

/** The service time of a fast-read row, or undefined when a size is negative (an error the general path names). */
function serviceOf(values: Float64Array, at: { svc: number; tin: number; tout: number }, model: ServiceModel): number | undefined {
  if (at.svc >= 0) return values[at.svc]! >= 0 ? values[at.svc]! : undefined;
  if (at.tin < 0) return model.defaultServiceMs;
  const input = values[at.tin]!;
  const output = values[at.tout]!;
  if (input < 0 || output < 0) return undefined;
  return tokenServiceMs(model, input, output);
}
