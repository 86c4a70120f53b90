/**
 * The planner's budget guard: budget wins over latency, always. Pure, over a
 * private running copy of the {@link BudgetView} that the planner updates as it
 * adds leases, so that workloads planned later in the same tick see what earlier
 * ones took.
 *
 * Look-ahead: a lease entering its next billing increment commits a whole
 * increment at once. `lookahead` is how much committed spend grows within the
 * horizon (two ticks) if every live lease is kept; the guard releases leases now
 * rather than let that growth pass `total`, and a new lease must fit with its own
 * cost through its cold start and the horizon after it, so that it is not released
 * before it has served.
 */
import { committedAt, committedCost, costOverHorizon, minimumLeaseCost } from '../budget/cost.js';
import type { Offer } from '../market/protocol.js';
import { formatAmount } from '../util/money.js';
import type { BudgetView, NodeView, Observation } from './observation.js';

/** Usage and caps of one scope, updated as the planner decides. */
export interface ScopeBudget {
  maxPerHour: number | undefined;
  total: number | undefined;
  hourlyRate: number;
  committed: number;
  /** Growth of committed spend within the horizon if live leases are kept. */
  lookahead: number;
}

/** The running budget of one tick. */
export interface RunningBudget {
  global: ScopeBudget;
  workloads: Map<string, ScopeBudget>;
  /** A new lease counts at least this much of its time, ms ({@link BudgetView.newLeaseMinSec}). */
  newLeaseMinMs: number;
}

/** Why the budget refused a lease. */
export interface Refusal {
  cap: 'maxPerHour' | 'total';
  scope: 'global' | 'workload';
  limit: number;
}

/** Leases the budget forces out of one workload this tick. */
export interface ForcedRelease {
  ids: Set<string>;
  /** The cap that forced the last of them out (rendered by reason-text.ts). */
  cause: Refusal;
}

// Float sums of exact prices must still fit a cap they meet exactly.
const SLACK = 1e-9;

const growth = (node: NodeView, now: number, horizonMs: number): number =>
  committedAt(node, now + horizonMs) - committedCost(node, now);

/** A running copy of `view`, with the look-ahead of every node in `observation`. */
export function runningBudget(view: BudgetView, observation: Observation, horizonMs: number): RunningBudget {
  const scope = (caps: { maxPerHour?: number | undefined; total?: number | undefined }, rate: number, committed: number): ScopeBudget => ({
    maxPerHour: caps.maxPerHour,
    total: caps.total,
    hourlyRate: rate,
    committed,
    lookahead: 0,
  });
  const budget: RunningBudget = { global: scope(view, view.hourlyRate, view.committed), workloads: new Map(), newLeaseMinMs: (view.newLeaseMinSec ?? 0) * 1000 };
  for (const [name, w] of Object.entries(view.workloads)) budget.workloads.set(name, scope(w, w.hourlyRate, w.committed));
  for (const w of observation.workloads) {
    const own = workloadBudget(budget, w.name);
    for (const node of w.nodes) {
      const g = growth(node, observation.now, horizonMs);
      own.lookahead += g;
      budget.global.lookahead += g;
    }
  }
  return budget;
}

/** The workload's scope, created without caps when the view did not list it. */
export function workloadBudget(budget: RunningBudget, name: string): ScopeBudget {
  let scope = budget.workloads.get(name);
  if (scope === undefined) {
    scope = { maxPerHour: undefined, total: undefined, hourlyRate: 0, committed: 0, lookahead: 0 };
    budget.workloads.set(name, scope);
  }
  return scope;
}

/**
 * Leases to release now so that no cap is crossed: the hourly rate above
 * `maxPerHour` (nodes leaving anyway go first, then those not serving yet, then the
 * dearest), and committed spend projected over the horizon above `total` (the lease
 * whose next increment costs most goes first). Workload caps first, then global.
 */
