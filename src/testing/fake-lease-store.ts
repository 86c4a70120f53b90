/**
 * Leases of the fake marketplace: their state machine (pending -> provisioning ->
 * running -> terminated | preempted), their node servers, their bills, and the
 * idempotency keys that created them.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, Timer } from '../clock.js';
import { ENDED_LEASE_STATES, LeaseSchema } from '../market/protocol.js';
import type { CreateLeaseRequest, Lease, LeaseState, Offer } from '../market/protocol.js';
import { billedCost, billedSeconds } from './fake-billing.js';
import { FakeNode } from './fake-node.js';
import type { FakeTaskHandler } from './fake-node.js';

/** One lease as the store keeps it. */
export interface LeaseRecord {
  readonly id: string;
  /** The offer as it was when the lease was created (prices do not change under a lease). */
  readonly offer: Offer;
  readonly request: CreateLeaseRequest;
  readonly token: string;
  readonly node: FakeNode;
  readonly createdAtMs: number;
  /** Resolves once the node server listens. */
  readonly started: Promise<void>;
  state: LeaseState;
  readyAtMs: number | undefined;
  endedAtMs: number | undefined;
  timers: Timer[];
}

/** Settings the store needs. */
export interface LeaseStoreOptions {
  clock: Clock;
  coldStartMs: number;
  slots: number;
  handler: FakeTaskHandler;
}

/** In-memory leases. */
export class LeaseStore {
  private readonly records = new Map<string, LeaseRecord>();
  private readonly byKey = new Map<string, { fingerprint: string; id: string }>();
  private readonly options: LeaseStoreOptions;
  private seq = 0;

  constructor(options: LeaseStoreOptions) {
    this.options = options;
  }

  /** Every lease, oldest first. */
  all(): LeaseRecord[] {
    return [...this.records.values()];
  }

  /** One lease, if it exists. */
  get(id: string): LeaseRecord | undefined {
    return this.records.get(id);
  }

  /** Live leases of an offer (they use up its `available` count). */
  liveCount(offerId: string): number {
    return this.all().filter((r) => r.offer.id === offerId && !ENDED_LEASE_STATES.has(r.state)).length;
  }

  /** What an earlier request with this idempotency key produced, if any. */
  byIdempotencyKey(key: string): { fingerprint: string; record: LeaseRecord } | undefined {
    const entry = this.byKey.get(key);
    const record = entry === undefined ? undefined : this.records.get(entry.id);
    return entry === undefined || record === undefined ? undefined : { fingerprint: entry.fingerprint, record };
  }

  /**
   * Create a lease synchronously (so a concurrent retry with the same key finds it),
   * start its node server, and schedule provisioning and readiness on the clock.
   */
  create(offer: Offer, request: CreateLeaseRequest, key: string, fingerprint: string): LeaseRecord {
    const { clock, coldStartMs, slots, handler } = this.options;
    const id = `lease-${String(++this.seq).padStart(4, '0')}`;
    const token = `nt_${randomBytes(16).toString('hex')}`;
    const node = new FakeNode({ leaseId: id, token, slots, handler, clock });
    const record: LeaseRecord = {
      id,
      offer: { ...offer },
      request,
      token,
      node,
      createdAtMs: clock.now(),
      started: node.start(),
      state: 'pending',
      readyAtMs: undefined,
      endedAtMs: undefined,
      timers: [],
    };
    this.records.set(id, record);
    this.byKey.set(key, { fingerprint, id });
    record.timers.push(
      clock.setTimeout(() => {
        if (record.state === 'pending') record.state = 'provisioning';
      }, 0),
      clock.setTimeout(() => {
        // The node already listens (the creating request waited for it), so readiness is exactly on time.
        if (record.state !== 'pending' && record.state !== 'provisioning') return;
        record.state = 'running';
        record.readyAtMs = clock.now();
        node.ready = true;
      }, coldStartMs),
    );
    return record;
  }

  /** End a lease (no-op if it already ended): billing stops, its node dies. */
  async end(record: LeaseRecord, state: 'terminated' | 'preempted' | 'failed'): Promise<void> {
    if (!ENDED_LEASE_STATES.has(record.state)) {
      record.state = state;
      record.endedAtMs = this.options.clock.now();
      for (const timer of record.timers) timer.cancel();
    }
    await record.started.catch(() => undefined);
    await record.node.kill();
  }

  /** Kill every node and cancel every timer (marketplace shutdown). Lease states stay as they are. */
  async closeAll(): Promise<void> {
    await Promise.all(
      this.all().map(async (record) => {
        for (const timer of record.timers) timer.cancel();
        await record.started.catch(() => undefined);
        await record.node.kill();
      }),
    );
  }

  /** The lease as protocol v1 shows it, bill as of now. */
  view(record: LeaseRecord): Lease {
    const endMs = record.endedAtMs ?? this.options.clock.now();
    const billedSec = billedSeconds(endMs - record.createdAtMs, record.offer.billingIncrementSec, record.offer.minLeaseSec);
    // Parsing our own output keeps the fake honest about the shared schema.
    return LeaseSchema.parse({
      id: record.id,
      offerId: record.offer.id,
      state: record.state,
      endpoint: record.state === 'running' ? record.node.endpoint : null,
      nodeToken: record.token,
      pricePerHour: record.offer.pricePerHour,
      createdAt: iso(record.createdAtMs),
      readyAt: record.readyAtMs === undefined ? null : iso(record.readyAtMs),
      endedAt: record.endedAtMs === undefined ? null : iso(record.endedAtMs),
      billedSec,
      cost: billedCost(record.offer.pricePerHour, billedSec),
      tags: { ...record.request.tags },
    });
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
