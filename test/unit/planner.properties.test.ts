import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { committedCost } from '../../src/budget/cost.js';
import { estimateDemand } from '../../src/controller/demand.js';
import type { BudgetView, NodeView, Observation, PlannerPolicy, WorkloadObservation } from '../../src/controller/observation.js';
import { plan } from '../../src/controller/planner.js';
import type { Offer } from '../../src/market/protocol.js';
import { TickDriver, makeOffer } from './planner-driver.js';
import type { Demand } from './planner-driver.js';

const EPS = 1e-6;
const NOW = 10_000_000;

const policyArb: fc.Arbitrary<PlannerPolicy> = fc
  .record({
    minNodes: fc.integer({ min: 0, max: 3 }),
    extra: fc.integer({ min: 0, max: 8 }),
    latencyTargetMs: fc.integer({ min: 100, max: 5000 }),
    concurrencyPerNode: fc.integer({ min: 1, max: 8 }),
    scaleDownDelayMs: fc.integer({ min: 0, max: 30 }).map((s) => s * 1000),
    interruptible: fc.constantFrom('allow', 'never', 'only') as fc.Arbitrary<'allow' | 'never' | 'only'>,
  })
  .map(({ minNodes, extra, interruptible, ...rest }) => ({
    ...rest,
    minNodes,
    maxNodes: Math.max(1, minNodes + extra),
    gpu: { model: ['A100', 'H100'], count: 1, interruptible },
  }));

const offerArb = (i: number): fc.Arbitrary<Offer> =>
  fc
    .record({
      model: fc.constantFrom('A100', 'H100', 'L4'),
      pricePerHour: fc.double({ min: 0.1, max: 10, noNaN: true }),
      billingIncrementSec: fc.constantFrom(1, 60, 300, 3600),
      minLeaseSec: fc.constantFrom(0, 60, 600),
      interruptible: fc.boolean(),
      reliability: fc.double({ min: 0.5, max: 1, noNaN: true }),
      available: fc.integer({ min: 0, max: 6 }),
    })
    .map((o) => makeOffer({ ...o, id: `o${i}` }));

const offersArb = fc.integer({ min: 0, max: 4 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => offerArb(i))));

const nodeArb = (name: string, i: number): fc.Arbitrary<NodeView> =>
  fc
    .record({
      state: fc.constantFrom('requested', 'provisioning', 'ready', 'ready', 'draining') as fc.Arbitrary<NodeView['state']>,
      inFlight: fc.integer({ min: 0, max: 4 }),
      pricePerHour: fc.double({ min: 0.1, max: 10, noNaN: true }),
      age: fc.integer({ min: 0, max: 7200_000 }),
      billingIncrementSec: fc.constantFrom(1, 60, 300, 3600),
      minLeaseSec: fc.constantFrom(0, 60, 600),
    })
    .map(({ age, ...n }) => ({ ...n, id: `${name}-n${i}`, requestedAt: NOW - age, interruptible: false }));

const demandArb = fc.record({
  queued: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 500 })),
  inFlight: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 })),
  arrivalRateShort: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 100, noNaN: true })),
  arrivalRateLong: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 100, noNaN: true })),
  serviceTimeMs: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }),
});

const workloadArb = (name: string): fc.Arbitrary<WorkloadObservation> =>
  fc
    .record({
      demand: demandArb,
      paused: fc.boolean(),
      coldStartMs: fc.integer({ min: 0, max: 60_000 }),
      nodes: fc.integer({ min: 0, max: 12 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => nodeArb(name, i)))),
      lowFor: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: null }),
      peak: fc.integer({ min: 0, max: 10 }),
      avoidSpot: fc.boolean(),
    })
    .map((w) => ({
      name,
      ...w.demand,
      paused: w.paused && w.demand.queued % 5 === 0,
      oldestQueuedMs: 0,
      coldStartMs: w.coldStartMs,
      nodes: w.nodes,
      memory: { lowDemandSince: w.lowFor === null ? null : NOW - w.lowFor, recentDesired: w.peak > 0 ? [{ at: NOW - 1, desired: w.peak }] : [], avoidSpotUntil: w.avoidSpot ? NOW + 1 : 0 },
    }));

const capArb = fc.option(fc.double({ min: 0.5, max: 60, noNaN: true }), { nil: undefined });

