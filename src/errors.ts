/**
 * The one error type the SDK raises. Every failure a caller can see is a
 * {@link ComputeError} with a stable {@link ComputeErrorCode}; HTTP facts from the
 * marketplace or a node ride along on the subclasses, never a credential.
 */

/** Stable error codes. Match on these, never on messages. */
export const ERROR_CODES = [
  /**
   * An option failed validation: thrown synchronously by `createCompute()` / `workload()`;
   * a per-call option of `run()` / `map()` / `stream()` (`timeoutMs`, `signal`, ...) rejects the call instead.
   */
  'CONFIG_INVALID',
  /** A budget cap (`maxPerHour` or `total`) stops the work. */
  'BUDGET_EXHAUSTED',
  /** The workload queue holds `maxQueued` tasks already. */
  'QUEUE_FULL',
  /** The task's `timeoutMs` passed before it finished. */
  'TIMEOUT',
  /** The caller's `AbortSignal` fired. */
  'ABORTED',
  /** The task failed on nodes `maxAttempts` times, or the node rejected it for good. */
  'NODE_FAILED',
  /** The marketplace could not be reached or answered 5xx / 429 past the retries. */
  'MARKET_UNAVAILABLE',
  /** The marketplace refused the request (4xx other than 401/402/409/429). */
  'MARKET_REJECTED',
  /** The marketplace refused the API key (401/403). */
  'MARKET_UNAUTHORIZED',
  /** The marketplace account has no funds left (402). */
  'MARKET_INSUFFICIENT_FUNDS',
  /** The offer is no longer available (409). */
  'OFFER_GONE',
  /**
   * No offer meets the workload's GPU constraints and price cap: a `warning` with this
   * code comes at once (naming the models offered, closest first); queued and new
   * tasks fail with it once none has appeared for `NO_OFFER_GRACE_MS` (10 s).
   */
  'NO_OFFER',
  /**
   * The workload's nodes keep failing to start (a handler that does not load, an image
   * that does not run): after a few in a row, waiting tasks fail with the marketplace's
   * reason in the message and `details.reason`, and renting backs off.
   */
  'NODE_START_FAILED',
  /** A marketplace or node body did not match protocol v1. */
  'PROTOCOL_INVALID',
  /** The task input failed the workload's `input` schema. */
  'INPUT_INVALID',
  /** The node's output failed the workload's `output` schema. */
  'OUTPUT_INVALID',
  /** A node's answer went past a size limit (`maxStreamBytes`, `maxStreamEventBytes`): it was cut off. */
  'RESPONSE_TOO_LARGE',
  /** The workload is paused and does not take new work. */
  'WORKLOAD_PAUSED',
  /** No workload of that name is declared. */
  'WORKLOAD_UNKNOWN',
  /** `shutdown()` was called; the task was not run. */
  'SHUTDOWN',
  /** The coordination store (Redis) of a replica group cannot be reached: nothing new is rented, the task was not run. */
  'COORDINATION_UNAVAILABLE',
  /** A demand trace given to the simulator cannot be read: missing file, unknown format, bad column or row (the message names file and line). */
  'TRACE_INVALID',
] as const;

/** One of {@link ERROR_CODES}. */
export type ComputeErrorCode = (typeof ERROR_CODES)[number];

/** Codes whose failure may go away if the same call is made again later. */
const RETRYABLE_BY_DEFAULT: ReadonlySet<ComputeErrorCode> = new Set([
  'MARKET_UNAVAILABLE',
  'QUEUE_FULL',
  'OFFER_GONE',
  'NODE_FAILED',
  'COORDINATION_UNAVAILABLE',
]);

/** Options accepted by every {@link ComputeError} constructor. */
export interface ComputeErrorOptions {
  /** The underlying error, if any. Must not carry a secret. */
  cause?: unknown;
  /** Whether repeating the call may succeed. Defaults by code. */
  retryable?: boolean;
  /** Extra structured facts (field path, workload, attempt...). Never secrets. */
  details?: Readonly<Record<string, unknown>>;
  /** For the failure of one input of `map()`: its 0-based position. */
  index?: number;
}

