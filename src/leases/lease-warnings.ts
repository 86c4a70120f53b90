/**
 * The warnings the lease manager raises about a marketplace that breaks the
 * protocol's promises. Each carries `details.warning`, a stable kind to match on
 * (`lease-terms`, `duplicate-lease`; `release-unconfirmed` comes from the releaser).
 */
import { ComputeError } from '../errors.js';
import { describeBreach, type TermsBreach } from './lease-terms.js';

/** A lease came back on other terms than asked; it is released at once. */
export function termsWarning(leaseId: string, offerId: string, breach: TermsBreach): ComputeError {
  return new ComputeError('PROTOCOL_INVALID', `lease ${leaseId} (offer ${offerId}): ${describeBreach(breach)}; released at once, offer avoided for a while`, {
    retryable: false,
    details: { warning: 'lease-terms', leaseId, offerId, term: breach.term, reported: breach.reported, limit: breach.limit },
  });
}

/** A second lease was found for one request (the marketplace ignored the idempotency key); it is released. */
export function duplicateWarning(leaseId: string, adopted: string): ComputeError {
  return new ComputeError('PROTOCOL_INVALID', `lease ${leaseId} duplicates lease ${adopted} for one request (Idempotency-Key not honoured); releasing it`, {
    retryable: false,
    details: { warning: 'duplicate-lease', leaseId, adopted },
  });
}