/** Two workloads, their policies, offers and a budget view consistent with the nodes. */
const scenarioArb = fc
  .record({
    a: workloadArb('a'),
    b: workloadArb('b'),
    pa: policyArb,
    pb: policyArb,
    offers: offersArb,
    tickMs: fc.constantFrom(500, 1000, 5000),
    maxPerHour: capArb,
    total: capArb,
    wMaxPerHour: capArb,
    wTotal: capArb,
    ended: fc.double({ min: 0, max: 50, noNaN: true }),
  })
  .map((s) => {
    const observation: Observation = { now: NOW, tickMs: s.tickMs, workloads: [s.a, s.b] };
    const usage = (w: WorkloadObservation) => ({
      hourlyRate: w.nodes.reduce((sum, n) => sum + n.pricePerHour, 0),
      committed: w.nodes.reduce((sum, n) => sum + committedCost(n, NOW), s.ended / 2),
    });
    const ua = usage(s.a);
    const ub = usage(s.b);
    const budget: BudgetView = {
      maxPerHour: s.maxPerHour,
      total: s.total,
      hourlyRate: ua.hourlyRate + ub.hourlyRate,
      committed: ua.committed + ub.committed,
      workloads: { a: { ...ua, maxPerHour: s.wMaxPerHour, total: s.wTotal }, b: ub },
    };
    return { observation, policies: { a: s.pa, b: s.pb }, offers: s.offers, budget };
  });

