/**
 * The measured miss budget: the rolling window of completions (metrics/attainment-window.ts),
 * its accounting (slo.ts), the planner step that spends it (steps/miss-budget.ts), the
 * observation that carries it, and its effect on a whole plan. Assertions are on structure.
 */
import { describe, expect, it } from 'vitest';
import { INITIAL_MEMORY, type WorkloadObservation } from '../../src/controller/observation.js';
import { observe } from '../../src/controller/observe.js';
import { plan } from '../../src/controller/planner.js';
import { renderReason } from '../../src/controller/reason-text.js';
import { attainment, missBudgetOf, missShare, windowAttainment } from '../../src/controller/slo.js';
import { MAX_SPEND, MAX_TIGHTEN, spendMissBudget } from '../../src/controller/steps/miss-budget.js';
import { ATTAINMENT_BUCKET_MS, ATTAINMENT_WINDOW_MS, AttainmentWindow } from '../../src/metrics/attainment-window.js';
import { makeOffer, makePolicy } from './planner-driver.js';
import { quietSource } from './source-driver.js';

const T = 10 * ATTAINMENT_WINDOW_MS;
const HOUR = ATTAINMENT_WINDOW_MS;

function workload(over: Partial<WorkloadObservation> = {}): WorkloadObservation {
  return { name: 'w', queued: 0, inFlight: 0, arrivalRateShort: 0, arrivalRateLong: 0, serviceTimeMs: 100, oldestQueuedMs: 0, coldStartMs: 30_000, nodes: [], paused: false, memory: INITIAL_MEMORY, ...over };
}

describe('attainment window', () => {
  it('counts completions and misses of the last hour, judged against the target', () => {
    const window = new AttainmentWindow(1000);
    window.record(T - HOUR - 1, 5000); // older than the window
    window.record(T - 30 * 60_000, 1000); // exactly at the target: within
    window.record(T - 10_000, 1001);
    window.record(T, 10);
    expect(window.counts(T)).toEqual({ requests: 3, misses: 1, windowMs: HOUR });
    // An hour later everything has left the window.
    expect(window.counts(T + HOUR).requests).toBe(0);
  });

  it('reuses a bucket for a newer minute and never lets an older one overwrite it', () => {
    const window = new AttainmentWindow(100, 2 * ATTAINMENT_BUCKET_MS);
    window.record(0, 500);
    window.record(2 * ATTAINMENT_BUCKET_MS, 50); // same slot, two minutes later
    window.record(0, 500); // late record of the old minute: dropped
    expect(window.counts(2 * ATTAINMENT_BUCKET_MS)).toEqual({ requests: 1, misses: 0, windowMs: 2 * ATTAINMENT_BUCKET_MS });
  });

  it('agrees with the simulator’s definition over the same requests', () => {
    const latencies = [10, 999, 1000, 1001, 4000, 20];
    const window = new AttainmentWindow(1000);
    for (const [i, ms] of latencies.entries()) window.record(T - 1000 * i, ms);
    const { requests, misses } = window.counts(T);
    expect(windowAttainment(requests, misses)).toBe(attainment(Float64Array.from(latencies), latencies.length, 1000));
  });
});

describe('slo: miss budget accounting', () => {
  it('allows (1 - sloTarget) of the requests and says what is left, negative when missed', () => {
    const ok = missBudgetOf(1000, 4, 0.99);
    expect(ok.allowed).toBeCloseTo(10);
    expect(ok.spent).toBe(4);
    expect(ok.left).toBeCloseTo(6);
    expect(missBudgetOf(1000, 30, 0.99).left).toBeLessThan(0);
    expect(windowAttainment(0, 0)).toBe(1);
  });
});

