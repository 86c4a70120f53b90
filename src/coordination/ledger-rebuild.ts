/**
 * The group ledger rebuilt after Redis lost it (restarted empty, no persistence), or
 * written for a new group. Pure. Two witnesses, and for each figure the higher one
 * counts, as the single-process ledger takes the higher of the marketplace's cost and
 * its own accrual:
 *
 * - the marketplace: every lease tagged with the group. A live one becomes an entry
 *   costing what the marketplace reports (its cost, or its billed seconds at its
 *   price); an ended one counts its reported cost towards its workload's spend, if it
 *   ended while the group's ledger existed (since the group's birth, as the replicas
 *   remember it).
 * - this replica: the ledger as it last read it from Redis (entries and spend), plus
 *   its own facts since. An entry it knew as created whose lease is no longer live
 *   ended since that read: its accrual counts towards spend.
 *
 * Spend per workload is the higher of the two totals (they count the same leases, so
 * they are never added); the Redis script then merges every replica's figure the same
 * way, raising and never lowering.
 */
import type { ManagedLease } from '../leases/lease-manager.js';
import { ENDED_LEASE_STATES, type Lease } from '../market/protocol.js';
import { createdAt, entryFromLease, marketCost, nodeKeyOf } from './adoption.js';
import { entryCommitted, type LedgerEntry } from './group-budget.js';

/** What a rebuild starts from. */
export interface RebuildInput {
  /** The marketplace's leases tagged with the group. */
  listed: readonly Lease[];
  /** This replica's lease manager records, by node key. */
  held: ReadonlyMap<string, ManagedLease>;
  /** The ledger as this replica knew it. */
  entries: ReadonlyMap<string, LedgerEntry>;
  spent: ReadonlyMap<string, number>;
  replicaId: string;
  /** Leases that ended before this (ms) were settled before the group's ledger existed. */
  since: number;
  now: number;
}

/** The rebuilt ledger, and where its spend came from. */
export interface RebuiltLedger {
  entries: Record<string, LedgerEntry>;
  /** Spend per workload: the higher of the two witnesses. */
  spent: Record<string, number>;
  /** Spend per workload as the marketplace's ended leases say. */
  fromMarket: Record<string, number>;
  /** Spend per workload as this replica knew it. */
  fromReplica: Record<string, number>;
}

const add = (to: Record<string, number>, w: string, v: number): void => {
  to[w] = (to[w] ?? 0) + v;
};

/** Rebuild the group's ledger from the marketplace and what this replica knows. */
export function rebuildLedger(input: RebuildInput): RebuiltLedger {
  const { listed, held, entries: known, spent: knownSpent, replicaId, since, now } = input;
  const entries: Record<string, LedgerEntry> = {};
  const fromMarket: Record<string, number> = {};
  const fromReplica: Record<string, number> = {};
  const liveKeys = new Set<string>();
  const listedById = new Map(listed.map((l) => [l.id, l] as const));
  for (const lease of listed) {
    const workload = lease.tags.workload ?? '';
    if (ENDED_LEASE_STATES.has(lease.state)) {
      const endedAt = lease.endedAt ? Date.parse(lease.endedAt) : NaN;
      if ((Number.isFinite(endedAt) ? endedAt : createdAt(lease, now)) >= since) add(fromMarket, workload, marketCost(lease));
      continue;
    }
    const key = nodeKeyOf(lease);
    liveKeys.add(key);
    const entry = known.get(key);
    const record = held.get(key);
    if (entry) {
      entries[key] = { ...entry, s: 'a', id: lease.id, p: Math.max(entry.p, lease.pricePerHour), c: Math.max(entry.c, marketCost(lease)) };
      continue;
    }
    const rebuilt = entryFromLease(lease, replicaId, now, record?.spec.offer);
    if (record) {
      rebuilt.r = Math.min(rebuilt.r, record.requestedAt);
      rebuilt.c = Math.max(rebuilt.c, record.serverCost);
    }
    entries[key] = rebuilt;
  }
  for (const [w, v] of knownSpent) add(fromReplica, w, v);
  for (const [key, entry] of known) {
    if (entry.s !== 'a' || liveKeys.has(key)) continue;
    // Ended since this replica's last read: what it owed when it ended (now, if the marketplace does not say).
    const lease = entry.id ? listedById.get(entry.id) : undefined;
    const endedAt = lease?.endedAt ? Date.parse(lease.endedAt) : NaN;
    add(fromReplica, entry.w, Math.max(entryCommitted(entry, Number.isFinite(endedAt) ? endedAt : now), lease ? marketCost(lease) : 0));
  }
  const spent: Record<string, number> = {};
  for (const w of new Set([...Object.keys(fromMarket), ...Object.keys(fromReplica)])) spent[w] = Math.max(fromMarket[w] ?? 0, fromReplica[w] ?? 0);
  return { entries, spent, fromMarket, fromReplica };
}
