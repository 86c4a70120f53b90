/**
 * The arrival-rate trend, for predictive scale-up: the planner keeps samples of the
 * long-window rate in its memory (one per 10 s, ten minutes' worth) and reads their
 * least-squares slope: over the last two minutes for what to rent (a new rise shows
 * there first), and over all ten with its Poisson standard error for whether a rise is
 * there at all (rent-evidence.ts: a slope read over two minutes at a few requests a
 * second is mostly noise); and the line's level at the latest sample, the rate a
 * steady stream's queue is worked off at. A line through ten minutes is flat at the
 * bottom of a trough, the moment a rise out of it starts; the parabola through the
 * same samples is not ({@link curvedRise}). Pure: samples in, samples, slope, level and
 * rise out.
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
/** How far back samples are kept (the span the trend's evidence is read over). */
export const RATE_HISTORY_MS = 600_000;
/** The span the trend carried forward is read over: the most recent samples. */
export const TREND_SPAN_MS = 120_000;
/** Samples must span at least this long before a slope is trusted. */
const MIN_SPAN_MS = 30_000;

/** Add `rate` at `now` if the last sample is at least {@link RATE_SAMPLE_MS} old; drop old ones. */
export function pushRate(samples: readonly RateSample[] | undefined, now: number, rate: number): readonly RateSample[] {
  const kept = (samples ?? []).filter((s) => s.at > now - RATE_HISTORY_MS && s.at <= now);
  const last = kept[kept.length - 1];
  if (last !== undefined && now - last.at < RATE_SAMPLE_MS) return kept;
  return [...kept, { at: now, rate }];
}

/** The samples of the last `spanMs` (all of them by default), oldest first. */
export function recentRates(samples: readonly RateSample[] | undefined, spanMs = Infinity): readonly RateSample[] {
  if (samples === undefined || samples.length === 0) return [];
  const from = samples[samples.length - 1]!.at - spanMs;
  let i = 0;
  while (i < samples.length && samples[i]!.at < from) i++;
  return i === 0 ? samples : samples.slice(i);
}

/** Time the samples span, ms (0 for fewer than two). */
export function rateSpan(samples: readonly RateSample[] | undefined): number {
  if (samples === undefined || samples.length < 2) return 0;
  return samples[samples.length - 1]!.at - samples[0]!.at;
}

/** Least-squares slope of the samples in arrivals/s per ms; 0 when they span too little time. */
export function rateSlope(samples: readonly RateSample[] | undefined): number {
  if (samples === undefined || samples.length < 3) return 0;
  if (rateSpan(samples) < MIN_SPAN_MS) return 0;
  return fitLine(samples).slope;
}

/**
 * The rate the samples' least-squares line reads at the latest sample, arrivals/s;
 * undefined when they span less than {@link TREND_SPAN_MS}. Over ten minutes of a
 * stream that neither rises nor clumps, this is its rate to within a few per cent
 * (the long window alone carries about 9 % of Poisson noise at 2 requests a second).
 */
export function rateLevel(samples: readonly RateSample[] | undefined): number | undefined {
  if (samples === undefined || samples.length < 3 || rateSpan(samples) < TREND_SPAN_MS) return undefined;
  const { slope, meanOffsetMs, meanRate } = fitLine(samples);
  const lastOffsetMs = samples[samples.length - 1]!.at - samples[0]!.at;
  return Math.max(0, meanRate + slope * (lastOffsetMs - meanOffsetMs));
}

/**
 * The least-squares line through the samples: its slope (arrivals/s per ms) and the
 * point it passes through (mean time, as an offset from the first sample, and mean rate).
 */
function fitLine(samples: readonly RateSample[]): { slope: number; meanOffsetMs: number; meanRate: number } {
  const first = samples[0]!.at;
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
  return { slope: den > 0 ? num / den : 0, meanOffsetMs: mx, meanRate: my };
}

/**
 * Standard error of {@link rateSlope} from Poisson noise alone, in arrivals/s per ms;
 * Infinity when the samples span too little time. Each sample counts arrivals over the
 * long window, so samples closer than a window share most of them: the samples are
 * worth one independent rate per window of span (plus one), each with the standard
 * deviation √(rate / window) of a Poisson count, and the least-squares slope of `n`
 * evenly spread points over a span `T` has standard error σ·√(12 / n) / T.
 */
