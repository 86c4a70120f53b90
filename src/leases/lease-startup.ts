/**
 * A new lease until its node serves: poll the marketplace until the lease runs (its
 * terms checked on every answer), vet the node's endpoint, health-check the node,
 * then hand it to the dispatcher. Gives the lease up when it ends, starts
 * terminating, exposes an unusable endpoint, or is not running in `maxProvisionSec`.
 */
import { sleep, type Clock } from '../clock.js';
import { ComputeError, isComputeError } from '../errors.js';
import type { NodeConnector } from '../dispatch/node-transport.js';
import type { WorkloadDispatcher } from '../dispatch/dispatcher.js';
import type { Marketplace } from '../market/marketplace.js';
import { ENDED_LEASE_STATES, type Lease } from '../market/protocol.js';
import { refuseNodeEndpoint, type EndpointPolicy } from './node-endpoint.js';
import { untilHealthy } from './node-health.js';
import type { ManagedLease } from './lease-record.js';

/** What {@link untilRunning} needs from the lease manager. */
export interface StartupHost {
  clock: Clock;
  market: Marketplace;
  connectNode: NodeConnector;
  endpointPolicy: EndpointPolicy | undefined;
  warn(error: ComputeError, during: string): void;
  dispatcherFor(workload: string): WorkloadDispatcher | undefined;
  /** Read an answer (cost, terms); false when the lease is being released because of it. */
  inspect(record: ManagedLease, lease: Lease): boolean;
  endedBeforeRunning(record: ManagedLease, lease: Lease): void;
  release(key: string, reason: string): Promise<void>;
  /** The node passed its health check (`readyAt` is set): mark the lease ready. */
  ready(record: ManagedLease): void;
  /** A lasting refusal: stop requesting leases for `workload` for a while. */
  refuse(workload: string, error: ComputeError): void;
}

/** Wait for `record`'s lease to run and its node to be healthy, starting from the first answer. */
export async function untilRunning(host: StartupHost, record: ManagedLease, first: Lease): Promise<void> {
  const { clock, market } = host;
  const deadline = record.requestedAt + record.spec.maxProvisionSec * 1000;
  const pollMs = Math.min(2_000, Math.max(200, (record.spec.offer.coldStartSec * 1000) / 5));
  let lease = first;
  while (record.state === 'provisioning') {
    if (ENDED_LEASE_STATES.has(lease.state)) {
      host.endedBeforeRunning(record, lease);
      return;
    }
    if (lease.state === 'terminating') {
      await host.release(record.key, 'marketplace reports the lease terminating before it ran');
      return;
    }
    if (lease.state === 'running' && lease.endpoint && lease.nodeToken) {
      const refused = refuseNodeEndpoint(lease.endpoint, host.endpointPolicy ?? { allowInsecureHttp: false });
      if (refused) {
        const error = new ComputeError('PROTOCOL_INVALID', `lease ${lease.id}: node endpoint ${refused}`, { retryable: false });
        // A marketplace that hands out unusable endpoints will do it again: stop waiting on it.
        host.refuse(record.spec.workload, error);
        host.warn(error, 'checking a node endpoint');
        await host.release(record.key, `node endpoint ${refused}`);
        return;
      }
      await connect(host, record, lease.endpoint, lease.nodeToken, deadline, lease.tlsPin);
      return;
    }
    if (clock.now() >= deadline) {
      await host.release(record.key, `not running after ${record.spec.maxProvisionSec} s`);
      return;
    }
    await sleep(clock, pollMs);
    if (record.state !== 'provisioning') return;
    try {
      lease = await market.getLease(record.leaseId!);
      if (!host.inspect(record, lease)) return;
    } catch (error) {
      host.warn(asComputeError(error), `polling lease ${record.leaseId}`);
    }
  }
}

/** Health-check the node until it answers ready, then hand it to the dispatcher. */
async function connect(host: StartupHost, record: ManagedLease, endpoint: string, nodeToken: string, deadline: number, tlsPin?: string): Promise<void> {
  const { clock } = host;
  const client = host.connectNode({
    leaseId: record.leaseId!,
    endpoint,
    nodeToken,
    connections: record.spec.concurrencyPerNode,
    timeoutMs: record.spec.nodeTimeoutMs,
    ...(tlsPin === undefined ? {} : { tlsPin }),
  });
  const outcome = await untilHealthy(clock, (signal, ms) => client.healthy(signal, ms), deadline, () => record.state === 'provisioning');
  if (outcome === 'ready') {
    record.readyAt = clock.now();
    record.lastCheckedAt = record.readyAt;
    host.ready(record);
    const dispatcher = host.dispatcherFor(record.spec.workload);
    // A node adopted from a replica group may already be served as a follower's: keep that connection.
    if (dispatcher && !dispatcher.hasNode(record.key)) {
      dispatcher.addNode(record.key, client);
      return;
    }
  } else if (outcome === 'timeout') {
    await host.release(record.key, 'node never passed its health check');
  }
  await client.close();
}


function asComputeError(error: unknown): ComputeError {
  return isComputeError(error) ? error : new ComputeError('MARKET_UNAVAILABLE', String(error), { cause: error });
}
