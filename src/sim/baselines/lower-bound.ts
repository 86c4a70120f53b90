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
// A request whose service alone exceeds L cannot meet the target under any policy;
// it is left out (no policy is asked to). The bound holds for every policy that
// meets the target on all other requests; a policy that misses some may pay less.

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
  arrivalMs: Float64Array;
  serviceMs: Float64Array;
  count: number;
  latencyTargetMs: number;
  slots: number;
  coldStartMs: number;
  /** Cheapest hourly price any policy can rent at. */
  pricePerHour: number;
}

/** Compute the clairvoyant lower bound (O(n) over sorted arrivals). */
export function lowerBound(input: LowerBoundInput): LowerBound {
  const { arrivalMs: a, serviceMs: s, count: n, latencyTargetMs: L, slots: C, coldStartMs: c } = input;
  let ms = 0;
  let infeasible = 0;
  let prevEnd = 0; // end of the previous component (time 0: warm nodes may exist)
  let i = 0;
  while (i < n && s[i]! > L) {
    infeasible++;
    i++;
  }
  while (i < n) {
    // One component: windows chained while the next arrival falls inside the reach so far.
    const start = a[i]!;
    let end = start + L;
    let work = 0;
    const members: number[] = [];
    for (; i < n && a[i]! <= end; i++) {
      if (s[i]! > L) {
        infeasible++;
        continue;
      }
      work += s[i]!;
      end = Math.max(end, a[i]! + L);
      members.push(i);
    }
    if (members.length === 0) continue;
    ms += Math.min(start - prevEnd, c);
    ms += Math.max(work / C, bestChain(a, s, members, L, c));
    prevEnd = end;
  }
  const nodeSeconds = ms / 1000;
  return { nodeSeconds, cost: (nodeSeconds * input.pricePerHour) / 3600, infeasible };
}

/**
 * The best chain over equal-length windows [a_i, a_i + L]: requests with pairwise
 * disjoint windows, worth their service times plus min(gap, c) between consecutive
 * ones. best[j] = s_j + max(0, best[i] + min(a_j − L − a_i, c)) over i whose window
 * ends by a_j: a running maximum for gaps of c or more, a monotonic deque of
 * best[i] − a_i for the shorter ones.
 */
function bestChain(a: Float64Array, s: Float64Array, members: readonly number[], L: number, c: number): number {
  const m = members.length;
  const best = new Float64Array(m);
  const deque = new Int32Array(m);
  let head = 0;
  let tail = 0;
  let farMax = -Infinity; // max best[i] over i with gap >= c
  let pFar = 0; // members[0..pFar) have a_i <= a_j - L - c
  let pNear = 0; // members[0..pNear) have a_i <= a_j - L
  let top = 0;
  const at = (k: number): number => a[members[k]!]!;
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
    best[j] = s[members[j]!]! + link;
    top = Math.max(top, best[j]!);
  }
  return top;
}
