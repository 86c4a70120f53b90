/**
 * The `marketplace` option of `createCompute()`, parsed once into what the runtime
 * does with it: connect over HTTP (`{ url, apiKey, ... }`), use a {@link Marketplace}
 * the app built (an `HttpMarketplace`, a `LocalMarketplace`, its own), or start the
 * embedded local marketplace (absent). Told apart by shape here and nowhere else: an
 * instance is anything with the Marketplace methods, whatever other fields it has
 * (`HttpMarketplace` has a `url` getter).
 */
import { z } from 'zod';
import type { Marketplace } from '../market/marketplace.js';
import type { Dispatcher } from 'undici';

/** What the `marketplace` option asks for, after parsing. */
export type MarketplaceChoice =
  | { readonly kind: 'local' }
  | { readonly kind: 'connection'; readonly connection: MarketplaceConnection }
  | { readonly kind: 'instance'; readonly marketplace: Marketplace };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Connection to a protocol-v1 marketplace over HTTP. */
export const MarketplaceConnectionSchema = z.strictObject({
  /** Base URL, e.g. `https://market.example.com`. */
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  /** Sent as `Authorization: Bearer <apiKey>`. Never logged. */
  apiKey: z.string().min(1, 'must be a non-empty string'),
  /** Per-request timeout in ms. @default 10000 */
  timeoutMs: z.number().positive().default(10_000),
  /** Attempts per marketplace call (first try included). @default 3 */
  maxAttempts: z.number().int().positive().max(10).default(3),
  /** Allow plain `http://` to a host that is not loopback. @default false */
  allowInsecureHttp: z.boolean().default(false),
  /** undici dispatcher to send requests through (e.g. a `MockAgent` in tests). */
  dispatcher: z.custom<Dispatcher>((v) => isObject(v) && typeof v.dispatch === 'function', 'must be an undici Dispatcher').optional(),
});

/** Marketplace connection after defaults. */
type MarketplaceConnection = z.output<typeof MarketplaceConnectionSchema>;

/** True for an object with every method of {@link Marketplace}. */
export function isMarketplace(value: unknown): value is Marketplace {
  if (!isObject(value)) return false;
  return (['listOffers', 'createLease', 'getLease', 'listLeases', 'releaseLease', 'close'] as const).every((m) => typeof value[m] === 'function');
}

/**
 * `{ url, apiKey, ... }`, a Marketplace, or absent, into a {@link MarketplaceChoice}.
 * A bad connection reports its own field (`marketplace.apiKey: ...`) rather than a
 * vague union failure.
 */
export const MarketplaceOptionSchema = z.unknown().transform((value, ctx): MarketplaceChoice => {
  if (value === undefined) return { kind: 'local' };
  if (isMarketplace(value)) return { kind: 'instance', marketplace: value };
  if (!isObject(value)) {
    ctx.addIssue({ code: 'custom', message: 'must be { url, apiKey } or a Marketplace implementation' });
    return z.NEVER;
  }
  const parsed = MarketplaceConnectionSchema.safeParse(value);
  if (parsed.success) return { kind: 'connection', connection: parsed.data };
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});
