/**
 * An observation source with nothing going on, for tests of what observe() reads
 * from one: override the part under test.
 */
import { INITIAL_MEMORY } from '../../src/controller/observation.js';
import type { ObservationSource } from '../../src/controller/observe.js';
import { RollingMean } from '../../src/metrics/rolling-mean.js';

/** A quiet source (no queue, no arrivals, a 10 s cold start seen), with `over` applied. */
export function quietSource(over: Partial<ObservationSource> = {}): ObservationSource {
  return {
    name: 'w',
    queued: 0,
    inFlight: 0,
    arrivalRate: () => 0,
    countingSince: 0,
    serviceTime: new RollingMean(),
    oldestQueuedAt: () => undefined,
    coldStartSeenMs: 10_000,
    gpuModels: ['A100'],
    offers: () => [],
    nodes: () => [],
    paused: false,
    preemptedAt: undefined,
    memory: INITIAL_MEMORY,
    ...over,
  };
}
