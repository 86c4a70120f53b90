/**
 * `GET /v1/account`: the bill. A local extension to protocol v1 (a real marketplace
 * has its own billing API): the embedded local marketplace and the `testing` fake
 * both serve it, so that tests and the demo can read what was charged.
 */
import { z } from 'zod';
import { LeaseStateSchema } from '../../market/protocol.js';
import type { LeaseRecord, LeaseStore } from './lease-store.js';
import { billedCost } from './billing.js';

/** One lease on the bill. */
export const AccountLeaseSchema = z.object({
  id: z.string(),
  offerId: z.string(),
  state: LeaseStateSchema,
  /** Price fixed at creation. */
  pricePerHour: z.number().nonnegative(),
  billingIncrementSec: z.number().positive(),
  /** Wall seconds from creation to the end (or to now): what a per-second meter shows. */
  elapsedSec: z.number().nonnegative(),
  /** Seconds charged: elapsed rounded up to the increment, at least `minLeaseSec`. */
  billedSec: z.number().nonnegative(),
  cost: z.number().nonnegative(),
  createdAt: z.string(),
  readyAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /** Why the lease failed, when it did. */
  failure: z.string().nullable(),
});
/** A lease line of the bill. */
export type AccountLease = z.infer<typeof AccountLeaseSchema>;

/** `GET /v1/account` body. */
export const AccountResponseSchema = z.object({
  account: z.object({
    currency: z.string(),
    /** Money the account started with; null: unlimited. */
    balance: z.number().nullable(),
    /** Sum of every lease's cost as of now. */
    total: z.number().nonnegative(),
    /** balance - total, or null when unlimited. */
    remaining: z.number().nullable(),
    /** Every lease ever created, oldest first. */
    leases: z.array(AccountLeaseSchema),
  }),
});
/** The bill as `GET /v1/account` returns it. */
export type Account = z.infer<typeof AccountResponseSchema>['account'];

/** Build the bill as of `nowMs`. */
export function buildAccount(store: LeaseStore, nowMs: number, balance: number | undefined, currency: string): Account {
  const leases = store.all().map((r) => accountLease(store, r, nowMs));
  const total = round6(leases.reduce((sum, l) => sum + l.cost, 0));
  return AccountResponseSchema.shape.account.parse({
    currency,
    balance: balance ?? null,
    total,
    remaining: balance === undefined ? null : round6(balance - total),
    leases,
  });
}

function accountLease(store: LeaseStore, r: LeaseRecord, nowMs: number): AccountLease {
  const billedSec = store.billedSec(r);
  return {
    id: r.id,
    offerId: r.offer.id,
    state: r.state,
    pricePerHour: r.offer.pricePerHour,
    billingIncrementSec: r.offer.billingIncrementSec,
    elapsedSec: Math.max(0, ((r.endedAtMs ?? nowMs) - r.createdAtMs) / 1000),
    billedSec,
    cost: billedCost(r.offer.pricePerHour, billedSec),
    createdAt: new Date(r.createdAtMs).toISOString(),
    readyAt: r.readyAtMs === undefined ? null : new Date(r.readyAtMs).toISOString(),
    endedAt: r.endedAtMs === undefined ? null : new Date(r.endedAtMs).toISOString(),
    failure: r.failure ?? null,
  };
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
