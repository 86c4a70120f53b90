/**
 * One HTTP exchange with the marketplace over undici, and nothing else: no retry,
 * no error mapping. It never throws; the outcome says what happened so the caller
 * can classify it (it knows which signal fired and why).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

/** What to send. */
export interface AttemptRequest {
  /** Dispatcher that owns the connections. */
  dispatcher: Dispatcher;
  /** `scheme://host[:port]`. */
  origin: string;
  /** Path with query string. */
  path: string;
  /** HTTP method. */
  method: 'GET' | 'POST' | 'DELETE';
  /** Request headers, credentials included: they go to undici and nowhere else. */
  headers: Record<string, string>;
  /** JSON text, if any. */
  body?: string | undefined;
  /** Aborts the exchange (caller abort, client close, overall timeout). */
  signal: AbortSignal;
  /** undici's per-phase timeouts, in ms. */
  timeoutMs: number;
  /** Bodies larger than this are not read. */
  maxResponseBytes: number;
}

/** How one exchange ended. */
export type AttemptOutcome =
  | {
      kind: 'response';
      status: number;
      headers: IncomingHttpHeaders;
      /** The whole body, or `'too-large'` when it passed the size limit (then it was not read). */
      body: Buffer | 'too-large';
    }
  | { kind: 'failed'; error: unknown };

/** Send one request and read its body within the size limit. */
export async function sendAttempt(req: AttemptRequest): Promise<AttemptOutcome> {
  let response: Dispatcher.ResponseData;
  try {
    response = await req.dispatcher.request({
      origin: req.origin,
      path: req.path,
      method: req.method,
      headers: req.headers,
      body: req.body ?? null,
      signal: req.signal,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
      // Lease creation is made idempotent by its key, not by the transport: never let
      // undici replay a POST on its own.
      idempotent: req.method !== 'POST',
    });
  } catch (error) {
    return { kind: 'failed', error };
  }
  try {
    const body = await readLimited(response.body, response.headers, req.maxResponseBytes);
    return { kind: 'response', status: response.statusCode, headers: response.headers, body };
  } catch (error) {
    return { kind: 'failed', error };
  }
}

async function readLimited(
  body: Dispatcher.ResponseData['body'],
  headers: IncomingHttpHeaders,
  limit: number,
): Promise<Buffer | 'too-large'> {
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    discard(body);
    return 'too-large';
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      // Stop reading at once: a hostile or broken server must not fill our memory.
      discard(body);
      return 'too-large';
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

function discard(body: Dispatcher.ResponseData['body']): void {
  // undici reports a destroyed body as an AbortError event; we asked for it, so swallow it.
  body.on('error', () => undefined);
  body.destroy();
}