// One global-registry brand per class: `instanceof` keeps working when the ESM and the
// CJS build of this package are both loaded in one process (two class objects per
// class), and an error answers `instanceof` only for its own class and its ancestors
// (a ComputeError is not a NodeError). A constructor stamps its own brand; the
// constructors up the chain stamp theirs.
const brandOf = (name: string): symbol => Symbol.for(`adaptive-compute.${name}`);
const COMPUTE_ERROR = brandOf('ComputeError');
const MARKET_ERROR = brandOf('MarketError');
const NODE_ERROR = brandOf('NodeError');

function stamp(error: object, brand: symbol): void {
  Object.defineProperty(error, brand, { value: true });
}

function branded(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * `instanceof` for a class that declares no brand of its own (an app's subclass):
 * the ordinary prototype-chain check.
 */
function byPrototype(ctor: Function, value: unknown): boolean {
  return Function.prototype[Symbol.hasInstance].call(ctor, value);
}

/** Root of every error the SDK raises. */
export class ComputeError extends Error {
  /** Stable machine-readable code. */
  readonly code: ComputeErrorCode;
  /** Whether the same call may succeed if repeated. */
  readonly retryable: boolean;
  /** Structured facts about the failure (never secrets). */
  readonly details: Readonly<Record<string, unknown>>;
  /** For the failure of one input of `map()`: its 0-based position in the inputs; otherwise absent. */
  readonly index?: number;

  constructor(code: ComputeErrorCode, message: string, options: ComputeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ComputeError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.details = options.details ?? {};
    if (options.index !== undefined) this.index = options.index;
    stamp(this, COMPUTE_ERROR);
  }

  /** True for a ComputeError of this package, from either build (ESM or CJS). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return this === ComputeError ? branded(value, COMPUTE_ERROR) : byPrototype(this, value);
  }
}

/** Facts about an HTTP exchange that went wrong. Headers are never kept. */
export interface HttpFacts {
  /** HTTP status, when a response arrived. */
  status?: number;
  /** Method and path (no query string secrets, no host credentials). */
  request: string;
  /** Seconds the server asked us to wait (Retry-After), if it said. */
  retryAfterMs?: number;
}

/** A failure talking to the marketplace. */
export class MarketError extends ComputeError {
  /** HTTP status, when a response arrived. */
  readonly status: number | undefined;
  /** `METHOD /path` of the failed request. */
  readonly request: string;
  /** Server-provided wait before retrying, in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ComputeErrorCode, message: string, facts: HttpFacts, options: ComputeErrorOptions = {}) {
    super(code, message, options);
    this.name = 'MarketError';
    this.status = facts.status;
    this.request = facts.request;
    this.retryAfterMs = facts.retryAfterMs;
    stamp(this, MARKET_ERROR);
  }

  /** True for a MarketError of this package, from either build; false for a plain ComputeError. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return this === MarketError ? branded(value, MARKET_ERROR) : byPrototype(this, value);
  }
}

/** A failure running a task on a leased node. */
export class NodeError extends ComputeError {
  /** HTTP status from the node, when a response arrived. */
  readonly status: number | undefined;
  /** The lease whose node failed. */
  readonly leaseId: string;

  constructor(code: ComputeErrorCode, message: string, leaseId: string, status: number | undefined, options: ComputeErrorOptions = {}) {
    super(code, message, options);
    this.name = 'NodeError';
    this.leaseId = leaseId;
    this.status = status;
    stamp(this, NODE_ERROR);
  }

  /** True for a NodeError of this package, from either build; false for a plain ComputeError. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return this === NodeError ? branded(value, NODE_ERROR) : byPrototype(this, value);
  }
}

/** True when `value` is a {@link ComputeError} with the given code. */
export function isComputeError(value: unknown, code?: ComputeErrorCode): value is ComputeError {
  return value instanceof ComputeError && (code === undefined || value.code === code);
}

/**
 * The brand helpers, for a subclass elsewhere in the SDK (the CLI's `UsageError`):
 * `instanceOf(cls, self, brand, value)` is the body of its `static [Symbol.hasInstance]`.
 * @internal
 */
export const errorBrands = {
  of: brandOf,
  stamp,
  instanceOf: (cls: Function, self: Function, brand: symbol, value: unknown): boolean => (self === cls ? branded(value, brand) : byPrototype(self, value)),
};
