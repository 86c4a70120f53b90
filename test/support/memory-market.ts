/**
 * An in-memory protocol-v1 marketplace and modelled nodes on a VirtualClock, for
 * deterministic controller tests: no sockets, so virtual time fully decides the order.
 */
import { sleep, type Clock } from '../../src/clock.js';
import { ComputeError, NodeError } from '../../src/errors.js';
import type { Marketplace } from '../../src/market/marketplace.js';
import type { CreateLeaseRequest, Lease, Offer } from '../../src/market/protocol.js';
import type { NodeConnector } from '../../src/dispatch/node-transport.js';
import { defaultFakeOffers } from '../../src/testing/fake-offers.js';
import { billedCost, billedSeconds } from '../../src/testing/fake-billing.js';

interface Stored {
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

  constructor(
    private readonly clock: Clock,
    private readonly options: { coldStartMs?: number; offers?: Offer[] } = {},
  ) {}

  async listOffers(): Promise<Offer[]> {
    return this.options.offers ?? defaultFakeOffers();
  }

  async createLease(request: CreateLeaseRequest, key: string): Promise<Lease> {
    for (const s of this.leases.values()) if (s.key === key) return this.view(s);
    const offer = (this.options.offers ?? defaultFakeOffers()).find((o) => o.id === request.offerId);
    if (!offer) throw new ComputeError('OFFER_GONE', `offer ${request.offerId} is gone`);
    const id = `lease-${++this.seq}`;
    const now = this.clock.now();
    const stored: Stored = {
      key,
      offer,
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
      stored.lease = { ...stored.lease, state: 'running', endpoint: `mem://${id}`, nodeToken: `token-${id}`, readyAt: new Date(this.clock.now()).toISOString() };
    }, this.options.coldStartMs ?? 2000);
    return this.view(stored);
  }

  async getLease(id: string): Promise<Lease> {
    return this.view(this.find(id));
  }

  async listLeases(tag: string): Promise<Lease[]> {
    const [k, v] = tag.split(':');
    return [...this.leases.values()].filter((s) => s.lease.tags[k!] === v).map((s) => this.view(s));
  }

  async releaseLease(id: string): Promise<Lease> {
    const stored = this.find(id);
    if (stored.endedMs === null) {
      stored.endedMs = this.clock.now();
      stored.lease = { ...stored.lease, state: 'terminated', endedAt: new Date(stored.endedMs).toISOString() };
    }
    return this.view(stored);
  }

  async close(): Promise<void> {}

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
    const sec = billedSeconds(end - s.createdMs, s.offer.billingIncrementSec, s.offer.minLeaseSec);
    return { ...s.lease, billedSec: sec, cost: billedCost(s.offer.pricePerHour, sec) };
  }
}

/** Modelled nodes: `slots` tasks at once, each taking `input.ms` of clock time, answering `{ echo: input }`. */
export function modelledNodes(clock: Clock, slots: number, market: MemoryMarket): NodeConnector {
  return (address) => {
    let busy = 0;
    const waiting: (() => void)[] = [];
    const alive = (): boolean => market.leases.get(address.leaseId)?.endedMs === null;
    return {
      async run(request) {
        if (!alive()) throw new NodeError('NODE_FAILED', 'node gone', address.leaseId, undefined, { retryable: true, details: { kind: 'connection' } });
        if (busy >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
        busy++;
        try {
          const ms = (request.input as { ms?: number }).ms ?? 0;
          await sleep(clock, ms, request.signal).catch(() => {
            throw new NodeError('NODE_FAILED', 'attempt aborted', address.leaseId, undefined, { retryable: true, details: { kind: 'aborted' } });
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
