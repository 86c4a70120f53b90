/**
 * Health checks of leased nodes on virtual time: a new node is checked every 250 ms
 * until it answers or its deadline passes; a suspected one is given up after two
 * failures in a row, counted across suspicions until a check passes.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { recheckSuspect, untilHealthy, type HealthProbe } from '../../src/leases/node-health.js';

/** A probe answering from `answers` in turn (false once they run out), counting its calls. */
function scripted(...answers: boolean[]): HealthProbe & { calls: number } {
  const probe = Object.assign(async () => {
    probe.calls++;
    return answers.shift() ?? false;
  }, { calls: 0 });
  return probe;
}

describe('untilHealthy', () => {
  it('checks every 250 ms until the node answers', async () => {
    const clock = new VirtualClock();
    const probe = scripted(false, false, true);
    const outcome = untilHealthy(clock, probe, 10_000, () => true);
    await clock.runUntilIdle();
    await expect(outcome).resolves.toBe('ready');
    expect(probe.calls).toBe(3);
    expect(clock.now()).toBe(500);
  });

  it('gives up at the deadline, and stops when no longer waited for', async () => {
    const clock = new VirtualClock();
    const late = untilHealthy(clock, scripted(), 1_000, () => true);
    await clock.runUntilIdle();
    await expect(late).resolves.toBe('timeout');
    expect(clock.now()).toBe(1_000);

    let waiting = true;
    const stopped = untilHealthy(clock, scripted(false, true), 60_000, () => waiting);
    waiting = false;
    await clock.runUntilIdle();
    await expect(stopped).resolves.toBe('stopped');
  });
});

describe('recheckSuspect', () => {
  it('gives a node up after two failures in a row, counted across suspicions', async () => {
    const clock = new VirtualClock();
    const record = { healthFailures: 0 };
    const first = recheckSuspect(clock, scripted(false, true), record, () => true);
    await clock.runUntilIdle();
    await expect(first).resolves.toBe('healthy');
    expect(record.healthFailures).toBe(0);

    record.healthFailures = 1; // one failure left over from an earlier suspicion
    await expect(recheckSuspect(clock, scripted(false), record, () => true)).resolves.toBe('dead');

    const gone = recheckSuspect(clock, scripted(false), { healthFailures: 0 }, () => false);
    await clock.runUntilIdle();
    await expect(gone).resolves.toBe('gone');
  });
});
