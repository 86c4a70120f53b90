/**
 * Runs a baseline {@link Policy} on the simulated cluster: calls `decide` on its
 * period and moves the fleet to the answer. The actuator is shared by every
 * baseline, so they differ only in the rule: scaling up rents the missing nodes at
 * once; scaling down first cancels nodes still in their cold start (newest first),
 * then drains ready nodes with the fewest tasks in flight (newest first), which
 * is what a Kubernetes ReplicaSet does when it picks pods to remove.
 */
import type { Offer } from '../../market/protocol.js';
import type { Fleet, Policy, PolicyView } from '../baselines/types.js';
import type { Controller, Engine } from '../engine.js';
import type { SimNode } from '../node.js';
import { countSince } from '../arrivals.js';

/** Drives a baseline policy. */
export class BaselineController implements Controller {
  nextAt: number;

  constructor(
    private readonly policy: Policy,
    private readonly onDemand: Offer,
    private readonly spot: Offer | undefined,
  ) {
    this.nextAt = policy.periodMs === Infinity ? Infinity : 0;
  }

  init(engine: Engine): void {
    for (let i = 0; i < this.policy.initialNodes; i++) engine.rent(0, this.onDemand, true);
  }

  decide(engine: Engine, now: number): void {
    const c = engine.cluster;
    c.tick(now);
    const view = this.view(engine, now);
    const wanted = this.policy.decide(view);
    const fleet: Fleet = typeof wanted === 'number' ? { onDemand: wanted, spot: 0 } : wanted;
    let changed = this.scale(engine, now, this.onDemand, Math.max(0, Math.round(fleet.onDemand)));
    if (this.spot !== undefined) {
      const spotTarget = engine.spotAvailable ? Math.max(0, Math.round(fleet.spot)) : Math.min(Math.max(0, Math.round(fleet.spot)), this.count(engine, true));
      changed += this.scale(engine, now, this.spot, spotTarget);
    }
    if (changed > 0) engine.scaleEvents++;
    const quiet = c.liveCount === 0 && c.queued === 0 && c.inFlight === 0;
    // With nothing live and nothing to do, every rule here answers zero until a task arrives.
    this.nextAt = quiet ? Infinity : now + this.policy.periodMs;
  }

  onIdleArrival(engine: Engine, now: number): void {
    if (engine.cluster.liveCount > 0 || this.nextAt !== Infinity || this.policy.periodMs === Infinity) return;
    const period = this.policy.periodMs;
    this.nextAt = this.policy.wakeOnArrival ? now : Math.ceil(now / period) * period;
  }

  onPreempted(_engine: Engine, now: number): void {
    this.policy.onPreempted?.(now);
  }

  private view(engine: Engine, now: number): PolicyView {
    const c = engine.cluster;
    let readySpot = 0;
    let provisioningSpot = 0;
    for (const node of c.liveNodes()) {
      if (!node.offer.interruptible) continue;
      if (node.state === 'ready') readySpot++;
      else if (node.state === 'provisioning') provisioningSpot++;
    }
    return {
      now,
      ready: c.readyCount,
      provisioning: c.provisioningCount,
      readySpot,
      provisioningSpot,
      queued: c.queued,
      inFlight: c.inFlight,
      slots: c.slots,
      arrivals: (sec) => countSince(c.arr, c.next, now - sec * 1000),
      avgConcurrency: (sec) => c.meter.avgConcurrency(now, sec),
      avgInFlight: (sec) => c.meter.avgInFlight(now, sec),
      spotAvailable: engine.spotAvailable,
    };
  }

  private count(engine: Engine, spot: boolean): number {
    let n = 0;
    for (const node of engine.cluster.liveNodes()) if (node.offer.interruptible === spot && (node.state === 'ready' || node.state === 'provisioning')) n++;
    return n;
  }

  /** Move the live nodes of `offer`'s kind to `target`; returns nodes added or removed. */
  private scale(engine: Engine, now: number, offer: Offer, target: number): number {
    const kind = offer.interruptible;
    const live = engine.cluster.liveNodes().filter((n) => n.offer.interruptible === kind && (n.state === 'ready' || n.state === 'provisioning'));
    if (target > live.length) {
      let added = 0;
      for (let i = live.length; i < target; i++) if (engine.rent(now, offer)) added++;
      return added;
    }
    const surplus = live.length - target;
    if (surplus <= 0) return 0;
    const order = [...live].sort(removalOrder);
    for (const node of order.slice(0, surplus)) engine.cluster.drain(now, node);
    return surplus;
  }
}

/** Not-ready first, then fewest tasks in flight, then newest. */
function removalOrder(a: SimNode, b: SimNode): number {
  const ar = a.state === 'ready' ? 1 : 0;
  const br = b.state === 'ready' ? 1 : 0;
  return ar - br || a.inFlight - b.inFlight || b.requestedAt - a.requestedAt || b.idx - a.idx;
}