describe('plan: properties of one tick', () => {
  it('desired stays within [minNodes, maxNodes] unless the budget or a pause says otherwise', () => {
    fc.assert(
      fc.property(scenarioArb, ({ observation, policies, offers, budget }) => {
        for (const d of plan(observation, policies, offers, budget).workloads) {
          const p = policies[d.name as 'a' | 'b'];
          const w = observation.workloads.find((x) => x.name === d.name)!;
          expect(d.desired).toBeLessThanOrEqual(p.maxNodes);
          if (w.paused) expect(d.desired).toBe(0);
          else if (!d.budgetBlocked) expect(d.desired).toBeGreaterThanOrEqual(p.minNodes);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('never leaves more than maxNodes live nodes, never releases or drains twice', () => {
    fc.assert(
      fc.property(scenarioArb, ({ observation, policies, offers, budget }) => {
        for (const d of plan(observation, policies, offers, budget).workloads) {
          const w = observation.workloads.find((x) => x.name === d.name)!;
          const gone = new Set([...d.drain, ...d.release]);
          expect(gone.size).toBe(d.drain.length + d.release.length);
          for (const id of d.drain) expect(w.nodes.find((n) => n.id === id)?.state).not.toBe('draining');
          const live = w.nodes.filter((n) => n.state !== 'draining' && !gone.has(n.id)).length + d.add.length;
          expect(live).toBeLessThanOrEqual(policies[d.name as 'a' | 'b'].maxNodes);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('keeps the hourly rate under maxPerHour (global and per workload) and reservations under total', () => {
    fc.assert(
      fc.property(scenarioArb, ({ observation, policies, offers, budget }) => {
        const decision = plan(observation, policies, offers, budget);
        const price = new Map(observation.workloads.flatMap((w) => w.nodes.map((n) => [n.id, n.pricePerHour] as const)));
        let rate = budget.hourlyRate;
        let reserved = 0;
        for (const d of decision.workloads) {
          const released = d.release.reduce((s, id) => s + price.get(id)!, 0);
          const added = d.add.reduce((s, a) => s + a.offer.pricePerHour, 0);
          const wReserved = d.add.reduce((s, a) => s + a.reserve, 0);
          rate += added - released;
          reserved += wReserved;
          const wb = budget.workloads[d.name]!;
          if (wb.maxPerHour !== undefined) expect(wb.hourlyRate + added - released).toBeLessThanOrEqual(wb.maxPerHour + EPS);
          if (wb.total !== undefined && d.add.length > 0) expect(wb.committed + wReserved).toBeLessThanOrEqual(wb.total + EPS);
          for (const a of d.add) expect(a.reserve).toBeGreaterThan(0);
        }
        if (budget.maxPerHour !== undefined) expect(rate).toBeLessThanOrEqual(budget.maxPerHour + EPS);
        if (budget.total !== undefined && reserved > 0) expect(budget.committed + reserved).toBeLessThanOrEqual(budget.total + EPS);
      }),
      { numRuns: 400 },
    );
  });

  it('asks for capacity in the first tick of a burst from zero', () => {
    fc.assert(
      fc.property(policyArb, demandArb, (policy, demand) => {
        // New work: queued, or arriving now (tasks in flight alone run on nodes, and there are none here).
        fc.pre(demand.queued > 0 || demand.arrivalRateShort > 0);
        const offers = [makeOffer({ id: 'od' }), makeOffer({ id: 'spot', interruptible: true, pricePerHour: 1 })];
        const w: WorkloadObservation = { name: 'a', ...demand, paused: false, oldestQueuedMs: 0, coldStartMs: 30_000, nodes: [], memory: { lowDemandSince: null, recentDesired: [], avoidSpotUntil: 0 } };
        const d = plan({ now: NOW, tickMs: 1000, workloads: [w] }, { a: policy }, offers, { maxPerHour: undefined, total: undefined, hourlyRate: 0, committed: 0, workloads: {} }).workloads[0]!;
        expect(d.add.length).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });
});

const stepsArb = fc.array(
  fc.record({ demand: demandArb, repeat: fc.integer({ min: 1, max: 40 }) }),
  { minLength: 1, maxLength: 8 },
);

describe('plan: properties over a run of ticks', () => {
  it('does not request again for demand already covered by provisioning nodes', () => {
    fc.assert(
      fc.property(policyArb, demandArb, fc.integer({ min: 5, max: 60 }), (policy, demand, coldTicks) => {
        const offers = [makeOffer({ available: 100 }), makeOffer({ id: 'spot', interruptible: true, available: 100 })];
        const driver = new TickDriver({ tickMs: 1000, coldStartMs: coldTicks * 1000, offers, policies: { a: policy } });
        const first = driver.step({ a: demand }).decision.workloads[0]!.add.length;
        let later = 0;
        for (let i = 1; i < coldTicks; i++) later += driver.step({ a: demand }).decision.workloads[0]!.add.length;
        expect(later).toBe(0);
        expect(first).toBeGreaterThanOrEqual(policy.minNodes);
        expect(driver.live('a').length).toBe(first);
      }),
      { numRuns: 150 },
    );
  });

  it('drains only after scaleDownDelayMs of continuously low demand', () => {
    fc.assert(
      fc.property(policyArb, stepsArb, (policy, steps) => {
        const offers = [makeOffer({ billingIncrementSec: 1, minLeaseSec: 0, available: 100 }), makeOffer({ id: 'spot', interruptible: true, billingIncrementSec: 1, minLeaseSec: 0, available: 100 })];
        const driver = new TickDriver({ tickMs: 1000, coldStartMs: 3000, offers, policies: { a: policy } });
        const lowAt: Array<[number, boolean]> = [];
        for (const { demand, repeat } of steps) {
          for (let i = 0; i < repeat; i++) {
            const { observation, decision } = driver.step({ a: demand as Partial<Demand> });
            const w = observation.workloads[0]!;
            const target = Math.min(policy.maxNodes, Math.max(policy.minNodes, estimateDemand(w, policy, 1000, observation.now).nodes));
            const live = w.nodes.filter((n) => n.state !== 'draining').length;
            lowAt.push([observation.now, target < live]);
            if (decision.workloads[0]!.drain.length === 0) continue;
            const windowStart = observation.now - policy.scaleDownDelayMs;
            expect(windowStart).toBeGreaterThanOrEqual(0);
            for (const [at, low] of lowAt) if (at >= windowStart) expect(low).toBe(true);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('never lets committed spend or the hourly rate pass the caps (look-ahead releases first)', () => {
    fc.assert(
      fc.property(
        policyArb,
        policyArb,
        fc.array(offerArb(0).chain((o) => offerArb(1).map((p) => [o, p])), { minLength: 1, maxLength: 1 }),
        stepsArb,
        fc.double({ min: 0.2, max: 30, noNaN: true }),
        fc.double({ min: 1, max: 40, noNaN: true }),
        fc.option(fc.double({ min: 0.1, max: 20, noNaN: true }), { nil: undefined }),
        (pa, pb, [offers], steps, total, maxPerHour, aTotal) => {
          const driver = new TickDriver({
            tickMs: 1000,
            coldStartMs: 2000,
            offers: offers!.map((o) => ({ ...o, available: 50 })),
            policies: { a: pa, b: pb },
            caps: { total, maxPerHour },
            workloadCaps: { a: { total: aTotal } },
          });
          for (const { demand, repeat } of steps) {
            for (let i = 0; i < Math.min(repeat, 20); i++) {
              driver.step({ a: demand as Partial<Demand>, b: { ...(demand as Partial<Demand>), paused: false } });
              // Until the next tick, nothing more can happen: check at its time.
              expect(driver.committed(driver.now)).toBeLessThanOrEqual(total + EPS);
              if (aTotal !== undefined) expect(driver.committed(driver.now, 'a')).toBeLessThanOrEqual(aTotal + EPS);
              expect(driver.rate()).toBeLessThanOrEqual(maxPerHour + EPS);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
