/**
 * What a simulation runs with: the workload's scaling policy, the node and billing
 * model, the service-time model and optional spot capacity. `--policy policy.json`
 * overrides any field; unknown keys are errors (a typo must not pass silently). The
 * file may also be the SDK workload's options as JSON (workload-policy.ts).
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { ComputeError } from '../errors.js';
import { parseOptions } from '../config/parse.js';
import * as D from './defaults.js';
import { foldWorkloadShape } from './workload-policy.js';

const positive = z.number().positive();
const nonNegative = z.number().nonnegative();

/** Spot capacity: present means enabled. */
export const SpotSchema = z.strictObject({
  /** Spot price as a share of the on-demand price. */
  priceFactor: z.number().positive().max(1).default(D.DEFAULT_SPOT.priceFactor),
  /** Preemptions per spot node-hour (rate model; ignored when `trace` is given). */
  preemptionsPerHour: nonNegative.default(D.DEFAULT_SPOT.preemptionsPerHour),
  /** Mean hours spot stays obtainable, then unobtainable (rate model). */
  meanAvailableHours: positive.default(D.DEFAULT_SPOT.meanAvailableHours),
  meanUnavailableHours: nonNegative.default(D.DEFAULT_SPOT.meanUnavailableHours),
  /** A SkyPilot spot-traces JSON (`preemption/` or `availability/`) to replay instead of the rate model; relative to the policy file. */
  trace: z.string().min(1).optional(),
  /** How long our policy prefers on-demand after a preemption (the SDK's `gpu.spotCooloffMs`). */
  cooloffMs: nonNegative.default(D.DEFAULT_SPOT_COOLOFF_MS),
});

/** The contents of `policy.json`. Every field is optional. */
export const SimPolicySchema = z
  .strictObject({
    /** Per-request latency target (queue wait + service), ms. Default: see {@link resolveLatencyTarget}. */
    latencyTargetMs: positive.optional(),
    /**
     * Share of requests that must meet `latencyTargetMs` for a policy to meet the SLO
     * (the SDK's `scaling.sloTarget`): what the report's verdict, the tuned baselines
     * and the sweep's frontier hold every policy to.
     */
    sloTarget: z.number().gt(0).max(1).default(D.DEFAULT_SLO_TARGET),
    concurrencyPerNode: z.number().int().positive().default(D.DEFAULT_CONCURRENCY_PER_NODE),
    minNodes: z.number().int().nonnegative().default(0),
    maxNodes: z.number().int().positive().default(D.DEFAULT_MAX_NODES),
    /** Our policy's scale-down delay (baselines keep their own published delays). */
    scaleDownDelayMs: nonNegative.default(D.DEFAULT_SCALE_DOWN_DELAY_MS),
    /** Our policy's keep-alive through quiet spells it cannot predict (the SDK's `scaling.keepAliveMs`); 0: none. */
    keepAliveMs: nonNegative.optional(),
    tickMs: z.number().int().positive().default(D.DEFAULT_TICK_MS),
    coldStartSec: nonNegative.default(D.DEFAULT_COLD_START_SEC),
    pricePerHour: positive.default(D.DEFAULT_PRICE_PER_HOUR),
    billingIncrementSec: positive.default(D.DEFAULT_BILLING_INCREMENT_SEC),
    minLeaseSec: nonNegative.default(D.DEFAULT_MIN_LEASE_SEC),
    serviceTime: z
      .strictObject({
        baseMs: nonNegative.default(D.DEFAULT_TOKEN_MODEL.baseMs),
        msPerInputToken: nonNegative.default(D.DEFAULT_TOKEN_MODEL.msPerInputToken),
        msPerOutputToken: nonNegative.default(D.DEFAULT_TOKEN_MODEL.msPerOutputToken),
        defaultMs: positive.default(D.DEFAULT_SERVICE_MS),
      })
      .default({ ...D.DEFAULT_TOKEN_MODEL, defaultMs: D.DEFAULT_SERVICE_MS }),
    spot: SpotSchema.optional(),
    /**
     * Start every autoscaler with the nodes the busiest minute of the first cold start
     * needs, ready (as if it ran before the trace: nothing rented at its start serves sooner).
     */
    warmStart: z.boolean().default(true),
    /** Budget caps for our policy (the baselines know no budget). */
    budget: z.strictObject({ maxPerHour: positive.optional(), total: positive.optional() }).optional(),
  })
  .refine((p) => p.maxNodes >= p.minNodes, { message: 'must be >= minNodes', path: ['maxNodes'] });

/** `policy.json` after defaults, before the trace-dependent latency target is known. */
export type SimPolicy = z.output<typeof SimPolicySchema>;
/** Spot settings after defaults. */
export type SpotConfig = z.output<typeof SpotSchema>;

/** A fully resolved simulation config. */
export type SimConfig = Omit<SimPolicy, 'latencyTargetMs'> & {
  latencyTargetMs: number;
  /** How the latency target was chosen, for the report header. */
  latencyTargetSource: string;
};

/**
 * Parse a policy object, flat or in the SDK workload's shape (see workload-policy.ts);
 * throws `CONFIG_INVALID` naming the field.
 */
export function parseSimPolicy(value: unknown, where = 'policy'): SimPolicy {
  return parseOptions(SimPolicySchema, foldWorkloadShape(value, where).flat, where);
}

/** A parsed policy file and the keys it set (for the report's provenance notes). */
export interface LoadedPolicy {
  policy: SimPolicy;
  keys: string[];
  /** Workload options the file gave that the simulator does not model (`gpu`, `scaling.maxQueued`). */
  notModelled: string[];
}

/** Read and parse `policy.json`; any problem is one `CONFIG_INVALID` line naming the file. */
export async function loadSimPolicy(path: string | undefined): Promise<LoadedPolicy> {
  if (path === undefined) return { policy: parseSimPolicy({}), keys: [], notModelled: [] };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new ComputeError('CONFIG_INVALID', `${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(error)})`}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ComputeError('CONFIG_INVALID', `${path}: not valid JSON (${(error as Error).message})`);
  }
  const { flat, keys, notModelled } = foldWorkloadShape(json, path);
  const policy = parseOptions(SimPolicySchema, flat, path);
  // A spot series named in the policy file is found next to that file, wherever the command runs.
  if (policy.spot?.trace !== undefined && !isAbsolute(policy.spot.trace)) policy.spot.trace = resolve(dirname(path), policy.spot.trace);
  return { policy, keys, notModelled };
}

/**
 * The latency target: the policy's, or by default the larger of 30 s and one cold
 * start plus the trace's p99 service time (so that a request arriving while no
 * node is up can still meet it).
 */
export function resolveLatencyTarget(policy: SimPolicy, p99ServiceMs: number): SimConfig {
  if (policy.latencyTargetMs !== undefined) return { ...policy, latencyTargetMs: policy.latencyTargetMs, latencyTargetSource: 'policy' };
  const auto = Math.ceil((policy.coldStartSec * 1000 + p99ServiceMs) / 1000) * 1000;
  const latencyTargetMs = Math.max(D.DEFAULT_MIN_LATENCY_TARGET_MS, auto);
  const source = latencyTargetMs === auto ? `default: cold start ${policy.coldStartSec} s + p99 service ${Math.round(p99ServiceMs)} ms` : 'default: 30 s floor';
  return { ...policy, latencyTargetMs, latencyTargetSource: source };
}
