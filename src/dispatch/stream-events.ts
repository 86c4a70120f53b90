/**
 * Turns a node's streamed response into what `workload.stream()` yields: the data
 * of each server-sent event (parsed as JSON when it is JSON) up to `[DONE]`, or the
 * whole body once when the server did not stream after all. Bounded: the stream and
 * each event have a size limit, ending the stream with `RESPONSE_TOO_LARGE`.
 */
import { ComputeError, NodeError } from '../errors.js';
import type { NodeStream } from './node-stream.js';
import { parseSse, SseLimitError } from './sse.js';

/** Size limits of one stream. */
export interface StreamLimits {
  /** Bytes the whole answer may take. */
  maxBytes: number;
  /** Bytes one server-sent event may take. */
  maxEventBytes: number;
}

const UNLIMITED: StreamLimits = { maxBytes: Infinity, maxEventBytes: Infinity };

function parsed(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

/** Raised inside the byte counter; turned into `RESPONSE_TOO_LARGE` below. */
class StreamLimitError extends Error {
  constructor(readonly limit: number) {
    super(`the stream went past ${limit} bytes`);
  }
}

/** The stream's chunks, failing once more than `limit` bytes have come. */
async function* counted(stream: NodeStream, limit: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > limit) throw new StreamLimitError(limit);
    yield chunk;
  }
}

/**
 * Yield the stream's events; closes the stream however the reader stops. `open` runs
 * on the first `next()`: a stream nobody reads never takes a node slot, and its
 * failure is never an unhandled rejection.
 */
export async function* streamEvents<T>(open: () => Promise<NodeStream>, workload: string, signal?: AbortSignal, limits: StreamLimits = UNLIMITED): AsyncGenerator<T> {
  const stream = await open();
  const onAbort = (): void => stream.close();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const chunks = counted(stream, limits.maxBytes);
    if (!stream.contentType.includes('text/event-stream')) {
      const parts: Buffer[] = [];
      for await (const chunk of chunks) parts.push(chunk);
      yield parsed(Buffer.concat(parts).toString('utf8')) as T;
      return;
    }
    for await (const event of parseSse(chunks, { maxEventBytes: limits.maxEventBytes })) {
      if (event.data === '[DONE]') return;
      yield parsed(event.data) as T;
    }
  } catch (error) {
    throw streamFailure(error, workload, signal, limits);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stream.close();
  }
}

function streamFailure(error: unknown, workload: string, signal: AbortSignal | undefined, limits: StreamLimits): ComputeError {
  if (signal?.aborted) return new ComputeError('ABORTED', `workload "${workload}": stream aborted`, { cause: signal.reason });
  if (error instanceof StreamLimitError || error instanceof SseLimitError) {
    const which = error instanceof SseLimitError ? 'maxStreamEventBytes' : 'maxStreamBytes';
    return new ComputeError('RESPONSE_TOO_LARGE', `workload "${workload}": the stream went past ${which} (${error.limit} bytes) and was cut off`, {
      retryable: false,
      details: { limit: which, bytes: error.limit, maxBytes: limits.maxBytes, maxEventBytes: limits.maxEventBytes },
    });
  }
  if (error instanceof NodeError && error.details.kind === 'timeout') {
    return new ComputeError('TIMEOUT', `workload "${workload}": the stream did not end within nodeTimeoutMs and was cut off`, {
      retryable: false,
      cause: error,
      details: { nodeTimeoutMs: error.details.nodeTimeoutMs },
    });
  }
  // After the first chunk a retry would repeat output the reader already has.
  return new ComputeError('NODE_FAILED', `workload "${workload}": the stream broke after it started`, {
    retryable: false,
    cause: error instanceof Error ? new Error(error.message) : undefined,
  });
}
