import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import type { Clock, Timer } from '../../src/clock.js';
import { ComputeError, isComputeError } from '../../src/errors.js';
import { TaskQueue } from '../../src/queue/index.js';
import type { Task, TaskQueueOptions } from '../../src/queue/index.js';

function makeQueue<O = unknown>(overrides: Partial<TaskQueueOptions> = {}) {
  const clock = overrides.clock instanceof VirtualClock ? overrides.clock : new VirtualClock(1_000);
  const queue = new TaskQueue<O>({ clock, workload: 'embed', maxQueued: 1_000, idPrefix: 'q', ...overrides });
  return { clock, queue };
}

/** Records how a promise settled, without leaving a rejection unhandled. */
function track<T>(promise: Promise<T>) {
  const result: { state: 'pending' | 'fulfilled' | 'rejected'; value?: T; error?: unknown; settles: number } = {
    state: 'pending',
    settles: 0,
  };
  promise.then(
    (value) => {
      result.state = 'fulfilled';
      result.value = value;
      result.settles++;
    },
    (error: unknown) => {
      result.state = 'rejected';
      result.error = error;
      result.settles++;
    },
  );
  return result;
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function takeAll<O>(queue: TaskQueue<O>): Task<O>[] {
  const out: Task<O>[] = [];
  for (let t = queue.take(); t !== undefined; t = queue.take()) out.push(t);
  return out;
}

describe('TaskQueue order', () => {
  it('takes the highest priority first and keeps FIFO order within a priority', () => {
    const { queue } = makeQueue();
    const inputs: [string, number][] = [['a', 0], ['b', 1], ['c', 0], ['d', 1], ['e', -1], ['f', 5], ['g', 0]];
    for (const [input, priority] of inputs) track(queue.enqueue(input, { priority }));
    expect(takeAll(queue).map((t) => t.input)).toEqual(['f', 'b', 'd', 'a', 'c', 'g', 'e']);
  });

  it('puts a requeued task ahead of its priority class, but not ahead of a higher one', () => {
    const { queue } = makeQueue();
    for (const input of ['a', 'b', 'c']) track(queue.enqueue(input));
    const a = queue.take()!;
    const b = queue.take()!;
    expect(queue.requeueFront(a)).toBe(true);
    expect(queue.requeueFront(b)).toBe(true);
    track(queue.enqueue('hi', { priority: 1 }));
    expect(takeAll(queue).map((t) => t.input)).toEqual(['hi', 'b', 'a', 'c']);
  });

  it('keeps taskId stable across retries and numbers tasks from 1', () => {
    const { queue } = makeQueue();
    track(queue.enqueue('a'));
    track(queue.enqueue('b'));
    const a = queue.take()!;
    expect(a.taskId).toBe('q-1');
    queue.requeueFront(a);
    expect(queue.take()!.taskId).toBe('q-1');
    expect(queue.take()!.taskId).toBe('q-2');
  });

  it('defaults the id prefix to the workload name and a random suffix', () => {
    const clock = new VirtualClock();
    const one = new TaskQueue({ clock, workload: 'embed', maxQueued: 10 });
    const two = new TaskQueue({ clock, workload: 'embed', maxQueued: 10 });
    track(one.enqueue(1));
    track(two.enqueue(1));
    const idOne = one.take()!.taskId;
    expect(idOne).toMatch(/^embed-[0-9a-f]{12}-1$/);
    expect(two.take()!.taskId).not.toBe(idOne);
  });

  it('reports clock times exactly, even with a large epoch', () => {
    const clock = new VirtualClock(1_700_000_000_123);
    const queue = new TaskQueue({ clock, workload: 'w', maxQueued: 10 });
    track(queue.enqueue('x', { timeoutMs: 500 }));
    void clock.advanceSync(7);
    track(queue.enqueue('y'));
    const x = queue.take()!;
    expect(x.enqueuedAt).toBe(1_700_000_000_123);
    expect(x.deadline).toBe(1_700_000_000_623);
    expect(x.startedAt).toBe(1_700_000_000_130);
    x.startedAt = 1_700_000_000_140;
    expect(x.startedAt).toBe(1_700_000_000_140);
    const y = queue.take()!;
    expect(y.deadline).toBe(Infinity);
    expect(y.enqueuedAt).toBe(1_700_000_000_130);
  });
});

describe('TaskQueue admission', () => {
  it('rejects with a retryable QUEUE_FULL naming the workload and the limit at maxQueued', async () => {
    const { queue } = makeQueue({ maxQueued: 2 });
    track(queue.enqueue(1));
    track(queue.enqueue(2));
    const error = await queue.enqueue(3).catch((e: unknown) => e);
    expect(isComputeError(error, 'QUEUE_FULL')).toBe(true);
    expect((error as ComputeError).retryable).toBe(true);
    expect((error as ComputeError).message).toContain('embed');
    expect((error as ComputeError).message).toContain('2');
    expect(queue.size).toBe(2);
    expect(queue.arrivals).toBe(2);
    // Running tasks do not count against the limit.
    queue.take();
    const accepted = track(queue.enqueue(4));
    await flush();
    expect(accepted.state).toBe('pending');
    expect(queue.size).toBe(2);
  });

  it('rejects with the stored refusal while one is set, and accepts again when cleared', async () => {
    const { queue } = makeQueue();
    const refusal = new ComputeError('SHUTDOWN', 'shutting down');
    const onTakeable = vi.fn();
    queue.onTakeable = onTakeable;
    queue.setRefusal(refusal);
    await expect(queue.enqueue(1)).rejects.toBe(refusal);
    expect(queue.size).toBe(0);
    expect(onTakeable).not.toHaveBeenCalled();
    queue.setRefusal(undefined);
    track(queue.enqueue(2));
    expect(queue.size).toBe(1);
    expect(onTakeable).toHaveBeenCalledTimes(1);
  });

  it('rejects an invalid priority or timeout without queueing', async () => {
    const { queue } = makeQueue();
    await expect(queue.enqueue(1, { priority: Number.NaN })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(queue.enqueue(1, { timeoutMs: -1 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(queue.size).toBe(0);
  });

  it('refuses a bad maxQueued at construction', () => {
    expect(() => makeQueue({ maxQueued: -1 })).toThrow(ComputeError);
    expect(() => makeQueue({ maxQueued: 1.5 })).toThrow(/maxQueued/);
  });
});

describe('TaskQueue settlement', () => {
  it('settles once: later resolve / reject calls are ignored and return false', async () => {
    const { queue } = makeQueue<string>();
    const p = track(queue.enqueue('x'));
    const task = queue.take()!;
    task.cancelRunning = () => undefined;
    expect(queue.resolve(task, 'first')).toBe(true);
    expect(task.cancelRunning).toBeUndefined();
    expect(queue.resolve(task, 'second')).toBe(false);
    expect(queue.reject(task, new Error('late'))).toBe(false);
    expect(queue.requeueFront(task)).toBe(false);
    await flush();
    expect(p).toMatchObject({ state: 'fulfilled', value: 'first', settles: 1 });
    expect(queue.running).toBe(0);
    expect(task.state).toBe('settled');
  });

  it('rejects with exactly the error the dispatcher gives', async () => {
    const { queue } = makeQueue();
    const p = track(queue.enqueue('x'));
    const error = new ComputeError('NODE_FAILED', 'boom');
    expect(queue.reject(queue.take()!, error)).toBe(true);
    await flush();
    expect(p.error).toBe(error);
  });

  it('ignores tasks of another queue', () => {
    const { queue } = makeQueue();
    const { queue: other } = makeQueue();
    track(other.enqueue('x'));
    const foreign = other.take()!;
    expect(queue.resolve(foreign, 1)).toBe(false);
    expect(queue.requeueFront(foreign)).toBe(false);
    expect(other.running).toBe(1);
  });

  it('rejectQueued rejects every queued task, leaves running ones, and returns the count', async () => {
    const { queue } = makeQueue();
    const a = track(queue.enqueue('a'));
    const b = track(queue.enqueue('b', { priority: 2 }));
    const c = track(queue.enqueue('c', { priority: -1, timeoutMs: 50 }));
    const d = track(queue.enqueue('d'));
    const running = queue.take()!;
    expect(running.input).toBe('b');
    const error = new ComputeError('SHUTDOWN', 'bye');
    expect(queue.rejectQueued(error)).toBe(3);
    expect(queue.size).toBe(0);
    expect(queue.running).toBe(1);
    expect(queue.take()).toBeUndefined();
    await flush();
    for (const p of [a, c, d]) expect(p).toMatchObject({ state: 'rejected', error, settles: 1 });
    expect(b.state).toBe('pending');
    expect(queue.timed).toBe(0);
    // The queue keeps working afterwards.
    track(queue.enqueue('e'));
    expect(queue.take()!.input).toBe('e');
  });

  it('calls onTakeable after the task is stored, and onSettled once per task with ok', async () => {
    const { queue, clock } = makeQueue();
    const seen: string[] = [];
    queue.onTakeable = () => seen.push(`takeable size=${queue.size}`);
    queue.onSettled = (task, ok) => seen.push(`settled ${String(task.input)} ${ok}`);
    track(queue.enqueue('a'));
    track(queue.enqueue('b', { timeoutMs: 10 }));
    const a = queue.take()!;
    queue.requeueFront(a);
    queue.resolve(queue.take()!, 'out');
    await clock.advance(10);
    expect(seen).toEqual(['takeable size=1', 'takeable size=2', 'takeable size=2', 'settled a true', 'settled b false']);
  });

  it('lets onTakeable take and settle the task synchronously', async () => {
    const { queue } = makeQueue<string>();
    queue.onTakeable = () => {
      const task = queue.take();
      if (task) queue.resolve(task, `done ${String(task.input)}`);
    };
    await expect(queue.enqueue('x')).resolves.toBe('done x');
    expect(queue.size + queue.running).toBe(0);
  });

  it('onIdle resolves at once when idle, else when the last task settles', async () => {
    const { queue } = makeQueue();
    await expect(queue.onIdle()).resolves.toBeUndefined();
    track(queue.enqueue('a'));
    track(queue.enqueue('b'));
    const idle = track(queue.onIdle());
    const a = queue.take()!;
    queue.resolve(a, 1);
    await flush();
    expect(idle.state).toBe('pending');
    const b = queue.take()!;
    queue.requeueFront(b);
    await flush();
    expect(idle.state).toBe('pending');
    queue.reject(queue.take()!, new Error('x'));
    await flush();
    expect(idle.state).toBe('fulfilled');
  });

  it('oldestQueuedAt follows the oldest waiting task, requeued ones included', async () => {
    const { queue, clock } = makeQueue();
    expect(queue.oldestQueuedAt()).toBeUndefined();
    const ctl = new AbortController();
    track(queue.enqueue('a', { signal: ctl.signal })); // t=1000
    clock.advanceSync(10);
    track(queue.enqueue('b', { priority: 1 })); // t=1010
    clock.advanceSync(10);
    track(queue.enqueue('c')); // t=1020
    expect(queue.oldestQueuedAt()).toBe(1_000);
    ctl.abort();
    expect(queue.oldestQueuedAt()).toBe(1_010);
    const b = queue.take()!;
    expect(queue.oldestQueuedAt()).toBe(1_020);
    b.attempts++;
    queue.requeueFront(b);
    expect(queue.oldestQueuedAt()).toBe(1_010);
    await flush();
  });

  it('oldestQueuedAt looks past a younger requeued task at the head', () => {
    const { queue, clock } = makeQueue();
    for (const input of ['a', 'b', 'c']) {
      track(queue.enqueue(input));
      clock.advanceSync(10);
    }
    const a = queue.take()!;
    const b = queue.take()!;
    a.attempts++;
    b.attempts++;
    queue.requeueFront(a);
    queue.requeueFront(b); // lane: b (1010), a (1000), c (1020)
    expect(queue.oldestQueuedAt()).toBe(1_000);
  });
});

describe('TaskQueue deadlines', () => {
  it('times out a queued task with TIMEOUT naming the workload and the timeout, exactly at its deadline', async () => {
    const { queue, clock } = makeQueue();
    const p = track(queue.enqueue('x', { timeoutMs: 100 }));
    await clock.advance(99);
    expect(p.state).toBe('pending');
    expect(queue.size).toBe(1);
    await clock.advance(1);
    expect(p.state).toBe('rejected');
    expect(isComputeError(p.error, 'TIMEOUT')).toBe(true);
    expect((p.error as Error).message).toContain('"embed"');
    expect((p.error as Error).message).toContain('100 ms');
    expect(queue.size).toBe(0);
    expect(queue.take()).toBeUndefined();
  });

  it('times out a running task and calls its cancelRunning with the same error', async () => {
    const { queue, clock } = makeQueue();
    const p = track(queue.enqueue('x', { timeoutMs: 50 }));
    const task = queue.take()!;
    const cancel = vi.fn();
    task.cancelRunning = cancel;
    await clock.advance(50);
    expect(p.state).toBe('rejected');
    expect(isComputeError(p.error, 'TIMEOUT')).toBe(true);
    expect(cancel).toHaveBeenCalledTimes(1);
    expect(cancel).toHaveBeenCalledWith(p.error);
    expect(queue.running).toBe(0);
    // What the dispatcher reports afterwards is ignored.
    expect(queue.resolve(task, 'late')).toBe(false);
    expect(queue.requeueFront(task)).toBe(false);
    expect(queue.size).toBe(0);
  });

  it('does not call cancelRunning when the dispatcher settles the task itself', async () => {
    const { queue, clock } = makeQueue();
    track(queue.enqueue('x', { timeoutMs: 50 }));
    const task = queue.take()!;
    const cancel = vi.fn();
    task.cancelRunning = cancel;
    queue.resolve(task, 1);
    await clock.advance(100);
    expect(cancel).not.toHaveBeenCalled();
  });

  it('expires mixed timeouts in deadline order with one clock timer', async () => {
    const { queue, clock } = makeQueue();
    const order: string[] = [];
    queue.onSettled = (task) => order.push(String(task.input));
    for (const [input, timeoutMs] of [['slow', 300], ['fast', 100], ['mid', 200], ['fast2', 100]] as const) {
      track(queue.enqueue(input, { timeoutMs }));
    }
    track(queue.enqueue('forever'));
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(150);
    expect(order).toEqual(['fast', 'fast2']);
    await clock.advance(1_000);
    expect(order).toEqual(['fast', 'fast2', 'mid', 'slow']);
    expect(queue.size).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps a requeued task on its original deadline', async () => {
    const { queue, clock } = makeQueue();
    const p = track(queue.enqueue('x', { timeoutMs: 100 }));
    await clock.advance(60);
    const task = queue.take()!;
    queue.requeueFront(task);
    await clock.advance(40);
    expect(p.state).toBe('rejected');
    expect(queue.size).toBe(0);
  });

  it('keeps the process alive only while a deadline is pending, and cancels the timer when none is', () => {
    const inner = new VirtualClock();
    const timers: { keepAlive: boolean[]; cancelled: boolean }[] = [];
    const clock: Clock = {
      now: () => inner.now(),
      setTimeout(fn, ms) {
        const record = { keepAlive: [] as boolean[], cancelled: false };
        timers.push(record);
        const t = inner.setTimeout(fn, ms);
        const timer: Timer = {
          cancel: () => {
            record.cancelled = true;
            t.cancel();
          },
          keepAlive: (on) => {
            record.keepAlive.push(on);
            return timer;
          },
        };
        return timer;
      },
    };
    const queue = new TaskQueue({ clock, workload: 'w', maxQueued: 10 });
    track(queue.enqueue('no deadline'));
    expect(timers).toHaveLength(0);
    track(queue.enqueue('a', { timeoutMs: 1_000 }));
    track(queue.enqueue('b', { timeoutMs: 2_000 }));
    expect(timers).toHaveLength(1);
    expect(timers[0]!.keepAlive).toEqual([true]);
    queue.take(); // 'no deadline'
    const a = queue.take()!;
    const b = queue.take()!;
    queue.resolve(a, 1);
    expect(timers[0]!.cancelled).toBe(false);
    queue.resolve(b, 2);
    expect(timers[0]!.cancelled).toBe(true);
    expect(inner.pendingTimers).toBe(0);
  });

  it('never asks the clock for a delay past the 2^31 ms timer limit, and still fires on time', async () => {
    const inner = new VirtualClock();
    const delays: number[] = [];
    const clock: Clock = {
      now: () => inner.now(),
      setTimeout(fn, ms) {
        delays.push(ms);
        return inner.setTimeout(fn, ms);
      },
    };
    const queue = new TaskQueue({ clock, workload: 'w', maxQueued: 10 });
    const p = track(queue.enqueue('x', { timeoutMs: 3_000_000_000 }));
    await inner.advance(2_999_999_999);
    expect(p.state).toBe('pending');
    await inner.advance(1);
    expect(p.state).toBe('rejected');
    expect(delays.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...delays)).toBeLessThanOrEqual(0x7fff_ffff);
  });

  it('expires tasks with equal deadlines in enqueue order', async () => {
    const { queue, clock } = makeQueue();
    const order: number[] = [];
    queue.onSettled = (task) => order.push(task.input as number);
    for (let i = 0; i < 40; i++) track(queue.enqueue(i, { timeoutMs: i % 3 === 0 ? 200 : 100 }));
    await clock.advance(200);
    const fast = [...Array(40).keys()].filter((i) => i % 3 !== 0);
    const slow = [...Array(40).keys()].filter((i) => i % 3 === 0);
    expect(order).toEqual([...fast, ...slow]);
  });

  it('drops finished tasks from the deadline heap so they are not held until their deadline', async () => {
    const { queue, clock } = makeQueue({ maxQueued: 10_000 });
    for (let i = 0; i < 1_000; i++) track(queue.enqueue(i, { timeoutMs: 60_000 }));
    track(queue.enqueue('last', { timeoutMs: 60_000 }));
    for (let i = 0; i < 1_000; i++) queue.resolve(queue.take()!, i);
    expect(queue.timed).toBe(1);
    // White-box: the heap was compacted rather than keeping 1000 dead entries.
    const heap = (queue as unknown as { deadlines: { heap: unknown[] } }).deadlines.heap;
    expect(heap.length).toBeLessThan(200);
    await clock.advance(60_000);
    expect(queue.size).toBe(0);
  });
});

describe('TaskQueue abort signals', () => {
  it('rejects a queued task with ABORTED and the signal reason as cause', async () => {
    const { queue } = makeQueue();
    const ctl = new AbortController();
    const p = track(queue.enqueue('x', { signal: ctl.signal }));
    const reason = new Error('user left');
    ctl.abort(reason);
    await flush();
    expect(p.state).toBe('rejected');
    expect(isComputeError(p.error, 'ABORTED')).toBe(true);
    expect((p.error as Error).cause).toBe(reason);
    expect(queue.size).toBe(0);
    expect(queue.take()).toBeUndefined();
  });

  it('rejects a running task with ABORTED and calls cancelRunning', async () => {
    const { queue } = makeQueue();
    const ctl = new AbortController();
    const p = track(queue.enqueue('x', { signal: ctl.signal }));
    const task = queue.take()!;
    const cancel = vi.fn();
    task.cancelRunning = cancel;
    ctl.abort();
    await flush();
    expect(isComputeError(p.error, 'ABORTED')).toBe(true);
    expect(cancel).toHaveBeenCalledWith(p.error);
    expect(queue.running).toBe(0);
  });

  it('rejects at once for an already aborted signal, without queueing or listening', async () => {
    const { queue } = makeQueue();
    const onTakeable = vi.fn();
    queue.onTakeable = onTakeable;
    const reason = new Error('already');
    const signal = AbortSignal.abort(reason);
    const error = await queue.enqueue('x', { signal }).catch((e: unknown) => e);
    expect(isComputeError(error, 'ABORTED')).toBe(true);
    expect((error as Error).cause).toBe(reason);
    expect(queue.size).toBe(0);
    expect(queue.arrivals).toBe(0);
    expect(onTakeable).not.toHaveBeenCalled();
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('shares one listener among the tasks of a signal and removes it when they settle', async () => {
    const { queue, clock } = makeQueue();
    const ctl = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const ps = Array.from({ length: 30 }, (_, i) => track(queue.enqueue(i, { signal: ctl.signal, timeoutMs: i === 0 ? 10 : undefined })));
      expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(1);
      await clock.advance(10); // task 0 times out
      const running = queue.take()!;
      queue.resolve(running, 'ok');
      expect(queue.rejectQueued(new ComputeError('SHUTDOWN', 'x'))).toBe(28);
      expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(0);
      await flush();
      expect(ps.every((p) => p.settles === 1)).toBe(true);
      // Aborting after everything settled changes nothing.
      ctl.abort();
      await flush();
      expect(ps[1]!.state).toBe('fulfilled');
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toHaveLength(0);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('removes the listener when a single task settles normally', async () => {
    const { queue } = makeQueue();
    const ctl = new AbortController();
    track(queue.enqueue('x', { signal: ctl.signal }));
    expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(1);
    queue.resolve(queue.take()!, 1);
    expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(0);
  });

  it('keeps size and running exact while aborted tasks wait for lazy removal', async () => {
    const { queue } = makeQueue();
    const controllers = Array.from({ length: 300 }, () => new AbortController());
    const ps = controllers.map((c, i) => track(queue.enqueue(i, { signal: c.signal, priority: i % 3 })));
    for (let i = 0; i < 300; i += 2) controllers[i]!.abort();
    expect(queue.size).toBe(150);
    const first = queue.take()!;
    expect(queue.size).toBe(149);
    expect(queue.running).toBe(1);
    for (let i = 1; i < 300; i += 6) controllers[i]!.abort(); // some of the odd ones too
    const left = 150 - 50;
    expect(queue.size + queue.running).toBe(left);
    const rest = takeAll(queue);
    expect(rest.length + 1).toBe(left);
    expect(rest.every((t) => (t.input as number) % 2 === 1)).toBe(true);
    expect(queue.size).toBe(0);
    expect(queue.running).toBe(left);
    for (const t of [first, ...rest]) queue.resolve(t, t.input);
    await flush();
    expect(ps.every((p) => p.settles === 1)).toBe(true);
    expect(ps.filter((p) => p.state === 'rejected')).toHaveLength(200);
  });
});
