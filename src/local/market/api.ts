/**
 * Protocol-v1 requests and replies without a transport: the marketplace core
 * answers these, and thin adapters carry them over `node:http` (the local and fake
 * marketplaces) or msw's fetch `Request`/`Response` (the `testing` handlers), so
 * that every transport runs the same routes, auth, faults and lease logic.
 */
import type { ErrorBody } from '../../market/protocol.js';
import type { JsonBody } from './http-util.js';

/** One API request as the core sees it. */
export interface ApiRequest {
  /** HTTP method, upper case. */
  readonly method: string;
  /** Path with query string, e.g. `/v1/leases?tag=client:a`. */
  readonly url: string;
  /** A request header by lower-case name, if present. */
  header(name: string): string | undefined;
  /** Read and parse the JSON body (size-limited by the adapter). */
  json(): Promise<JsonBody>;
}

/** The core's answer: a status, a JSON body and extra headers. */
export interface ApiReply {
  /** HTTP status. */
  status: number;
  /** Sent as JSON. */
  body: unknown;
  /** Extra response headers (e.g. `retry-after`). */
  headers?: Record<string, string>;
}

/** A JSON reply. */
export function jsonReply(status: number, body: unknown, headers?: Record<string, string>): ApiReply {
  return headers === undefined ? { status, body } : { status, body, headers };
}

/** The protocol-v1 error envelope; `retryable` follows the status (408, 429, 5xx). */
export function errorBody(status: number, code: string, message: string): ErrorBody {
  return { error: { code, message, retryable: status === 408 || status === 429 || status >= 500 } };
}

/** A reply with the protocol-v1 error envelope. */
export function errorReply(status: number, code: string, message: string, headers?: Record<string, string>): ApiReply {
  return jsonReply(status, errorBody(status, code, message), headers);
}

/** The token of an `Authorization: Bearer <token>` header value, if any. */
export function bearerOf(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}
