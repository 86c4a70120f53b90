/**
 * A lease whose node can never start (a handler module that does not exist), on the
 * real local marketplace with real agent processes: renting backs off and stops after
 * MAX_START_FAILURES in a row, the waiting task fails with NODE_START_FAILED carrying
 * the marketplace's reason, the lease events say that reason, and new run() calls
 * are refused at once while the give-up lasts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createCompute } from '../../src/compute.js';
import { MAX_START_FAILURES } from '../../src/controller/start-failures.js';
import type { ComputeError } from '../../src/errors.js';
import type { LeaseEvent } from '../../src/events.js';
import { startLocalMarket } from '../../src/local/market/local-market.js';
import { agent } from './http.js';

afterAll(() => agent.close());

describe('nodes that never start', () => {
  it('stop being rented after a few failures; waiting and new tasks fail with NODE_START_FAILED and the reason', async () => {
    const market = await startLocalMarket({ coldStartMs: 200, prices: false, preemptionRatePerHour: 0 });
    const compute = createCompute({ marketplace: { url: market.url, apiKey: market.apiKey }, tickMs: 200, journal: false });
    const events: LeaseEvent[] = [];
    compute.on('lease', (e) => events.push(e));
    try {
      const w = compute.workload('broken', { gpu: { model: 'A100' }, image: './missing-handler.mjs' });
      const error = (await w.run({ i: 1 }, { timeoutMs: 30_000 }).catch((e: unknown) => e)) as ComputeError;
      expect(error.code).toBe('NODE_START_FAILED');
      expect(error.details.reason).toMatch(/^node did not start: agent failed: handler: cannot load /);
      expect(error.details.failures).toBeGreaterThanOrEqual(MAX_START_FAILURES);
      const failed = events.filter((e) => e.type === 'failed');
      expect(failed.length).toBeGreaterThanOrEqual(MAX_START_FAILURES);
      for (const e of failed) expect(e.reason).toContain('cannot load');
      // While given up: new work is refused at once and nothing more is rented.
      const acquired = events.filter((e) => e.type === 'acquired').length;
      await expect(w.run({ i: 2 })).rejects.toMatchObject({ code: 'NODE_START_FAILED' });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(events.filter((e) => e.type === 'acquired').length).toBe(acquired);
      // Parallel leases already requested when the streak began may fail too, nothing past that.
      expect(acquired).toBeLessThanOrEqual(MAX_START_FAILURES + 2);
    } finally {
      await compute.shutdown();
      await market.close();
    }
  }, 60_000);
});
