/**
 * Options of `createCompute()`: where nodes are rented, the global budget, and the
 * controller's rhythm.
 */
import { z } from 'zod';
import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.js';
import type { Marketplace } from '../market/marketplace.js';
import { MarketplaceConnectionSchema, MarketplaceOptionSchema, type MarketplaceChoice } from './marketplace-option.js';
import type { Logger } from '../observability/logger.js';
import type { MeterLike } from '../observability/otel.js';
import type { AllowEndpoint } from '../leases/node-endpoint.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export { MarketplaceConnectionSchema, MarketplaceOptionSchema, isMarketplace, type MarketplaceChoice } from './marketplace-option.js';

/** The global budget. Omitted caps are unlimited. */
export const BudgetSchema = z.strictObject({
  /** Cap on the summed hourly price of all live leases. */
  maxPerHour: z.number().positive().optional(),
  /** Cap on committed spend (accrued + what live leases still must pay). */
  total: z.number().positive().optional(),
  /** Currency of every price and cap. @default 'USD' */
  currency: z.string().min(1).default('USD'),
  /** What `run()` does once a cap stops new capacity: reject, or queue until it frees. @default 'reject' */
  onBudgetExhausted: z.enum(['reject', 'queue']).default('reject'),
});

/**
 * A group of replicas that behave as one SDK, coordinated on Redis 7 (single primary):
 * one budget, one leader per workload, one fleet. See docs/coordination.md.
 */
export const CoordinationSchema = z.strictObject({
  /**
   * Redis URL, `redis://[:password@]host:port[/db]` (or `rediss://`). Every replica of
   * the group uses the same one. Never logged (it may hold a password).
   */
  redis: z.string().regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// or rediss:// URL'),
  /**
   * Name of the group: replicas with the same group share the budget and the fleet.
   * It is also the `client` tag of every lease the group rents.
   */
  group: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ . -'),
  /**
   * Liveness and leadership TTL, ms: a dead replica's slots, and a dead leader's
   * workloads, pass to the others within two TTLs. @default 5000
   */
  ttlMs: z.number().int().min(500).max(600_000).default(5000),
  /** This replica's id in the group (shows in `metrics().coordination`). @default random */
  replicaId: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ . -')
    .optional(),
});

/** Where the lease journal lives: a file path, `{ path }`, or `false` to keep none. */
export const JournalOptionSchema = z.union([
  z.literal(false),
  z.string().min(1, 'must be a file path, { path }, or false'),
  z.strictObject({ path: z.string().min(1, 'must be a file path') }),
]);

