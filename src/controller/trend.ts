/**
 * The arrival-rate trend, for predictive scale-up: the planner keeps a few samples
 * of the long-window rate in its memory (one per 10 s, two minutes' worth) and
 * reads their least-squares slope. Pure: samples in, samples and slope out.
 */

/** One remembered long-window arrival rate. */
export interface RateSample {
  /** Clock time of the sample, ms. */
  at: number;
  /** Arrivals per second over the long window at that time. */
  rate: number;
}

/** The window the long rate is counted over. */
export const LONG_RATE_WINDOW_MS = 60_000;
/** Spacing of the samples. */
export const RATE_SAMPLE_MS = 10_000;
/** How far back samples are kept. */
export const RATE_HISTORY_MS = 120_000;
/** Samples must span at least this long before a slope is trusted. */
const MIN_SPAN_MS = 30_000;

/** Add `rate` at `now` if the last sample is at least {@link RATE_SAMPLE_MS} old; drop old ones. */
export function pushRate(samples: readonly RateSample[] | undefined, now: number, rate: number): readonly RateSample[] {
  const kept = (samples ?? []).filter((s) => s.at > now - RATE_HISTORY_MS && s.at <= now);
  const last = kept[kept.length - 1];
  if (last !== undefined && now - last.at < RATE_SAMPLE_MS) return kept;
  return [...kept, { at: now, rate }];
}

/** Time the samples span, ms (0 for fewer than two). */
export function rateSpan(samples: readonly RateSample[] | undefined): number {
  if (samples === undefined || samples.length < 2) return 0;
  return samples[samples.length - 1]!.at - samples[0]!.at;
}

/** Least-squares slope of the samples in arrivals/s per ms; 0 when they span too little time. */
export function rateSlope(samples: readonly RateSample[] | undefined): number {
  if (samples === undefined || samples.length < 3) return 0;
  const first = samples[0]!.at;
  if (samples[samples.length - 1]!.at - first < MIN_SPAN_MS) return 0;
  let sx = 0;
  let sy = 0;
  for (const s of samples) {
    sx += s.at - first;
    sy += s.rate;
  }
  const mx = sx / samples.length;
  const my = sy / samples.length;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    const dx = s.at - first - mx;
    num += dx * (s.rate - my);
    den += dx * dx;
  }
  return den > 0 ? num / den : 0;
}
