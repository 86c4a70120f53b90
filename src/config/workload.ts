/**
 * Options of `compute.workload(name, options)`: what a node must have, how far the
 * workload may scale, and what a task looks like.
 */
import { z } from 'zod';
import { ValidatorSchema } from './validator.js';

/** GPU constraints an offer must meet. */
export const GpuRequirementSchema = z.strictObject({
  /** Acceptable GPU models; any of them will do. */
  model: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((m) => (Array.isArray(m) ? m : [m])),
  /** GPUs per node. @default 1 */
  count: z.number().int().positive().default(1),
  /** GPU memory per GPU at least, in GB. */
  minMemoryGb: z.number().positive().optional(),
  /**
   * Interruptible (spot) offers: `'allow'` weighs them by risk beside on-demand,
   * `'never'` uses on-demand only, `'only'` uses spot only. @default 'allow'
   */
  interruptible: z.enum(['allow', 'never', 'only']).default('allow'),
  /** After a spot preemption, prefer on-demand offers for this long, ms; a steady fleet then moves back to spot. @default 600000 */
  spotCooloffMs: z.number().int().nonnegative().default(600_000),
});

/** How the controller scales the workload. */
export const ScalingSchema = z
  .strictObject({
    /** Nodes kept even with no demand. @default 0 */
    minNodes: z.number().int().nonnegative().default(0),
    /** Nodes never exceeded (live leases, provisioning included). @default 4 */
    maxNodes: z.number().int().positive().default(4),
    /** Latency target of one request (queue wait + service), in ms; `sloTarget` of requests must meet it. @default 1000 */
    latencyTargetMs: z.number().positive().default(1000),
    /**
     * Share of requests that must finish within `latencyTargetMs` (the SLO), counted over
     * the requests completed in the last hour (a rolling window in one-minute buckets;
     * `metrics().workloads.<name>.slo` reports it and the miss budget left). The rest,
     * `1 - sloTarget`, is the miss budget the planner spends, in the queueing model of
     * every tick and on cold returns of traffic after quiet spells: it plans for the miss
     * share that would bring the hour back to exactly `sloTarget`, so below it the fleet
     * keeps more headroom and nodes warm, and with budget left it keeps less (see
     * docs/concepts.md, "Spends the miss budget it measures"). @default 0.99
     */
    sloTarget: z.number().gt(0).max(1).default(0.99),
    /** Tasks a node runs at once. @default 1 */
    concurrencyPerNode: z.number().int().positive().default(1),
    /** Low demand must last this long before a node is drained. @default 10000 */
    scaleDownDelayMs: z.number().int().nonnegative().default(10_000),
    /**
     * When `latencyTargetMs` is shorter than a cold start plus a service time, scaling to
     * zero makes the next return of traffic miss it, so the planner keeps nodes warm
     * through quiet spells: as long as the measured histogram of quiet spells says (with
     * a pre-warm before the predicted return), or, while it has no pattern to trust
     * (before traffic has come back once, or spells too irregular), this long, stretched
     * to the longest spell after which traffic did return. Unset: 20 minutes (less for a
     * cold start under 15 s: by the square of its share of 15 s) before traffic has come
     * back once, and once it has, until it returns. The reason of each `scale` event says which, and what the warm nodes
     * cost. 0: never keep nodes warm beyond demand (scale to zero after
     * `scaleDownDelayMs` and pay cold starts). In ms.
     */
    keepAliveMs: z.number().int().nonnegative().optional(),
    /** Tasks waiting in the queue before `run()` rejects with `QUEUE_FULL`. @default 100000 */
    maxQueued: z.number().int().positive().default(100_000),
    /** Upper bound on the node price this workload pays, per hour. */
    maxPricePerHour: z.number().positive().optional(),
    /** Seconds a lease may take to reach `running` before it is given up. @default 900 */
    maxProvisionSec: z.number().positive().default(900),
  })
  .refine((s) => s.maxNodes >= s.minNodes, { message: 'must be >= minNodes', path: ['maxNodes'] });

/** A raw HTTP request on the node, for nodes that run an existing server (e.g. OpenAI-compatible). */
export const HttpTargetSchema = z.strictObject({
  /** HTTP method. @default 'POST' */
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  /** Path on the node, e.g. `/v1/chat/completions`. */
  path: z.string().regex(/^\/[^\s?#]*(\?[^\s#]*)?$/, 'must be a path starting with /'),
  /** Extra request headers (the node token is sent as `Authorization: Bearer`). */
  headers: z.record(z.string(), z.string()).optional(),
});

/** A workload-level budget nested inside the global one. */
export const WorkloadBudgetSchema = z.strictObject({
  /** Cap on the summed hourly price of this workload's live leases. */
  maxPerHour: z.number().positive().optional(),
  /** Cap on this workload's committed spend. */
  total: z.number().positive().optional(),
});

/** Options of `compute.workload()`. */
export const WorkloadOptionsSchema = z.strictObject({
  gpu: GpuRequirementSchema,
  /** Image the node runs (passed to the marketplace as is). */
  image: z.string().min(1),
  /** Environment for the node. Values are treated as secrets: never logged. */
  env: z.record(z.string(), z.string()).optional(),
  scaling: ScalingSchema.default(ScalingSchema.parse({})),
  /** Validates each input before it is queued (any zod / Standard Schema). */
  input: ValidatorSchema.optional(),
  /** Validates each node output before the caller gets it. */
  output: ValidatorSchema.optional(),
  /** Attempts per task across nodes before `NODE_FAILED`. @default 3 */
  maxAttempts: z.number().int().positive().max(100).default(3),
  /** Default per-task timeout in ms (queue wait + all attempts); none when omitted. */
  timeoutMs: z.number().positive().optional(),
  /**
   * Longest one attempt of a task may take on a node, in ms: from sending the request
   * to the end of the answer (for `stream()`, to the end of the stream, reading
   * included). It bounds the whole attempt, not the gap between bytes, so a node that
   * trickles its answer is cut off; the task is then retried on another node like any
   * failed attempt. @default 300000
   */
  nodeTimeoutMs: z.number().positive().default(300_000),
  /** Bytes a `stream()` answer may take in all; past it the stream ends with `RESPONSE_TOO_LARGE`. @default 33554432 */
  maxStreamBytes: z.number().int().positive().default(32 * 1024 * 1024),
  /** Bytes one server-sent event of a `stream()` answer may take; past it the stream ends with `RESPONSE_TOO_LARGE`. @default 4194304 */
  maxStreamEventBytes: z.number().int().positive().default(4 * 1024 * 1024),
  budget: WorkloadBudgetSchema.optional(),
  /**
   * Forward each input as the body of this HTTP request on the node and return the
   * response body, instead of the node protocol's `POST /v1/run`.
   */
  request: HttpTargetSchema.optional(),
});

/** Workload options as the user writes them. */
export type WorkloadOptions = z.input<typeof WorkloadOptionsSchema>;
/** Workload options after defaults. */
export type WorkloadConfig = z.output<typeof WorkloadOptionsSchema>;
/** Scaling policy after defaults. */
export type ScalingConfig = z.output<typeof ScalingSchema>;
/** GPU requirement after defaults. */
export type GpuRequirement = z.output<typeof GpuRequirementSchema>;
