import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sleep, VirtualClock } from '../../src/clock.js';
import { ComputeError, isComputeError } from '../../src/errors.js';
import { mapOrdered } from '../../src/queue/index.js';
import type { MapOptions } from '../../src/queue/index.js';

/** Consume `iterator` in the background while the virtual clock runs; returns what it saw. */
async function drive<O>(clock: VirtualClock, iterator: AsyncIterableIterator<O>, stopAfter = Infinity) {
  const seen: { values: O[]; error: unknown; at: number[] } = { values: [], error: undefined, at: [] };
  const consumer = (async () => {
    try {
      for await (const value of iterator) {
        seen.values.push(value);
        seen.at.push(clock.now());
        if (seen.values.length >= stopAfter) break;
      }
    } catch (error) {
      seen.error = error;
    }
  })();
  await clock.runUntilIdle();
  await consumer;
  return seen;
}

describe('mapOrdered', () => {
  it('yields results in input order with random delays, never exceeding the concurrency', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        async (delays, concurrency) => {
          const clock = new VirtualClock();
          let inFlight = 0;
          let peak = 0;
          const run = async (delay: number, index: number) => {
            inFlight++;
            peak = Math.max(peak, inFlight);
            await sleep(clock, delay);
            inFlight--;
            return `${index}:${delay}`;
          };
          const seen = await drive(clock, mapOrdered(delays, run, { concurrency }));
          expect(seen.error).toBeUndefined();
          expect(seen.values).toEqual(delays.map((d, i) => `${i}:${d}`));
          expect(peak).toBeLessThanOrEqual(concurrency);
          expect(peak).toBe(Math.min(concurrency, delays.length));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('pulls lazily from an endless generator and closes it on break', async () => {
    let pulled = 0;
    let closed = false;
    function* naturals() {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    const out: number[] = [];
    for await (const value of mapOrdered(naturals(), async (x) => x * 2, { concurrency: 4 })) {
      out.push(value);
      if (out.length === 10) break;
    }
    expect(out).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(pulled).toBeLessThanOrEqual(10 + 4);
    expect(closed).toBe(true);
  });

  it('pulls lazily from an endless async generator and closes it on break', async () => {
    let pulled = 0;
    let closed = false;
    async function* naturals() {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          await Promise.resolve();
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    const out: number[] = [];
    for await (const value of mapOrdered(naturals(), async (x) => x + 1, { concurrency: 3 })) {
      out.push(value);
      if (out.length === 5) break;
    }
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(out).toEqual([1, 2, 3, 4, 5]);
    expect(pulled).toBeLessThanOrEqual(5 + 3 + 1);
    expect(closed).toBe(true);
  });

  it('starts no more calls than the window allows while the consumer does not pull', async () => {
    const clock = new VirtualClock();
    const started: number[] = [];
    const iterator = mapOrdered(
      Array.from({ length: 100 }, (_, i) => i),
      async (x) => {
        started.push(x);
        await sleep(clock, 1);
        return x;
      },
      { concurrency: 5 },
    );
    const first = iterator.next();
    await clock.runUntilIdle();
    expect(await first).toEqual({ value: 0, done: false });
    // One slot freed by consuming item 0 and refilled; the rest wait for the consumer.
    expect(started).toHaveLength(6);
    await iterator.return?.();
  });

  it('throws the error of position k at k, starts nothing after the failure, and leaves no unhandled rejection', async () => {
    const clock = new VirtualClock();
    const started: number[] = [];
    const errors = new Map([
      [2, new Error('two')],
      [3, new Error('three')],
    ]);
    const run = async (x: number, index: number) => {
      started.push(index);
      // 3 fails first (t=5), then 2 (t=8), the rest succeed at t=10.
      await sleep(clock, index === 3 ? 5 : index === 2 ? 8 : 10);
      const error = errors.get(index);
      if (error) throw error;
      return x * 10;
    };
    const seen = await drive(clock, mapOrdered([0, 1, 2, 3, 4, 5, 6, 7], run, { concurrency: 4 }));
    expect(seen.values).toEqual([0, 10]);
    expect(seen.error).toBe(errors.get(2));
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('settle: true yields every result or error in input order and keeps starting calls after a failure', async () => {
    const clock = new VirtualClock();
    const started: number[] = [];
    const run = async (x: number, index: number) => {
      started.push(index);
      await sleep(clock, index === 1 ? 1 : 5);
      if (index === 1 || index === 4) throw new Error(`fail ${index}`);
      return x * 10;
    };
    const seen = await drive(clock, mapOrdered([0, 1, 2, 3, 4, 5], run, { concurrency: 2, settle: true }));
    expect(seen.error).toBeUndefined();
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(seen.values.map((r) => [r.status, r.index])).toEqual([
      ['fulfilled', 0],
      ['rejected', 1],
      ['fulfilled', 2],
      ['fulfilled', 3],
      ['rejected', 4],
      ['fulfilled', 5],
    ]);
    const values = seen.values.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message));
    expect(values).toEqual([0, 'fail 1', 20, 30, 'fail 4', 50]);
  });

  it('settle: true still ends at an error of the input iterable', async () => {
    function* inputs() {
      yield 1;
      throw new Error('source failed');
    }
    const out: unknown[] = [];
    const error = await (async () => {
      for await (const r of mapOrdered(inputs(), async (x) => x, { settle: true })) out.push(r);
    })().catch((e: unknown) => e);
    expect(out).toEqual([{ status: 'fulfilled', index: 0, value: 1 }]);
    expect((error as Error).message).toBe('source failed');
  });

  it('throws an error of the input iterable at its position', async () => {
    const boom = new Error('source failed');
    function* inputs() {
      yield 1;
      yield 2;
      throw boom;
    }
    const out: number[] = [];
    const error = await (async () => {
      for await (const value of mapOrdered(inputs(), async (x) => x, { concurrency: 8 })) out.push(value);
    })().catch((e: unknown) => e);
    expect(out).toEqual([1, 2]);
    expect(error).toBe(boom);
  });

  it('treats a synchronous throw of run as a rejection at that position', async () => {
    const boom = new Error('sync');
    const run = (x: number): Promise<number> => {
      if (x === 1) throw boom;
      return Promise.resolve(x);
    };
    const out: number[] = [];
    const error = await (async () => {
      for await (const value of mapOrdered([0, 1, 2], run)) out.push(value);
    })().catch((e: unknown) => e);
    expect(out).toEqual([0]);
    expect(error).toBe(boom);
  });

  it('throws ABORTED with the reason as cause when the signal aborts, and stops starting calls', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const started: number[] = [];
    const run = async (x: number) => {
      started.push(x);
      await sleep(clock, 10);
      return x;
    };
    const iterator = mapOrdered(
      Array.from({ length: 50 }, (_, i) => i),
      run,
      { concurrency: 2, signal: controller.signal },
    );
    const seen: number[] = [];
    const consumer = (async () => {
      for await (const value of iterator) {
        seen.push(value);
        if (value === 3) controller.abort(new Error('stop'));
      }
    })().catch((e: unknown) => e);
    await clock.runUntilIdle();
    const error = await consumer;
    expect(isComputeError(error, 'ABORTED')).toBe(true);
    expect(((error as ComputeError).cause as Error).message).toBe('stop');
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(Math.max(...started)).toBeLessThanOrEqual(5);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('throws ABORTED at once for an already aborted signal without calling run', async () => {
    let calls = 0;
    const iterator = mapOrdered([1, 2], async (x) => (calls++, x), { signal: AbortSignal.abort('gone') });
    await expect(iterator.next()).rejects.toMatchObject({ code: 'ABORTED', cause: 'gone' });
    expect(calls).toBe(0);
  });

  it('aborts while waiting on a slow call', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const iterator = mapOrdered([1], (x) => sleep(clock, 1_000).then(() => x), { signal: controller.signal });
    const next = iterator.next();
    await clock.advance(10);
    controller.abort();
    await expect(next).rejects.toMatchObject({ code: 'ABORTED' });
    await clock.runUntilIdle();
  });

  it('delivers finished results while an async source is still waiting for its next input', async () => {
    const clock = new VirtualClock();
    async function* slowSource() {
      yield 'a';
      await sleep(clock, 1_000);
      yield 'b';
    }
    const seen = await drive(
      clock,
      mapOrdered(slowSource(), (x) => sleep(clock, 10).then(() => x.toUpperCase())),
    );
    expect(seen.values).toEqual(['A', 'B']);
    expect(seen.at[0]).toBe(10);
  });

  it('lets later calls run past a slow head call when backpressure exceeds concurrency', async () => {
    const startedBy50 = async (options: MapOptions) => {
      const clock = new VirtualClock();
      let started = 0;
      let inFlight = 0;
      let peak = 0;
      const run = async (x: number) => {
        started++;
        peak = Math.max(peak, ++inFlight);
        await sleep(clock, x === 0 ? 100 : 10);
        inFlight--;
        return x;
      };
      const iterator = mapOrdered([0, 1, 2, 3, 4, 5, 6, 7], run, options);
      const first = iterator.next();
      await clock.advance(50);
      const count = started;
      await clock.runUntilIdle();
      await first;
      await iterator.return?.();
      return { count, peak };
    };
    expect(await startedBy50({ concurrency: 2 })).toEqual({ count: 2, peak: 2 });
    expect(await startedBy50({ concurrency: 2, backpressure: 6 })).toEqual({ count: 6, peak: 2 });
  });

  it('does not surface a failing return() of the source when the consumer leaves', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let i = 0;
      const source: AsyncIterable<number> = {
        [Symbol.asyncIterator]: () => ({
          next: () => Promise.resolve({ value: i++, done: false }),
          return: () => Promise.reject(new Error('close failed')),
        }),
      };
      for await (const value of mapOrdered(source, async (x) => x)) if (value === 2) break;
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('refuses bad options synchronously with CONFIG_INVALID', () => {
    expect(() => mapOrdered([], async (x) => x, { concurrency: 0 })).toThrow(ComputeError);
    expect(() => mapOrdered([], async (x) => x, { concurrency: 1.5 })).toThrow(/concurrency/);
    expect(() => mapOrdered([], async (x) => x, { concurrency: 4, backpressure: 2 })).toThrow(/backpressure/);
  });

  it('ends at once on an empty input', async () => {
    const out: unknown[] = [];
    for await (const value of mapOrdered([], async (x) => x)) out.push(value);
    expect(out).toEqual([]);
  });
});
