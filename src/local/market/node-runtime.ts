/**
 * The seam between the marketplace server core and whatever runs a lease's node:
 * in-process `node:http` servers for the `testing` fake, real agent child processes
 * for the embedded local marketplace. The core owns lease states, timing and
 * billing; a runtime only starts, boots and kills nodes.
 */
import type { CreateLeaseRequest, Offer } from '../../market/protocol.js';

/** What a runtime is told about the lease a node is for. */
export interface NodeLaunchSpec {
  /** Marketplace lease id. */
  leaseId: string;
  /** Token `POST /v1/run` must carry; never logged. */
  token: string;
  /** The offer as it was when the lease was created. */
  offer: Offer;
  /** The lease request (image, env, tags). */
  request: CreateLeaseRequest;
}

/** How a node is stopped. */
export type NodeStop =
  /** Released or the marketplace shuts down: let the node exit cleanly. */
  | 'graceful'
  /** Preempted or crashed: the machine is gone at once, connections die mid-request. */
  | 'abrupt';

/** One node, from lease creation to its end. */
export interface NodeHandle {
  /**
   * Resolves when the lease creation may answer (the fake waits for its node server
   * to listen so that readiness lands exactly on time on a virtual clock).
   */
  readonly launched: Promise<void>;
  /**
   * The cold start is over: make the node serve. Returns its endpoint, synchronously
   * when it already listens; rejects when the node cannot start.
   */
  boot(): string | Promise<string>;
  /** Stop the node. Resolves once it no longer serves (a process has exited). Idempotent. */
  kill(how: NodeStop): Promise<void>;
}

/** Starts nodes for leases. */
export interface NodeRuntime {
  /** Called once per lease, when it is created. */
  launch(spec: NodeLaunchSpec): NodeHandle;
}
