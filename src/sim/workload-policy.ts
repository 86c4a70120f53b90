/**
 * `policy.json` may also be written as the SDK workload it stands for: the options of
 * `compute.workload()` as JSON (`{ "gpu": ..., "scaling": { "latencyTargetMs": 2000 },
 * "budget": ... }`), beside the simulator's own keys (`coldStartSec`, `pricePerHour`,
 * ...), which describe the market rather than the workload. A user can then simulate
 * the policy their app declares without translating it.
 *
 * - `scaling` is read as the SDK reads it (same validation, same defaults: an omitted
 *   `maxNodes` is the SDK's 4, not the simulator's 1000), and its keys the simulator
 *   models become the flat keys of the same name.
 * - A key given both flat and in `scaling` is an error naming both places: which one
 *   wins would be a guess.
 * - The workload's other options (`gpu`, `image`, `env`, validators' absence, timeouts,
 *   ...) and the scaling keys the simulator does not model are accepted and listed as
 *   not modelled; their values are never echoed (`env` holds secrets).
 *
 * `budget` has the same shape in both and needs nothing. Pure.
 */
import { ComputeError } from '../errors.js';
import { parseOptions } from '../config/parse.js';
import { ScalingSchema } from '../config/workload.js';

/** Scaling keys the simulator models, under the same names at the top level. */
export const MODELLED_SCALING = ['minNodes', 'maxNodes', 'latencyTargetMs', 'sloTarget', 'concurrencyPerNode', 'scaleDownDelayMs', 'keepAliveMs'] as const;

/** Options of `compute.workload()` that say nothing the simulator models. */
const WORKLOAD_ONLY = ['gpu', 'image', 'env', 'maxAttempts', 'timeoutMs', 'nodeTimeoutMs', 'maxStreamBytes', 'maxStreamEventBytes', 'request'] as const;

/** A policy object with the workload's shape folded into the simulator's keys. */
export interface FoldedPolicy {
  /** The simulator's keys only (what `SimPolicySchema` parses). */
  flat: Record<string, unknown>;
  /**
   * What the file wrote, for the report's provenance: its top-level keys, and `scaling.<key>`
   * for each key of its `scaling` (the rest of a `scaling` the file has are the SDK's defaults).
   */
  keys: string[];
  /** Workload options accepted but not modelled, as paths (`gpu`, `scaling.maxQueued`). */
  notModelled: string[];
}

/**
 * Fold the SDK workload's shape into the simulator's flat keys; an object without any
 * workload key comes back as it is. Throws `CONFIG_INVALID` naming the field.
 */
export function foldWorkloadShape(value: unknown, where: string): FoldedPolicy {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { flat: value as Record<string, unknown>, keys: [], notModelled: [] };
  const input = value as Record<string, unknown>;
  const flat: Record<string, unknown> = {};
  const notModelled: string[] = [];
  for (const [key, v] of Object.entries(input)) {
    if (key === 'scaling') continue;
    if ((WORKLOAD_ONLY as readonly string[]).includes(key)) notModelled.push(key);
    else flat[key] = v;
  }
  // The keys the file's `scaling` names (the rest of it are the SDK's defaults).
  const written = typeof input.scaling === 'object' && input.scaling !== null ? Object.keys(input.scaling) : [];
  if (input.scaling !== undefined) {
    const scaling = parseOptions(ScalingSchema, input.scaling, `${where}: scaling`) as Record<string, unknown>;
    for (const key of MODELLED_SCALING) {
      if (key in input && written.includes(key)) {
        throw new ComputeError('CONFIG_INVALID', `${where}: ${key} is given both at the top level and in scaling; keep one`, { details: { paths: [key, `scaling.${key}`] } });
      }
      if (key in input) continue;
      if (scaling[key] !== undefined) flat[key] = scaling[key];
    }
    for (const key of written) if (!(MODELLED_SCALING as readonly string[]).includes(key)) notModelled.push(`scaling.${key}`);
  }
  return { flat, keys: [...Object.keys(input), ...written.map((k) => `scaling.${k}`)], notModelled };
}
