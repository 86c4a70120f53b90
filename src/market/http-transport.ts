/**
 * One HTTP exchange with the marketplace over undici, and nothing else: no retry,
 * no error mapping. It never throws; the outcome says what happened so the caller
 * can classify it (it knows which signal fired and why).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { readBodyWithin } from '../util/read-body.js';

/** What to send. */
export interface AttemptRequest {
  /** Dispatcher that owns the connections. */
  dispatcher: Dispatcher;
  /** `scheme://host[:port]`. */
  origin: string;
  /** Path with query string. */
  path: string;
  /** HTTP method. */
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
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
      // Lease creation is made idempotent by its key (or a lookup by label), not by the
      // transport: never let undici replay a POST or PUT on its own.
      idempotent: req.method === 'GET' || req.method === 'DELETE',
    });
  } catch (error) {
    return { kind: 'failed', error };
  }
  try {
    const body = await readBodyWithin(response.body, req.maxResponseBytes, response.headers['content-length']);
    return { kind: 'response', status: response.statusCode, headers: response.headers, body };
  } catch (error) {
    return { kind: 'failed', error };
  }
}
