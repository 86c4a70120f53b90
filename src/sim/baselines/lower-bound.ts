/**
 * The clairvoyant lower bound: the least any policy must pay to finish every
 * request within the latency target, knowing every arrival in advance.
 */
// Rule: BASELINES.md "Clairvoyant lower bound": work per window over node capacity, plus per idle gap min(gap, cold start); a true lower bound (Lin et al., "Dynamic right-sizing", INFOCOM 2011, for the offline view).
//
// Request i must run for s_i inside its window [a_i, a_i + L]. Windows that overlap
// chain into components; windows of different components are disjoint, and so are
// the services in them. Per component [A, B] every policy pays, inside [A, B], for
// ready nodes and for cold starts at least max(W/C, M): W is the component's work
// and C the slots per node; M is the best "chain": requests whose windows are
// pairwise disjoint, so their services run one after the other on some ready node
// (s_i each), and between two consecutive ones (a gap g with no window of the
// chain) a policy either keeps a node ready or rents one again and pays its cold
// start c unready: min(g, c) each. A DP over the windows in arrival order finds
// the best chain in O(n). Between two components (and before the first, from time
// 0 where nodes may be warm) the same holds for the whole gap: min(g, c). Ready
// time in disjoint regions and distinct nodes' cold starts add up, so the sum is
// a lower bound on node-seconds; times the cheapest price, on cost. Billing
// increments and minimum leases only add to what a policy pays.
//
// Those terms count a chain's gaps but not the requests between its links, and on
// sparse traffic, where one node mostly idles, that is most of the cost. So a third
// term (union-cover.ts) prices the times some node must be ready, with slots taken
// as unlimited, and the cold starts between them. Components closer than a cold
// start group into stretches (no policy gains by keeping a node through a longer
// empty gap); per stretch the bound takes the larger of the stretch's component
// terms and its union-cover term, both lower bounds on what a policy pays in it.
//
// A request whose service alone exceeds L cannot meet the target under any policy;
// it is left out (no policy is asked to). The bound holds for every policy that
// meets the target on all other requests; a policy that misses some may pay less.

import { unionCoverMs } from './union-cover.js';

// Work allowed to the union-cover term, in steps per request of a stretch (plus a
// floor): it takes 2 to 20 on sparse traffic and about 100 on bursty traffic of a few
// requests a second; past the allowance the stretch keeps its other terms. The whole
// trace's allowance is capped too (a few seconds' work), so that no trace waits on it.
const COVER_STEPS_PER_REQUEST = 256;
const COVER_STEPS_MIN = 100_000;
const COVER_STEPS_TOTAL = 200_000_000;

/** The bound, in node-seconds and in money. */
export interface LowerBound {
  /** Lower bound on billed node-seconds. */
  nodeSeconds: number;
  /** Lower bound on cost at the cheapest price. */
  cost: number;
  /** Requests that no policy can serve within the target (service > target). */
  infeasible: number;
}

/** Inputs of {@link lowerBound}. */
export interface LowerBoundInput {
  /** Arrival times (ms, ascending). */
  arrivalMs: Float64Array;
  /** Service time of each request on one slot (ms). */
  serviceMs: Float64Array;
  /** Requests in the arrays. */
  count: number;
  /** Queue wait plus service allowed per request (ms). */
  latencyTargetMs: number;
  /** Slots per node. */
  slots: number;
  /** From lease request to a node taking work (ms). */
  coldStartMs: number;
  /** Cheapest hourly price any policy can rent at. */
  pricePerHour: number;
}

