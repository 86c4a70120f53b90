/**
 * The marketplace's own words for why a lease failed (`lease.failure`), made safe to
 * show: it is untrusted text, so it is shortened, stripped of control characters,
 * and cleared of the lease's node token and the workload's env values (a node that
 * prints its environment on a crash must not leak it into events and errors).
 */
import { redactSecret } from '../market/http-errors.js';
import type { Lease } from '../market/protocol.js';

/** Longest reason kept, characters. */
const MAX_REASON = 300;
// Shorter env values are words like "1" or "true": redacting them would garble the text and hide nothing.
const MIN_SECRET = 4;

/** The lease's failure reason fit for an event or error message, or undefined when the marketplace gave none. */
export function leaseFailureReason(lease: Pick<Lease, 'failure' | 'nodeToken'>, env: Readonly<Record<string, string>> | undefined): string | undefined {
  if (typeof lease.failure !== 'string' || lease.failure.trim() === '') return undefined;
  const secrets = [lease.nodeToken ?? '', ...Object.values(env ?? {})].filter((s) => s.length >= MIN_SECRET);
  // Longest first, so a secret that contains another is removed whole.
  secrets.sort((a, b) => b.length - a.length);
  let text = lease.failure.slice(0, MAX_REASON * 4);
  for (const secret of secrets) text = redactSecret(text, secret);
  text = redactSecret(text, '', MAX_REASON).replace(/\s+/g, ' ').trim();
  return text === '' ? undefined : text;
}
