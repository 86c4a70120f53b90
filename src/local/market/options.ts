/**
 * Options of the embedded local marketplace, checked with zod: a bad option throws
 * `CONFIG_INVALID` naming its path (`local marketplace prices.volatility: ...`).
 */
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { ComputeError } from '../../errors.js';
import { OfferSchema } from '../../market/protocol.js';
import type { LeaseChangeListener } from './lease-store.js';

const isFunction = (v: unknown): boolean => typeof v === 'function';

/** Options of `startLocalMarket()` and `new LocalMarketplace()`. */
export const LocalMarketOptionsSchema = z.strictObject({
  /** Interface to listen on. @default '127.0.0.1' */
  host: z.string().min(1).default('127.0.0.1'),
  /** Port; 0 picks a free one. @default 0 */
  port: z.number().int().min(0).max(65_535).default(0),
  /** The key clients must send as `Authorization: Bearer`. @default 'local' */
  apiKey: z.string().min(1, 'must be a non-empty string').default('local'),
  /** Seed of every random choice (prices, preemptions, generated text). @default 1 */
  seed: z.number().int().default(1),
  /** Lease creation to the agent process being started, ms. @default 2000 */
  coldStartMs: z.number().nonnegative().default(2_000),
  /** Tasks each node (agent) runs at once: the emulated GPU's batch slots. @default 4 */
  slots: z.number().int().positive().default(4),
  /** Handler for lease images that name none (`echo`, `sleep`, `tokens` or a module path). @default 'echo' */
  defaultHandler: z.string().min(1).default('echo'),
  /** Offers served. @default five GPU models, each on demand and spot (see `defaultLocalOffers`) */
  offers: z.array(OfferSchema).min(1).optional(),
  /** Billing increment of every default offer, s. @default 1 */
  billingIncrementSec: z.number().positive().default(1),
  /** Minimum billed time of every default offer, s. @default 0 */
  minLeaseSec: z.number().nonnegative().default(0),
  /** Nodes of each default offer that may be live at once. @default 16 */
  available: z.number().int().nonnegative().default(16),
  /** Price movement: a seeded random walk around each offer's base price; `false` holds prices still. */
  prices: z
    .union([
      z.literal(false),
      z.strictObject({
        /** Time between price steps, ms. @default 10000 */
        intervalMs: z.number().positive().default(10_000),
        /** Standard deviation of one step of the log price (spot moves twice this). @default 0.03 */
        volatility: z.number().nonnegative().default(0.03),
        /** Pull toward the base price per step, 0..1. @default 0.1 */
        meanReversion: z.number().min(0).max(1).default(0.1),
        /** Largest factor away from the base price. @default 2 */
        maxFactor: z.number().min(1).default(2),
      }),
    ])
    .default({ intervalMs: 10_000, volatility: 0.03, meanReversion: 0.1, maxFactor: 2 }),
  /** Preemption of interruptible leases: expected preemptions per lease-hour (0: never). @default 1 */
  preemptionRatePerHour: z.number().nonnegative().default(1),
  /** Account balance; a lease whose first charge would pass it gets 402. @default unlimited */
  balance: z.number().positive().optional(),
  /** At most `requests` API calls per `windowMs`; more get 429 with Retry-After. @default unlimited */
  rateLimit: z.strictObject({ requests: z.number().int().positive(), windowMs: z.number().positive() }).optional(),
  /** The CLI script that runs agents. @default this package's `dist/cli.js` */
  agentEntry: z.string().min(1).optional(),
  /** Working directory of agents (relative handler module paths resolve here). @default process.cwd() */
  cwd: z.string().min(1).optional(),
  /** An agent that does not listen within this is given up (lease `failed`), ms. @default 30000 */
  bootTimeoutMs: z.number().positive().default(30_000),
  /** Keep this process alive while the marketplace listens (a CLI server); embedded use lets the app exit. @default false */
  keepProcessAlive: z.boolean().default(false),
  /** Told about every lease state change (logs). */
  onLeaseChange: z.custom<LeaseChangeListener>(isFunction, 'must be a function').optional(),
  /** Time source for cold starts, billing and prices. @default realClock */
  clock: z.custom<Clock>((v) => typeof v === 'object' && v !== null && isFunction((v as Clock).now), 'must implement Clock').optional(),
});

/** Local marketplace options as the user writes them. */
export type LocalMarketOptions = z.input<typeof LocalMarketOptionsSchema>;
/** Local marketplace options after defaults. */
export type LocalMarketConfig = z.output<typeof LocalMarketOptionsSchema>;

/** Validate, or throw `CONFIG_INVALID` naming the first bad option. */
export function parseLocalMarketOptions(options: LocalMarketOptions | undefined): LocalMarketConfig {
  const parsed = LocalMarketOptionsSchema.safeParse(options ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  throw new ComputeError('CONFIG_INVALID', `local marketplace ${path || '(options)'}: ${issue?.message ?? 'invalid'}`, { details: { path } });
}
