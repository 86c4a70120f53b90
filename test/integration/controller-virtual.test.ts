/**
 * The whole runtime (queue, dispatcher, loop, planner, leases, ledger) on a
 * VirtualClock with an in-memory marketplace and modelled nodes: deterministic
 * checks of how the controller reacts over time.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { Compute } from '../../src/compute.js';
import type { ComputeError } from '../../src/errors.js';
import { ComputeOptionsSchema } from '../../src/config/compute.js';
import type { LeaseEvent, ScaleEvent } from '../../src/events.js';
import { MemoryMarket, modelledNodes } from '../support/memory-market.js';

interface Scenario {
  coldStartMs?: number;
  scaling?: Record<string, number>;
  budget?: { maxPerHour?: number; total?: number };
}

function build(s: Scenario = {}) {
  const clock = new VirtualClock(1_700_000_000_000);
  const market = new MemoryMarket(clock, { coldStartMs: s.coldStartMs ?? 2000 });
  const config = ComputeOptionsSchema.parse({ marketplace: market, clock, ...(s.budget ? { budget: s.budget } : {}) });
  const compute = new Compute(config, { connectNode: modelledNodes(clock, 2, market) });
  const scale: ScaleEvent[] = [];
  const leases: LeaseEvent[] = [];
  compute.on('scale', (e) => scale.push(e));
  compute.on('lease', (e) => leases.push(e));
  const work = compute.workload('w', {
    gpu: { model: 'A100', interruptible: 'never' },
    image: 'img',
    scaling: { minNodes: 0, maxNodes: 8, concurrencyPerNode: 2, latencyTargetMs: 1000, scaleDownDelayMs: 20_000, ...s.scaling },
  });
  return { clock, market, compute, work, scale, leases, t0: clock.now() };
}

async function burst(work: ReturnType<typeof build>['work'], n: number, ms: number) {
  const results = Array.from({ length: n }, (_, i) => work.run({ ms, i }));
  return Promise.all(results);
}

describe('controller on virtual time', () => {
  it('asks for nodes within one tick of a burst from zero, and counts provisioning nodes as coming', async () => {
    const { clock, market, work, scale, t0 } = build({ coldStartMs: 5000 });
    const done = burst(work, 200, 200);
    await clock.advance(1000);
    const first = scale.find((e) => e.added > 0);
    expect(first).toBeDefined();
    expect(first!.at - t0).toBeLessThanOrEqual(1000);
    const requestedFirst = market.leases.size;
    expect(requestedFirst).toBeGreaterThan(1);
    // During the cold start the queue does not shrink, but the planner must not re-request for it.
    await clock.advance(3500);
    expect(market.leases.size).toBe(requestedFirst);
    await clock.advance(60_000);
    await expect(done).resolves.toHaveLength(200);
  });

  it('rents one node for one task, and a ramp from zero all it needs in one tick', async () => {
    // One run() with one slot a node and a cold start far above the target: the task
    // misses whatever is rented, and one node carries it.
    const one = build({ coldStartMs: 30_000, scaling: { concurrencyPerNode: 1, latencyTargetMs: 1000 } });
    const task = one.work.run({ ms: 200 });
    await one.clock.advance(40_000);
    await expect(task).resolves.toBeDefined();
    expect(one.leases.filter((e) => e.type === 'acquired')).toHaveLength(1);
    expect(one.scale.filter((e) => e.added > 0).map((e) => e.added)).toEqual([1]);
    // Twelve tasks of 2 s at once, one slot a node, a target of 5 s and a 1 s cold start:
    // each node can take two within the target, so six nodes, rented by the first tick.
    const ramp = build({ coldStartMs: 1000, scaling: { concurrencyPerNode: 1, latencyTargetMs: 5000 } });
    const warm = ramp.work.run({ ms: 2000 });
    await ramp.clock.advance(4000);
    await warm;
    await ramp.clock.advance(60_000);
    const before = ramp.scale.length;
    const all = burst(ramp.work, 12, 2000);
    await ramp.clock.advance(100);
    const ups = ramp.scale.slice(before).filter((e) => e.added + e.restored > 0);
    expect(ups).toHaveLength(1);
    expect(ups[0]!.added + ups[0]!.restored).toBeGreaterThanOrEqual(6);
    expect(ups[0]!.cause.step.kind).toBe('scale-up');
    await ramp.clock.advance(30_000);
    await expect(all).resolves.toHaveLength(12);
  });

  it('drains only after scaleDownDelayMs of low demand, then scales to zero', async () => {
    // Nodes boot in 5 s: the fixed keep-alive below is (5/15)^2 of 20 minutes, 133 s.
    const { clock, market, work, scale, compute } = build({ coldStartMs: 5000, scaling: { scaleDownDelayMs: 20_000 } });
    const done = burst(work, 100, 500);
    let lastDone = 0;
    void done.then(() => (lastDone = clock.now()));
    await clock.advance(30_000);
    await done;
    expect(lastDone).toBeGreaterThan(0);
    const downs = scale.filter((e) => e.drained + e.released > 0);
    expect(downs.length).toBeGreaterThan(0);
    expect(downs[0]!.at - lastDone).toBeGreaterThanOrEqual(20_000 - 1000);
    // Once demand is gone, the fleet follows within a few ticks of the delay (no second
    // delay), down to the node kept warm for a return: the 1000 ms target is below a cold
    // start plus a service time, and no return has been seen yet (the fixed keep-alive).
    await clock.advance(lastDone + 20_000 + 3_000 - clock.now());
    expect(market.live()).toHaveLength(1);
    expect(compute.metrics().workloads.w!.nodes.ready).toBe(1);
    // It goes once the keep-alive is over.
    await clock.advance(150_000);
    expect(market.live()).toHaveLength(0);
    // With keepAliveMs: 0 the user opts out: the whole fleet goes with the delay.
    const optOut = build({ coldStartMs: 1000, scaling: { scaleDownDelayMs: 20_000, keepAliveMs: 0 } });
    const all = burst(optOut.work, 100, 500);
    await optOut.clock.advance(30_000);
    await all;
    await optOut.clock.advance(20_000);
    expect(optOut.market.live()).toHaveLength(0);
  });

  it('keeps minNodes when idle and never exceeds maxNodes', async () => {
    const { clock, market, work } = build({ coldStartMs: 500, scaling: { minNodes: 2, maxNodes: 3, scaleDownDelayMs: 2000 } });
    await clock.advance(5_000);
    expect(market.live()).toHaveLength(2);
    const done = burst(work, 300, 300);
    await clock.advance(120_000);
    await done;
    expect(market.peakLive).toBeLessThanOrEqual(3);
    expect(market.live()).toHaveLength(2);
  });

  it('holds the hourly rate under maxPerHour whatever the queue says', async () => {
    // $2/h nodes and a $5/h cap: two nodes at most.
    const { clock, market, work, compute } = build({ coldStartMs: 500, budget: { maxPerHour: 5 } });
    const done = burst(work, 200, 500);
    await clock.advance(120_000);
    await done;
    expect(market.peakLive).toBeLessThanOrEqual(2);
    expect(compute.metrics().budget.hourlyRate).toBeLessThanOrEqual(5);
  });

  it('is deterministic: the same scenario gives the same scale decisions at the same times', async () => {
    const run = async () => {
      const { clock, work, scale, t0 } = build({ coldStartMs: 1500 });
      const done = burst(work, 150, 250);
      await clock.advance(90_000);
      await done;
      return scale.map((e) => `${e.at - t0} ${e.added}/${e.drained}/${e.released} ${e.reason}`);
    };
    const a = await run();
    const b = await run();
    expect(a.length).toBeGreaterThan(1);
    expect(b).toEqual(a);
  });

  it('takes a draining node back into service for new work, instead of renting while it finishes a long task', async () => {
    const { clock, market, work, scale, leases } = build({ coldStartMs: 1000, scaling: { maxNodes: 4, concurrencyPerNode: 2, latencyTargetMs: 5000, scaleDownDelayMs: 2000 } });
    // A minute-long and a 3 s task on each of four nodes: once the short ones are done, two
    // nodes' worth of slots carry the long tasks, and the two nodes drained then still run theirs.
    const first = Array.from({ length: 8 }, (_, i) => work.run({ ms: i % 2 === 0 ? 60_000 : 3000 }));
    await clock.advance(10_000);
    const drainedBusy = leases.filter((e) => e.type === 'draining').length;
    expect(drainedBusy).toBeGreaterThan(0);
    const leasesBefore = market.leases.size;
    // New work while the long tasks run: the draining nodes come back before anything is rented.
    let done = false;
    const second = burst(work, 12, 2000).then(() => (done = true));
    await clock.advance(15_000);
    expect(done).toBe(true);
    const back = scale.filter((e) => e.restored > 0);
    expect(back.length).toBeGreaterThan(0);
    expect(back[0]!.reason).toContain('take back');
    expect(leases.some((e) => e.type === 'ready' && e.reason.startsWith('taken back into service'))).toBe(true);
    expect(market.leases.size).toBe(leasesBefore);
    await clock.advance(60_000);
    await second;
    await expect(Promise.all(first)).resolves.toHaveLength(8);
  });

  it('with no new work, releases a node as its last long task ends, not a scale-down delay later', async () => {
    const { clock, market, work, leases } = build({ coldStartMs: 1000, scaling: { latencyTargetMs: 120_000, scaleDownDelayMs: 20_000 } });
    let endedAt = 0;
    const long = work.run({ ms: 60_000 }).then(() => (endedAt = clock.now()));
    await clock.advance(70_000);
    await long;
    // The delay ran while the task did: the node drained then, and goes when the task ends.
    const drained = leases.find((e) => e.type === 'draining');
    expect(drained).toBeDefined();
    expect(drained!.at).toBeLessThan(endedAt);
    await clock.advance(2000);
    expect(market.live()).toHaveLength(0);
    const released = leases.find((e) => e.type === 'released');
    expect(released!.at - endedAt).toBeLessThanOrEqual(1000);
  });

  it('pause scales to zero and holds work; resume runs it', async () => {
    const { clock, market, work, compute } = build({ coldStartMs: 500 });
    await expect(Promise.all([work.run({ ms: 10 }), clock.advance(5000)])).resolves.toBeDefined();
    const paused = compute.pause('w');
    await clock.advance(5000);
    await paused;
    expect(market.live()).toHaveLength(0);
    let settled = false;
    const held = work.run({ ms: 10 }).finally(() => (settled = true));
    await clock.advance(10_000);
    expect(settled).toBe(false);
    expect(market.live()).toHaveLength(0);
    await compute.resume('w');
    await clock.advance(10_000);
    await expect(held).resolves.toEqual({ echo: { ms: 10 } });
  });

  it('emits budget events at 50, 80 and 100 % of the total, in order, and forecasts exhaustion', async () => {
    // $2/h nodes, a total of 0.05: about 90 node-seconds.
    const { clock, market, work, compute } = build({ coldStartMs: 500, budget: { total: 0.05 } });
    const budget: { percent: number; cap: string; scope: string; reason: string; value: number }[] = [];
    compute.on('budget', (e) => budget.push(e));
    const done = Promise.allSettled(Array.from({ length: 400 }, () => work.run({ ms: 1000 })));
    await clock.advance(3000);
    const m = compute.metrics().budget;
    expect(m.total).toBe(0.05);
    expect(m.hourlyRate).toBeGreaterThan(0);
    expect(m.forecastExhaustedAt).toBeGreaterThan(clock.now());
    await clock.advance(300_000);
    const outcomes = await done;
    const totals = budget.filter((e) => e.cap === 'total' && e.scope === 'global');
    // Each level fires once committed spend reaches it, never before; the guard keeps it under the cap.
    const committed = compute.metrics().budget.committed;
    expect(totals.map((e) => e.percent)).toEqual(committed >= 0.05 - 1e-9 ? [50, 80, 100] : [50, 80]);
    for (const e of totals) expect(e.value).toBeGreaterThanOrEqual((0.05 * e.percent) / 100 - 1e-9);
    expect(budget.every((e) => e.reason.length > 0)).toBe(true);
    expect(outcomes.some((o) => o.status === 'fulfilled')).toBe(true);
    const rejected = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as ComputeError);
    expect(rejected.length).toBeGreaterThan(0);
    for (const error of rejected) {
      expect(error.code).toBe('BUDGET_EXHAUSTED');
      // Which cap, how much of it is committed and what is left, not the planner's reason line.
      expect(error.details).toMatchObject({ workload: 'w', cap: 'total', scope: 'global', limit: 0.05 });
      expect((error.details.committed as number) + (error.details.remaining as number)).toBeCloseTo(0.05, 9);
    }
    expect(market.billTotal()).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(compute.metrics().budget.committed).toBeLessThanOrEqual(0.05 + 1e-9);
  });

  it('queues instead of rejecting when onBudgetExhausted is queue, and shutdown still settles everything', async () => {
    const clock = new VirtualClock(0);
    const market = new MemoryMarket(clock, { coldStartMs: 500 });
    const config = ComputeOptionsSchema.parse({ marketplace: market, clock, budget: { total: 0.01, onBudgetExhausted: 'queue' } });
    const compute = new Compute(config, { connectNode: modelledNodes(clock, 2, market) });
    const work = compute.workload('w', { gpu: { model: 'A100', interruptible: 'never' }, image: 'i', scaling: { maxNodes: 2, concurrencyPerNode: 2 } });
    const all = Promise.allSettled(Array.from({ length: 200 }, () => work.run({ ms: 1000 })));
    await clock.advance(120_000);
    expect(compute.metrics().workloads.w!.queued).toBeGreaterThan(0);
    expect(market.live()).toHaveLength(0);
    const stopping = compute.shutdown();
    await clock.advance(60_000);
    await stopping;
    const outcomes = await all;
    const codes = new Set(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.code));
    expect(codes).toEqual(new Set(['SHUTDOWN']));
  });
});