/** Compute the clairvoyant lower bound (O(n log n) over sorted arrivals). */
export function lowerBound(input: LowerBoundInput): LowerBound {
  const { latencyTargetMs: L, slots: C, coldStartMs: c } = input;
  // Requests no policy can serve in time are left out of every term.
  const all = input.count;
  const a = new Float64Array(all);
  const s = new Float64Array(all);
  let n = 0;
  for (let i = 0; i < all; i++) {
    if (input.serviceMs[i]! > L) continue;
    a[n] = input.arrivalMs[i]!;
    s[n++] = input.serviceMs[i]!;
  }
  const stretches = new StretchSum(a.subarray(0, n), s.subarray(0, n), L, c);
  let prevEnd = 0; // end of the previous component (time 0: warm nodes may exist)
  for (let i = 0; i < n; ) {
    // One component: windows chained while the next arrival falls inside the reach so far.
    const from = i;
    const start = a[i]!;
    let end = start + L;
    let work = 0;
    for (; i < n && a[i]! <= end; i++) {
      work += s[i]!;
      end = Math.max(end, a[i]! + L);
    }
    const gap = start - prevEnd;
    // A gap of a cold start or more is never worth keeping a node through: stretches split there.
    if (from > 0 && gap >= c) stretches.close(from);
    stretches.add(Math.min(gap, c) + Math.max(work / C, bestChain(a, s, from, i, L, c)), end);
    prevEnd = end;
  }
  stretches.close(n);
  const nodeSeconds = stretches.totalMs / 1000;
  return { nodeSeconds, cost: (nodeSeconds * input.pricePerHour) / 3600, infeasible: all - n };
}

/**
 * Sums the bound stretch by stretch: per stretch, the larger of its components'
 * terms and its union-cover term (what having a node ready at the right times costs).
 */
class StretchSum {
  totalMs = 0;
  private coverStepsLeft = COVER_STEPS_TOTAL;
  private from = 0;
  private termsMs = 0;
  private endMs = 0;

  constructor(
    private readonly a: Float64Array,
    private readonly s: Float64Array,
    private readonly L: number,
    private readonly c: number,
  ) {}

  /** Add one component's terms (ms) and where its last window ends. */
  add(termsMs: number, endMs: number): void {
    this.termsMs += termsMs;
    this.endMs = endMs;
  }

  /** Close the stretch of requests from the last close up to `to`. */
  close(to: number): void {
    const { from, a } = this;
    if (to <= from) return;
    let cover: number | undefined;
    const budget = Math.min(COVER_STEPS_PER_REQUEST * (to - from) + COVER_STEPS_MIN, this.coverStepsLeft);
    // One run from the first arrival to the last window's end, after one cold start, serves
    // them all: when the terms reach that, the cover term cannot add anything.
    if (this.termsMs < this.endMs - a[from]! + this.c && budget > 0) {
      const result = unionCoverMs({
        arrivalMs: a.subarray(from, to),
        serviceMs: this.s.subarray(from, to),
        latencyTargetMs: this.L,
        coldStartMs: this.c,
        atOrigin: from === 0,
        budget,
      });
      cover = result.ms;
      this.coverStepsLeft -= result.steps;
    }
    this.totalMs += Math.max(this.termsMs, cover ?? 0);
    this.from = to;
    this.termsMs = 0;
  }
}

/**
 * The best chain over equal-length windows [a_i, a_i + L], i in [from, to):
 * requests with pairwise disjoint windows, worth their service times plus
 * min(gap, c) between consecutive ones. best[j] = s_j + max(0, best[i] + min(a_j −
 * L − a_i, c)) over i whose window ends by a_j: a running maximum for gaps of c or
 * more, a monotonic deque of best[i] − a_i for the shorter ones.
 */
function bestChain(a: Float64Array, s: Float64Array, from: number, to: number, L: number, c: number): number {
  const m = to - from;
  const best = new Float64Array(m);
  const deque = new Int32Array(m);
  let head = 0;
  let tail = 0;
  let farMax = -Infinity; // max best[i] over i with gap >= c
  let pFar = 0; // members [0, pFar) have a_i <= a_j - L - c
  let pNear = 0; // members [0, pNear) have a_i <= a_j - L
  let top = 0;
  const at = (k: number): number => a[from + k]!;
  for (let j = 0; j < m; j++) {
    const aj = at(j);
    while (pNear < j && at(pNear) <= aj - L) {
      const v = best[pNear]! - at(pNear);
      while (tail > head && best[deque[tail - 1]!]! - at(deque[tail - 1]!) <= v) tail--;
      deque[tail++] = pNear++;
    }
    while (pFar < pNear && at(pFar) <= aj - L - c) farMax = Math.max(farMax, best[pFar++]!);
    while (head < tail && deque[head]! < pFar) head++;
    let link = 0;
    if (farMax > -Infinity) link = Math.max(link, farMax + c);
    if (head < tail) {
      const i = deque[head]!;
      link = Math.max(link, best[i]! + (aj - L - at(i)));
    }
    best[j] = s[from + j]! + link;
    top = Math.max(top, best[j]!);
  }
  return top;
}
