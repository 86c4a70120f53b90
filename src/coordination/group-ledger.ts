/**
 * One budget for a group of replicas: the ledger lives in Redis and changes only
 * through the scripts of ledger-scripts.ts. This class is the replica's side of it.
 * It keeps the last state read from Redis (refreshed once a tick by {@link read}) so
 * that the planner, `metrics()` and the budget events read it without a round-trip,
 * and it answers `reserve()` at once from that state; the Redis script then decides
 * for the group, atomically, and {@link GroupLedger.confirm} tells the lease manager
 * whether it may request the lease. Facts (created, cost, ended) that fail to reach
 * Redis are kept and sent again once it answers.
 */
import { billedSeconds, leaseCost } from '../budget/cost.js';
import type { BudgetCaps, BudgetSnapshot, LeaseReport, Ledger, ReserveResult, ThresholdCrossing } from '../budget/ledger.js';
import { levelStates, type LevelState } from '../budget/thresholds.js';
import type { BudgetView } from '../controller/observation.js';
import type { ComputeError } from '../errors.js';
import type { Offer } from '../market/protocol.js';
import type { GroupKeys } from './keys.js';
import { ACTIVATE, CANCEL, CROSS, END, OBSERVE_COST, READ, REBUILD, RESERVE } from './ledger-scripts.js';
import { entryCommitted, groupSnapshot, groupUsage, groupView, parseEntry, type LedgerEntry } from './group-budget.js';
import type { LedgerRecord } from './ledger-record.js';
import type { RedisConnection } from './redis.js';

const SLACK = 1e-9;

/** Collaborators of a {@link GroupLedger}. */
export interface GroupLedgerDeps {
  redis: RedisConnection;
  keys: GroupKeys;
  replicaId: string;
  /** The fencing token of this replica's leadership of `workload`, if it leads it. */
  tokenFor(workload: string): string | undefined;
  warn(error: ComputeError, during: string): void;
  /**
   * How long a live lease can bill with no leader to release it, ms (two TTLs): each
   * live lease is committed that far ahead, and a new one must fit with that much of
   * its own cost, so that `total` holds when a leader dies. Default 0.
   */
  failoverMs?: number;
}

/** Why the group refused a reservation (the script's answer). */
export type GroupRefusal = 'fenced' | 'unborn' | 'maxPerHour:global' | 'maxPerHour:workload' | 'total:global' | 'total:workload' | 'unavailable';

/** The Redis-backed ledger of a replica group. */
export class GroupLedger implements Ledger {
  #entries = new Map<string, LedgerEntry>();
  #spent = new Map<string, number>();
  readonly #global: BudgetCaps;
  readonly #workloadCaps = new Map<string, BudgetCaps>();
  readonly #pending = new Map<string, Promise<boolean>>();
  /** Keys reserved here whose Redis answer has not come yet (kept across a read). */
  readonly #local = new Map<string, LedgerEntry>();
  /** Facts Redis did not take yet, in order. */
  #unsent: Array<() => Promise<unknown>> = [];
  /** Budget levels that fired for the group, as last read (or claimed) from Redis. */
  #fired = new Set<string>();
  /** Crossings this replica claimed in Redis and has not reported yet. */
  #claimed: ThresholdCrossing[] = [];
  /** The last refusal per lease key (tests and warnings read it). */
  readonly refusals = new Map<string, GroupRefusal>();

  constructor(
    global: BudgetCaps,
    private readonly deps: GroupLedgerDeps,
  ) {
    this.#global = { ...global };
  }

