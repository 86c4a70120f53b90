/**
 * Cold-start look-ahead: a fluid projection of the queue over the next minutes,
 * used to find the fewest nodes that keep waits within budget. Pure arithmetic.
 *
 * Model. While tasks wait, every usable slot is busy, so the backlog B (tasks
 * beyond the busy slots) moves as B' = λ(t) − K(t)/S, never below zero, where
 * λ(t) = λ0 + g·(t − now) is the predicted arrival rate (g ≥ 0: a rising trend;
 * a burst seen on the short window adds to it for as long as it has been seen),
 * S the service time and K(t) the usable slots: ready nodes now, provisioning
 * nodes from their expected ready times, nodes asked for now from one cold start
 * on, each with `slotsPerNode` slots, minus `headroomSlots` held back for the
 * randomness the fluid model ignores (what M/M/k says the load needs beyond its
 * mean). A task arriving at t waits about B(t)·S/K(t). With λ non-decreasing, B
 * is convex between capacity changes, so its maximum over any window is at a
 * capacity change or at an end of the window: the projection is exact at O(nodes).
 */

/** The state a projection starts from. Times in ms, rates per ms. */
export interface ProjectionInput {
  now: number;
  /** Tasks waiting beyond the ready slots now. */
  backlog: number;
  /** Predicted arrivals per ms at `now` (the sustained rate). */
  rate: number;
  /** Extra arrivals per ms of a burst seen on the short window, assumed to last until `burstUntil`. */
  burst?: number;
  burstUntil?: number;
  /** Growth of the arrival rate, per ms² (0 or more). */
  slope: number;
  serviceMs: number;
  slotsPerNode: number;
  /** Slots kept free for randomness (M/M/k tail), subtracted from every fleet. */
  headroomSlots: number;
  /** Ready nodes that take work (not draining). */
  readyNodes: number;
  /** Expected ready times of provisioning nodes, ascending, each ≥ `now`. */
  provisioningAt: readonly number[];
  /** When a node asked for now takes work. */
  newNodeAt: number;
}

/**
 * What a task may wait at time t: `steadyMs`, except right after new capacity
 * arrives, when the backlog built up during the cold start may take `clearMs` to
 * clear (the allowance shrinks from `clearMs` at `clearFrom` to `steadyMs`).
 */
export interface WaitBudget {
  steadyMs: number;
  clearMs: number;
  clearFrom: number;
}

/**
 * The largest amount by which the wait of a task arriving in `[from, to]` would
 * exceed `budget` (negative: it stays within) if the workload held `nodes`
 * non-draining nodes: ready ones kept first, then provisioning ones in ready order
 * (the latest would be cancelled), then new ones at `newNodeAt`. With no budget,
 * the largest wait itself. Infinity when work would wait with no usable slot.
 */
export function maxWait(p: ProjectionInput, nodes: number, from: number, to: number, budget?: WaitBudget): number {
  const ready = Math.min(nodes, p.readyNodes);
  const coming = Math.min(Math.max(0, nodes - ready), p.provisioningAt.length);
  const extra = Math.max(0, nodes - ready - coming);
  const steady = budget?.steadyMs ?? 0;
  const clear = budget?.clearMs ?? 0;
  const clearFrom = budget?.clearFrom ?? Infinity;
  const kinkEnd = clearFrom + clear - steady;
  const allowed = (t: number): number => (budget === undefined ? 0 : Math.max(steady, clear - Math.max(0, t - clearFrom)));

  // Walk the boundaries (capacity changes, window ends, budget kinks) in time order,
  // without allocating: this runs a few dozen times a tick. Between two boundaries
  // the backlog is convex and the budget linear, so the worst is at one of them. The
  // wait is read after capacity arriving at that instant: it takes waiting tasks at once.
  const burstEnd = p.burst ? (p.burstUntil ?? p.now) : p.now;
  let t = p.now;
  let b = p.backlog;
  let next = 0; // provisioning nodes applied
  let extraDone = extra === 0;
  let nodesNow = ready;
  let k = usable(p, nodesNow);
  const settle = (): void => {
    let grown = nodesNow;
    while (next < coming && p.provisioningAt[next]! <= t) {
      grown++;
      next++;
    }
    if (!extraDone && p.newNodeAt <= t) {
      grown += extra;
      extraDone = true;
    }
    if (grown === nodesNow) return;
    const slots = usable(p, grown);
    b = Math.max(0, b - Math.max(0, slots - k));
    nodesNow = grown;
    k = slots;
  };
  settle();
  let worst = from <= t ? waitOf(b, k, p.serviceMs) - allowed(t) : -Infinity;
  while (t < to) {
    let at = to;
    if (next < coming && p.provisioningAt[next]! > t) at = Math.min(at, p.provisioningAt[next]!);
    if (!extraDone && p.newNodeAt > t) at = Math.min(at, p.newNodeAt);
    if (from > t) at = Math.min(at, from);
    if (clearFrom > t) at = Math.min(at, clearFrom);
    if (burstEnd > t) at = Math.min(at, burstEnd);
    if (kinkEnd > t) at = Math.min(at, kinkEnd);
    const burst = t < burstEnd ? (p.burst ?? 0) : 0;
    b = advance(b, p.rate + burst + p.slope * (t - p.now), p.slope, k / p.serviceMs, at - t);
    t = at;
    settle();
    if (t >= from) {
      worst = Math.max(worst, waitOf(b, k, p.serviceMs) - allowed(t));
      if (worst === Infinity) return worst;
    }
  }
  return worst === -Infinity ? 0 : worst;
}

