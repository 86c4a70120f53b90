/**
 * RunPod errors: RFC 9457 problem details `{title, status, detail, errors}`; a 429
 * carries `Retry-After` (the shared retry honours it). A 400 is used both for
 * invalid requests and for "no capacity", with no machine-readable code for the
 * latter, so capacity is read from the words; a 422 means a field RunPod does not
 * know (a bug of ours, never retried).
 */
import { ComputeError, isComputeError } from '../../errors.js';
import type { Failure } from '../../market/http-errors.js';
import { bodyText, jsonOf, markOfferGone, sayProvider } from '../error-body.js';
import { ProblemSchema } from './schemas.js';

// How RunPod words a capacity refusal (there is no code for it).
const CAPACITY = /capacity|no (longer )?available|not available|unavailable|no (gpu|machine|instance|host)s?\b|not enough|insufficient|out of stock|sold out/i;

/** Refine a failed RunPod call from its problem body. */
export function refineRunPodFailure(failure: Failure, body: Buffer | 'too-large', secret: string): void {
  const parsed = ProblemSchema.safeParse(jsonOf(body));
  let words: string | undefined;
  if (parsed.success) {
    const p = parsed.data;
    const errors = Array.isArray(p.errors) ? ` (${p.errors.length} field error${p.errors.length === 1 ? '' : 's'}: ${fieldErrors(p.errors)})` : '';
    words = [p.title, p.detail].filter(Boolean).join(': ') + errors || undefined;
  } else {
    words = bodyText(body, secret);
  }
  sayProvider(failure, words, secret);
  if (failure.status === 400 && CAPACITY.test(words ?? '')) markOfferGone(failure);
}

function fieldErrors(errors: readonly unknown[]): string {
  return errors
    .slice(0, 3)
    .map((e) => {
      if (typeof e === 'string') return e;
      const o = e as Record<string, unknown> | null;
      const where = typeof o?.location === 'string' ? o.location : typeof o?.path === 'string' ? o.path : typeof o?.field === 'string' ? o.field : '';
      const what = typeof o?.message === 'string' ? o.message : '';
      return `${where} ${what}`.trim();
    })
    .join('; ');
}

/**
 * A 403 to `POST /v2/pods` means this account cannot use that GPU pool ("skip this
 * candidate, keep going", openapi.json createPod): the offer is gone for us, not the
 * key wrong. Other errors pass through unchanged.
 */
export function poolRefusal(error: unknown, offerId: string): unknown {
  if (!isComputeError(error, 'MARKET_UNAUTHORIZED') || error.details.status !== 403) return error;
  return new ComputeError('OFFER_GONE', `createLease: RunPod refused this account the pool of offer ${offerId} (403); other offers are tried`, { details: { status: 403, forbidden: true } });
}
