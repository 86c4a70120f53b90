/**
 * Which nodes the planner drains when demand falls: those that will be free soonest.
 * A node kept alive by a long task serves nothing while it drains, so it keeps
 * serving and another goes.
 */
import { describe, expect, it } from 'vitest';
import { INITIAL_MEMORY } from '../../src/controller/observation.js';
import type { NodeView, Observation, WorkloadObservation } from '../../src/controller/observation.js';
import { plan } from '../../src/controller/planner.js';
import { timeToFree } from '../../src/controller/time-to-free.js';
import { makeOffer, makePolicy } from './planner-driver.js';

const T = 9_000_000;
const offer = makeOffer({ id: 'od', pricePerHour: 2, billingIncrementSec: 1, minLeaseSec: 0 });
const policy = makePolicy({ maxNodes: 10, concurrencyPerNode: 8, latencyTargetMs: 120_000, scaleDownDelayMs: 10_000 });
// Recent service times, 20 equal shares: mostly a few seconds, a tail to 300 s.
const SPREAD = [1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8, 10, 15, 30, 90, 300].map((s) => s * 1000);

function node(id: string, over: Partial<NodeView> = {}): NodeView {
  return { id, state: 'ready', inFlight: 2, oldestTaskMs: 2000, pricePerHour: 2, requestedAt: T - 3_600_000, billingIncrementSec: 1, minLeaseSec: 0, interruptible: false, ...over };
}

function tick(nodes: NodeView[], over: Partial<WorkloadObservation> = {}, memory = INITIAL_MEMORY, now = T) {
  const w: WorkloadObservation = {
    name: 'w',
    queued: 0,
    inFlight: nodes.reduce((n, x) => n + x.inFlight, 0),
    arrivalRateShort: 0.2,
    arrivalRateLong: 0.2,
    serviceTimeMs: 25_000,
    serviceTimeSpreadMs: SPREAD,
    oldestQueuedMs: 0,
    coldStartMs: 60_000,
    nodes,
    paused: false,
    memory,
    ...over,
  };
  const observation: Observation = { now, tickMs: 1000, workloads: [w] };
  return plan(observation, { w: policy }, [offer], { maxPerHour: undefined, total: undefined, hourlyRate: 0, committed: 0, workloads: {} }).workloads[0]!;
}

describe('time until a drained node is free', () => {
  it('is 0 when idle, a new task when young, and grows with the age of a task in the tail', () => {
    const mean = 25_000;
    expect(timeToFree(node('a', { inFlight: 0 }), SPREAD, mean)).toBe(0);
    // 1 s old: what the 18 shares above 1 s run past it, on average (a little over the mean).
    const above = SPREAD.filter((s) => s > 1000);
    expect(timeToFree(node('a', { oldestTaskMs: 1000 }), SPREAD, mean)).toBeCloseTo(above.reduce((x, s) => x + s - 1000, 0) / above.length, 6);
    // Never less than a new task's service: a node with tasks takes new ones until drained.
    expect(timeToFree(node('a', { oldestTaskMs: 200_000 }), SPREAD, 150_000)).toBe(150_000);
    // 60 s old: the shares above it are 90 s and 300 s, so (30 + 240) / 2 = 135 s more.
    expect(timeToFree(node('a', { oldestTaskMs: 60_000 }), SPREAD, mean)).toBe(135_000);
    // Older than every recent task: as long again.
    expect(timeToFree(node('a', { oldestTaskMs: 400_000 }), SPREAD, mean)).toBe(400_000);
    // Ages not known: a new task's worth.
    expect(timeToFree(node('a', { oldestTaskMs: undefined }), SPREAD, mean)).toBe(mean);
    expect(timeToFree(node('a', { oldestTaskMs: 60_000 }), undefined, mean)).toBe(mean);
  });

  it('drains the node that will be free soonest, not the one running a long task', () => {
    // Three nodes with two tasks each; demand (0.2/s of 25 s) needs one: two go. The node
    // whose task has run 10 minutes stays (it would be paid for anyway until that ends).
    const nodes = [node('long', { oldestTaskMs: 600_000 }), node('young1'), node('young2', { oldestTaskMs: 3000 })];
    const low = tick(nodes);
    const d = tick(nodes, {}, low.memory, T + 11_000);
    expect([...d.drain].sort()).toEqual(['young1', 'young2']);
  });
});
