/**
 * Names of a group's Redis keys. Every key carries the group in a hash tag
 * (`{group}`), so that all of a group's keys would sit on one slot; the scripts
 * assume a single primary (Redis 7, no cluster) and read replicas' liveness keys by
 * name.
 */

/** Key names of one group. */
export interface GroupKeys {
  /** Prefix of every key of the group, e.g. `ac:{chat-api}:`. */
  readonly prefix: string;
  /** Set of replica ids that registered (cleaned of dead ones lazily). */
  readonly replicas: string;
  /** Hash of live leases and reservations: lease key -> JSON entry. */
  readonly leases: string;
  /** Hash of accrued cost of ended leases: workload -> amount. */
  readonly spent: string;
  /** Present while Redis holds the group's ledger (JSON: when it was born or rebuilt): its absence after a start means Redis lost it. */
  readonly born: string;
  /** Hash of budget levels that fired for the group (`scope NUL cap NUL percent` -> 1). */
  readonly fired: string;
  /** Liveness key of a replica (expires with its TTL). */
  replica(id: string): string;
  /** Leader key of a workload: `<replicaId>|<epoch>`, with the leadership TTL. */
  leader(workload: string): string;
  /** Fencing counter of a workload (INCR on every new leadership). */
  epoch(workload: string): string;
  /** Hash of observations published by replicas: replica id -> JSON. */
  observations(workload: string): string;
  /** Slot shares the leader assigned: a JSON document. */
  shares(workload: string): string;
}

/** Group names are checked by the config schema; this only builds names. */
export function groupKeys(group: string): GroupKeys {
  const prefix = `ac:{${group}}:`;
  return {
    prefix,
    replicas: `${prefix}replicas`,
    leases: `${prefix}ledger:leases`,
    spent: `${prefix}ledger:spent`,
    born: `${prefix}ledger:born`,
    fired: `${prefix}ledger:fired`,
    replica: (id) => `${prefix}replica:${id}`,
    leader: (w) => `${prefix}leader:${w}`,
    epoch: (w) => `${prefix}epoch:${w}`,
    observations: (w) => `${prefix}obs:${w}`,
    shares: (w) => `${prefix}shares:${w}`,
  };
}
