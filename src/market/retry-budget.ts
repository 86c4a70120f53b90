/**
 * A client-wide token bucket that caps retries (the AWS SDK "standard" retry
 * mode): while the marketplace answers, retries are free to happen; once it keeps
 * failing the bucket drains and calls fail fast instead of multiplying the load on a
 * service that is already down.
 */
import { ComputeError } from '../errors.js';

/** Options of {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** Tokens when full (and at start). @default 500 */
  capacity?: number;
  /** Tokens one retry costs. @default 5 */
  retryCost?: number;
  /** Tokens one retry after a timeout costs: timeouts hold resources longer. @default 10 */
  timeoutRetryCost?: number;
  /** Tokens a successful call gives back, up to `capacity`. @default 1 */
  successRefund?: number;
}

/** Why a retry is wanted; decides its cost. */
export type RetryKind = 'retry' | 'timeout';

/** The bucket. One per marketplace client; share an instance to share a budget. */
export class RetryBudget {
  /** Capacity of the bucket. */
  readonly capacity: number;
  private readonly retryCost: number;
  private readonly timeoutRetryCost: number;
  private readonly successRefund: number;
  private available: number;

  constructor(options: RetryBudgetOptions = {}) {
    this.capacity = nonNegative(options.capacity ?? 500, 'capacity');
    this.retryCost = nonNegative(options.retryCost ?? 5, 'retryCost');
    this.timeoutRetryCost = nonNegative(options.timeoutRetryCost ?? 10, 'timeoutRetryCost');
    this.successRefund = nonNegative(options.successRefund ?? 1, 'successRefund');
    this.available = this.capacity;
  }

  /** Tokens left. */
  get tokens(): number {
    return this.available;
  }

  /** True when not even the cheapest retry can be paid for. */
  get exhausted(): boolean {
    return this.available < Math.min(this.retryCost, this.timeoutRetryCost);
  }

  /** Take the cost of one retry. False (and nothing taken) when the bucket cannot pay. */
  tryAcquire(kind: RetryKind): boolean {
    const cost = kind === 'timeout' ? this.timeoutRetryCost : this.retryCost;
    if (this.available < cost) return false;
    this.available -= cost;
    return true;
  }

  /** A call succeeded: refill a little. */
  recordSuccess(): void {
    this.available = Math.min(this.capacity, this.available + this.successRefund);
  }
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new ComputeError('CONFIG_INVALID', `retryBudget.${name}: must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}
