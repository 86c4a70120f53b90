/**
 * The group ledger's arithmetic, on the entries read from Redis. Pure, and the same
 * billing model as the single-process ledger (src/budget/cost.ts) and the Lua scripts:
 * a lease commits what it owes if released now, or what the marketplace reported,
 * whichever is more.
 */
import { committedCost, leaseCost } from '../budget/cost.js';
import { forecast, type BudgetCaps, type BudgetSnapshot, type SpendSnapshot } from '../budget/ledger.js';
import type { BudgetView } from '../controller/observation.js';

/** One lease or reservation of the group, as stored in Redis (short names keep it small). */
export interface LedgerEntry {
  /** Workload. */
  w: string;
  /** Price per hour. */
  p: number;
  /** Requested at, ms. */
  r: number;
  /** Billing increment, s. */
  i: number;
  /** Minimum lease, s. */
  m: number;
  /** Cost the marketplace reported. */
  c: number;
  /** `r` reserved, `a` created. */
  s: 'r' | 'a';
  /** Replica that wrote it. */
  rep: string;
  /** Marketplace lease id ('' until created). */
  id: string;
}

/** Parse an entry; a malformed one is dropped (undefined). */
export function parseEntry(json: string): LedgerEntry | undefined {
  try {
    const e = JSON.parse(json) as LedgerEntry;
    const ok = typeof e.w === 'string' && [e.p, e.r, e.i, e.m].every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0);
    return ok ? { ...e, c: typeof e.c === 'number' ? e.c : 0, id: typeof e.id === 'string' ? e.id : '' } : undefined;
  } catch {
    return undefined;
  }
}

/** Usage of one scope (`undefined`: the whole group). */
export interface GroupUsage {
  hourlyRate: number;
  committed: number;
  spent: number;
}

/** Committed spend of one entry at `now`: what it owes if released then (or what the marketplace reported, if more). */
export function entryCommitted(e: LedgerEntry, now: number): number {
  return Math.max(committedCost({ pricePerHour: e.p, requestedAt: e.r, billingIncrementSec: e.i, minLeaseSec: e.m }, now), e.c);
}

/**
 * Rate, commitment and spend of the group or one workload. `failoverMs`: each live
 * lease is committed through `now + failoverMs`, the time a fleet can bill with no
 * leader to release it (the leader died; another takes over within two TTLs), so
 * that `total` holds through a failover. Ended leases count what they cost.
 */
export function groupUsage(entries: Iterable<LedgerEntry>, spent: ReadonlyMap<string, number>, scope: string | undefined, now: number, failoverMs = 0): GroupUsage {
  let ended = 0;
  for (const [w, v] of spent) if (scope === undefined || w === scope) ended += v;
  const usage: GroupUsage = { hourlyRate: 0, committed: ended, spent: ended };
  for (const e of entries) {
    if (scope !== undefined && e.w !== scope) continue;
    usage.hourlyRate += e.p;
    usage.committed += entryCommitted(e, now + failoverMs);
    usage.spent += Math.max(leaseCost(e.p, Math.max(0, now - e.r) / 1000), e.c);
  }
  return usage;
}

/** The planner's view of the group's budget. */
export function groupView(
  entries: readonly LedgerEntry[],
  spent: ReadonlyMap<string, number>,
  global: BudgetCaps,
  workloadCaps: ReadonlyMap<string, BudgetCaps>,
  now: number,
  failoverMs = 0,
): BudgetView {
  const workloads: Record<string, BudgetView['workloads'][string]> = {};
  for (const name of names(entries, spent, workloadCaps)) {
    const { hourlyRate, committed } = groupUsage(entries, spent, name, now, failoverMs);
    workloads[name] = { ...workloadCaps.get(name), hourlyRate, committed };
  }
  const { hourlyRate, committed } = groupUsage(entries, spent, undefined, now, failoverMs);
  // A reservation must fit the failover window of its own cost (group-ledger.ts): the planner counts it too.
  return { maxPerHour: global.maxPerHour, total: global.total, hourlyRate, committed, workloads, ...(failoverMs > 0 ? { newLeaseMinSec: failoverMs / 1000 } : {}) };
}

/** `metrics().budget` figures of the group. */
export function groupSnapshot(
  entries: readonly LedgerEntry[],
  spent: ReadonlyMap<string, number>,
  global: BudgetCaps,
  workloadCaps: ReadonlyMap<string, BudgetCaps>,
  now: number,
  failoverMs = 0,
): BudgetSnapshot {
  const scope = (name: string | undefined, caps: BudgetCaps): SpendSnapshot => {
    const u = groupUsage(entries, spent, name, now, failoverMs);
    const snap: SpendSnapshot = { spent: u.spent, committed: u.committed, hourlyRate: u.hourlyRate };
    if (caps.maxPerHour !== undefined) snap.maxPerHour = caps.maxPerHour;
    if (caps.total !== undefined) {
      snap.total = caps.total;
      snap.remaining = Math.max(0, caps.total - u.committed);
      snap.forecastExhaustedAt = forecast(caps.total, u.committed, u.hourlyRate, now);
    }
    return snap;
  };
  const byWorkload: Record<string, SpendSnapshot> = {};
  for (const name of names(entries, spent, workloadCaps)) byWorkload[name] = scope(name, workloadCaps.get(name) ?? {});
  return { ...scope(undefined, global), byWorkload };
}

function names(entries: readonly LedgerEntry[], spent: ReadonlyMap<string, number>, caps: ReadonlyMap<string, BudgetCaps>): string[] {
  const all = new Set<string>(caps.keys());
  for (const e of entries) all.add(e.w);
  for (const w of spent.keys()) all.add(w);
  return [...all].sort();
}
