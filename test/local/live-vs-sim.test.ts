/**
 * Same figures live: a short bursty trace replayed against the embedded local
 * marketplace (real agent processes over loopback) and through the simulator with
 * the same settings (the simulator's cold start is the one measured live). The
 * controller is the same code on both sides (observe -> plan -> apply), so node-seconds
 * agree within 10 % and SLO attainment within one point.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createCompute } from '../../src/compute.js';
import { attainment } from '../../src/controller/slo.js';
import type { LeaseEvent } from '../../src/events.js';
import { startLocalMarket } from '../../src/local/market/local-market.js';
import { parseSimPolicy } from '../../src/sim/config.js';
import { ADAPTIVE, runPolicy } from '../../src/sim/run.js';
import { traceStats } from '../../src/sim/trace-stats.js';
import { TraceBuilder } from '../../src/sim/trace/builder.js';
import { agent } from './http.js';

afterAll(() => agent.close());

const SERVICE_MS = 300;
const SLOTS = 2;
const TARGET_MS = 4000;
const TICK_MS = 250;
const DELAY_MS = 1000;

/** Three bursts, evenly spaced arrivals: [start s, end s, per second]. */
const BURSTS: Array<[number, number, number]> = [
  [0, 6, 10],
  [11, 16, 6],
  [22, 26, 12],
];

function arrivalsMs(): number[] {
  const out: number[] = [];
  for (const [from, to, rate] of BURSTS) for (let t = from * 1000; t < to * 1000; t += 1000 / rate) out.push(Math.round(t));
  return out;
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('the same trace live and in the simulator', () => {
  it('agrees on node-seconds within 10 % and on SLO attainment within one point', async () => {
    const market = await startLocalMarket({ coldStartMs: 1000, slots: SLOTS, prices: false, preemptionRatePerHour: 0 });
    const compute = createCompute({ marketplace: { url: market.url, apiKey: market.apiKey }, tickMs: TICK_MS });
    const events: LeaseEvent[] = [];
    compute.on('lease', (e) => events.push(e));
    const w = compute.workload('replay', {
      gpu: { model: 'A100', interruptible: 'never' },
      image: 'sleep',
      scaling: { maxNodes: 6, concurrencyPerNode: SLOTS, latencyTargetMs: TARGET_MS, scaleDownDelayMs: DELAY_MS },
    });
    const arrivals = arrivalsMs();
    const latencies: number[] = [];
    const started = Date.now();
    const runs = arrivals.map(async (at) => {
      await wait(Math.max(0, started + at - Date.now()));
      const sent = Date.now();
      await w.run({ ms: SERVICE_MS });
      latencies.push(Date.now() - sent);
    });
    await Promise.all(runs);
    // Every lease given back once the last burst is over.
    while (market.agentPids().size > 0 || events.filter((e) => e.type === 'acquired').length > events.filter((e) => e.type === 'released' || e.type === 'failed').length) {
      if (Date.now() - started > 35_000) break;
      await wait(100);
    }
    await compute.shutdown();
    await market.close();

    const acquired = events.filter((e) => e.type === 'acquired');
    const liveNodeSec = acquired.reduce((sum, a) => {
      const end = events.find((e) => e.leaseId === a.leaseId && (e.type === 'released' || e.type === 'failed'));
      return sum + ((end?.at ?? Date.now()) - a.requestedAt) / 1000;
    }, 0);
    const ready = events.filter((e) => e.type === 'ready');
    const coldStartMs = ready.reduce((sum, e) => sum + (e.at - e.requestedAt), 0) / ready.length;
    const liveSlo = attainment(latencies, latencies.length, TARGET_MS);

    // The simulator with the same settings, its cold start the one seen live.
    const b = new TraceBuilder();
    for (const at of arrivals) b.add(at, SERVICE_MS);
    const trace = b.build({ name: 'replay', path: '-', format: 'generic', serviceSource: 'trace' });
    const config = parseSimPolicy({
      latencyTargetMs: TARGET_MS,
      concurrencyPerNode: SLOTS,
      maxNodes: 6,
      scaleDownDelayMs: DELAY_MS,
      tickMs: TICK_MS,
      coldStartSec: coldStartMs / 1000,
      billingIncrementSec: 1,
      minLeaseSec: 0,
      warmStart: false,
    }) as Parameters<typeof runPolicy>[0]['config'];
    const sim = runPolicy({ trace, config: { ...config, latencyTargetMs: TARGET_MS }, stats: traceStats(trace), seed: 1, sampleMs: 1000, timeline: undefined }, ADAPTIVE);

    const note = `live ${liveNodeSec.toFixed(1)} node-s, SLO ${liveSlo}; sim ${sim.nodeSeconds.toFixed(1)} node-s, SLO ${sim.sloAttainment}; cold start ${coldStartMs.toFixed(0)} ms; ${acquired.length} leases`;
    console.log(`[live-vs-sim] ${note}`);
    expect(latencies).toHaveLength(arrivals.length);
    expect(Math.abs(sim.nodeSeconds - liveNodeSec) / liveNodeSec, note).toBeLessThanOrEqual(0.1);
    expect(Math.abs(sim.sloAttainment - liveSlo), note).toBeLessThanOrEqual(0.01);
  }, 60_000);
});
