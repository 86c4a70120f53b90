/**
 * `warning` events carry a one-line `message`; a task that times out while queued
 * because the marketplace cannot be reached says so (message, `cause`, `details`),
 * and one that times out for another reason does not blame the marketplace. Virtual
 * time over an in-memory marketplace.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { createCompute, type Compute, type WarningEvent } from '../../src/index.js';
import { ComputeError } from '../../src/errors.js';
import { abortedError, queueFullError, timeoutError } from '../../src/queue/queue-errors.js';
import { MemoryMarket } from '../support/memory-market.js';

let compute: Compute | undefined;
afterEach(async () => {
  await compute?.shutdown({ graceMs: 0, releaseTimeoutMs: 0 });
  compute = undefined;
});

async function timedOut(down: boolean, paused = false) {
  const clock = new VirtualClock(1_700_000_000_000);
  const market = new MemoryMarket(clock, { coldStartMs: 100 });
  market.down = down;
  compute = createCompute({ marketplace: market, clock, journal: false });
  const warnings: WarningEvent[] = [];
  compute.on('warning', (e) => warnings.push(e));
  const w = compute.workload('embed', { gpu: { model: 'A100' }, image: 'i' });
  if (paused) await w.pause();
  const settled = w.run({}, { timeoutMs: 5_000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  for (let t = 0; t < 7_000; t += 500) await clock.advance(500);
  return { error: (await settled) as ComputeError, warnings };
}

describe('warnings and timeouts', () => {
  it('a warning event has a message naming what was being done and what failed', async () => {
    const { warnings } = await timedOut(true);
    expect(warnings.length).toBeGreaterThan(0);
    for (const w of warnings) {
      expect(typeof w.message).toBe('string');
      expect(w.message).toContain(w.during);
      expect(w.message).toContain(w.error.message);
    }
  });

  it('a TIMEOUT while the marketplace is unreachable names that cause', async () => {
    const { error } = await timedOut(true);
    expect(error).toBeInstanceOf(ComputeError);
    expect(error.code).toBe('TIMEOUT');
    expect(error.details).toMatchObject({ state: 'queued', marketplace: 'MARKET_UNAVAILABLE' });
    expect((error.cause as ComputeError).code).toBe('MARKET_UNAVAILABLE');
    expect(error.message).toContain((error.cause as ComputeError).message);
  });

  it('queue errors spell the workload as every other message does: workload "embed"', () => {
    const errors = [queueFullError('embed', 3), timeoutError('embed', 't-1', 10, 'running'), abortedError('embed', 't-1', 'stop')];
    for (const e of errors) expect(e.message.startsWith('workload "embed": '), e.message).toBe(true);
  });

  it('a TIMEOUT with the marketplace answering (the workload paused) does not blame it', async () => {
    const { error } = await timedOut(false, true);
    expect(error.code).toBe('TIMEOUT');
    expect(error.cause).toBeUndefined();
    expect(error.details.marketplace).toBeUndefined();
  });
});
