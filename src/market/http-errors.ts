/**
 * Turns what went wrong in one exchange into a {@link Failure}, and failures into
 * {@link MarketError}s. Every text that may come from the server or the network is
 * redacted here, so the API key cannot reach a message, a cause or `details`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ComputeErrorCode } from '../errors.js';
import { MarketError } from '../errors.js';
import { ErrorBodySchema } from './protocol.js';
import { isRetryableStatus } from './retry.js';
import { maskPartialEchoes } from '../util/redact.js';

/** Longest server message we repeat. */
const MAX_SERVER_MESSAGE = 200;

/** One failed attempt, classified. */
export interface Failure {
  /** Error code the call fails with if this is the last attempt. */
  code: ComputeErrorCode;
  /** Another attempt may succeed (408, 429, 5xx, connection errors, timeouts). */
  transient: boolean;
  /** The attempt timed out: a retry costs the timeout price. */
  timeout: boolean;
  /** Says the marketplace is not usable right now (feeds `health`). */
  unhealthy: boolean;
  /** Why, after the `METHOD /path: ` prefix. Already redacted. */
  reason: string;
  /** HTTP status, when a response arrived. */
  status?: number | undefined;
  /** Server wait hint, in ms. */
  retryAfterMs?: number | undefined;
  /** Extra facts for `MarketError.details`. Never secrets. */
  details: Record<string, unknown>;
  /** A sanitised stand-in for the underlying error. */
  cause?: Error | undefined;
}

/**
 * Remove the API key from `text`: the key itself, any `Bearer <token>`, and shortened
 * echoes of the real key (ten or more of its first or last characters, as in
 * `sk-live-SUPER…`). Matched against the actual value only: a word that merely shares
 * the key's prefix (`sk-live-` of another key) is left alone. Then cut to `max`
 * characters.
 */
