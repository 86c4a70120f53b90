/**
 * Marketplace protocol v1 and the node protocol, as zod schemas. The HTTP client,
 * the embedded local marketplace, the fake marketplace and the msw handlers all
 * parse and build bodies with these, so they cannot drift apart.
 */
import { z } from 'zod';

/** Lease states as the marketplace reports them. */
export const LeaseStateSchema = z.enum([
  'pending',
  'provisioning',
  'running',
  'terminating',
  'terminated',
  'preempted',
  'failed',
]);
/** A marketplace-side lease state. */
export type LeaseState = z.infer<typeof LeaseStateSchema>;

/** States after which a lease never bills again. */
export const ENDED_LEASE_STATES: ReadonlySet<LeaseState> = new Set(['terminated', 'preempted', 'failed']);

// Parsing is strict on what decisions depend on (ids, prices, states) and fills
// documented defaults for descriptive fields a marketplace may leave out, so that
// an independent implementation of protocol v1 works without echoing every field.

/** GPU description of an offer. */
export const GpuSchema = z.object({
  model: z.string().min(1),
  count: z.number().int().positive().default(1),
  memoryGb: z.number().nonnegative().default(0),
});

/** One rentable node type at a price. */
export const OfferSchema = z.object({
  id: z.string().min(1),
  gpu: GpuSchema,
  pricePerHour: z.number().nonnegative(),
  currency: z.string().min(1).default('USD'),
  billingIncrementSec: z.number().positive().default(1),
  minLeaseSec: z.number().nonnegative().default(0),
  interruptible: z.boolean().default(false),
  region: z.string().default(''),
  reliability: z.number().min(0).max(1).default(1),
  coldStartSec: z.number().nonnegative().default(60),
  available: z.number().int().nonnegative().default(1),
  /** Which provider the offer comes from, in a `combineMarketplaces([...])`. */
  provider: z.string().optional(),
});
/** A marketplace offer. */
export type Offer = z.infer<typeof OfferSchema>;

/** `GET /v1/offers` response. */
export const OffersResponseSchema = z.object({ offers: z.array(OfferSchema) });

/** Tags every lease of ours carries (crash reconciliation lists by `client`). */
export const LeaseTagsSchema = z.record(z.string(), z.string());

/** `POST /v1/leases` body. */
export const CreateLeaseRequestSchema = z.object({
  offerId: z.string().min(1),
  image: z.string().min(1),
  env: z.record(z.string(), z.string()).optional(),
  maxPricePerHour: z.number().nonnegative(),
  tags: LeaseTagsSchema,
});
/** Body of a lease creation. */
export type CreateLeaseRequest = z.infer<typeof CreateLeaseRequestSchema>;

/** A lease as the marketplace reports it. */
export const LeaseSchema = z.object({
  id: z.string().min(1),
  offerId: z.string().default(''),
  state: LeaseStateSchema,
  endpoint: z.string().nullable().default(null),
  nodeToken: z.string().nullable().default(null),
  pricePerHour: z.number().nonnegative().default(0),
  createdAt: z.string().nullable().default(null),
  readyAt: z.string().nullable().default(null),
  endedAt: z.string().nullable().default(null),
  billedSec: z.number().nonnegative().default(0),
  cost: z.number().nonnegative().default(0),
  tags: LeaseTagsSchema.default({}),
  /**
   * SHA-256 of the node's TLS public key (SubjectPublicKeyInfo, base64url). When set,
   * the SDK reaches the node only over https and only if it presents that key (a
   * self-signed certificate is fine): provider adapters set it for nodes on plain IPs.
   */
  tlsPin: z.string().min(1).optional(),
  /**
   * Why the lease failed, in the marketplace's words (`node did not start: ...`), when it
   * says. The SDK shows it in the `lease` event and in `NODE_START_FAILED`, shortened
   * and cleared of secrets (it is untrusted text).
   */
  failure: z.string().nullable().optional(),
  // Terms the lease was actually granted on, when the marketplace says (checked against the offer's).
  currency: z.string().min(1).optional(),
  billingIncrementSec: z.number().positive().optional(),
  minLeaseSec: z.number().nonnegative().optional(),
});
/** A marketplace lease. */
export type Lease = z.infer<typeof LeaseSchema>;

/** `{ lease }` envelope. */
export const LeaseResponseSchema = z.object({ lease: LeaseSchema });
/** `{ leases }` envelope. */
export const LeasesResponseSchema = z.object({ leases: z.array(LeaseSchema) });

/** Error body every protocol-v1 server returns on 4xx/5xx. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    retryable: z.boolean().optional(),
  }),
});
/** A protocol error body. */
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** `GET /healthz` on a node. */
export const HealthResponseSchema = z.object({ ready: z.boolean() });

/** `POST /v1/run` body sent to a node. */
export const RunRequestSchema = z.object({
  workload: z.string(),
  input: z.unknown(),
  taskId: z.string(),
});
/** A task sent to a node. */
export type RunRequest = z.infer<typeof RunRequestSchema>;

/** `POST /v1/run` success body. */
export const RunResponseSchema = z.object({ output: z.unknown() });

/** Query of `GET /v1/offers`. */
export interface OfferQuery {
  /** Acceptable GPU models (any of). */
  gpu: readonly string[];
  /** GPUs per node at least. */
  minGpus: number;
  /** GPU memory per GPU at least, in GB. */
  minMemoryGb?: number;
  /** Restrict to interruptible (true) or on-demand (false); omitted: both. */
  interruptible?: boolean;
}
