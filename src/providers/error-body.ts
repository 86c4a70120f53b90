/**
 * Reading a provider's error body into the failure a call rejects with: the
 * provider's own words (redacted, cut short) replace protocol v1's, and a refusal
 * that means "this offer is gone or full" becomes `OFFER_GONE`, so the caller drops
 * the offer and moves on instead of treating it as the marketplace refusing us.
 */
import type { Failure } from '../market/http-errors.js';
import { redactSecret } from '../market/http-errors.js';

/** Longest provider message repeated in an error. */
const MAX_MESSAGE = 200;

/** The body as text (JSON or not), redacted and cut; undefined when empty or unreadable. */
export function bodyText(body: Buffer | 'too-large', secret: string): string | undefined {
  if (body === 'too-large' || body.length === 0) return undefined;
  const text = redactSecret(body.toString('utf8').slice(0, 4096), secret, MAX_MESSAGE).trim();
  return text === '' ? undefined : text;
}

/** Parse JSON quietly. */
export function jsonOf(body: Buffer | 'too-large'): unknown {
  if (body === 'too-large' || body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Put the provider's words into the failure's reason. */
export function sayProvider(failure: Failure, words: string | undefined, secret: string): void {
  if (words === undefined || failure.status === undefined) return;
  failure.reason = `provider answered ${failure.status}: ${redactSecret(words, secret, MAX_MESSAGE)}`;
}

/** Mark a capacity refusal: the offer is gone or full; another offer may work. */
export function markOfferGone(failure: Failure): void {
  failure.code = 'OFFER_GONE';
  failure.transient = false;
  failure.unhealthy = false;
  failure.details.capacity = true;
  delete failure.details.notFound;
}
