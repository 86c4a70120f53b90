/**
 * The M/M/k tail: how many slots a stream needs so that at most a given share of its
 * tasks wait past their budget (Erlang C, with one budget per share of tasks). Pure.
 */

/** Guards against a zero or absurdly small service time dividing by zero, ms. */
export const MIN_SERVICE_MS = 1e-3;

/**
 * Share of tasks the M/M/k model lets wait past their budget unless told otherwise:
 * the miss budget of the default `sloTarget` (slo.ts). The planner passes the
 * workload's own (`1 - sloTarget`).
 */
export const MODEL_LATE_SHARE = 0.01;

/**
 * Fewest slots k at which at most `lateShare` of tasks (the miss budget) would wait
 * longer than they may, in an M/M/k queue with offered load `load` (Erlangs).
 * `waitBudgetsMs` is one budget for every task, or one per equal share of tasks
 * (what the target leaves after each share's service time): then the shares'
 * P(wait > budget) are averaged. A share with no budget left misses whatever k is
 * and is left out. Returns a value above `maxSlots` when even that many slots are
 * not enough (the caller clamps).
 */
export function slotsForLatency(load: number, waitBudgetsMs: number | readonly number[], serviceTimeMs: number, maxSlots: number, lateShare = MODEL_LATE_SHARE): number {
  if (load <= 0) return 0;
  const lowest = Math.floor(load) + 1;
  if (lowest > maxSlots) return lowest;
  const allowed = lateShare;
  const service = Math.max(serviceTimeMs, MIN_SERVICE_MS);
  // Budgets in service times; the ones that cannot be met are dropped.
  const budgets = (typeof waitBudgetsMs === 'number' ? [Math.max(0, waitBudgetsMs)] : waitBudgetsMs.filter((w) => w >= 0)).map((w) => w / service);
  if (budgets.length === 0) return lowest;
  // Each share's e^-(k-a)·w, kept as a running product over k (one exp per share, not per k).
  const late = budgets.map((w) => Math.exp(-(lowest - load) * w));
  const step = budgets.map((w) => Math.exp(-w));
  // Erlang B by its stable recursion, then Erlang C from it.
  let erlangB = 1;
  for (let k = 1; k <= maxSlots; k++) {
    erlangB = (load * erlangB) / (k + load * erlangB);
    if (k < lowest) continue;
    const erlangC = (k * erlangB) / (k - load * (1 - erlangB));
    let sum = 0;
    for (let j = 0; j < late.length; j++) {
      sum += late[j]!;
      late[j]! *= step[j]!;
    }
    if ((erlangC * sum) / budgets.length <= allowed) return k;
  }
  return maxSlots + 1;
}

/**
 * How much longer than M/M/k's the waits of a stream run, by the Allen–Cunneen
 * approximation for GI/G/k queues: the waits scale with `(ca² + cs²) / 2`, where `ca²`
 * is the squared coefficient of variation of the inter-arrival times and `cs²` that of
 * the service times (both 1 in M/M/k). `ca²` is read as the index of dispersion of the
 * per-second arrival counts (it tends to `ca²` for a renewal stream, and it also counts
 * bursts that outlast a second); `cs²` from the service-time spread (equal shares of
 * the recent service times). At least 1: a minute of counts that reads smoother than
 * Poisson is noise more often than regularity, and the Poisson tail stays the floor.
 * The planner divides the wait budgets it gives {@link slotsForLatency} by this, so
 * that a bursty stream keeps the headroom its bursts need.
 */
export function arrivalVariability(dispersion: number | undefined, serviceSpreadMs: readonly number[] | undefined): number {
  const ca2 = dispersion !== undefined && Number.isFinite(dispersion) && dispersion > 0 ? dispersion : 1;
  let cs2 = 1;
  if (serviceSpreadMs !== undefined && serviceSpreadMs.length > 1) {
    let sum = 0;
    for (const ms of serviceSpreadMs) sum += ms;
    const mean = sum / serviceSpreadMs.length;
    let squares = 0;
    for (const ms of serviceSpreadMs) squares += (ms - mean) ** 2;
    if (mean > 0) cs2 = squares / serviceSpreadMs.length / (mean * mean);
  }
  return Math.max(1, (ca2 + cs2) / 2);
}
