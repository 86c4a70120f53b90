/**
 * The marketplace server's rate limit: a fixed window per server, so that a client
 * under test sees 429 with a `Retry-After` it can honour.
 */
import type { Clock } from '../../clock.js';

/** At most `requests` API calls per `windowMs`. */
export interface RateLimit {
  requests: number;
  windowMs: number;
}

/** A fixed-window limiter: returns ms to wait when over the limit, else counts the call. */
export function fixedWindow(limit: RateLimit, clock: Clock): () => number | undefined {
  let windowStart = clock.now();
  let count = 0;
  return () => {
    const now = clock.now();
    if (now - windowStart >= limit.windowMs) {
      windowStart = now;
      count = 0;
    }
    if (count >= limit.requests) return Math.max(1, windowStart + limit.windowMs - now);
    count += 1;
    return undefined;
  };
}
