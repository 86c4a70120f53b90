/**
 * Turns a node's streamed response into what `workload.stream()` yields: the data
 * of each server-sent event (parsed as JSON when it is JSON) up to `[DONE]`, or the
 * whole body once when the server did not stream after all.
 */
import { ComputeError } from '../errors.js';
import type { NodeStream } from './node-stream.js';
import { parseSse } from './sse.js';

function parsed(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

/**
 * Yield the stream's events; closes the stream however the reader stops. `open` runs
 * on the first `next()`: a stream nobody reads never takes a node slot, and its
 * failure is never an unhandled rejection.
 */
export async function* streamEvents<T>(open: () => Promise<NodeStream>, workload: string, signal?: AbortSignal): AsyncGenerator<T> {
  const stream = await open();
  const onAbort = (): void => stream.close();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (!stream.contentType.includes('text/event-stream')) {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      yield parsed(Buffer.concat(chunks).toString('utf8')) as T;
      return;
    }
    for await (const event of parseSse(stream)) {
      if (event.data === '[DONE]') return;
      yield parsed(event.data) as T;
    }
  } catch (error) {
    if (signal?.aborted) throw new ComputeError('ABORTED', `workload "${workload}": stream aborted`, { cause: signal.reason });
    // After the first chunk a retry would repeat output the reader already has.
    throw new ComputeError('NODE_FAILED', `workload "${workload}": the stream broke after it started`, {
      retryable: false,
      cause: error instanceof Error ? new Error(error.message) : undefined,
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stream.close();
  }
}
