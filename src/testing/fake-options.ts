/**
 * Options shared by {@link createFakeMarketplace} and `marketplaceHandlers()`, and
 * their validation: a bad option throws `CONFIG_INVALID` naming it, as every other
 * option of the SDK does.
 */
import type { Clock } from '../clock.js';
import { ComputeError } from '../errors.js';
import { OfferSchema } from '../market/protocol.js';
import type { Offer } from '../market/protocol.js';
import type { FakeTaskHandler } from './fake-node.js';

/** Options of a fake marketplace (served over loopback or by msw handlers). */
export interface FakeMarketplaceOptions {
  /** The key clients must send as `Authorization: Bearer`; others get 401. @default 'test-key' */
  apiKey?: string;
  /** Offers served. @default {@link defaultFakeOffers}: A100 on-demand $2/h, A100 spot $0.9/h, H100 $4/h, L4 $0.6/h */
  offers?: readonly Offer[];
  /** Time from lease creation to `running`, for every lease (offers' `coldStartSec` is informational). @default 1000 */
  coldStartMs?: number;
  /** Tasks a node runs at once; more wait in a FIFO on the node. @default 2 */
  slots?: number;
  /** Computes task outputs on the nodes. @default {@link echoTaskHandler} (sleeps `input.ms`, returns `{ echo: input }`) */
  handler?: FakeTaskHandler;
  /**
   * Emulated GPU time: every task holds its node slot this long (on `clock`) before
   * the handler runs, so capacity scales with nodes as on a real GPU. A function
   * gets the task input. @default 0
   */
  serviceMs?: number | ((input: unknown) => number);
  /** Fraction of tasks that fail on the node (500 `TASK_FAILED`), decided by `random`. @default 0 */
  taskFailRate?: number;
  /**
   * Preemption: how long after it starts running a lease is preempted (state
   * `preempted`, node killed mid-request). A number applies to interruptible offers
   * only; a function decides per offer (undefined: never). @default never
   */
  preemptAfterMs?: number | ((offer: Offer) => number | undefined);
  /** Drives cold starts, billing, preemption and the default handler's sleeps. @default realClock */
  clock?: Clock;
  /** Fraction of API calls answered 503 before anything else happens. @default 0 */
  failRate?: number;
  /** Uniform in [0, 1), decides which calls `failRate` and `taskFailRate` fail. @default Math.random */
  random?: () => number;
  /** At most `requests` API calls per fixed `windowMs` window; more get 429 with `Retry-After`. @default unlimited */
  rateLimit?: { requests: number; windowMs: number };
  /** Account balance; a lease whose first charge would take the bill past it gets 402. @default unlimited */
  balance?: number;
}

/** Check `rateLimit`. */
export function checkRateLimit(limit: { requests: number; windowMs: number }): void {
  if (!Number.isInteger(limit.requests) || limit.requests < 1) invalid('rateLimit.requests', 'must be an integer >= 1', limit.requests);
  nonNegative(limit.windowMs, 'rateLimit.windowMs');
}

/** Parse offers with the protocol schema (defaults filled), naming the first bad field. */
export function checkOffers(offers: readonly Offer[]): Offer[] {
  return offers.map((offer, i) => {
    const parsed = OfferSchema.safeParse(offer);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    return invalid(`offers.${i}.${issue?.path.join('.') ?? ''}`, issue?.message ?? 'invalid offer', undefined);
  });
}

/** A fraction within 0..1. */
export function fraction(value: number, name: string): number {
  if (!(value >= 0 && value <= 1)) invalid(name, 'must be within 0..1', value);
  return value;
}

/** A finite number >= 0. */
export function nonNegative(value: number, name: string): number {
  if (!(Number.isFinite(value) && value >= 0)) invalid(name, 'must be a finite number >= 0', value);
  return value;
}

/** Throw `CONFIG_INVALID` for option `path`. */
export function invalid(path: string, message: string, got: unknown): never {
  const suffix = got === undefined ? '' : `, got ${JSON.stringify(got)}`;
  throw new ComputeError('CONFIG_INVALID', `fake marketplace ${path}: ${message}${suffix}`, { details: { path } });
}
