/**
 * Identifier helpers. Randomness comes from `node:crypto` only for ids that must be
 * unique across processes (idempotency keys, client ids); nothing here decides behaviour.
 */
import { randomUUID } from 'node:crypto';

/** A fresh UUID v4, for `Idempotency-Key` headers. */
export function newIdempotencyKey(): string {
  return randomUUID();
}

/** A short random client id, used as the lease tag when the app gives none. */
export function newClientId(): string {
  return `ac-${randomUUID().slice(0, 8)}`;
}