export function redactSecret(text: string, secret: string, max = Number.POSITIVE_INFINITY): string {
  let out = secret === '' ? text : text.split(secret).join('***');
  out = out.replace(/Bearer\s+[^\s"',;]+/gi, 'Bearer ***');
  if (secret !== '') out = maskPartialEchoes(out, [secret]);
  // Control characters could forge log lines.
  out = out.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return out.length > max ? `${out.slice(0, max)}…` : out;
}

/** Classify a non-2xx response. */
export function failureFromStatus(
  status: number,
  headers: IncomingHttpHeaders,
  body: Buffer | 'too-large',
  secret: string,
  retryAfterMs: number | undefined,
): Failure {
  const server = body === 'too-large' ? {} : serverError(body, secret);
  const said = server.message === undefined ? '' : `: ${server.message}`;
  const details: Record<string, unknown> = { status };
  if (server.code !== undefined) details.serverCode = server.code;
  const base = { status, retryAfterMs, details, timeout: false };
  if (status >= 300 && status < 400) {
    const to = locationOrigin(headers.location);
    details.redirect = true;
    const where = to === undefined ? '' : ` to ${redactSecret(to, secret, MAX_SERVER_MESSAGE)}`;
    return {
      ...base,
      code: 'MARKET_REJECTED',
      transient: false,
      unhealthy: true,
      reason: `marketplace answered ${status} redirect${where}; redirects are not followed so the API key stays with marketplace.url`,
    };
  }
  const reason = `marketplace answered ${status}${said}`;
  if (isRetryableStatus(status)) return { ...base, code: 'MARKET_UNAVAILABLE', transient: true, unhealthy: true, reason };
  const code = codeFor4xx(status);
  if (status === 404) details.notFound = true;
  return { ...base, code, transient: false, unhealthy: code === 'MARKET_UNAUTHORIZED', reason };
}

/**
 * Classify an exchange that produced no response. `timedOut` is the caller's own
 * overall timeout; undici's phase timeouts are recognised by their codes.
 */
export function failureFromError(error: unknown, timedOut: boolean, timeoutMs: number, secret: string): Failure {
  const code = errorCode(error);
  const cause = sanitizedCause(error, secret);
  const timeout = timedOut || /TIMEOUT/.test(code ?? '') || code === 'ETIMEDOUT';
  if (timeout) {
    return {
      code: 'MARKET_UNAVAILABLE',
      transient: true,
      timeout: true,
      unhealthy: true,
      reason: `timed out after ${timeoutMs} ms`,
      details: { timeout: true, ...(code === undefined ? {} : { errorCode: code }) },
      cause,
    };
  }
  // Programming and mock-setup errors do not heal by themselves.
  const permanent = code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED' || /^UND_MOCK/.test(code ?? '');
  return {
    code: 'MARKET_UNAVAILABLE',
    transient: !permanent,
    timeout: false,
    unhealthy: true,
    reason: `could not reach the marketplace (${code ?? 'unknown error'})`,
    details: code === undefined ? {} : { errorCode: code },
    cause,
  };
}

/** A 2xx whose body is not protocol v1 (or too large to read). */
export function protocolFailure(reason: string, secret: string, details: Record<string, unknown> = {}): Failure {
  return {
    code: 'PROTOCOL_INVALID',
    transient: false,
    timeout: false,
    unhealthy: true,
    reason: redactSecret(reason, secret),
    details,
  };
}

/** Errors that prove the request never reached the server. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Whether the server may have acted on the request despite the failure: timeouts,
 * dropped connections and 5xx may come after the work was done; a 429 or a refused
 * connection prove it was not.
 */
export function mayHaveBeenProcessed(failure: Failure): boolean {
  if (!failure.transient || failure.status === 429) return false;
  const code = failure.details.errorCode;
  return !(typeof code === 'string' && NEVER_SENT.has(code));
}

/** Build the error a call rejects with. */
export function toMarketError(request: string, failure: Failure, attempts: number, note = ''): MarketError {
  const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
  return new MarketError(
    failure.code,
    `${request}: ${failure.reason}${tries}${note}`,
    { status: failure.status, request, retryAfterMs: failure.retryAfterMs },
    {
      details: { ...failure.details, attempts },
      ...(failure.cause === undefined ? {} : { cause: failure.cause }),
      ...(failure.code === 'MARKET_UNAVAILABLE' && !failure.transient ? { retryable: false } : {}),
    },
  );
}

function codeFor4xx(status: number): ComputeErrorCode {
  if (status === 401 || status === 403) return 'MARKET_UNAUTHORIZED';
  if (status === 402) return 'MARKET_INSUFFICIENT_FUNDS';
  if (status === 409) return 'OFFER_GONE';
  if (status >= 400 && status < 500) return 'MARKET_REJECTED';
  // 1xx or anything else outside HTTP's classes: the server is not speaking the protocol.
  return 'PROTOCOL_INVALID';
}

function serverError(body: Buffer, secret: string): { code?: string; message?: string } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return {};
  }
  const parsed = ErrorBodySchema.safeParse(json);
  if (!parsed.success) return {};
  return {
    code: redactSecret(parsed.data.error.code, secret, 64),
    message: redactSecret(parsed.data.error.message, secret, MAX_SERVER_MESSAGE),
  };
}

function locationOrigin(location: string | string[] | undefined): string | undefined {
  const value = Array.isArray(location) ? location[0] : location;
  if (value === undefined) return undefined;
  try {
    // Only the origin: a path or query could carry anything.
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const causeCode = ((error as { cause?: { code?: unknown } } | null)?.cause as { code?: unknown } | undefined)?.code;
  return typeof causeCode === 'string' ? causeCode : undefined;
}

/**
 * A fresh error with the original's name, code and redacted message and nothing
 * else: undici errors reference sockets and request state we do not want to expose.
 */
function sanitizedCause(error: unknown, secret: string): Error {
  const original = error instanceof Error ? error : undefined;
  const cause = new Error(redactSecret(original?.message ?? String(error), secret, MAX_SERVER_MESSAGE));
  cause.name = original?.name ?? 'Error';
  const code = errorCode(error);
  if (code !== undefined) Object.defineProperty(cause, 'code', { value: code, enumerable: true });
  return cause;
}