/**
 * Whether `nodes` hold the queue at `t`: its wait is within `steadyMs`, or arrivals
 * no longer outrun the fleet (the backlog drains from there on). The allowance for
 * clearing a backlog after a cold start is for one that clears: a fleet under the
 * load meets it at every tick's window, while its queue only grows.
 */
function settles(p: ProjectionInput, nodes: number, t: number, steadyMs: number): boolean {
  if (maxWait(p, nodes, t, t) <= steadyMs) return true;
  const burst = t < (p.burstUntil ?? p.now) ? (p.burst ?? 0) : 0;
  return p.rate + burst + p.slope * (t - p.now) <= usable(p, nodes) / p.serviceMs;
}

function usable(p: ProjectionInput, nodes: number): number {
  return Math.max(0, nodes * p.slotsPerNode - p.headroomSlots);
}

function waitOf(backlog: number, slots: number, serviceMs: number): number {
  if (backlog <= 1e-9) return 0;
  return slots > 0 ? (backlog * serviceMs) / slots : Infinity;
}

/**
 * Backlog after `dt` ms from `b`, with B' = r + g·x − mu (x: ms into the step),
 * clamped at zero: the quadratic may dip below zero, stay there until B' turns
 * positive, and grow again.
 */
function advance(b: number, r: number, g: number, mu: number, dt: number): number {
  const alpha = r - mu;
  const plain = b + alpha * dt + (g * dt * dt) / 2;
  if (alpha >= 0) return Math.max(0, plain);
  if (g <= 0) return Math.max(0, plain);
  const x0 = Math.min(-alpha / g, dt);
  const lowest = b + alpha * x0 + (g * x0 * x0) / 2;
  if (lowest >= 0) return plain;
  const rise = dt - x0;
  return (g * rise * rise) / 2;
}

/**
 * The fewest nodes (from `floor` up to `cap`) whose projected waits stay within
 * `budget` over `[from, to]`, that leave the queue settled at `to` (see
 * {@link settles}), and that do not make waits before `from` worse than the
 * current fleet would (a drop takes effect at once, new capacity only after a
 * cold start). Starts the search at `guess`; returns `cap + 1` when even `cap`
 * nodes are not enough.
 */
export function fewestNodes(p: ProjectionInput, budget: WaitBudget, from: number, to: number, floor: number, cap: number, current: number, guess: number): number {
  const before = current > 0 ? maxWait(p, current, p.now, from) : Infinity;
  const fits = (n: number): boolean => {
    if (maxWait(p, n, from, to, budget) > 0) return false;
    if (to > budget.clearFrom && !settles(p, n, to, budget.steadyMs)) return false;
    if (n >= current) return true;
    return maxWait(p, n, p.now, from) <= Math.max(budget.steadyMs, before);
  };
  let n = Math.min(cap, Math.max(floor, guess));
  if (fits(n)) {
    while (n > floor && fits(n - 1)) n--;
    return n;
  }
  // Gallop up, then bisect: the wait only falls as nodes are added.
  let lo = n;
  let step = 1;
  let hi = n + 1;
  while (hi <= cap && !fits(hi)) {
    lo = hi;
    step *= 2;
    hi = n + step;
  }
  if (hi > cap) {
    if (!fits(cap)) return cap + 1;
    hi = cap;
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fits(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
