/**
 * Wraps a {@link Marketplace} so that what it says passes the runtime's secret filter:
 * every node token in a lease it returns becomes a known secret at once (before any
 * error could repeat it), and every error it rejects with is redacted (a marketplace
 * that echoes an `env` value or a token in its error body). Works for any
 * implementation: the HTTP client, provider adapters, a user's own.
 */
import type { SecretSet } from '../util/redact.js';
import type { Marketplace } from './marketplace.js';

const CALLS: ReadonlySet<PropertyKey> = new Set(['listOffers', 'createLease', 'getLease', 'listLeases', 'releaseLease']);

/** `market` with its leases' tokens remembered and its errors redacted; everything else passes through. */
export function guardSecrets<M extends Marketplace>(market: M, secrets: SecretSet): M {
  const remember = (value: unknown): unknown => {
    for (const lease of Array.isArray(value) ? value : [value]) {
      if (typeof lease === 'object' && lease !== null) secrets.add((lease as { nodeToken?: string | null }).nodeToken);
    }
    return value;
  };
  return new Proxy(market, {
    get(target, prop) {
      // The target as receiver: getters and methods may use private fields.
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (!CALLS.has(prop)) return method.bind(target);
      return (...args: unknown[]): Promise<unknown> => {
        let result: Promise<unknown>;
        try {
          result = Promise.resolve(method.apply(target, args));
        } catch (error) {
          result = Promise.reject(error);
        }
        return result.then(remember, (error: unknown) => {
          throw secrets.redactError(error);
        });
      };
    },
  });
}
