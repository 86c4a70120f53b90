/**
 * Which marketplace failures last: retrying the same call will not fix them, so
 * work waiting on them should fail instead of waiting for a timeout.
 */
import type { ComputeError } from '../errors.js';

/** A refusal no retry turns into success: bad key, refused request, no funds. */
export function isFatalMarketError(error: ComputeError): boolean {
  return error.code === 'MARKET_UNAUTHORIZED' || error.code === 'MARKET_REJECTED' || error.code === 'MARKET_INSUFFICIENT_FUNDS';
}
