/**
 * Order statistics without sorting: the simulator summarises millions of latencies
 * per policy, and a sort of each would cost more than the simulation itself.
 */

/** The k-th smallest value (0-based) of `values`, reordering them (Hoare's selection, O(n) expected). */
export function nth(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i++] = values[j]!;
        values[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}

/** Percentiles (nearest rank) and a coarse CDF of `values`, which are reordered in place. */
export interface Distribution {
  /** Value at each asked quantile, nearest rank, exact. */
  at: Map<number, number>;
  /** `[quantile, value]` pairs from a log-spaced histogram (within about 1 % of exact). */
  cdf: Array<[number, number]>;
}

const BINS = 2000;

/**
 * Exact nearest-rank values at `exact` quantiles (selection, O(n) each on a
 * shrinking range, largest first), and the `cdf` quantiles from a histogram with
 * log-spaced bins between the smallest and largest finite value. Infinite values
 * (requests never finished) sort last.
 */
export function distribution(values: Float64Array, exact: readonly number[], cdf: readonly number[]): Distribution {
  const n = values.length;
  const at = new Map<number, number>();
  if (n === 0) return { at, cdf: cdf.map((q) => [q, 0]) };
  let end = n;
  for (const q of [...exact].sort((a, b) => b - a)) {
    const k = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
    const view = values.subarray(0, Math.max(end, k + 1));
    at.set(q, nth(view, k));
    end = k + 1;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi && v !== Infinity) hi = v;
  }
  const floor = Math.max(lo, 1e-3);
  const span = Math.log(Math.max(hi, floor) / floor) || 1;
  const counts = new Float64Array(BINS + 1); // the last bin holds infinite values
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    counts[v === Infinity ? BINS : Math.min(BINS - 1, Math.max(0, Math.floor((Math.log(Math.max(v, floor) / floor) / span) * BINS)))]! += 1;
  }
  const points: Array<[number, number]> = [];
  let bin = 0;
  let cum = counts[0]!;
  for (const q of cdf) {
    if (q <= 0) {
      points.push([q, lo]);
      continue;
    }
    const need = Math.ceil(q * n);
    while (cum < need && bin < BINS) cum += counts[++bin]!;
    const edge = bin >= BINS ? Infinity : Math.min(hi, floor * Math.exp(((bin + 1) / BINS) * span));
    points.push([q, edge]);
  }
  return { at, cdf: points };
}
