/**
 * One fleet for the group: every replica dispatches to every ready node of the
 * workload, within the slot share the leader gave it. Once a tick, from the shares
 * document it read, a replica connects to nodes it does not have yet (endpoint and
 * node token come from the marketplace, never from Redis: no secret is stored there),
 * sets each node's local limit to its share, and lets go of nodes the fleet no longer
 * lists once its own tasks on them are done. Nodes its own lease manager holds (it
 * leads the workload) are the lease manager's to add and remove; only their limits
 * are set here.
 */
import { timeoutSignal, type Clock } from '../clock.js';
import type { WorkloadDispatcher } from '../dispatch/dispatcher.js';
import type { NodeConnector } from '../dispatch/node-transport.js';
import type { ComputeError } from '../errors.js';
import { refuseNodeEndpoint, type EndpointPolicy } from '../leases/node-endpoint.js';
import type { Marketplace } from '../market/marketplace.js';
import type { SharesDocument } from './signals.js';

/** Collaborators of a {@link FleetFollower}. */
export interface FleetFollowerDeps {
  clock: Clock;
  market: Marketplace;
  connectNode: NodeConnector;
  endpointPolicy: EndpointPolicy;
  warn(error: ComputeError, during: string): void;
}

/** What the follower needs of one workload. */
export interface FollowedWorkload {
  name: string;
  dispatcher: WorkloadDispatcher;
  nodeTimeoutMs: number;
  /** Node keys this replica's own lease manager holds. */
  owned: ReadonlySet<string>;
}

/** Keeps a replica's dispatcher in step with the group's fleet and its shares. */
export class FleetFollower {
  readonly #connecting = new Set<string>();
  /** Nodes that failed to connect, and when (retried after a while). */
  readonly #failed = new Map<string, number>();

  constructor(private readonly deps: FleetFollowerDeps) {}

  /** Apply the leader's shares document (`undefined`: none known yet, nothing changes). */
  sync(workload: FollowedWorkload, doc: SharesDocument | undefined, replicaId: string): void {
    if (!doc) return;
    const { dispatcher, owned } = workload;
    const mine = doc.shares[replicaId] ?? {};
    for (const [key, node] of Object.entries(doc.nodes)) {
      if (dispatcher.hasNode(key)) dispatcher.setNodeLimit(key, mine[key] ?? 0);
      else if (!owned.has(key)) this.#connect(workload, key, node.leaseId, node.slots, () => mine[key] ?? 0);
    }
    for (const key of dispatcher.nodeIds()) {
      if (key in doc.nodes || owned.has(key)) continue;
      // Gone from the fleet (drained or released by the leader): no new task; let go once ours are done.
      dispatcher.setNodeLimit(key, 0);
      if (dispatcher.inFlight(key) === 0) dispatcher.removeNode(key, true);
    }
  }

  /** Nodes being connected now (tests and metrics). */
  get connecting(): number {
    return this.#connecting.size;
  }

  #connect(workload: FollowedWorkload, key: string, leaseId: string, slots: number, share: () => number): void {
    const id = `${workload.name}\u0000${key}`;
    const failedAt = this.#failed.get(id);
    if (this.#connecting.has(id) || (failedAt !== undefined && this.deps.clock.now() - failedAt < 5_000)) return;
    this.#connecting.add(id);
    void this.#open(workload, key, leaseId, slots, share)
      .then((ok) => {
        if (ok) this.#failed.delete(id);
        else this.#failed.set(id, this.deps.clock.now());
      })
      .finally(() => this.#connecting.delete(id));
  }

  async #open(workload: FollowedWorkload, key: string, leaseId: string, slots: number, share: () => number): Promise<boolean> {
    const { market, connectNode, endpointPolicy, clock } = this.deps;
    let lease;
    try {
      lease = await market.getLease(leaseId);
    } catch (error) {
      this.deps.warn(error as ComputeError, `looking up node ${key} of the group's fleet`);
      return false;
    }
    if (lease.state !== 'running' || !lease.endpoint || !lease.nodeToken) return false;
    if (refuseNodeEndpoint(lease.endpoint, endpointPolicy) !== undefined) return false;
    const client = connectNode({
      leaseId,
      endpoint: lease.endpoint,
      nodeToken: lease.nodeToken,
      connections: Math.max(1, slots),
      timeoutMs: workload.nodeTimeoutMs,
      ...(lease.tlsPin === undefined ? {} : { tlsPin: lease.tlsPin }),
    });
    const timeout = timeoutSignal(clock, 2_000);
    const healthy = await client.healthy(timeout.signal, 2_000).finally(() => timeout.cancel());
    if (!healthy || workload.dispatcher.hasNode(key) || workload.owned.has(key)) {
      await client.close();
      return healthy;
    }
    workload.dispatcher.addNode(key, client, share());
    return true;
  }
}
