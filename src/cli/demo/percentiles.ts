/** Percentiles of the demo's own latency samples (every task, not a window). */

/** p50 / p95 / p99 by nearest rank; nulls when there is no sample. */
export function percentiles(samples: readonly number[]): { p50: number | null; p95: number | null; p99: number | null } {
  if (samples.length === 0) return { p50: null, p95: null, p99: null };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}
