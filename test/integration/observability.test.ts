/**
 * What the runtime shows of itself: Prometheus text, a pino-style logger fed from
 * events (never a secret), and an OpenTelemetry-shaped meter.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { ComputeRuntime } from '../../src/compute.js';
import { ComputeOptionsSchema } from '../../src/config/compute.js';
import { MemoryMarket, modelledNodes } from '../support/memory-market.js';

function build(extra: Record<string, unknown>) {
  const clock = new VirtualClock(1_700_000_000_000);
  const market = new MemoryMarket(clock, { coldStartMs: 500 });
  const config = ComputeOptionsSchema.parse({ marketplace: market, clock, journal: false, budget: { total: 10, maxPerHour: 20 }, ...extra });
  const compute = new ComputeRuntime(config, { connectNode: modelledNodes(clock, 2, market) });
  const work = compute.workload('embed', { gpu: { model: 'A100', interruptible: 'never' }, image: 'i', scaling: { maxNodes: 2, concurrencyPerNode: 2, scaleDownDelayMs: 2000 } });
  return { clock, compute, work };
}

describe('observability', () => {
  it('renders metrics in the Prometheus text format', async () => {
    const { clock, compute, work } = build({});
    const done = Promise.all(Array.from({ length: 10 }, () => work.run({ ms: 200 })));
    await clock.advance(10_000);
    await done;
    const text = compute.metrics({ format: 'prometheus' });
    expect(typeof text).toBe('string');
    const lines = text.trim().split('\n');
    // Every sample line is `name{labels} value`, every family has HELP and TYPE.
    for (const line of lines.filter((l) => !l.startsWith('#'))) expect(line).toMatch(/^adaptive_compute_[a-z_]+(\{[^}]*\})? -?[0-9.e+-]+$/);
    expect(text).toContain('# TYPE adaptive_compute_tasks_completed_total counter');
    expect(text).toContain('adaptive_compute_tasks_completed_total{workload="embed"} 10');
    expect(text).toMatch(/adaptive_compute_task_latency_ms\{workload="embed",quantile="0.95"\} \d/);
    expect(text).toContain('adaptive_compute_budget_total{currency="USD"} 10');
    expect(compute.metrics().workloads.embed!.completed).toBe(10);
  });

  it('reports the SLO over the last hour and the miss budget left, per workload', async () => {
    const { clock, compute, work } = build({});
    const strict = compute.workload('strict', { gpu: { model: 'A100', interruptible: 'never' }, image: 'i', scaling: { maxNodes: 1, latencyTargetMs: 1, sloTarget: 0.9 } });
    const done = Promise.all([...Array.from({ length: 10 }, () => work.run({ ms: 200 })), ...Array.from({ length: 4 }, () => strict.run({ ms: 50 }))]);
    await clock.advance(10_000);
    await done;
    const m = compute.metrics().workloads;
    // Default target 1000 ms: some of the first tasks waited for a cold start.
    const embed = m.embed!.slo;
    expect(embed).toMatchObject({ latencyTargetMs: 1000, sloTarget: 0.99, windowMs: 3_600_000, requests: 10 });
    expect(embed.missBudget.allowed).toBeCloseTo(0.1);
    expect(embed.missBudget.left).toBeCloseTo(embed.missBudget.allowed - embed.missBudget.spent);
    expect(embed.attainment).toBeCloseTo(1 - embed.missBudget.spent / 10);
    // A 1 ms target: every task missed it, and the budget is overspent.
    expect(m.strict!.slo).toMatchObject({ requests: 4, attainment: 0, missBudget: { spent: 4 } });
    expect(m.strict!.slo.missBudget.left).toBeLessThan(0);
    const text = compute.metrics({ format: 'prometheus' });
    expect(text).toContain('adaptive_compute_slo_attainment{workload="strict"} 0');
    expect(text).toMatch(/adaptive_compute_slo_miss_budget_left\{workload="strict"\} -3\.6/);
    // An hour later the window is empty again (shut down first: nodes kept warm would tick through the hour).
    const closed = compute.shutdown();
    await clock.advance(60_000);
    await closed;
    await clock.advance(3_600_000);
    expect(compute.metrics().workloads.strict!.slo).toMatchObject({ requests: 0, attainment: null, missBudget: { allowed: 0, spent: 0, left: 0 } });
  });

  it('logs scale, lease and budget events through a pino-style logger with reasons', async () => {
    const logged: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
    const logger = {
      info: (obj: Record<string, unknown>, msg?: string) => logged.push({ level: 'info', obj, ...(msg ? { msg } : {}) }),
      warn: (obj: Record<string, unknown>, msg?: string) => logged.push({ level: 'warn', obj, ...(msg ? { msg } : {}) }),
    };
    const { clock, work } = build({ logger });
    const done = Promise.all(Array.from({ length: 10 }, () => work.run({ ms: 200 })));
    await clock.advance(20_000);
    await done;
    const scale = logged.filter((l) => l.obj.event === 'scale');
    expect(scale.length).toBeGreaterThan(1);
    expect(scale.every((l) => typeof l.msg === 'string' && l.msg.length > 0 && typeof l.obj.at === 'number')).toBe(true);
    expect(logged.some((l) => l.obj.event === 'lease' && l.obj.type === 'ready')).toBe(true);
  });

  it('reports through an OpenTelemetry-shaped meter', async () => {
    const gauges = new Map<string, (r: { observe(v: number, a?: Record<string, string>): void }) => void>();
    const counters = new Map<string, number>();
    const histogram: number[] = [];
    const meter = {
      createObservableGauge: (name: string) => ({ addCallback: (cb: (r: { observe(v: number, a?: Record<string, string>): void }) => void) => void gauges.set(name, cb) }),
      createCounter: (name: string) => ({ add: (v: number) => void counters.set(name, (counters.get(name) ?? 0) + v) }),
      createHistogram: () => ({ record: (v: number) => void histogram.push(v) }),
    };
    const { clock, work } = build({ meter });
    const done = Promise.all(Array.from({ length: 6 }, () => work.run({ ms: 100 })));
    await clock.advance(10_000);
    await done;
    expect(histogram).toHaveLength(6);
    expect(counters.get('adaptive_compute.scale_events')).toBeGreaterThan(0);
    const observed: number[] = [];
    gauges.get('adaptive_compute.queued_tasks')!({ observe: (v) => observed.push(v) });
    expect(observed).toEqual([0]);
  });
});
