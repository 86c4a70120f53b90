/**
 * The union-cover term of the clairvoyant lower bound: what a policy must pay for
 * the times at which at least one node is ready, and for the cold starts between
 * them, when it serves every request within the latency target. Slots are taken as
 * unlimited (work over slots is the other term), so this is the term that binds on
 * sparse traffic, where a node sits mostly idle and the question is when to have one.
 */
// Rule: lower-bound.ts; the "warm or cold" trade is the ski-rental one (Lin et al., INFOCOM 2011), solved offline here.
//
// Let U be the set of times at which some node is ready. Each stretch of U (a "run")
// starts with some node's cold start, c long, outside U: every policy pays at least
// |U| plus min(gap, c) per gap between runs. A gap under c costs what keeping a node
// through it would, so runs are taken at least c apart, each gap costing c. Request i
// (arrival a_i, service s_i, target L) is served when some run holds [t, t + s_i]
// inside [a_i, a_i + L]: it must start by its latest start ls_i = a_i + L − s_i.
//
// Properties of a cheapest U used below (each one moves or merges runs without
// raising the cost or serving fewer requests):
// - a run starts at the least latest start among the requests not yet served;
// - it serves every request it can: one that arrived before the run (a "gap
//   arrival") at run start + s_i, one that arrives during it at a_i + s_i;
// - it ends when one of those requests completes.
// So a run is fixed by its start and by which completion it ends at, and the next
// run starts at the least latest start among what is left. Dynamic programming over
// that, with relaxations that can only lower the value (so it stays a bound):
// - of the requests a run leaves pending, the next run owes only the one of least
//   latest start (which fixes its start); the others keep only their latest start;
// - once a run has outlasted its gap arrivals, what it still owes is read from the
//   arrivals alone (any request still running past that time is pending), which
//   makes the continuation one shared value per completion time;
// - a run that ends where its longest gap arrival completes sees as pending only
//   what arrived during it.
// No run can end while a request is pending whose latest start is less than a cold
// start away, so a run whose longest gap arrival is such goes at least that far and
// its ends before are not searched. O(n log n) plus, per run start, the requests
// that arrive within about one target of it; traffic dense enough to make that
// costly is where work over slots binds, and callers skip this term (see `budget`).
import { EventHeap } from '../heap.js';
import { firstAfter, firstAtOrAfter } from '../sorted.js';

/** One stretch of requests the term is computed over. */
export interface CoverInput {
  /** Arrivals (ms, ascending) of requests whose service fits the target. */
  arrivalMs: Float64Array;
  /** Their service times (ms). */
  serviceMs: Float64Array;
  /** Queue wait plus service allowed per request (ms). */
  latencyTargetMs: number;
  /** From lease request to a node taking work (ms). */
  coldStartMs: number;
  /**
   * The stretch starts at the time origin, where nodes may already be warm: no cold
   * start is owed before it. Otherwise the stretch follows at least a cold start of
   * time with no request, and its first run pays a whole cold start.
   */
  atOrigin: boolean;
  /** Heap steps allowed; past them the term is abandoned (undefined). */
  budget: number;
}

// Pending-state chains deeper than this are cut (their value taken as 0: lower, so still a bound).
const MAX_DEPTH = 64;

/** What {@link unionCoverMs} found, and what it spent. */
export interface CoverResult {
  /** The term in node-ms, or undefined when it did not fit the budget. */
  ms: number | undefined;
  /** Steps spent (at most a little over the budget). */
  steps: number;
}

