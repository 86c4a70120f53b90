/**
 * An in-memory protocol-v1 marketplace and modelled nodes on a VirtualClock, for
 * deterministic controller tests: no sockets, so virtual time fully decides the order.
 */
import { sleep, type Clock } from '../../src/clock.js';
import { Cancellation } from '../../src/util/cancellation.js';
import { ComputeError, NodeError } from '../../src/errors.js';
import type { Marketplace } from '../../src/market/marketplace.js';
import type { CreateLeaseRequest, Lease, Offer } from '../../src/market/protocol.js';
import type { NodeConnector } from '../../src/dispatch/node-transport.js';
import { billedSeconds, leaseCost } from '../../src/budget/cost.js';

/** A100 on-demand $2/h, A100 spot $0.9/h, H100 $4/h; per-second billing. */
export function defaultOffers(): Offer[] {
  const base = { currency: 'USD', billingIncrementSec: 1, minLeaseSec: 0, region: 'mem', coldStartSec: 2, available: 100 };
  return [
    { ...base, id: 'a100', gpu: { model: 'A100', count: 1, memoryGb: 40 }, pricePerHour: 2, interruptible: false, reliability: 0.99 },
    { ...base, id: 'a100-spot', gpu: { model: 'A100', count: 1, memoryGb: 40 }, pricePerHour: 0.9, interruptible: true, reliability: 0.9 },
    { ...base, id: 'h100', gpu: { model: 'H100', count: 1, memoryGb: 80 }, pricePerHour: 4, interruptible: false, reliability: 0.99 },
  ];
}

interface Stored {
  /** The node process died (the lease still says running). */
  dead: boolean;
  /** Called when the node dies or the lease ends: in-flight work fails. */
  onDeath: (() => void)[];
  lease: Lease;
  createdMs: number;
  endedMs: number | null;
  offer: Offer;
  key: string;
}

/** A marketplace held in memory; leases run after `coldStartMs` of clock time. */
export class MemoryMarket implements Marketplace {
  readonly leases = new Map<string, Stored>();
  private seq = 0;
  /** Leases alive at once, at most, over the run. */
  peakLive = 0;
  /** While true every call fails as if the marketplace were unreachable. */
  down = false;
  /** Offers still listed whose creates are refused as gone or full (`OFFER_GONE`). */
  readonly goneOffers = new Set<string>();
  /** Offer ids of every create received, in order. */
  readonly creates: string[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly options: { coldStartMs?: number; offers?: Offer[]; endpoint?: (id: string) => string; nodeToken?: (id: string) => string } = {},
  ) {}

  async listOffers(): Promise<Offer[]> {
    this.failIfDown();
    return this.options.offers ?? defaultOffers();
  }

  async createLease(request: CreateLeaseRequest, key: string): Promise<Lease> {
    this.failIfDown();
    this.creates.push(request.offerId);
    for (const s of this.leases.values()) if (s.key === key) return this.view(s);
    const offer = (this.options.offers ?? defaultOffers()).find((o) => o.id === request.offerId);
    if (!offer || this.goneOffers.has(offer.id)) throw new ComputeError('OFFER_GONE', `offer ${request.offerId} is gone`);
    const id = `lease-${++this.seq}`;
    const now = this.clock.now();
    const stored: Stored = {
      key,
      offer,
      dead: false,
      onDeath: [],
      createdMs: now,
      endedMs: null,
      lease: {
        id, offerId: offer.id, state: 'provisioning', endpoint: null, nodeToken: null, pricePerHour: offer.pricePerHour,
        createdAt: new Date(now).toISOString(), readyAt: null, endedAt: null, billedSec: 0, cost: 0, tags: request.tags,
      },
    };
    this.leases.set(id, stored);
    this.peakLive = Math.max(this.peakLive, this.live().length);
    this.clock.setTimeout(() => {
      if (stored.lease.state !== 'provisioning') return;
      stored.lease = { ...stored.lease, state: 'running', endpoint: this.options.endpoint?.(id) ?? `http://127.0.0.1:9/${id}`, nodeToken: this.options.nodeToken?.(id) ?? `token-${id}`, readyAt: new Date(this.clock.now()).toISOString() };
    }, this.options.coldStartMs ?? 2000);
    return this.view(stored);
  }

