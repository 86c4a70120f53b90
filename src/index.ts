/**
 * adaptive-compute: rent GPU nodes from a compute marketplace exactly when your
 * workload needs them. The public surface, and nothing else: interfaces and
 * factories. The embedded local marketplace is `adaptive-compute/local`, clocks and
 * fakes for tests are `adaptive-compute/testing`.
 */
export { createCompute } from './compute.js';
export type {
  Compute,
  ComputeEmitter,
  Workload,
  ShutdownOptions,
  ShutdownResult,
  UnconfirmedRelease,
  RunOptions,
  WorkloadMapOptions,
  PauseOptions,
  Infer,
  InferInput,
} from './api.js';
export type { MapOptions, MapSettled } from './queue/map.js';
export {
  ComputeError,
  MarketError,
  NodeError,
  ERROR_CODES,
  isComputeError,
  type ComputeErrorCode,
  type ComputeErrorOptions,
  type HttpFacts,
} from './errors.js';
export type { Clock, Timer } from './clock.js';
export type { ComputeOptions, MarketplaceConnectionOptions } from './config/compute.js';
export type { WorkloadOptions } from './config/workload.js';
export type { Validator } from './config/validator.js';
export type { ComputeEvents, ScaleEvent, ScaleCause, LeaseEvent, LeaseEventType, OfferGone, BudgetEvent, WarningEvent } from './events.js';
export type { MetricsSnapshot, WorkloadMetrics, SloMetrics, BudgetMetrics, NodeCounts, ProviderMetrics } from './metrics/snapshot.js';
export type { MissBudget } from './controller/slo.js';
export type { Marketplace, MarketCallOptions } from './market/marketplace.js';
export type { Offer, Lease, LeaseState, CreateLeaseRequest, OfferQuery } from './market/protocol.js';
export { HttpMarketplace, type HttpMarketplaceDeps, type MarketplaceHealth } from './market/http-client.js';
export { combineMarketplaces, type CombinedMarketplace, type CombineOptions, type CombinedHealth } from './providers/combine.js';
export type { Logger } from './observability/logger.js';
export type { MeterLike } from './observability/otel.js';
