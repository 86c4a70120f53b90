/**
 * Vast.ai errors: `{success: false, error, msg}` bodies, and 429s as plain text
 * without `Retry-After` (rate-limits-and-errors.mdx), which the shared backoff
 * covers. A 404/410 saying `no_such_ask` means the offer was taken; a 400
 * `invalid_price` means the create no longer matches a fresh search quote (the
 * price moved, create_instance.yaml): both leave the offer out for a cool-off.
 */
import type { Failure } from '../../market/http-errors.js';
import { bodyText, jsonOf, markOfferGone, sayProvider } from '../error-body.js';
import { VastErrorSchema } from './schemas.js';

/** Refine a failed Vast call from its body. */
export function refineVastFailure(failure: Failure, body: Buffer | 'too-large', secret: string): void {
  const parsed = VastErrorSchema.safeParse(jsonOf(body));
  const words = parsed.success ? [parsed.data.error, parsed.data.msg ?? parsed.data.detail].filter(Boolean).join(': ') || undefined : bodyText(body, secret);
  sayProvider(failure, words, secret);
  if ((failure.status === 404 || failure.status === 410) && /no_such_ask/i.test(words ?? '')) markOfferGone(failure);
  if (failure.status === 400 && /invalid_price/i.test(words ?? '')) markOfferGone(failure);
}