export function enforceCaps(observation: Observation, budget: RunningBudget, horizonMs: number): Map<string, ForcedRelease> {
  const forced = new Map<string, ForcedRelease>();
  // No cap anywhere: nothing can be crossed (the common case, and this runs every tick).
  let capped = budget.global.maxPerHour !== undefined || budget.global.total !== undefined;
  for (const scope of budget.workloads.values()) capped ||= scope.maxPerHour !== undefined || scope.total !== undefined;
  if (!capped) return forced;
  const entries = observation.workloads.flatMap((w) => w.nodes.map((node) => ({ workload: w.name, node, growth: growth(node, observation.now, horizonMs) })));
  type Entry = (typeof entries)[number];
  const released = new Set<Entry>();
  const release = (entry: Entry, cause: Refusal): void => {
    released.add(entry);
    for (const scope of [budget.global, workloadBudget(budget, entry.workload)]) {
      scope.hourlyRate -= entry.node.pricePerHour;
      scope.lookahead -= entry.growth;
    }
    const record = forced.get(entry.workload) ?? { ids: new Set<string>(), cause };
    record.ids.add(entry.node.id);
    record.cause = cause;
    forced.set(entry.workload, record);
  };
  const shed = (scope: ScopeBudget, pool: Entry[], name: Refusal['scope']): void => {
    if (scope.maxPerHour !== undefined && scope.hourlyRate > scope.maxPerHour + SLACK) {
      for (const entry of [...pool].sort(byRateRelief)) {
        if (scope.hourlyRate <= scope.maxPerHour + SLACK) break;
        if (!released.has(entry)) release(entry, { cap: 'maxPerHour', scope: name, limit: scope.maxPerHour });
      }
    }
    if (scope.total !== undefined && scope.committed + scope.lookahead > scope.total + SLACK) {
      for (const entry of [...pool].filter((e) => e.growth > 0).sort(byGrowth)) {
        if (scope.committed + scope.lookahead <= scope.total + SLACK) break;
        if (!released.has(entry)) release(entry, { cap: 'total', scope: name, limit: scope.total });
      }
    }
  };
  for (const w of observation.workloads) shed(workloadBudget(budget, w.name), entries.filter((e) => e.workload === w.name), 'workload');
  shed(budget.global, entries, 'global');
  return forced;
}

const STATE_ORDER = { draining: 0, requested: 1, provisioning: 1, ready: 2 } as const;

function byRateRelief(a: { node: NodeView }, b: { node: NodeView }): number {
  return STATE_ORDER[a.node.state] - STATE_ORDER[b.node.state] || b.node.pricePerHour - a.node.pricePerHour || cmp(a.node.id, b.node.id);
}

function byGrowth(a: { node: NodeView; growth: number }, b: { node: NodeView; growth: number }): number {
  return b.growth - a.growth || STATE_ORDER[a.node.state] - STATE_ORDER[b.node.state] || cmp(a.node.id, b.node.id);
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * What a new lease must be able to pay before it is worth renting: its cold start,
 * then the horizon once it serves. A lease the total cap would end during its cold
 * start costs money and runs nothing. Never less than the ledger asks of a new lease.
 */
function usefulLeaseCost(budget: RunningBudget, offer: Offer, horizonMs: number): number {
  return costOverHorizon(offer, Math.max(offer.coldStartSec * 1000 + horizonMs, budget.newLeaseMinMs));
}

/** Whether a new lease of `offer` fits every cap, globally and for the workload. */
export function canAfford(budget: RunningBudget, workload: string, offer: Offer, horizonMs: number): Refusal | undefined {
  const scopes: Array<[ScopeBudget, Refusal['scope']]> = [
    [budget.global, 'global'],
    [workloadBudget(budget, workload), 'workload'],
  ];
  for (const [scope, name] of scopes) {
    if (scope.maxPerHour !== undefined && scope.hourlyRate + offer.pricePerHour > scope.maxPerHour + SLACK) {
      return { cap: 'maxPerHour', scope: name, limit: scope.maxPerHour };
    }
  }
  const cost = usefulLeaseCost(budget, offer, horizonMs);
  for (const [scope, name] of scopes) {
    if (scope.total !== undefined && scope.committed + scope.lookahead + cost > scope.total + SLACK) {
      return { cap: 'total', scope: name, limit: scope.total };
    }
  }
  return undefined;
}

/** Count a lease the planner decided to request against the running budget. */
export function commitLease(budget: RunningBudget, workload: string, offer: Offer, horizonMs: number): void {
  const reserve = minimumLeaseCost(offer);
  const extra = usefulLeaseCost(budget, offer, horizonMs) - reserve;
  for (const scope of [budget.global, workloadBudget(budget, workload)]) {
    scope.hourlyRate += offer.pricePerHour;
    scope.committed += reserve;
    scope.lookahead += extra;
  }
}

/**
 * No eligible offer could ever be afforded under the total caps: committed spend
 * never goes down, so queued work cannot run. The test is the one {@link canAfford}
 * applies, without the look-ahead of leases that are about to end anyway.
 */
export function totalExhausted(budget: RunningBudget, workload: string, eligible: readonly Offer[], horizonMs: number): boolean {
  if (eligible.length === 0) return false;
  const scopes = [budget.global, workloadBudget(budget, workload)];
  if (scopes.every((s) => s.total === undefined)) return false;
  return eligible.every((offer) => {
    const cost = usefulLeaseCost(budget, offer, horizonMs);
    return scopes.some((s) => s.total !== undefined && s.committed + cost > s.total + SLACK);
  });
}

/** A budget amount for a reason line (util/money.ts: small amounts keep their significant digits). */
export function fmt(amount: number): string {
  return formatAmount(amount);
}
