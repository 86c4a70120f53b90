/**
 * Optional OpenTelemetry hook: pass a `Meter` (from `@opentelemetry/api`,
 * `metrics.getMeter('my-app')`) and the runtime reports through it. Typed
 * structurally, so the SDK has no dependency on OpenTelemetry itself.
 */
import type { Compute } from '../api.js';

type Attributes = Record<string, string>;

/** The part of an OpenTelemetry `Meter` we use. */
export interface MeterLike {
  createObservableGauge(name: string, options?: { description?: string; unit?: string }): {
    addCallback(callback: (result: { observe(value: number, attributes?: Attributes): void }) => void): void;
  };
  createCounter(name: string, options?: { description?: string; unit?: string }): { add(value: number, attributes?: Attributes): void };
  createHistogram(name: string, options?: { description?: string; unit?: string }): { record(value: number, attributes?: Attributes): void };
}

/** Report the runtime through `meter`. Returns the histogram recorder the runtime calls per task. */
export function attachMeter(compute: Compute, meter: MeterLike): (workload: string, latencyMs: number, ok: boolean) => void {
  const gauge = (name: string, description: string, read: (observe: (v: number, a?: Attributes) => void) => void): void => {
    meter.createObservableGauge(`adaptive_compute.${name}`, { description }).addCallback((result) => read((v, a) => result.observe(v, a)));
  };
  gauge('queued_tasks', 'Tasks waiting for a node slot', (observe) => {
    for (const [workload, w] of Object.entries(compute.metrics().workloads)) observe(w.queued, { workload });
  });
  gauge('running_tasks', 'Tasks in flight on nodes', (observe) => {
    for (const [workload, w] of Object.entries(compute.metrics().workloads)) observe(w.running, { workload });
  });
  gauge('nodes', 'Leased nodes by state', (observe) => {
    for (const [workload, w] of Object.entries(compute.metrics().workloads)) {
      for (const [state, n] of Object.entries(w.nodes)) observe(n, { workload, state });
    }
  });
  gauge('committed_spend', 'Spent plus the least live leases must still pay', (observe) => {
    const b = compute.metrics().budget;
    observe(b.committed, { currency: b.currency });
  });
  gauge('hourly_rate', 'Summed hourly price of live leases', (observe) => {
    const b = compute.metrics().budget;
    observe(b.hourlyRate, { currency: b.currency });
  });
  const scale = meter.createCounter('adaptive_compute.scale_events', { description: 'Scale decisions that changed capacity' });
  const leases = meter.createCounter('adaptive_compute.lease_events', { description: 'Lease state changes' });
  compute.on('scale', (e) => scale.add(1, { workload: e.workload, direction: e.added > 0 ? 'up' : 'down' }));
  compute.on('lease', (e) => leases.add(1, { workload: e.workload, type: e.type }));
  const latency = meter.createHistogram('adaptive_compute.task_latency', { description: 'Queue wait + service per task', unit: 'ms' });
  return (workload, latencyMs, ok) => latency.record(latencyMs, { workload, outcome: ok ? 'ok' : 'error' });
}
