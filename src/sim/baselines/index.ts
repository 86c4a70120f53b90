/**
 * The baseline registry: names accepted by `--baselines`, in report order.
 */
import type { TraceStats } from '../trace-stats.js';
import { FixedReservedPolicy } from './fixed-reserved.js';
import { HpaPolicy } from './hpa.js';
import { KedaPolicy } from './keda.js';
import { KpaPolicy } from './kpa.js';
import { RayServePolicy } from './ray-serve.js';
import { SkyServePolicy } from './skyserve.js';
import { StaticPeakPolicy } from './static-peak.js';
import type { Policy, PolicyContext } from './types.js';

/** Baseline names, in the order the report lists them. */
export const BASELINE_NAMES = ['static-peak', 'fixed-reserved', 'hpa', 'kpa', 'ray-serve', 'keda', 'skyserve'] as const;

/** One of {@link BASELINE_NAMES}. */
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** A fresh instance of a baseline (each run gets its own: baselines keep state). */
export function createBaseline(name: BaselineName, ctx: PolicyContext, stats: TraceStats): Policy {
  switch (name) {
    case 'static-peak':
      return new StaticPeakPolicy(ctx, stats);
    case 'fixed-reserved':
      return new FixedReservedPolicy(ctx, stats);
    case 'hpa':
      return new HpaPolicy(ctx);
    case 'kpa':
      return new KpaPolicy(ctx);
    case 'ray-serve':
      return new RayServePolicy(ctx);
    case 'keda':
      return new KedaPolicy(ctx);
    case 'skyserve':
      return new SkyServePolicy(ctx);
  }
}

export type { Policy, PolicyContext, PolicyView, Fleet } from './types.js';
export { lowerBound, type LowerBound } from './lower-bound.js';
