/**
 * Health checks of a leased node, over its own connection: until a new node first
 * answers ready, and again when the dispatcher suspects a running one. The lease
 * manager acts on the verdicts (hand the node over, reinstate it, or give it up).
 */
import { sleep, timeoutSignal, type Clock } from '../clock.js';

/** How long one health check may take. */
export const HEALTH_TIMEOUT_MS = 5_000;
// Between checks of a node that is still starting.
const STARTING_RETRY_MS = 250;
// Between checks of a suspected node, and how many failures in a row condemn it.
const SUSPECT_RETRY_MS = 500;
const SUSPECT_FAILURES = 2;

/** Asks the node whether it is ready; must not throw. */
export type HealthProbe = (signal: AbortSignal, timeoutMs: number) => Promise<boolean>;

/** One check, bounded by {@link HEALTH_TIMEOUT_MS}. */
export async function checkOnce(clock: Clock, probe: HealthProbe): Promise<boolean> {
  const timeout = timeoutSignal(clock, HEALTH_TIMEOUT_MS);
  try {
    return await probe(timeout.signal, HEALTH_TIMEOUT_MS);
  } finally {
    timeout.cancel();
  }
}

/**
 * Check a new node until it answers ready (`'ready'`), `waiting()` turns false
 * (`'stopped'`), or the clock reaches `deadline` (`'timeout'`).
 */
export async function untilHealthy(clock: Clock, probe: HealthProbe, deadline: number, waiting: () => boolean): Promise<'ready' | 'stopped' | 'timeout'> {
  while (waiting()) {
    if (await checkOnce(clock, probe)) return waiting() ? 'ready' : 'stopped';
    if (clock.now() >= deadline) return 'timeout';
    await sleep(clock, STARTING_RETRY_MS);
  }
  return 'stopped';
}

/**
 * Re-check a suspected node: `'healthy'` once it answers; `'dead'` after failures in
 * a row (counted in `record.healthFailures`, which persists across suspicions and a
 * pass resets); `'gone'` when it stops being live in between.
 */
export async function recheckSuspect(clock: Clock, probe: HealthProbe, record: { healthFailures: number }, live: () => boolean): Promise<'healthy' | 'dead' | 'gone'> {
  for (;;) {
    if (await checkOnce(clock, probe)) {
      record.healthFailures = 0;
      return 'healthy';
    }
    if (++record.healthFailures >= SUSPECT_FAILURES) return 'dead';
    await sleep(clock, SUSPECT_RETRY_MS);
    if (!live()) return 'gone';
  }
}
