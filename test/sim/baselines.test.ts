/**
 * Each baseline's decision rule against cases computed by hand from its
 * documentation (BASELINES.md and the files it points to).
 */
import { describe, expect, it } from 'vitest';
import { FixedReservedPolicy } from '../../src/sim/baselines/fixed-reserved.js';
import { HpaPolicy } from '../../src/sim/baselines/hpa.js';
import { KedaPolicy } from '../../src/sim/baselines/keda.js';
import { KpaPolicy } from '../../src/sim/baselines/kpa.js';
import { RayServePolicy } from '../../src/sim/baselines/ray-serve.js';
import { SkyServePolicy } from '../../src/sim/baselines/skyserve.js';
import { StaticPeakPolicy } from '../../src/sim/baselines/static-peak.js';
import type { PolicyContext, PolicyView } from '../../src/sim/baselines/types.js';
import type { TraceStats } from '../../src/sim/trace-stats.js';

const CTX: PolicyContext = { slots: 8, minNodes: 0, maxNodes: 100, latencyTargetMs: 60_000, meanServiceMs: 4000, coldStartMs: 60_000, spotEnabled: false, initialNodes: 2 };

interface Signals {
  inFlight15?: number;
  conc60?: number;
  conc6?: number;
  conc30?: number;
  arrivals60?: number;
}

function view(over: Partial<PolicyView> & Signals = {}): PolicyView {
  const { inFlight15 = 0, conc60 = 0, conc6 = 0, conc30 = 0, arrivals60 = 0, ...rest } = over;
  return {
    now: 0,
    ready: 2,
    provisioning: 0,
    readySpot: 0,
    provisioningSpot: 0,
    queued: 0,
    inFlight: 0,
    slots: 8,
    arrivals: (sec) => (sec === 60 ? arrivals60 : 0),
    avgConcurrency: (sec) => (sec === 60 ? conc60 : sec === 6 ? conc6 : sec === 30 ? conc30 : 0),
    avgInFlight: (sec) => (sec === 15 ? inFlight15 : 0),
    spotAvailable: true,
    ...rest,
  };
}

describe('Kubernetes HPA', () => {
  it('desired = ceil(current * utilisation / 0.8), outside a 10 % tolerance', () => {
    // 16 in flight on 2 nodes of 8 slots: 100 % / 80 % = 1.25 -> ceil(2.5) = 3.
    expect(new HpaPolicy(CTX).decide(view({ inFlight15: 16 }))).toBe(3);
    // 13.2 in flight: 82.5 % / 80 % = 1.03, within tolerance: hold 2.
    expect(new HpaPolicy(CTX).decide(view({ inFlight15: 13.2 }))).toBe(2);
  });

  it('counts unready pods as idle when scaling up, and holds if that flips the direction', () => {
    // 16 in flight on 2 ready + 2 starting: 16 / 4 / 8 = 50 % -> ratio 0.625 < 1: hold 4.
    expect(new HpaPolicy(CTX).decide(view({ ready: 2, provisioning: 2, inFlight15: 16 }))).toBe(4);
  });

  it('scales down to the highest recommendation of the last 300 s', () => {
    const hpa = new HpaPolicy(CTX);
    // 4 nodes busy: ratio 1.25 -> 5.
    expect(hpa.decide(view({ now: 0, ready: 4, inFlight15: 32 }))).toBe(5);
    // Then load falls: 8 in flight on 5 -> 20 % / 80 % -> ceil(1.25) = 2, but 5 was recommended 15 s ago.
    expect(hpa.decide(view({ now: 15_000, ready: 5, inFlight15: 8 }))).toBe(5);
    // 300 s after the 5, only the low recommendations remain in the window.
    expect(hpa.decide(view({ now: 300_001, ready: 5, inFlight15: 8 }))).toBe(2);
  });

  it('keeps minReplicas 1 even when the policy allows zero', () => {
    expect(new HpaPolicy(CTX).decide(view({ ready: 2, inFlight15: 0 }))).toBe(1);
  });
});

describe('Knative KPA', () => {
  it('panics when the 6 s window asks for twice the ready pods, and never scales down in panic', () => {
    const kpa = new KpaPolicy(CTX);
    // target 8 * 0.7 = 5.6; stable 20 -> 4, panic 22.4 -> 4; 4 / 2 ready >= 2: panic, desired 4.
    expect(kpa.decide(view({ now: 0, ready: 2, conc60: 20, conc6: 22.4 }))).toBe(4);
    // Panic still on: the panic window now wants 1 and the stable one 2, but it never decreases.
    expect(kpa.decide(view({ now: 30_000, ready: 4, conc60: 11.2, conc6: 5.6 }))).toBe(4);
    // 60 s after the last over-threshold tick, panic ends: stable window rules (2).
    expect(kpa.decide(view({ now: 60_000, ready: 4, conc60: 11.2, conc6: 5.6 }))).toBe(2);
  });

  it('scales down at most to half the ready pods per tick', () => {
    // stable 0.5 -> 1 pod, but maxDown = floor(10 / 2) = 5.
    expect(new KpaPolicy(CTX).decide(view({ ready: 10, conc60: 0.5, conc6: 0.5 }))).toBe(5);
  });

  it('goes to zero only after the 30 s grace period', () => {
    const kpa = new KpaPolicy(CTX);
    expect(kpa.decide(view({ now: 0, ready: 1, inFlight: 1, conc60: 1, conc6: 1 }))).toBe(1);
    expect(kpa.decide(view({ now: 20_000, ready: 1 }))).toBe(1);
    expect(kpa.decide(view({ now: 30_000, ready: 1 }))).toBe(0);
  });
});

