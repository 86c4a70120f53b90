/**
 * adaptive-compute: rent GPU nodes from a compute marketplace exactly when your
 * workload needs them. The public surface, and nothing else.
 */
export { createCompute, Compute, type ShutdownOptions } from './compute.js';
export { Workload, type RunOptions, type WorkloadMapOptions, type PauseOptions, type Infer } from './workload.js';
export {
  ComputeError,
  MarketError,
  NodeError,
  ERROR_CODES,
  isComputeError,
  type ComputeErrorCode,
  type ComputeErrorOptions,
} from './errors.js';
export { RealClock, VirtualClock, realClock, type Clock, type Timer } from './clock.js';
export type { ComputeOptions, ComputeConfig, BudgetConfig, MarketplaceConnection } from './config/compute.js';
export type { WorkloadOptions, WorkloadConfig, ScalingConfig, GpuRequirement } from './config/workload.js';
export type { Validator } from './config/validator.js';
export type { ComputeEvents, ScaleEvent, LeaseEvent, LeaseEventType, BudgetEvent, WarningEvent } from './events.js';
export type { PlanReason, StepReason } from './controller/reason.js';
export type { MetricsSnapshot, WorkloadMetrics, BudgetMetrics, NodeCounts } from './metrics/snapshot.js';
export type { Marketplace, MarketCallOptions } from './market/marketplace.js';
export type { Offer, Lease, LeaseState, CreateLeaseRequest, OfferQuery } from './market/protocol.js';
export { HttpMarketplace } from './market/http-client.js';
export type { Logger } from './observability/logger.js';
export type { MeterLike } from './observability/otel.js';
export { LocalMarketplace, startLocalMarket, defaultLocalOffers } from './local/index.js';
export type { LocalMarketOptions, LocalMarketServer, Account, AccountLease, AgentHandler, AgentHandlerContext, AgentHandlerResult } from './local/index.js';
