/**
 * The per-tick exchange of a replica with its group for one workload: publish this
 * replica's observation, read every live replica's and the slot shares the leader
 * last assigned (one script, one round-trip); the leader also publishes new shares,
 * fenced by its token. Malformed documents from Redis are dropped, never trusted.
 */
import { PUBLISH_SHARES, OBSERVE } from './group-scripts.js';
import { parseReplicaObservation, type ReplicaObservation } from './group-observation.js';
import type { GroupKeys } from './keys.js';
import type { RedisConnection } from './redis.js';
import type { SlotShares } from './shares.js';

/** The slot shares of one workload as the leader publishes them. */
export interface SharesDocument {
  /** Epoch of the leadership that wrote it. */
  epoch: number;
  /** Clock time it was written, ms. */
  at: number;
  /** Ready nodes of the fleet: node key -> marketplace lease id and slots. */
  nodes: Record<string, { leaseId: string; slots: number }>;
  /** Replica id -> node key -> slots. */
  shares: SlotShares;
  /** Set when the group's budget can pay for no node again: why (every replica rejects queued work with it). */
  budgetRefusal?: string;
}

/** What one exchange returns. */
export interface Exchange {
  observations: ReplicaObservation[];
  shares: SharesDocument | undefined;
}

/** Parse a shares document; malformed: undefined. */
export function parseShares(json: string): SharesDocument | undefined {
  if (!json) return undefined;
  try {
    const doc = JSON.parse(json) as SharesDocument;
    if (typeof doc.epoch !== 'number' || typeof doc.nodes !== 'object' || doc.nodes === null || typeof doc.shares !== 'object' || doc.shares === null) return undefined;
    for (const node of Object.values(doc.nodes)) {
      if (typeof node?.leaseId !== 'string' || !Number.isInteger(node.slots) || node.slots < 0) return undefined;
    }
    return doc;
  } catch {
    return undefined;
  }
}

/** Publish this replica's observation of `workload` and read the group's. Rejects when Redis cannot be reached. */
export async function exchange(redis: RedisConnection, keys: GroupKeys, workload: string, mine: ReplicaObservation): Promise<Exchange> {
  const [flat, sharesJson] = await redis.eval<[string[], string]>(
    OBSERVE,
    [keys.observations(workload), keys.shares(workload)],
    [mine.replicaId, JSON.stringify(mine), keys.prefix],
  );
  const observations: ReplicaObservation[] = [];
  for (let n = 0; n + 1 < flat.length; n += 2) {
    const o = parseReplicaObservation(flat[n + 1]!);
    if (o && o.replicaId === flat[n]) observations.push(o);
  }
  return { observations, shares: parseShares(sharesJson) };
}

/** Publish slot shares as leader; resolves false when the token is stale (refused). */
export async function publishShares(redis: RedisConnection, keys: GroupKeys, workload: string, token: string, doc: SharesDocument): Promise<boolean> {
  return (await redis.eval<number>(PUBLISH_SHARES, [keys.leader(workload), keys.shares(workload)], [token, JSON.stringify(doc)])) === 1;
}
