/**
 * The group ledger's birth record, stored in Redis as the value of the `born` key:
 * when the ledger was first written, and, after Redis lost the group's state, what
 * the rebuild restored. Every replica reads it with its heartbeat, so that each one
 * knows the group's birth (ended leases before it were settled earlier) and shows the
 * last rebuild in `metrics().coordination.ledger`.
 */

/** What the last rebuild restored (Redis had lost the group's state). */
export interface LedgerRebuild {
  /** Clock time of the rebuild, ms. */
  at: number;
  /** Replica that wrote it. */
  by: string;
  /** Live leases restored as ledger entries. */
  leases: number;
  /** Spend restored (all workloads): the higher of the two witnesses below, per workload. */
  spent: number;
  /** Spend of ended leases as the marketplace reported it. */
  spentFromMarket: number;
  /** Spend as the rebuilding replica knew it from its last read of the ledger. */
  spentKnownByReplica: number;
}

/** The `born` key's value. */
export interface LedgerRecord {
  /** When the group's ledger was first written, ms (kept across rebuilds by the replicas' memory). */
  bornAt: number;
  /** Present once Redis lost the ledger and it was rebuilt. */
  rebuilt?: LedgerRebuild;
}

/** Parse a stored record; anything else (an older marker, a malformed value) is undefined. */
export function parseLedgerRecord(json: string): LedgerRecord | undefined {
  try {
    const value = JSON.parse(json) as LedgerRecord;
    if (typeof value !== 'object' || value === null || !Number.isFinite(value.bornAt)) return undefined;
    const r = value.rebuilt;
    const okRebuild = r === undefined || (typeof r === 'object' && r !== null && typeof r.by === 'string' && [r.at, r.leases, r.spent, r.spentFromMarket, r.spentKnownByReplica].every(Number.isFinite));
    return okRebuild ? value : undefined;
  } catch {
    return undefined;
  }
}