/** The union-cover term of one stretch. */
export function unionCoverMs(input: CoverInput): CoverResult {
  const { arrivalMs: A, serviceMs: S, latencyTargetMs: L, coldStartMs: c } = input;
  const m = A.length;
  if (m === 0) return { ms: 0, steps: 0 };
  const latest = new Float64Array(m);
  for (let i = 0; i < m; i++) latest[i] = A[i]! + L - S[i]!;
  // Least latest start from each request on: where the next run must start.
  const latestFrom = new Float64Array(m + 1).fill(Infinity);
  for (let i = m - 1; i >= 0; i--) latestFrom[i] = Math.min(latest[i]!, latestFrom[i + 1]!);

  const ends = completions(A, S, latest);
  const longestOf = new RangeArgMax(S);
  const K = ends.at.length;
  const startValue = new Float64Array(m + 1); // a run starting at latestFrom[q], owing requests q..
  const goOn = new Float64Array(K + 1).fill(Infinity); // on at ends.at[k], having outlasted its gap arrivals
  const pendingStates = new Map<number, number>(); // q·m + due request -> value
  const heaps: EventHeap[] = [];
  const doneBy = new Int32Array(m);
  let calls = 0;
  let steps = 0;

  /**
   * Cost after a run ending at `y`, with request `due` the pending one of least latest
   * start (-1: none) and requests q.. not arrived: a cold start and the next run's
   * value, or 0 when nothing is left.
   */
  const endAt = (y: number, due: number, q: number, depth: number): number => {
    const pendingLatest = due < 0 ? Infinity : latest[due]!;
    const next = Math.min(pendingLatest, latestFrom[q]!);
    if (next === Infinity) return 0;
    if (next < y + c) return Infinity; // a shorter gap is a longer run, considered on its own
    if (pendingLatest >= latestFrom[q]!) return c + startValue[q]!;
    if (depth >= MAX_DEPTH) return c;
    // The pending request fixes the next run's start, and that run must serve it.
    const key = q * m + due;
    let v = pendingStates.get(key);
    if (v === undefined) pendingStates.set(key, (v = run(next, q, depth + 1, due)));
    return c + v;
  };

  /** Continue a run that is on at `y` and owes nothing to gap arrivals: on to the next completion. */
  const onwardFrom = (y: number): number => {
    const k = firstAfter(ends.at, y);
    return k < K ? ends.at[k]! - y + goOn[k]! : 0;
  };

  /**
   * A run starting at `x` that lasts until its longest gap arrival completes (the
   * arrivals from r on came during it): it may end there or go on.
   */
  const throughGap = (x: number, r: number, longest: number, depth: number): number => {
    const y = x + S[longest]!;
    // Pending at y: what arrived during the run and is still running.
    let due = -1;
    let i = r;
    for (; i < m && A[i]! < y; i++) {
      if (A[i]! + S[i]! > y && (due < 0 || latest[i]! < latest[due]!)) due = i;
    }
    steps += 1 + i - r;
    return y - x + Math.min(endAt(y, due, i, depth), onwardFrom(y));
  };

  /** Cheapest cost of a run starting at `x` (and all after it), owing requests p.. and `due` (if >= 0). */
  const run = (x: number, p: number, depth: number, due = -1): number => {
    if (p >= m && due < 0) return 0;
    const r = Math.max(p, firstAtOrAfter(A, x));
    let longest = r > p ? longestOf.argMax(p, r) : -1;
    if (due >= 0 && (longest < 0 || S[due]! > S[longest]!)) longest = due;
    if (longest < 0) return onwardFrom(x);
    // The longest gap arrival is pending until x + its service: no run can end before
    // then, once its latest start leaves less than a cold start of gap.
    const until = latest[longest]! - c;
    if (until < x) return throughGap(x, r, longest, depth);
    const id = ++calls;
    while (heaps.length < 2 * (depth + 1)) heaps.push(new EventHeap(64));
    const byEnd = heaps[2 * depth]!;
    const byLatest = heaps[2 * depth + 1]!;
    byEnd.clear();
    byLatest.clear();
    if (due >= 0) {
      byEnd.push(x + S[due]!, due, 0);
      byLatest.push(latest[due]!, due, 0);
    }
    for (let i = p; i < r; i++) {
      byEnd.push(x + S[i]!, i, 0);
      byLatest.push(latest[i]!, i, 0);
    }
    steps += r - p;
    let q = r;
    let best = Infinity;
    for (;;) {
      while (q < m && A[q]! < byEnd.peekTime()) {
        byEnd.push(A[q]! + S[q]!, q, 0);
        byLatest.push(latest[q]!, q, 0);
        q++;
        steps++;
      }
      const y = byEnd.peekTime();
      if (y - x >= best) break;
      if (y > until) return Math.min(best, throughGap(x, r, longest, depth));
      while (byEnd.size > 0 && byEnd.peekTime() === y) {
        doneBy[byEnd.peekRequest()] = id;
        byEnd.pop();
        steps++;
      }
      while (byLatest.size > 0 && doneBy[byLatest.peekRequest()] === id) byLatest.pop();
      best = Math.min(best, y - x + endAt(y, byLatest.size > 0 ? byLatest.peekRequest() : -1, q, depth));
      if (doneBy[longest] === id) {
        best = Math.min(best, y - x + onwardFrom(y)); // every gap arrival is done: go on
        break;
      }
    }
    return best;
  };

  // Values depend only on later times: fill them from the end.
  let k = K - 1;
  const fillOnward = (from: number): void => {
    for (; k >= 0 && ends.at[k]! >= from; k--) {
      const stop = endAt(ends.at[k]!, ends.due[k]!, ends.next[k]!, 0);
      goOn[k] = Math.min(stop, k + 1 < K ? ends.at[k + 1]! - ends.at[k]! + goOn[k + 1]! : Infinity);
    }
  };
  for (let q = m - 1; q >= 0; q--) {
    fillOnward(latestFrom[q]!);
    startValue[q] = run(latestFrom[q]!, q, 0);
    if (steps > input.budget) return { ms: undefined, steps };
  }
  fillOnward(-Infinity);
  const first = latestFrom[0]!;
  if (!input.atOrigin) return { ms: c + startValue[0]!, steps };
  // From the origin a node may be warm: a run from time 0 owes no cold start.
  const fromOrigin = run(0, 0, 0);
  return { ms: Math.min(fromOrigin, Math.min(first, c) + startValue[0]!), steps };
}

