/**
 * What the lease manager knows about one lease: the request behind it and where it
 * is in its life. Plain data; the manager and its helpers (release, creation,
 * terms) read and update it.
 */
import type { Timer } from '../clock.js';
import type { LeaseEvent, LeaseEventType, OfferGone } from '../events.js';
import type { LeaseState, Offer } from '../market/protocol.js';
import type { UnconfirmedRelease } from '../api.js';

export type { UnconfirmedRelease } from '../api.js';
import type { ManagedLeaseState } from './lease-state.js';

/** What a new lease is for. */
export interface AcquireSpec {
  workload: string;
  offer: Offer;
  image: string;
  env?: Record<string, string>;
  /** Price cap sent to the marketplace. */
  maxPricePerHour: number;
  /** Keep-alive connections to open to the node. */
  concurrencyPerNode: number;
  /** Give the lease up if it is not running after this long. */
  maxProvisionSec: number;
  /** Per-attempt timeout of a task on the node, ms. */
  nodeTimeoutMs: number;
  /** Offers to request instead, in rank order, if `offer` is refused as gone or full (planner's `fallbacks`). */
  fallbacks?: readonly Offer[];
  /** Offers of the same planned lease already refused as gone or full this tick, in order. */
  refused?: readonly string[];
}

/** One lease as the runtime tracks it. */
export interface ManagedLease {
  /** Local id; also the node id the dispatcher and planner use. */
  readonly key: string;
  readonly spec: AcquireSpec;
  readonly idempotencyKey: string;
  readonly requestedAt: number;
  state: ManagedLeaseState;
  leaseId: string | null;
  readyAt: number | null;
  lastCheckedAt: number;
  checking: boolean;
  releaseInFlight: boolean;
  healthFailures: number;
  /** The dispatcher saw the node drop a connection; it gets no task until a health check passes. */
  suspected: boolean;
  serverCost: number;
  /** Why it is being released (kept for the event). */
  releaseReason: string;
  /** Clock ms the release was decided (null: not being released). Billing is assumed to go on until confirmed. */
  releaseRequestedAt: number | null;
  /** DELETEs sent so far (drives the backoff between them). */
  releaseAttempts: number;
  /** The next DELETE, when one is scheduled. */
  releaseTimer: Timer | undefined;
  /** The state the marketplace last reported (null before any answer). */
  reportedState: LeaseState | null;
  /** Clock ms of the last warning that the release is unconfirmed (null: none yet). */
  warnedUnconfirmedAt: number | null;
  /** A second lease the marketplace created for one of our requests: released as soon as it is found. */
  duplicateOf: string | null;
  /** Its terms broke what was asked (reported once). */
  breached: boolean;
  /** Ledger keys reserved for creates whose answer was never seen (each may be a lease). */
  shadowKeys: string[];
}

/** A fresh record for a lease about to be requested (or found). */
export function newRecord(key: string, spec: AcquireSpec, idempotencyKey: string, now: number): ManagedLease {
  return {
    key,
    spec,
    idempotencyKey,
    requestedAt: now,
    state: 'requested',
    leaseId: null,
    readyAt: null,
    lastCheckedAt: now,
    checking: false,
    releaseInFlight: false,
    healthFailures: 0,
    suspected: false,
    serverCost: 0,
    releaseReason: '',
    releaseRequestedAt: null,
    releaseAttempts: 0,
    releaseTimer: undefined,
    reportedState: null,
    warnedUnconfirmedAt: null,
    duplicateOf: null,
    breached: false,
    shadowKeys: [],
  };
}

/** The {@link UnconfirmedRelease} view of a record being released. */
export function unconfirmedView(record: ManagedLease, now: number): UnconfirmedRelease {
  return {
    leaseId: record.leaseId ?? record.key,
    workload: record.spec.workload,
    state: record.reportedState,
    unconfirmedMs: Math.max(0, now - (record.releaseRequestedAt ?? now)),
    reason: record.releaseReason,
  };
}

/** The `lease` event about `record`. */
export function leaseEvent(record: ManagedLease, type: LeaseEventType, reason: string, at: number, offerGone?: OfferGone): LeaseEvent {
  const { offer, workload } = record.spec;
  return {
    type,
    workload,
    leaseId: record.leaseId,
    offerId: offer.id,
    gpu: `${offer.gpu.count}x ${offer.gpu.model}`,
    pricePerHour: offer.pricePerHour,
    interruptible: offer.interruptible,
    at,
    requestedAt: record.requestedAt,
    reason,
    ...(offerGone ? { offerGone } : {}),
  };
}
