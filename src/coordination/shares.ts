/**
 * Slot shares: how the leader splits the fleet's task slots among the replicas of a
 * group. Pure. Each replica gets slots in proportion to its demand (tasks queued
 * plus running), slots nobody needs are spread evenly so that new work anywhere finds
 * a free slot at once, and each replica's slots are spread over the nodes (node 0
 * slot 0, node 1 slot 0, ..., node 0 slot 1, ...) so that every node serves several
 * replicas and a lost node costs each of them a little.
 */

/** A ready node and how many tasks it runs at once. */
export interface ShareNode {
  key: string;
  slots: number;
}

/** A live replica and its demand (tasks queued + running). */
export interface ShareDemand {
  replicaId: string;
  demand: number;
}

/** Per replica: per node key, the slots it may fill. Replicas with no slot are present with `{}`. */
export type SlotShares = Record<string, Record<string, number>>;

/** How many slots each replica gets, by demand (largest remainder), the spare spread round-robin. */
export function slotTargets(total: number, replicas: readonly ShareDemand[]): Map<string, number> {
  const sorted = [...replicas].sort((a, b) => (a.replicaId < b.replicaId ? -1 : a.replicaId > b.replicaId ? 1 : 0));
  const targets = new Map(sorted.map((r) => [r.replicaId, 0]));
  if (sorted.length === 0 || total <= 0) return targets;
  const demands = sorted.map((r) => (Number.isFinite(r.demand) && r.demand > 0 ? r.demand : 0));
  const wanted = demands.reduce((a, b) => a + b, 0);
  let left = total;
  if (wanted <= total) {
    sorted.forEach((r, i) => targets.set(r.replicaId, demands[i]!));
    left -= wanted;
  } else {
    // Every replica with work gets a slot first (when there are enough), so none starves.
    const needing = sorted.filter((_, i) => demands[i]! > 0);
    if (needing.length <= total) for (const r of needing) targets.set(r.replicaId, 1);
    left -= needing.length <= total ? needing.length : 0;
    const rest = demands.map((d, i) => Math.max(0, d - targets.get(sorted[i]!.replicaId)!));
    const restSum = rest.reduce((a, b) => a + b, 0);
    const exact = rest.map((d) => (restSum > 0 ? (d * left) / restSum : 0));
    const floors = exact.map(Math.floor);
    sorted.forEach((r, i) => targets.set(r.replicaId, targets.get(r.replicaId)! + floors[i]!));
    left -= floors.reduce((a, b) => a + b, 0);
    const byRemainder = exact.map((x, i) => [x - floors[i]!, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    for (const [, i] of byRemainder) {
      if (left <= 0) break;
      targets.set(sorted[i]!.replicaId, targets.get(sorted[i]!.replicaId)! + 1);
      left--;
    }
  }
  for (let i = 0; left > 0; i = (i + 1) % sorted.length, left--) {
    const id = sorted[i]!.replicaId;
    targets.set(id, targets.get(id)! + 1);
  }
  return targets;
}

/** Split every node's slots among the replicas. The sum of shares of a node never exceeds its slots. */
export function assignShares(nodes: readonly ShareNode[], replicas: readonly ShareDemand[]): SlotShares {
  const shares: SlotShares = {};
  for (const r of replicas) shares[r.replicaId] = {};
  const ordered = [...nodes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  // Interleave: the first slot of every node, then the second of every node, ...
  const slots: string[] = [];
  const most = ordered.reduce((m, n) => Math.max(m, n.slots), 0);
  for (let s = 0; s < most; s++) for (const n of ordered) if (s < n.slots) slots.push(n.key);
  let at = 0;
  for (const [replicaId, count] of slotTargets(slots.length, replicas)) {
    const share = shares[replicaId]!;
    for (let k = 0; k < count && at < slots.length; k++, at++) {
      const node = slots[at]!;
      share[node] = (share[node] ?? 0) + 1;
    }
  }
  return shares;
}

/** Largest minus smallest total share among replicas (the bench reports it). */
export function shareSpread(shares: SlotShares): number {
  const totals = Object.values(shares).map((s) => Object.values(s).reduce((a, b) => a + b, 0));
  return totals.length === 0 ? 0 : Math.max(...totals) - Math.min(...totals);
}
