/**
 * Leases of the marketplace server core: their state machine (pending ->
 * provisioning -> running -> terminated | preempted | failed), their nodes, their
 * bills, and the idempotency keys that created them. Nodes come from a pluggable
 * {@link NodeRuntime}; all timing runs on the injected clock.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, Timer } from '../../clock.js';
import { ENDED_LEASE_STATES, LeaseSchema } from '../../market/protocol.js';
import type { CreateLeaseRequest, Lease, LeaseState, Offer } from '../../market/protocol.js';
import { billedCost, billedSeconds } from './billing.js';
import type { NodeHandle, NodeRuntime } from './node-runtime.js';

/** One lease as the store keeps it. */
export interface LeaseRecord {
  readonly id: string;
  /** The offer as it was when the lease was created (prices do not change under a lease). */
  readonly offer: Offer;
  readonly request: CreateLeaseRequest;
  readonly token: string;
  readonly node: NodeHandle;
  readonly createdAtMs: number;
  state: LeaseState;
  /** Where the node serves, once booted (kept after the node dies, as a real IP would be). */
  endpoint: string | null;
  readyAtMs: number | undefined;
  endedAtMs: number | undefined;
  /** Why the lease failed, if it did (shown by the account view; never a secret). */
  failure: string | undefined;
  timers: Timer[];
}

/** A lease changed state (for logs; the record is the store's own, do not mutate it). */
export type LeaseChangeListener = (record: LeaseRecord) => void;

/** Settings the store needs. */
export interface LeaseStoreOptions {
  clock: Clock;
  /** Time from creation to the node's boot. */
  coldStartMs: number;
  /** Starts and kills nodes. */
  runtime: NodeRuntime;
  /** When a lease starts running: ms until the marketplace preempts it, or undefined for never. */
  preemptAfterMs?: (offer: Offer) => number | undefined;
  /** Told about every state change. */
  onChange?: LeaseChangeListener;
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
    let n = 0;
    for (const r of this.records.values()) if (r.offer.id === offerId && !ENDED_LEASE_STATES.has(r.state)) n++;
    return n;
  }

  /** What an earlier request with this idempotency key produced, if any. */
  byIdempotencyKey(key: string): { fingerprint: string; record: LeaseRecord } | undefined {
    const entry = this.byKey.get(key);
    const record = entry === undefined ? undefined : this.records.get(entry.id);
    return entry === undefined || record === undefined ? undefined : { fingerprint: entry.fingerprint, record };
  }

  /**
   * Create a lease synchronously (so a concurrent retry with the same key finds it),
   * launch its node, and schedule provisioning and the boot on the clock.
   */
  create(offer: Offer, request: CreateLeaseRequest, key: string, fingerprint: string): LeaseRecord {
    const { clock, coldStartMs, runtime } = this.options;
    const id = `lease-${String(++this.seq).padStart(4, '0')}`;
    const token = `nt_${randomBytes(16).toString('hex')}`;
    const node = runtime.launch({ leaseId: id, token, offer: { ...offer }, request });
    const record: LeaseRecord = {
      id,
      offer: { ...offer },
      request,
      token,
      node,
      createdAtMs: clock.now(),
      state: 'pending',
      endpoint: null,
      readyAtMs: undefined,
      endedAtMs: undefined,
      failure: undefined,
      timers: [],
    };
    this.records.set(id, record);
    this.byKey.set(key, { fingerprint, id });
    this.changed(record);
    record.timers.push(
      clock.setTimeout(() => {
        if (record.state !== 'pending') return;
        record.state = 'provisioning';
        this.changed(record);
      }, 0),
      clock.setTimeout(() => this.boot(record), coldStartMs),
    );
    return record;
  }

  /** End a lease (no-op if it already ended): billing stops, its node dies. */
  async end(record: LeaseRecord, state: 'terminated' | 'preempted' | 'failed', failure?: string): Promise<void> {
    if (!ENDED_LEASE_STATES.has(record.state)) {
      record.state = state;
      record.endedAtMs = this.options.clock.now();
      record.failure = failure;
      for (const timer of record.timers) timer.cancel();
      this.changed(record);
    }
    await record.node.launched.catch(() => undefined);
    await record.node.kill(state === 'terminated' ? 'graceful' : 'abrupt');
  }

  /** Kill every node and cancel every timer (marketplace shutdown). Lease states stay as they are. */
  async closeAll(): Promise<void> {
    await Promise.all(
      this.all().map(async (record) => {
        for (const timer of record.timers) timer.cancel();
        await record.node.launched.catch(() => undefined);
        await record.node.kill('graceful');
      }),
    );
  }

  /** The lease as protocol v1 shows it, bill as of now. */
  view(record: LeaseRecord): Lease {
    const billedSec = this.billedSec(record);
    // Parsing our own output keeps the server honest about the shared schema.
    return LeaseSchema.parse({
      id: record.id,
      offerId: record.offer.id,
      state: record.state,
      endpoint: record.state === 'running' ? record.endpoint : null,
      nodeToken: record.token,
      pricePerHour: record.offer.pricePerHour,
      createdAt: iso(record.createdAtMs),
      readyAt: record.readyAtMs === undefined ? null : iso(record.readyAtMs),
      endedAt: record.endedAtMs === undefined ? null : iso(record.endedAtMs),
      billedSec,
      cost: billedCost(record.offer.pricePerHour, billedSec),
      tags: { ...record.request.tags },
      ...(record.failure !== undefined ? { failure: record.failure } : {}),
    });
  }

  /** Seconds billed so far (or in all, once ended). */
  billedSec(record: LeaseRecord): number {
    const endMs = record.endedAtMs ?? this.options.clock.now();
    return billedSeconds(endMs - record.createdAtMs, record.offer.billingIncrementSec, record.offer.minLeaseSec);
  }

  private boot(record: LeaseRecord): void {
    if (record.state !== 'pending' && record.state !== 'provisioning') return;
    let booted: string | Promise<string>;
    try {
      booted = record.node.boot();
    } catch (error) {
      booted = Promise.reject(error);
    }
    // A node that already listens is running exactly at the end of the cold start.
    if (typeof booted === 'string') this.running(record, booted);
    else booted.then((endpoint) => this.running(record, endpoint), (error: unknown) => this.bootFailed(record, error));
  }

  private running(record: LeaseRecord, endpoint: string): void {
    if (record.state !== 'pending' && record.state !== 'provisioning') return;
    const { clock, preemptAfterMs } = this.options;
    record.state = 'running';
    record.endpoint = endpoint;
    record.readyAtMs = clock.now();
    this.changed(record);
    const after = preemptAfterMs?.(record.offer);
    if (after !== undefined && Number.isFinite(after)) {
      record.timers.push(clock.setTimeout(() => void this.end(record, 'preempted'), Math.max(0, after)));
    }
  }

  private bootFailed(record: LeaseRecord, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    void this.end(record, 'failed', `node did not start: ${message.slice(0, 200)}`);
  }

  private changed(record: LeaseRecord): void {
    this.options.onChange?.(record);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