describe('step: spend the miss budget', () => {
  const policy = makePolicy({ sloTarget: 0.99 });
  const eps = missShare(0.99);
  const at = (requests: number, misses: number) => spendMissBudget(workload({ sloWindow: { requests, misses, windowMs: HOUR } }), policy);

  it('plans at the user’s share while nothing was measured', () => {
    for (const w of [workload(), workload({ sloWindow: { requests: 0, misses: 0, windowMs: HOUR } })]) {
      const out = spendMissBudget(w, policy);
      expect(out.facts).toBeUndefined();
      expect(out.policy).toBe(policy);
    }
  });

  it('below target: plans for fewer misses than the SLO allows, the more the further below', () => {
    const slightly = at(1000, 12);
    const badly = at(1000, 100);
    expect(slightly.facts).toMatchObject({ kind: 'miss-budget', mode: 'tighten', requests: 1000, misses: 12, sloTarget: 0.99 });
    expect(slightly.facts!.attainment).toBeCloseTo(0.988);
    expect(slightly.facts!.plannedMissShare).toBeLessThan(eps);
    expect(badly.facts!.plannedMissShare).toBeLessThan(slightly.facts!.plannedMissShare);
    expect(badly.facts!.plannedMissShare).toBeCloseTo(eps / MAX_TIGHTEN);
    // The models read the planned share through the policy's sloTarget.
    expect(missShare(slightly.policy.sloTarget)).toBeCloseTo(slightly.facts!.plannedMissShare);
    // The user's policy is not edited.
    expect(policy.sloTarget).toBe(0.99);
  });

  it('above target: spends what is left, more with more evidence, never beyond the cap', () => {
    const few = at(50, 0);
    const many = at(100_000, 0);
    expect(few.facts!.mode).toBe('spend');
    expect(few.facts!.plannedMissShare).toBeGreaterThan(eps);
    expect(many.facts!.plannedMissShare).toBeGreaterThan(few.facts!.plannedMissShare);
    expect(many.facts!.plannedMissShare).toBeLessThanOrEqual(eps * MAX_SPEND);
    // Half the budget spent leaves less to spend than none spent.
    expect(at(10_000, 50).facts!.plannedMissShare).toBeLessThan(at(10_000, 0).facts!.plannedMissShare);
  });

  it('a small window stays on its side of the target: one miss in fifty is below it', () => {
    expect(at(50, 1).facts).toMatchObject({ mode: 'tighten' });
    expect(at(50, 1).facts!.plannedMissShare).toBeLessThan(eps);
  });

  it('takes a malformed window (more misses than requests) as all missed', () => {
    expect(at(10, 50).facts).toMatchObject({ misses: 10, attainment: 0, mode: 'tighten' });
  });
});

describe('the window in the observation and the plan', () => {
  it('observe() carries the source’s window counts', () => {
    const window = new AttainmentWindow(500);
    window.record(T - 1000, 400);
    window.record(T - 500, 900);
    expect(observe(quietSource({ attainment: window }), T).sloWindow).toEqual({ requests: 2, misses: 1, windowMs: HOUR });
  });

  it('a window below target rents at least as much headroom as one within it, and says why', () => {
    const policy = makePolicy({ latencyTargetMs: 250, concurrencyPerNode: 1, maxNodes: 100, sloTarget: 0.99 });
    const busy = { arrivalRateShort: 40, arrivalRateLong: 40, serviceTimeMs: 100, queued: 0, coldStartMs: 30_000 };
    const decide = (requests: number, misses: number) =>
      plan({ now: T, tickMs: 1000, workloads: [workload({ ...busy, sloWindow: { requests, misses, windowMs: HOUR } })] }, { w: policy }, [makeOffer({ available: 1000 })], {
        maxPerHour: undefined,
        total: undefined,
        hourlyRate: 0,
        committed: 0,
        workloads: {},
      }).workloads[0]!;
    const missed = decide(10_000, 1000);
    const clean = decide(10_000, 0);
    expect(missed.reason.slo).toMatchObject({ kind: 'miss-budget', mode: 'tighten' });
    expect(clean.reason.slo).toMatchObject({ kind: 'miss-budget', mode: 'spend' });
    expect(missed.desired).toBeGreaterThan(clean.desired);
    // Rendered at the edge only, and only when it changes what is planned.
    expect(renderReason(missed.reason)).not.toBe(renderReason({ ...missed.reason, slo: undefined } as typeof missed.reason));
    const onTarget = { ...missed.reason, slo: { ...missed.reason.slo!, mode: 'hold' as const } };
    expect(renderReason(onTarget)).toBe(renderReason({ step: missed.reason.step, releasedDrained: missed.reason.releasedDrained }));
  });
});