/** Options of `createCompute()`, before aliases are mapped. */
export const ComputeOptionsObjectSchema = z.strictObject({
  /**
   * Where nodes are rented: `{ url, apiKey, ... }`, or a Marketplace the app built
   * (an `HttpMarketplace`, a `LocalMarketplace`, its own), which the app then closes.
   * @default the embedded local marketplace
   */
  marketplace: MarketplaceOptionSchema.optional().transform((choice): MarketplaceChoice => choice ?? { kind: 'local' }),
  budget: BudgetSchema.default(BudgetSchema.parse({})),
  /** Tag put on every lease (`client:<id>`) so that a restart can find them. @default random */
  clientId: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ . -')
    .optional(),
  /**
   * Run as one replica of a group coordinated on Redis (one budget, one fleet). Omitted:
   * this process alone, and no Redis client is loaded.
   */
  coordination: CoordinationSchema.optional(),
  /** Controller tick in ms. @default 1000 */
  tickMs: z.number().int().positive().default(1000),
  /** Time source (tests and the simulator pass a virtual clock). */
  clock: z.custom<Clock>((v) => isObject(v) && typeof v.now === 'function' && typeof v.setTimeout === 'function', 'must implement Clock').optional(),
  /**
   * Which addresses a node endpoint handed out by the marketplace may have.
   * `'public-only'`: loopback and public addresses. `'private-ok'`: private ranges too
   * (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/8), for nodes on your own network.
   * Link-local and cloud metadata addresses (169.254/16, fe80::/10, fd00::/8,
   * `metadata.google.internal`) are refused either way unless `allowEndpoint` says yes;
   * credentials, a query or a scheme other than http(s) in an endpoint are always refused.
   * @default 'public-only'
   */
  nodeEndpoints: z.enum(['public-only', 'private-ok']).default('public-only'),
  /**
   * `(endpoint: URL, addressClass: 'private' | 'link-local' | 'metadata' | 'unusable') => boolean`:
   * the last word on a node endpoint refused for its address; `true` lets it through.
   */
  allowEndpoint: z.custom<AllowEndpoint>((v) => typeof v === 'function', 'must be a function (endpoint: URL, addressClass: string) => boolean').optional(),
  /** Undici dispatcher for node traffic (tests pass a MockAgent). */
  nodeDispatcher: z.custom<Dispatcher>((v) => isObject(v) && typeof v.dispatch === 'function', 'must be an undici Dispatcher').optional(),
  /**
   * Lease journal for crash recovery: leases are recorded before they are requested,
   * and the next start releases what a crashed process held.
   * @default a file named after the client id in the OS temp directory
   */
  journal: JournalOptionSchema.optional(),
  /** Drain and release everything on SIGTERM / SIGINT, then exit. @default false */
  handleSignals: z.boolean().default(false),
  /** Grace period for in-flight tasks when a signal triggers shutdown, ms. @default 30000 */
  signalGraceMs: z.number().int().nonnegative().default(30_000),
  /** Seconds between reconciliation sweeps of leases tagged as ours. @default 30 */
  reconcileEverySec: z.number().positive().default(30),
  /** A pino-compatible logger (`info(obj, msg)`, `warn(obj, msg)`); events are logged through it. */
  logger: z.custom<Logger>((v) => isObject(v) && typeof v.info === 'function' && typeof v.warn === 'function', 'must have info() and warn() (pino-compatible)').optional(),
  /** An OpenTelemetry `Meter`: gauges, counters and a latency histogram are reported through it. */
  meter: z
    .custom<MeterLike>((v) => isObject(v) && typeof v.createObservableGauge === 'function' && typeof v.createHistogram === 'function', 'must be an OpenTelemetry Meter')
    .optional(),
});

/** Other names accepted for options, mapped before validation. */
const ALIASES: Readonly<Record<string, string>> = { tag: 'clientId', journalPath: 'journal' };

/** Options of `createCompute()`: {@link ComputeOptionsObjectSchema} with aliases (`tag`, `journalPath`) mapped. */
export const ComputeOptionsSchema = z.preprocess((value) => {
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const [alias, name] of Object.entries(ALIASES)) {
    if (alias in out && !(name in out)) {
      out[name] = out[alias];
      delete out[alias];
    }
  }
  return out;
}, ComputeOptionsObjectSchema);

/** `createCompute()` options as the user writes them. */
export type ComputeOptions = Omit<z.input<typeof ComputeOptionsObjectSchema>, 'marketplace'> & {
  /** Where nodes are rented: `{ url, apiKey }` of a protocol-v1 marketplace, or a {@link Marketplace} implementation. */
  marketplace?: MarketplaceConnectionOptions | Marketplace;
  /** Alias of `clientId` (the lease tag). */
  tag?: string;
  /** Alias of `journal`. */
  journalPath?: string;
};
/** `createCompute()` options after defaults. */
export type ComputeConfig = z.output<typeof ComputeOptionsObjectSchema>;
/** Budget after defaults. */
export type BudgetConfig = z.output<typeof BudgetSchema>;
/** `{ url, apiKey, ... }`: a protocol-v1 marketplace's connection, as the user writes it. */
export type MarketplaceConnectionOptions = z.input<typeof MarketplaceConnectionSchema>;
/** Coordination options after defaults. */
export type CoordinationConfig = z.output<typeof CoordinationSchema>;
/** Marketplace connection after defaults. */
export type MarketplaceConnection = z.output<typeof MarketplaceConnectionSchema>;
