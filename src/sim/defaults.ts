/**
 * The simulator's documented defaults: what applies when `--policy` does not say
 * otherwise. Numbers derived from the shared traces are committed as numbers only,
 * each with where it came from; the trace files themselves stay out of the repo.
 */

/**
 * Seconds from lease request to a node taking work: 15 s to boot a marketplace node
 * from a cached image, plus 45 s to load the model, the p95 of the Alibaba GenAI
 * base-model load latencies (cluster-trace-v2026-GenAI
 * basemodel_update_latency_anon: 7,531 loads, p50 22.7 s, p95 45.4 s).
 */
export const DEFAULT_COLD_START_SEC = 60;

/**
 * Requests a node serves at once. Eight concurrent sequences per GPU node: a
 * continuous-batching server kept in the range where per-request speed (the token
 * model below) holds.
 */
export const DEFAULT_CONCURRENCY_PER_NODE = 8;

/**
 * Token service-time model, per request on one slot:
 * `baseMs + msPerInputToken·in + msPerOutputToken·out`. 50 ms of scheduling and
 * first step, prefill at 10k tokens/s (0.1 ms a token) and decode at 50 tokens/s
 * per sequence (20 ms a token): typical of a 7-13B model on one H100-class GPU.
 */
export const DEFAULT_TOKEN_MODEL = { baseMs: 50, msPerInputToken: 0.1, msPerOutputToken: 20 } as const;

/**
 * Service time of a request whose trace row has no size (ServeGen windows, generic
 * CSVs with timestamps only): the token model at the Azure LLM conversation trace's
 * median request (1,020 input, 129 output tokens): 50 + 102 + 2,580 ms.
 */
export const DEFAULT_SERVICE_MS = 2_732;

/** On-demand price of one node, per hour (a typical marketplace H100 price, 2025). */
export const DEFAULT_PRICE_PER_HOUR = 2.5;

/** Per-second billing with a one-minute minimum (the common cloud GPU terms). */
export const DEFAULT_BILLING_INCREMENT_SEC = 1;
/** See {@link DEFAULT_BILLING_INCREMENT_SEC}. */
export const DEFAULT_MIN_LEASE_SEC = 60;

/**
 * The latency target (queue wait + service, per request) when none is given:
 * long enough that a request arriving while no node is up (one cold start) with a
 * p99 service time still meets it, and at least 30 s. Resolved per trace.
 */
export const DEFAULT_MIN_LATENCY_TARGET_MS = 30_000;

/** Scale-down delay of our policy (the SDK's own default). */
export const DEFAULT_SCALE_DOWN_DELAY_MS = 10_000;

/** Controller tick (the SDK's default). */
export const DEFAULT_TICK_MS = 1_000;

/** Nodes never exceeded by any policy (high enough not to bind on the shared traces). */
export const DEFAULT_MAX_NODES = 1_000;

/**
 * Spot (interruptible) capacity, off by default. Derived from the SkyPilot spot
 * traces (skypilot-org/spot-traces; Wu et al., "Can't Be Late", NSDI'24):
 * - price factor 0.30: p3.2xlarge (1x V100) spot at $0.918/h in the preemption
 *   series' `prices`, against its $3.06/h on-demand list price;
 * - 0.468 preemptions per node-hour: 202 preemptions over 431 alive node-hours in
 *   the four V100 zones of preemption/1-node/aws-04-22-2023;
 * - obtainable 64.4 % of the time, in runs of 3.34 h on and 1.85 h off on average:
 *   the nine V100 zones of availability/1-node/aws-02-15-2023.
 */
export const DEFAULT_SPOT = {
  priceFactor: 0.3,
  preemptionsPerHour: 0.468,
  meanAvailableHours: 3.34,
  meanUnavailableHours: 1.85,
} as const;

/** How long our policy prefers on-demand after a spot preemption: the SDK's `gpu.spotCooloffMs` default. */
export const DEFAULT_SPOT_COOLOFF_MS = 600_000;

/** Share of requests within the latency target that meets the SLO (the SDK's `scaling.sloTarget` default). */
export const DEFAULT_SLO_TARGET = 0.99;