  get #failoverMs(): number {
    return this.deps.failoverMs ?? 0;
  }

  setWorkloadCaps(workload: string, caps: BudgetCaps): void {
    this.#workloadCaps.set(workload, { ...caps });
  }

  /**
   * Refresh from Redis: first send the facts that failed earlier, then read the group's
   * entries and spend. Resolves with whether the ledger is there (`born`); rejects when
   * Redis cannot be reached (the last state stays in use).
   */
  async read(): Promise<{ born: boolean }> {
    await this.flush();
    const { keys, redis } = this.deps;
    const [flat, spentFlat, born, fired] = await redis.eval<[string[], string[], number, string[]]>(READ, [keys.leases, keys.spent, keys.born, keys.fired], [keys.prefix]);
    // Redis lost the group's ledger (restarted empty): what this replica knew, fired
    // levels included, stays in use and is what the rebuild starts from.
    if (born !== 1) return { born: false };
    const entries = new Map<string, LedgerEntry>();
    for (let n = 0; n + 1 < flat.length; n += 2) {
      const entry = parseEntry(flat[n + 1]!);
      if (entry) entries.set(flat[n]!, entry);
    }
    for (const [key, entry] of this.#local) if (!entries.has(key)) entries.set(key, entry);
    const spent = new Map<string, number>();
    for (let n = 0; n + 1 < spentFlat.length; n += 2) {
      const v = Number(spentFlat[n + 1]);
      if (Number.isFinite(v)) spent.set(spentFlat[n]!, v);
    }
    this.#entries = entries;
    this.#spent = spent;
    this.#fired = new Set(fired);
    return { born: true };
  }

  /** Send again the facts Redis did not take. Rejects (keeping the rest) at the first failure. */
  async flush(): Promise<void> {
    while (this.#unsent.length > 0) {
      await this.#unsent[0]!();
      this.#unsent.shift();
    }
  }

  reserve(workload: string, leaseKey: string, offer: Offer, now: number): ReserveResult {
    if (this.#entries.has(leaseKey)) return { ok: true };
    // At least what the lease would owe if its leader died as it was created.
    const minimum = leaseCost(offer.pricePerHour, billedSeconds(this.#failoverMs / 1000, offer.billingIncrementSec, offer.minLeaseSec));
    const token = this.deps.tokenFor(workload);
    // Not the leader (or not any more): this replica rents nothing.
    if (token === undefined || !this.deps.redis.up) return { ok: false, reason: 'total', cap: 'global' };
    const precheck = this.#check(workload, offer, minimum, now);
    if (!precheck.ok) return precheck;
    const entry: LedgerEntry = {
      w: workload,
      p: offer.pricePerHour,
      r: now,
      i: offer.billingIncrementSec,
      m: offer.minLeaseSec,
      c: 0,
      s: 'r',
      rep: this.deps.replicaId,
      id: '',
    };
    this.#entries.set(leaseKey, entry);
    this.#local.set(leaseKey, entry);
    const caps = { g: this.#global, w: this.#workloadCaps.get(workload) ?? {} };
    const { keys, redis } = this.deps;
    const answer = redis
      .eval<[number, string]>(RESERVE, [keys.leases, keys.spent, keys.leader(workload), keys.born], [token, leaseKey, JSON.stringify(entry), now, JSON.stringify(caps), keys.prefix, this.#failoverMs])
      .then(
        ([ok, why]) => {
          if (ok !== 1) {
            this.refusals.set(leaseKey, why as GroupRefusal);
            return false;
          }
          // Redis said yes to our token; if we were paused or stalled on the way back, another
          // replica may lead by the time the request would reach the marketplace: give it up.
          if (this.deps.tokenFor(workload) !== token) {
            this.refusals.set(leaseKey, 'fenced');
            this.#fact(() => this.deps.redis.eval(CANCEL, [this.deps.keys.leases], [leaseKey]), 'freeing a reservation made by a lapsed leadership');
            return false;
          }
          return true;
        },
        (error: ComputeError) => {
          this.refusals.set(leaseKey, 'unavailable');
          this.deps.warn(error, 'reserving budget for a lease in the group ledger');
          return false;
        },
      )
      .then((ok) => {
        this.#local.delete(leaseKey);
        this.#pending.delete(leaseKey);
        if (!ok) this.#entries.delete(leaseKey);
        return ok;
      });
    this.#pending.set(leaseKey, answer);
    return { ok: true };
  }

  confirm(leaseKey: string): Promise<boolean> {
    return this.#pending.get(leaseKey) ?? Promise.resolve(this.#entries.has(leaseKey));
  }

  activate(leaseKey: string, leaseId?: string): boolean {
    const entry = this.#entries.get(leaseKey);
    if (entry === undefined) return false;
    entry.s = 'a';
    if (leaseId !== undefined) entry.id = leaseId;
    const json = JSON.stringify(entry);
    this.#fact(() => this.deps.redis.eval(ACTIVATE, [this.deps.keys.leases], [leaseKey, entry.id, json]), 'recording a created lease');
    return true;
  }

  /**
   * Record a lease this replica found at the marketplace (adopted after a failover or
   * rebuilt after Redis lost the ledger), as created.
   */
  adoptEntry(leaseKey: string, entry: LedgerEntry): void {
    const created = { ...entry, s: 'a' as const };
    this.#entries.set(leaseKey, created);
    this.#fact(() => this.deps.redis.eval(ACTIVATE, [this.deps.keys.leases], [leaseKey, created.id, JSON.stringify(created)]), 'recording an adopted lease');
  }

  adopt(workload: string, leaseKey: string, offer: Offer, requestedAt: number, leaseId: string): void {
    if (this.#entries.has(leaseKey)) return;
    this.adoptEntry(leaseKey, {
      w: workload,
      p: offer.pricePerHour,
      r: requestedAt,
      i: offer.billingIncrementSec,
      m: offer.minLeaseSec,
      c: 0,
      s: 'a',
      rep: this.deps.replicaId,
      id: leaseId,
    });
  }

  observe(leaseKey: string, report: LeaseReport): void {
    const entry = this.#entries.get(leaseKey);
    if (entry === undefined) return;
    // Coarser terms or a higher price raise what the lease counts; the cost carries them to the group.
    if (report.pricePerHour !== undefined && report.pricePerHour > entry.p) entry.p = report.pricePerHour;
    if (report.billingIncrementSec !== undefined && report.billingIncrementSec > entry.i) entry.i = report.billingIncrementSec;
    if (report.minLeaseSec !== undefined && report.minLeaseSec > entry.m) entry.m = report.minLeaseSec;
    this.observeServerCost(leaseKey, Math.max(report.cost ?? 0, leaseCost(entry.p, report.billedSec ?? 0)));
  }

  cancel(leaseKey: string): boolean {
    const had = this.#entries.delete(leaseKey);
    this.#local.delete(leaseKey);
    this.#fact(() => this.deps.redis.eval(CANCEL, [this.deps.keys.leases], [leaseKey]), 'freeing a reservation');
    return had;
  }

  observeServerCost(leaseKey: string, cost: number): void {
    const entry = this.#entries.get(leaseKey);
    if (entry === undefined || !(cost > entry.c)) return;
    entry.c = cost;
    this.#fact(() => this.deps.redis.eval(OBSERVE_COST, [this.deps.keys.leases], [leaseKey, cost]), 'recording a lease cost');
  }

  end(leaseKey: string, now: number, serverCost?: number): number {
    const entry = this.#entries.get(leaseKey);
    const cost = Math.max(entry ? entryCommitted(entry, now) : 0, serverCost ?? 0);
    const workload = entry?.w ?? leaseKey.split('#')[0] ?? '';
    this.#entries.delete(leaseKey);
    this.#local.delete(leaseKey);
    this.#spent.set(workload, (this.#spent.get(workload) ?? 0) + cost);
    this.#fact(() => this.deps.redis.eval(END, [this.deps.keys.leases, this.deps.keys.spent], [leaseKey, now, cost, workload]), 'recording an ended lease');
    return cost;
  }

  has(leaseKey: string): boolean {
    return this.#entries.has(leaseKey);
  }

  /** Entries as last read (lease key -> entry). */
  entries(): ReadonlyMap<string, LedgerEntry> {
    return this.#entries;
  }

  snapshot(now: number): BudgetSnapshot {
    return groupSnapshot([...this.#entries.values()], this.#spent, this.#global, this.#workloadCaps, now, this.#failoverMs);
  }

  view(now: number): BudgetView {
    return groupView([...this.#entries.values()], this.#spent, this.#global, this.#workloadCaps, now, this.#failoverMs);
  }

  /** Crossings claimed for the group by {@link claimThresholds} and not reported yet (then forgotten). */
  thresholdsCrossed(): ThresholdCrossing[] {
    return this.#claimed.splice(0);
  }

  /** Whether {@link thresholdsCrossed} has something to report. */
  get pendingCrossings(): number {
    return this.#claimed.length;
  }

  /**
   * Budget levels reached since they last fired for the group: claimed in Redis, under
   * the reporting leader's token, by a script that records each one once (a level that
   * fired under an earlier leader does not fire again); the claimed ones are then
   * reported by {@link thresholdsCrossed}. A round-trip only when a level moved.
   * Rejects when Redis cannot be reached (nothing claimed; tried again next tick).
   */
  async claimThresholds(workload: string, token: string, now: number): Promise<void> {
    const entries = [...this.#entries.values()];
    const scopes: Array<[string | undefined, BudgetCaps]> = [[undefined, this.#global]];
    for (const [name, caps] of this.#workloadCaps) scopes.push([name, caps]);
    const levels = new Map<string, LevelState>();
    // On what is committed now, without the failover window: that falls back when a lease ends, and a level must not fire twice for one spend.
    for (const [scope, caps] of scopes) for (const level of levelStates(scope, caps, groupUsage(entries, this.#spent, scope, now))) levels.set(level.key, level);
    const reached = [...levels.values()].filter((l) => l.reached && !this.#fired.has(l.key)).map((l) => l.key);
    const rearm = [...levels.values()].filter((l) => l.rearm && this.#fired.has(l.key)).map((l) => l.key);
    if (reached.length === 0 && rearm.length === 0) return;
    const { keys, redis } = this.deps;
    const fired = await redis.eval<string[]>(CROSS, [keys.fired, keys.leader(workload)], [token, JSON.stringify({ reached, rearm })]);
    for (const key of rearm) this.#fired.delete(key);
    for (const key of fired) {
      this.#fired.add(key);
      const level = levels.get(key);
      if (level) this.#claimed.push(level.crossing);
    }
  }

  /** What this replica knows of the group's ledger (last read, plus its own facts since): rebuilds start from it. */
  knowledge(): { entries: ReadonlyMap<string, LedgerEntry>; spent: ReadonlyMap<string, number>; fired: ReadonlySet<string> } {
    return { entries: this.#entries, spent: this.#spent, fired: this.#fired };
  }

  /**
   * Write a ledger rebuilt from the marketplace and this replica's knowledge (Redis lost
   * the group's state, or the group is new). Entries, fired levels and `born` are
   * written unless another replica did it first; `spent` is merged either way (raised,
   * never lowered). Resolves with whether this call wrote the ledger.
   */
  async rebuild(entries: Record<string, LedgerEntry>, spent: Record<string, number>, born: LedgerRecord): Promise<boolean> {
    const { keys, redis } = this.deps;
    const wrote = await redis.eval<number>(
      REBUILD,
      [keys.leases, keys.spent, keys.born, keys.fired],
      [JSON.stringify(entries), JSON.stringify(spent), JSON.stringify([...this.#fired]), JSON.stringify(born)],
    );
    // What was written counts here at once (metrics, the next plan), before the next read.
    // Entries known here and not rebuilt ended since (their accrual is in `spent` now).
    if (wrote === 1) this.#entries = new Map([...Object.entries(entries), ...this.#local]);
    for (const [w, v] of Object.entries(spent)) if (v > (this.#spent.get(w) ?? 0)) this.#spent.set(w, v);
    return wrote === 1;
  }

  #check(workload: string, offer: Offer, minimum: number, now: number): ReserveResult {
    const entries = [...this.#entries.values()];
    const scopes: Array<['global' | 'workload', BudgetCaps, string | undefined]> = [
      ['global', this.#global, undefined],
      ['workload', this.#workloadCaps.get(workload) ?? {}, workload],
    ];
    const usage = scopes.map(([, , scope]) => groupUsage(entries, this.#spent, scope, now, this.#failoverMs));
    for (const [i, [cap, caps]] of scopes.entries()) {
      if (caps.maxPerHour !== undefined && usage[i]!.hourlyRate + offer.pricePerHour > caps.maxPerHour + SLACK) return { ok: false, reason: 'maxPerHour', cap };
    }
    for (const [i, [cap, caps]] of scopes.entries()) {
      if (caps.total !== undefined && usage[i]!.committed + minimum > caps.total + SLACK) return { ok: false, reason: 'total', cap };
    }
    return { ok: true };
  }

  /** Send a fact now; if Redis does not take it, keep it (in order) for the next read. */
  #fact(send: () => Promise<unknown>, during: string): void {
    if (this.#unsent.length > 0) {
      this.#unsent.push(send);
      return;
    }
    send().catch((error: ComputeError) => {
      this.#unsent.push(send);
      this.deps.warn(error, `${during} in the group ledger (kept, sent again when Redis answers)`);
    });
  }
}
