/**
 * The virtual clock drives tests and the simulator: timers fire in time order
 * (ties in set order), cancelled ones never, and async work between firings runs.
 */
import { describe, expect, it } from 'vitest';
import { sleep, timeoutSignal, VirtualClock } from '../../src/clock.js';
import { canTransition, isLive } from '../../src/leases/lease-state.js';

describe('VirtualClock', () => {
  it('fires timers in time order, ties in the order they were set, and skips cancelled ones', async () => {
    const clock = new VirtualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@20'), 20);
    clock.setTimeout(() => fired.push('a@10'), 10);
    clock.setTimeout(() => fired.push('c@20'), 20);
    clock.setTimeout(() => fired.push('never'), 15).cancel();
    await clock.advance(19);
    expect(fired).toEqual(['a@10']);
    expect(clock.now()).toBe(1019);
    await clock.advance(1);
    expect(fired).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('lets async chains scheduled by a timer run before the next timer', async () => {
    const clock = new VirtualClock();
    const log: number[] = [];
    void (async () => {
      await sleep(clock, 100);
      log.push(clock.now());
      await sleep(clock, 50);
      log.push(clock.now());
    })();
    await clock.runUntilIdle();
    expect(log).toEqual([100, 150]);
  });

  it('sleep rejects with the abort reason; timeoutSignal aborts on virtual time', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const slept = sleep(clock, 1000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(slept).rejects.toThrow('stop');
    const { signal } = timeoutSignal(clock, 500);
    await clock.advance(499);
    expect(signal.aborted).toBe(false);
    await clock.advance(1);
    expect(signal.aborted).toBe(true);
  });
});

describe('lease state machine', () => {
  it('moves forward (a draining node may be taken back), and ends in terminal states', () => {
    expect(canTransition('requested', 'provisioning')).toBe(true);
    expect(canTransition('provisioning', 'ready')).toBe(true);
    expect(canTransition('ready', 'draining')).toBe(true);
    expect(canTransition('draining', 'releasing')).toBe(true);
    expect(canTransition('releasing', 'released')).toBe(true);
    expect(canTransition('ready', 'preempted')).toBe(true);
    expect(canTransition('ready', 'provisioning')).toBe(false);
    expect(canTransition('released', 'ready')).toBe(false);
    expect(canTransition('draining', 'ready')).toBe(true);
    expect(canTransition('releasing', 'ready')).toBe(false);
    expect(canTransition('releasing', 'draining')).toBe(false);
    for (const s of ['released', 'preempted', 'failed'] as const) expect(isLive(s)).toBe(false);
    for (const s of ['requested', 'provisioning', 'ready', 'draining', 'releasing'] as const) expect(isLive(s)).toBe(true);
  });
});
