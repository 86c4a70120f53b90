/**
 * RunPod offers: one per GPU type and cloud tier from the catalog with
 * availability, priced for the GPU count asked (`price.<cloud>` is per GPU). v2 has
 * no interruptible (spot) pods, so every offer is on-demand. Offer ids are
 * `<cloud>/<count>/<gpu type id>`.
 */
import type { Offer, OfferQuery } from '../../market/protocol.js';
import { matchGpuModel } from '../gpu-names.js';
import type { RunPodCloud, RunPodSettings } from './options.js';
import { GpuTypeSchema } from './schemas.js';

// How much of a tier RunPod says is free; the planner only needs "some".
const AVAILABLE: Readonly<Record<string, number>> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 4 };
// RunPod states no reliability; community hosts are individual machines.
const RELIABILITY: Readonly<Record<RunPodCloud, number>> = { SECURE: 0.995, COMMUNITY: 0.97 };

/** Path and query of the catalog for one tier. */
export function catalogPath(basePath: string, cloud: RunPodCloud, count: number): string {
  return `${basePath}/catalog/gpus?include=AVAILABILITY&product=POD&cloud=${cloud}&count=${count}`;
}

/** The offer id of a GPU type in a tier. */
export function runpodOfferId(cloud: RunPodCloud, count: number, gpuId: string): string {
  return `${cloud}/${count}/${gpuId}`;
}

/** Parse an offer id we made. */
export function parseRunPodOfferId(offerId: string): { cloud: RunPodCloud; count: number; gpuId: string } | undefined {
  const match = /^(SECURE|COMMUNITY)\/(\d+)\/(.+)$/.exec(offerId);
  if (!match) return undefined;
  return { cloud: match[1] as RunPodCloud, count: Number(match[2]), gpuId: match[3]! };
}

/** Map one tier's catalog; types that do not parse, match or have stock are skipped. */
export function toOffers(raw: readonly unknown[], query: OfferQuery, cloud: RunPodCloud, settings: RunPodSettings): Offer[] {
  const offers: Offer[] = [];
  const tier = cloud === 'SECURE' ? 'secure' : 'community';
  for (const item of raw) {
    const parsed = GpuTypeSchema.safeParse(item);
    if (!parsed.success) continue;
    const g = parsed.data;
    const model = matchGpuModel(g.id, query.gpu) ?? (g.name ? matchGpuModel(g.name, query.gpu) : undefined);
    if (model === undefined || g[tier] === false) continue;
    const perGpu = g.price[tier];
    if (perGpu === undefined || perGpu === null || perGpu <= 0) continue;
    const maxCount = g.maxCount?.[tier];
    if (typeof maxCount === 'number' && maxCount < query.minGpus) continue;
    const memoryGb = g.memory ?? 0;
    if (query.minMemoryGb !== undefined && memoryGb < query.minMemoryGb) continue;
    const available = g.availability ? (AVAILABLE[g.availability] ?? 1) : 1;
    if (available === 0) continue;
    offers.push({
      id: runpodOfferId(cloud, query.minGpus, g.id),
      gpu: { model, count: query.minGpus, memoryGb },
      pricePerHour: Math.round(perGpu * query.minGpus * 1e6) / 1e6,
      currency: 'USD',
      billingIncrementSec: settings.billingIncrementSec,
      minLeaseSec: 0,
      interruptible: false,
      region: cloud,
      reliability: RELIABILITY[cloud],
      coldStartSec: settings.coldStartSec,
      available,
    });
  }
  return offers;
}
