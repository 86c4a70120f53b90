/**
 * How the runtime talks to a node, as an interface: HTTP (undici) live, modelled
 * nodes on virtual time in the simulator and in deterministic tests. The dispatcher
 * and the lease manager only ever see this.
 */
import type { Dispatcher } from 'undici';
import { NodeClient, type NodeRunRequest } from './node-client.js';
import type { EndpointPolicy } from '../leases/node-endpoint.js';
import type { SecretSet } from '../util/redact.js';

/** One connection to a leased node. */
export interface NodeTransport {
  /** Run one task attempt; resolves with the node's output, rejects with `NodeError`. */
  run(request: NodeRunRequest): Promise<unknown>;
  /** Whether the node answers its health check as ready. Never throws. */
  healthy(signal: AbortSignal, timeoutMs: number): Promise<boolean>;
  /** Drop connections. Idempotent. */
  close(): Promise<void>;
}

/** Where a running lease's node is. */
export interface NodeAddress {
  leaseId: string;
  endpoint: string;
  /** Secret: only the transport keeps it. */
  nodeToken: string;
  /** Tasks the node runs at once (connections to keep open). */
  connections: number;
  /** Per-attempt timeout the transport enforces, ms. @default 300000 */
  timeoutMs?: number;
  /** Pinned TLS public key of the node (see `Lease.tlsPin`): nothing is sent to a node presenting another. */
  tlsPin?: string | undefined;
}

/** Opens a {@link NodeTransport} to a node. */
export type NodeConnector = (address: NodeAddress) => NodeTransport;

/**
 * The default connector: keep-alive HTTP over undici (optionally through a given
 * dispatcher). With `endpointPolicy`, a node host name that resolves to a refused
 * address (metadata, link-local, private) is not connected to. With `secrets`, what a
 * node says is redacted before it reaches an error.
 */
export function httpNodeConnector(dispatcher?: Dispatcher, endpointPolicy?: EndpointPolicy, secrets?: SecretSet): NodeConnector {
  return (address) =>
    new NodeClient({ ...address, ...(dispatcher ? { dispatcher } : {}), ...(endpointPolicy ? { endpointPolicy } : {}), ...(secrets ? { secrets } : {}) });
}
