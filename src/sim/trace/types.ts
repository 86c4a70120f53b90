/**
 * A demand trace as the simulator replays it: one request per index, arrival times
 * sorted and starting at 0, and each request's service time on one node slot.
 * Plain typed arrays so that a replay allocates nothing per request.
 */
import { ComputeError } from '../../errors.js';

/** Formats the readers understand. */
export const TRACE_FORMATS = ['generic', 'azure', 'mooncake', 'alibaba-lora', 'servegen'] as const;

/** One of {@link TRACE_FORMATS}. */
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** Where each request's service time came from. */
export type ServiceSource = 'trace' | 'tokens' | 'default';

/** A trace ready to replay. */
export interface Trace {
  /** Short name for reports (file or folder name). */
  name: string;
  /** Path it was read from. */
  path: string;
  format: TraceFormat;
  /** Arrival of each request in ms since the first arrival, ascending. */
  arrivalMs: Float64Array;
  /** Service time of each request on one node slot, ms. */
  serviceMs: Float64Array;
  /** Number of requests (the arrays may be longer). */
  count: number;
  /** Where service times came from (the token model, the trace itself, or the default). */
  serviceSource: ServiceSource;
  /** One-line facts about the read: skipped rows, clock origin, generator settings. */
  notes: string[];
}

/**
 * How a request's service time is derived when the trace gives token counts
 * (`baseMs + msPerInputToken·in + msPerOutputToken·out`) or nothing at all
 * (`defaultServiceMs`).
 */
export interface ServiceModel {
  baseMs: number;
  msPerInputToken: number;
  msPerOutputToken: number;
  /** Service time of a request whose trace row has no size. */
  defaultServiceMs: number;
}

/** A request's service time from its token counts: `baseMs + msPerInputToken × in + msPerOutputToken × out`. */
export function tokenServiceMs(model: ServiceModel, input: number, output: number): number {
  return model.baseMs + model.msPerInputToken * input + model.msPerOutputToken * output;
}

/** The error for a bad trace row: names the file and the 1-based line. */
export function rowError(file: string, line: number, message: string): ComputeError {
  return new ComputeError('TRACE_INVALID', `${file}:${line}: ${message}`, { details: { file, line } });
}

/** The error for a trace that cannot be used as a whole (missing file, unknown format, bad header). */
export function traceError(file: string, message: string): ComputeError {
  return new ComputeError('TRACE_INVALID', `${file}: ${message}`, { details: { file } });
}