export function slopeNoise(samples: readonly RateSample[] | undefined): number {
  if (samples === undefined || samples.length < 3) return Infinity;
  const span = rateSpan(samples);
  if (span < MIN_SPAN_MS) return Infinity;
  let sum = 0;
  for (const s of samples) sum += s.rate;
  const windowSec = LONG_RATE_WINDOW_MS / 1000;
  const sigma = Math.sqrt(Math.max(0, sum / samples.length) / windowSec);
  const independent = span / LONG_RATE_WINDOW_MS + 1;
  return (sigma * Math.sqrt(12 / independent)) / span;
}

/**
 * The rise, arrivals/s, that the least-squares parabola through the samples predicts
 * from the latest sample to `aheadMs` later, less `sigmas` standard errors of that
 * prediction; 0 when it predicts no rise beyond them, or when the samples span less
 * than {@link TREND_SPAN_MS}. The error is the Poisson noise of the long window's
 * count (stretched by the stream's index of dispersion), with the samples worth one
 * independent rate per window of span, as {@link slopeNoise} counts them.
 */
export function curvedRise(samples: readonly RateSample[] | undefined, aheadMs: number, sigmas: number, dispersion = 1): number {
  if (samples === undefined || samples.length < 6) return 0;
  const span = rateSpan(samples);
  if (span < TREND_SPAN_MS) return 0;
  const last = samples[samples.length - 1]!.at;
  // Time in spans from the latest sample (-1 to 0), which keeps the normal equations well conditioned.
  const powers = [0, 0, 0, 0, 0];
  const moments = [0, 0, 0];
  let sum = 0;
  for (const s of samples) {
    const x = (s.at - last) / span;
    powers[0]! += 1;
    powers[1]! += x;
    powers[2]! += x * x;
    powers[3]! += x * x * x;
    powers[4]! += x * x * x * x;
    moments[0]! += s.rate;
    moments[1]! += s.rate * x;
    moments[2]! += s.rate * x * x;
    sum += s.rate;
  }
  const [p0, p1, p2, p3, p4] = powers as [number, number, number, number, number];
  const inverse = invertSymmetric3(p0, p1, p2, p3, p4);
  if (inverse === undefined) return 0;
  const [m0, m1, m2] = moments as [number, number, number];
  const b1 = inverse[1]![0]! * m0 + inverse[1]![1]! * m1 + inverse[1]![2]! * m2;
  const b2 = inverse[2]![0]! * m0 + inverse[2]![1]! * m1 + inverse[2]![2]! * m2;
  // The rise from x = 0 to x = h is b1·h + b2·h²; its variance is σ²·cᵀ(XᵀX)⁻¹c with c = (0, h, h²).
  const h = aheadMs / span;
  const rise = b1 * h + b2 * h * h;
  const spread = h * h * inverse[1]![1]! + 2 * h * h * h * inverse[1]![2]! + h * h * h * h * inverse[2]![2]!;
  const perSample = (Math.max(1, dispersion) * Math.max(0, sum / samples.length)) / (LONG_RATE_WINDOW_MS / 1000);
  const independent = span / LONG_RATE_WINDOW_MS + 1;
  const error = Math.sqrt(Math.max(0, perSample * spread * (samples.length / independent)));
  return Math.max(0, rise - sigmas * error);
}

/**
 * Inverse of the symmetric 3×3 matrix [[p0, p1, p2], [p1, p2, p3], [p2, p3, p4]] (the
 * normal equations of a parabola); undefined when it is singular.
 */
function invertSymmetric3(p0: number, p1: number, p2: number, p3: number, p4: number): number[][] | undefined {
  const c00 = p2 * p4 - p3 * p3;
  const c01 = p3 * p2 - p1 * p4;
  const c02 = p1 * p3 - p2 * p2;
  const det = p0 * c00 + p1 * c01 + p2 * c02;
  if (!(Math.abs(det) > 1e-12)) return undefined;
  const c11 = p0 * p4 - p2 * p2;
  const c12 = p2 * p1 - p0 * p3;
  const c22 = p0 * p2 - p1 * p1;
  return [
    [c00 / det, c01 / det, c02 / det],
    [c01 / det, c11 / det, c12 / det],
    [c02 / det, c12 / det, c22 / det],
  ];
}
