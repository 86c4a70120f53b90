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
