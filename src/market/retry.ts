/**
 * When to retry a marketplace call and how long to wait first. Pure functions: the
 * caller passes the time and the randomness, so delays can be asserted exactly.
 * Numbers are DESIGN.md section 6 (the openai-node defaults).
 */
import type { IncomingHttpHeaders } from 'node:http';

/** First backoff delay, doubled per retry. */
export const RETRY_BASE_DELAY_MS = 500;
/** Cap of the exponential backoff. */
export const RETRY_MAX_DELAY_MS = 8_000;
/** Up to this fraction is taken off a backoff delay at random, so clients spread out. */
export const RETRY_JITTER = 0.25;
/** A server hint longer than this is ignored: we do not park a call on any server's word. */
export const RETRY_MAX_HINT_MS = 60_000;

/** Input of {@link retryDelayMs}. */
export interface RetryDelayInput {
  /** 0 for the first retry (after attempt 1), 1 for the second, ... */
  retry: number;
  /** Wait the server asked for (from {@link parseRetryAfterMs}), if any. */
  hintMs?: number | undefined;
  /** Uniform in [0, 1). Only used when there is no usable hint. */
  random: () => number;
}

/**
 * Delay before the next attempt: the server's hint when it is within 0..60 s,
 * otherwise `min(500 * 2^retry, 8000)` ms minus up to 25 % jitter.
 */
export function retryDelayMs(input: RetryDelayInput): number {
  const { hintMs } = input;
  if (hintMs !== undefined && Number.isFinite(hintMs) && hintMs >= 0 && hintMs <= RETRY_MAX_HINT_MS) {
    return Math.ceil(hintMs);
  }
  const exponent = Math.max(0, Math.floor(input.retry));
  const backoff = Math.min(RETRY_BASE_DELAY_MS * 2 ** exponent, RETRY_MAX_DELAY_MS);
  // Clamp: a misbehaving random source must not produce a negative or longer wait.
  const r = Math.min(1, Math.max(0, input.random()));
  return Math.round(backoff * (1 - r * RETRY_JITTER));
}

/**
 * The server's wait hint in ms: `retry-after-ms` first, then `retry-after` as seconds
 * or as an HTTP date (relative to `nowMs`). Undefined when absent or unreadable;
 * range checks are {@link retryDelayMs}'s job.
 */
export function parseRetryAfterMs(headers: IncomingHttpHeaders, nowMs: number): number | undefined {
  const ms = headerValue(headers['retry-after-ms']);
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms)) return Number(ms);
  const after = headerValue(headers['retry-after']);
  if (after === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(after)) return Number(after) * 1000;
  const at = Date.parse(after);
  return Number.isNaN(at) ? undefined : at - nowMs;
}

/** Statuses worth another attempt: the server may answer differently later. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  const trimmed = first?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