  async getLease(id: string): Promise<Lease> {
    this.failIfDown();
    return this.view(this.find(id));
  }

  async listLeases(tag: string): Promise<Lease[]> {
    this.failIfDown();
    const [k, v] = tag.split(':');
    return [...this.leases.values()].filter((s) => s.lease.tags[k!] === v).map((s) => this.view(s));
  }

  async releaseLease(id: string): Promise<Lease> {
    this.failIfDown();
    const stored = this.find(id);
    if (stored.endedMs === null) {
      stored.endedMs = this.clock.now();
      stored.lease = { ...stored.lease, state: 'terminated', endedAt: new Date(stored.endedMs).toISOString() };
      for (const f of stored.onDeath.splice(0)) f();
    }
    return this.view(stored);
  }

  async close(): Promise<void> {}

  /** Kill a lease's node: connections fail, health fails, the lease still bills as running. */
  killNode(id: string): void {
    const stored = this.find(id);
    stored.dead = true;
    for (const f of stored.onDeath.splice(0)) f();
  }

  /** The marketplace ends the lease (spot reclaimed): billing stops, its node dies. */
  preempt(id: string): void {
    const stored = this.find(id);
    if (stored.endedMs !== null) return;
    stored.endedMs = this.clock.now();
    stored.lease = { ...stored.lease, state: 'preempted', endedAt: new Date(stored.endedMs).toISOString() };
    for (const f of stored.onDeath.splice(0)) f();
  }

  /** @internal for modelled nodes. */
  stored(id: string): Stored | undefined {
    return this.leases.get(id);
  }

  /** Summed hourly price of leases not ended. */
  hourlyRate(): number {
    return this.live().reduce((sum, l) => sum + l.pricePerHour, 0);
  }

  private failIfDown(): void {
    if (this.down) throw new ComputeError('MARKET_UNAVAILABLE', 'marketplace unreachable (injected)');
  }

  /** Leases not ended. */
  live(): Lease[] {
    return [...this.leases.values()].filter((s) => s.endedMs === null).map((s) => this.view(s));
  }

  /** Sum of what every lease has been billed. */
  billTotal(): number {
    return [...this.leases.values()].reduce((sum, s) => sum + this.view(s).cost, 0);
  }

  private find(id: string): Stored {
    const stored = this.leases.get(id);
    if (!stored) throw new ComputeError('MARKET_REJECTED', `lease ${id} not found`, { details: { notFound: true } });
    return stored;
  }

  private view(s: Stored): Lease {
    const end = s.endedMs ?? this.clock.now();
    const sec = billedSeconds((end - s.createdMs) / 1000, s.offer.billingIncrementSec, s.offer.minLeaseSec);
    return { ...s.lease, billedSec: sec, cost: leaseCost(s.offer.pricePerHour, sec) };
  }
}

/** Modelled nodes: `slots` tasks at once, each taking `input.ms` of clock time, answering `{ echo: input }`. */
export function modelledNodes(clock: Clock, slots: number, market: MemoryMarket): NodeConnector {
  return (address) => {
    let busy = 0;
    const waiting: (() => void)[] = [];
    const alive = (): boolean => {
      const stored = market.stored(address.leaseId);
      return stored !== undefined && stored.endedMs === null && !stored.dead;
    };
    const gone = (): NodeError => new NodeError('NODE_FAILED', 'connection reset', address.leaseId, undefined, { retryable: true, details: { kind: 'connection' } });
    return {
      async run(request) {
        if (!alive()) throw gone();
        if (busy >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
        busy++;
        try {
          if (!alive()) throw gone();
          const ms = (request.input as { ms?: number }).ms ?? 0;
          // The task ends when its service time is up, or fails when the node dies first.
          const death = new Cancellation();
          market.stored(address.leaseId)!.onDeath.push(() => death.abort());
          request.signal?.addEventListener('abort', () => death.abort());
          await sleep(clock, ms, death).catch(() => {
            throw request.signal?.aborted
              ? new NodeError('NODE_FAILED', 'attempt aborted', address.leaseId, undefined, { retryable: true, details: { kind: 'aborted' } })
              : gone();
          });
          return { echo: request.input };
        } finally {
          busy--;
          waiting.shift()?.();
        }
      },
      async healthy() {
        return alive();
      },
      async close() {},
    };
  };
}
