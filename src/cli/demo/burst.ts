/**
 * The demand the demo replays: the recorded burst from the Azure LLM trace (bundled
 * as a module, see azure-conv-burst.ts), or a generated one of the same shape when
 * asked for (or when the recorded sample is empty). Either way it is squeezed into a
 * time window that fits the demo's `--duration`.
 */
import { hashSeed, seededRandom } from '../../local/random.js';
import { AZURE_CONV_BURST, AZURE_CONV_BURST_SOURCE } from './azure-conv-burst.js';

/** One request of the burst. */
export interface BurstRequest {
  /** Arrival, ms from the start of the burst. */
  atMs: number;
  inputTokens: number;
  outputTokens: number;
}

/** A burst of requests. */
export interface Burst {
  /** Where it comes from (shown and reported). */
  source: string;
  /** Sorted by arrival. */
  requests: BurstRequest[];
  /** First to last arrival, ms. */
  spanMs: number;
}

/** Which burst to replay. */
export type BurstKind = 'azure' | 'generated';

/** The burst of that kind; `azure` falls back to a generated one if the recorded sample is missing. */
export function loadBurst(kind: BurstKind, seed: number): Burst {
  if (kind === 'azure' && AZURE_CONV_BURST.length > 1) {
    const requests = AZURE_CONV_BURST.map(([atMs, inputTokens, outputTokens]) => ({ atMs, inputTokens, outputTokens }));
    return { source: AZURE_CONV_BURST_SOURCE, requests, spanMs: requests[requests.length - 1]!.atMs };
  }
  return generatedBurst(seed);
}

/**
 * 300 requests over about 35 s with Poisson arrivals and log-normal token counts
 * (medians near the Azure conversation trace: about 1000 in, 100 out). Seeded.
 */
export function generatedBurst(seed: number, count = 300, spanMs = 35_000): Burst {
  const random = seededRandom(hashSeed(seed, 'burst'));
  const requests: BurstRequest[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    requests.push({
      atMs: Math.round(at),
      inputTokens: Math.max(1, Math.round(Math.exp(6.9 + 0.8 * random.normal()))),
      outputTokens: Math.max(1, Math.min(2_000, Math.round(Math.exp(4.6 + 0.9 * random.normal())))),
    });
    at += random.exponential(spanMs / count);
  }
  return { source: `generated (seed ${seed}): Poisson arrivals, log-normal token counts`, requests, spanMs: requests[count - 1]!.atMs };
}

/** The same requests with arrivals scaled so that the burst spans `windowMs`. */
export function squeeze(burst: Burst, windowMs: number): Burst {
  const factor = burst.spanMs > 0 ? windowMs / burst.spanMs : 1;
  return {
    source: burst.source,
    requests: burst.requests.map((r) => ({ ...r, atMs: Math.round(r.atMs * factor) })),
    spanMs: Math.round(burst.spanMs * factor),
  };
}
