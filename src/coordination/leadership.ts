/**
 * Membership and leadership of one replica in its group. A replica is alive while
 * its liveness key exists (refreshed every heartbeat, expiring after the TTL); per
 * workload, one live replica leads, holding a TTL key whose value
 * `<replicaId>|<epoch>` is the fencing token. A replica trusts its own leadership
 * only until the TTL it last renewed runs out, counted from before it asked (so a
 * slow answer shortens it, never lengthens it): after that it acts as a follower even
 * if Redis cannot tell it so.
 */
import type { Clock } from '../clock.js';
import { HEARTBEAT, LEAD, LEAVE, RESIGN, FENCE } from './group-scripts.js';
import type { GroupKeys } from './keys.js';
import type { RedisConnection } from './redis.js';

/** Who leads a workload, as this replica last saw it. */
export interface LeadershipView {
  /** Replica id of the leader; null when nobody leads (or it is not known). */
  leaderReplicaId: string | null;
  /** Whether this replica leads it now. */
  isLeader: boolean;
  /** Fencing epoch of the leadership seen (0: none yet). */
  epoch: number;
}

/** Result of a heartbeat. */
export interface Heartbeat {
  /** Ids of the replicas alive now (this one included). */
  live: string[];
  /** Whether Redis holds the group's ledger. */
  born: boolean;
  /** The ledger's birth record as stored (JSON; '' when Redis holds no ledger). */
  bornRecord: string;
}

interface Held {
  token: string;
  epoch: number;
  validUntil: number;
}

/** Parse `<replicaId>|<epoch>`. */
export function parseToken(value: string): { replicaId: string; epoch: number } | undefined {
  const bar = value.lastIndexOf('|');
  if (bar <= 0) return undefined;
  const epoch = Number(value.slice(bar + 1));
  return Number.isInteger(epoch) && epoch > 0 ? { replicaId: value.slice(0, bar), epoch } : undefined;
}

/** One replica's membership and leaderships. */
export class GroupMembership {
  readonly #held = new Map<string, Held>();
  readonly #seen = new Map<string, { replicaId: string; epoch: number }>();
  /** Highest epoch seen per workload (kept when Redis forgets it). */
  readonly #maxEpoch = new Map<string, number>();

  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: GroupKeys,
    readonly replicaId: string,
    readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  /** Refresh this replica's liveness key. Rejects when Redis cannot be reached. */
  async heartbeat(info: Record<string, unknown> = {}): Promise<Heartbeat> {
    const { keys } = this;
    const [live, born] = await this.redis.eval<[string[], string]>(
      HEARTBEAT,
      [keys.replica(this.replicaId), keys.replicas, keys.born],
      [this.replicaId, this.ttlMs, JSON.stringify(info), keys.prefix],
    );
    return { live, born: born !== '', bornRecord: born };
  }

  /**
   * Take the leadership of `workload` if nobody holds it, or extend ours. Rejects when
   * Redis cannot be reached (our leadership then lapses by itself).
   */
  async lead(workload: string): Promise<LeadershipView> {
    const sentAt = this.clock.now();
    const [held, value] = await this.redis.eval<[number, string]>(
      LEAD,
      [this.keys.leader(workload), this.keys.epoch(workload), this.keys.replica(this.replicaId)],
      // The highest epoch seen: a Redis restarted empty must not hand out an epoch again.
      [this.replicaId, this.ttlMs, this.#maxEpoch.get(workload) ?? 0],
    );
    const parsed = value ? parseToken(value) : undefined;
    if (parsed) {
      this.#seen.set(workload, parsed);
      this.#maxEpoch.set(workload, Math.max(parsed.epoch, this.#maxEpoch.get(workload) ?? 0));
    } else this.#seen.delete(workload);
    if (held === 1 && parsed) this.#held.set(workload, { token: value, epoch: parsed.epoch, validUntil: sentAt + this.ttlMs });
    else this.#held.delete(workload);
    return this.view(workload);
  }

  /** Give up the leadership of `workload` (shutdown). Never rejects. */
  async resign(workload: string): Promise<void> {
    const held = this.#held.get(workload);
    this.#held.delete(workload);
    if (!held) return;
    try {
      await this.redis.eval(RESIGN, [this.keys.leader(workload)], [held.token]);
    } catch {
      // It expires with its TTL.
    }
  }

  /** Leave the group: resolves with how many other replicas are still alive (0: this was the last). */
  async leave(): Promise<number> {
    return this.redis.eval<number>(LEAVE, [this.keys.replica(this.replicaId), this.keys.replicas], [this.replicaId, this.keys.prefix]);
  }

  /**
   * Whether this replica may release a lease of `workload` now: Redis says our token is
   * the current leadership, and, once its answer is here, enough of the leadership is
   * still left locally (a pause during the round-trip makes it no).
   */
  async stillLeads(workload: string): Promise<boolean> {
    const token = this.tokenForAction(workload);
    if (token === undefined) return false;
    try {
      const current = (await this.redis.eval<number>(FENCE, [this.keys.leader(workload)], [token])) === 1;
      return current && this.tokenForAction(workload) === token;
    } catch {
      return false;
    }
  }

  /** The fencing token of our leadership of `workload`, while it is valid. */
  tokenFor(workload: string): string | undefined {
    const held = this.#held.get(workload);
    if (!held) return undefined;
    if (this.clock.now() >= held.validUntil) {
      this.#held.delete(workload);
      return undefined;
    }
    return held.token;
  }

  /**
   * The token, only while at least {@link actionMarginMs} of our leadership is left:
   * what a rent or a release is decided on. Redis cannot fence the marketplace, so the
   * request must reach it before any other replica can have taken over; the margin is
   * how late it may be (a stall, a pause) and still arrive while we lead.
   */
  tokenForAction(workload: string): string | undefined {
    const token = this.tokenFor(workload);
    const held = this.#held.get(workload);
    return token !== undefined && held !== undefined && this.clock.now() < held.validUntil - this.actionMarginMs ? token : undefined;
  }

  /** Leadership left, at least, when a rent or a release is decided, ms (a quarter of the TTL, at most 1 s). */
  get actionMarginMs(): number {
    return Math.min(1000, Math.floor(this.ttlMs / 4));
  }

  /** Who leads `workload`, as last seen. */
  view(workload: string): LeadershipView {
    const isLeader = this.tokenFor(workload) !== undefined;
    const seen = this.#seen.get(workload);
    return {
      leaderReplicaId: isLeader ? this.replicaId : (seen?.replicaId ?? null),
      isLeader,
      epoch: seen?.epoch ?? 0,
    };
  }

  /** Workloads this replica leads now. */
  led(): string[] {
    return [...this.#held.keys()].filter((w) => this.tokenFor(w) !== undefined);
  }
}