describe('Ray Serve', () => {
  it('applies desired = ceil(running * err) only after 30 s of upscale decisions', () => {
    const ray = new RayServePolicy(CTX);
    // target per node 2 * 8 / 5 = 3.2; 12.8 ongoing on 2 running: err 2 -> 4, once the signal
    // has pointed up for 30 s (Ray: counter > 30 s / 0.1 s, i.e. at the tick 30.0 s after the first).
    let out = 0;
    for (let s = 0; s < 30; s++) out = ray.decide(view({ now: s * 1000, conc30: 12.8 })) as number;
    expect(out).toBe(2);
    expect(ray.decide(view({ now: 30_000, conc30: 12.8 }))).toBe(4);
  });

  it('scales down after 600 s, resets when the direction changes, and starts from zero at once', () => {
    const ray = new RayServePolicy(CTX);
    // 0.64 ongoing on 2: err 0.1 -> ceil(0.2) = 1, after 600 s.
    for (let s = 0; s < 300; s++) ray.decide(view({ now: s * 1000, conc30: 0.64 }));
    ray.decide(view({ now: 300_000, conc30: 12.8 })); // one upscale decision resets the count
    let out = 0;
    for (let s = 301; s < 901; s++) out = ray.decide(view({ now: s * 1000, conc30: 0.64 })) as number;
    expect(out).toBe(2);
    expect(ray.decide(view({ now: 901_000, conc30: 0.64 }))).toBe(1);
    expect(new RayServePolicy(CTX).decide(view({ ready: 0, queued: 3 }))).toBe(1);
  });
});

describe('KEDA queue length', () => {
  it('asks for ceil(queue / 5) through the HPA rules', () => {
    const keda = new KedaPolicy(CTX);
    // 23 messages (waiting + in flight) on 2 replicas: 23 / 10 = 2.3 -> ceil(23 / 5) = 5.
    expect(keda.decide(view({ now: 0, queued: 7, inFlight: 16 }))).toBe(5);
  });

  it('activates from zero on a poll, and goes back to zero after the 300 s cooldown', () => {
    const keda = new KedaPolicy(CTX);
    expect(keda.decide(view({ now: 0, ready: 0, queued: 1 }))).toBe(1);
    expect(keda.decide(view({ now: 30_000, ready: 1, inFlight: 1 }))).toBe(1);
    expect(keda.decide(view({ now: 300_000, ready: 1 }))).toBe(1);
    expect(keda.decide(view({ now: 330_000, ready: 1 }))).toBe(0);
  });
});

describe('SkyServe', () => {
  it('targets ceil(qps / target_qps_per_replica) after 300 s of consecutive upscale decisions', () => {
    const sky = new SkyServePolicy(CTX);
    // Node throughput at 80 %: 0.8 * 8 / 4 s = 1.6 req/s. 300 requests in 60 s = 5 qps -> 4 replicas.
    expect(sky.targetQpsPerReplica).toBeCloseTo(1.6);
    let out = 0;
    for (let i = 0; i < 14; i++) out = sky.decide(view({ now: i * 20_000, arrivals60: 300 })) as number;
    expect(out).toBe(2);
    expect(sky.decide(view({ now: 14 * 20_000, arrivals60: 300 }))).toBe(4);
  });

  it('scales up from zero at once and splits spot and on-demand fallback', () => {
    const sky = new SkyServePolicy({ ...CTX, initialNodes: 0 });
    expect(sky.decide(view({ ready: 0, arrivals60: 300 }))).toBe(4);
    const spot = new SkyServePolicy({ ...CTX, initialNodes: 4, spotEnabled: true });
    // Target 4 spot; one spot ready: dynamic fallback rents 3 on-demand.
    expect(spot.decide(view({ ready: 4, readySpot: 1, arrivals60: 300 }))).toEqual({ spot: 4, onDemand: 3 });
  });
});

describe('static fleets', () => {
  const stats: TraceStats = { requests: 1000, spanMs: 3_600_000, meanServiceMs: 4000, p99ServiceMs: 9000, workMs: 3_600_000 * 20, peakLoad: 30, peakServiceMs: 4000 };

  it('fixed reserved holds ceil(mean load / slots) nodes', () => {
    // Mean load 20 busy slots / 8 per node = 2.5 -> 3.
    expect(new FixedReservedPolicy(CTX, stats).initialNodes).toBe(3);
  });

  it('static peak holds the M/M/k size of the busiest minute', () => {
    // 30 Erlangs with a 56 s wait budget (14 service times): 31 slots -> 4 nodes.
    expect(new StaticPeakPolicy(CTX, stats).initialNodes).toBe(4);
  });
});