/**
 * Distinct completion times a_i + s_i, ascending, each with the request of least
 * latest start among those still running then (arrived before, not complete; -1:
 * none) and the first request not yet arrived.
 */
function completions(A: Float64Array, S: Float64Array, latest: Float64Array): { at: Float64Array; due: Int32Array; next: Int32Array } {
  const m = A.length;
  const sorted = new Float64Array(m);
  for (let i = 0; i < m; i++) sorted[i] = A[i]! + S[i]!;
  sorted.sort();
  let K = 0;
  for (let i = 0; i < m; i++) if (K === 0 || sorted[K - 1] !== sorted[i]) sorted[K++] = sorted[i]!;
  const at = sorted.slice(0, K);
  const due = new Int32Array(K);
  const next = new Int32Array(K);
  const running = new EventHeap(64); // by latest start; finished ones dropped when they surface
  let q = 0;
  for (let k = 0; k < K; k++) {
    const y = at[k]!;
    for (; q < m && A[q]! < y; q++) running.push(latest[q]!, q, 0);
    while (running.size > 0 && A[running.peekRequest()]! + S[running.peekRequest()]! <= y) running.pop();
    due[k] = running.size > 0 ? running.peekRequest() : -1;
    next[k] = q;
  }
  return { at, due, next };
}

/** Index of the largest value over a range, in O(log n): a segment tree of indices. */
class RangeArgMax {
  private readonly tree: Int32Array;
  private readonly size: number;

  constructor(private readonly values: Float64Array) {
    let size = 1;
    while (size < values.length) size <<= 1;
    this.size = size;
    this.tree = new Int32Array(2 * size).fill(-1);
    for (let i = 0; i < values.length; i++) this.tree[size + i] = i;
    for (let i = size - 1; i >= 1; i--) this.tree[i] = this.better(this.tree[2 * i]!, this.tree[2 * i + 1]!);
  }

  /** The index in [from, to) of the largest value (the first of equals), or -1 for an empty range. */
  argMax(from: number, to: number): number {
    let best = -1;
    for (let lo = from + this.size, hi = to + this.size; lo < hi; lo >>= 1, hi >>= 1) {
      if (lo & 1) best = this.better(best, this.tree[lo++]!);
      if (hi & 1) best = this.better(best, this.tree[--hi]!);
    }
    return best;
  }

  private better(i: number, j: number): number {
    if (i < 0) return j;
    if (j < 0) return i;
    const vi = this.values[i]!;
    const vj = this.values[j]!;
    return vj > vi || (vj === vi && j < i) ? j : i;
  }
}
