/**
 * What a replica takes over from the marketplace and the group ledger. Pure. A new
 * leader adopts every live lease tagged with the group and the workload that its own
 * lease manager does not hold (the old leader's fleet, and leases whose creation
 * answer the old leader never saw), with the billing terms the ledger recorded, and
 * closes ledger entries whose lease the marketplace reports ended. (After Redis lost
 * the group's state, ledger-rebuild.ts rebuilds the ledger from the same list.)
 */
import { leaseCost } from '../budget/cost.js';
import { ENDED_LEASE_STATES, type Lease, type Offer } from '../market/protocol.js';
import type { LedgerEntry } from './group-budget.js';

/** One lease to adopt. */
export interface Adoption {
  key: string;
  lease: Lease;
  entry: LedgerEntry;
  /** The offer's terms as far as they are known (price and billing from the ledger). */
  offer: Offer;
}

/** What the marketplace says a lease cost: its reported cost or its billed seconds at its price, whichever is more. */
export function marketCost(lease: Lease): number {
  return Math.max(lease.cost, leaseCost(lease.pricePerHour, lease.billedSec));
}

/** The node key of a lease: its `node` tag, or one derived from its id. */
export function nodeKeyOf(lease: Lease): string {
  return lease.tags.node ?? `adopted:${lease.id}`;
}

/** When the marketplace says the lease was created, ms (`fallback` when it does not say). */
export function createdAt(lease: Lease, fallback: number): number {
  const at = lease.createdAt ? Date.parse(lease.createdAt) : NaN;
  return Number.isFinite(at) ? at : fallback;
}

/** Ledger entry for a lease the ledger does not know: billed per second from its creation, at its price. */
export function entryFromLease(lease: Lease, replicaId: string, now: number, terms?: Pick<Offer, 'billingIncrementSec' | 'minLeaseSec'>): LedgerEntry {
  return {
    w: lease.tags.workload ?? '',
    p: lease.pricePerHour,
    r: createdAt(lease, now),
    i: terms?.billingIncrementSec ?? 1,
    m: terms?.minLeaseSec ?? 0,
    c: marketCost(lease),
    s: 'a',
    rep: replicaId,
    id: lease.id,
  };
}

/** What a new leader of `workload` adopts and which ledger entries it closes. */
export function adoptionPlan(
  workload: string,
  listed: readonly Lease[],
  entries: ReadonlyMap<string, LedgerEntry>,
  held: ReadonlySet<string>,
  now: number,
): { adopt: Adoption[]; ended: Array<{ key: string; cost: number }> } {
  const adopt: Adoption[] = [];
  const ended: Array<{ key: string; cost: number }> = [];
  const byId = new Map(listed.map((l) => [l.id, l] as const));
  for (const lease of listed) {
    if (lease.tags.workload !== workload || ENDED_LEASE_STATES.has(lease.state)) continue;
    const key = nodeKeyOf(lease);
    if (held.has(key)) continue;
    const entry = entries.get(key) ?? entryFromLease(lease, '', now);
    adopt.push({
      key,
      lease,
      entry: { ...entry, s: 'a', id: lease.id, c: Math.max(entry.c, marketCost(lease)) },
      offer: {
        id: lease.offerId,
        gpu: { model: 'adopted', count: 1, memoryGb: 0 },
        pricePerHour: entry.p,
        currency: 'USD',
        billingIncrementSec: entry.i || 1,
        minLeaseSec: entry.m,
        interruptible: false,
        region: '',
        reliability: 1,
        coldStartSec: 0,
        available: 0,
      },
    });
  }
  for (const [key, entry] of entries) {
    if (entry.w !== workload || entry.s !== 'a' || held.has(key)) continue;
    const lease = byId.get(entry.id);
    if (lease === undefined || ENDED_LEASE_STATES.has(lease.state)) ended.push({ key, cost: Math.max(entry.c, lease ? marketCost(lease) : 0) });
  }
  return { adopt, ended };
}
