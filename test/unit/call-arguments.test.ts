/**
 * `run()`, `map()` and `stream()` reject on bad arguments and never throw: a throw
 * after queueing (as `run(x, { signal: {} })` once did) leaves a task whose later
 * rejection nobody handles. Validators that throw become typed errors with the cause.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { VirtualClock } from '../../src/clock.js';
import { Compute, createCompute } from '../../src/compute.js';
import { ComputeOptionsSchema } from '../../src/config/compute.js';
import { ComputeError, NodeError } from '../../src/errors.js';
import { MemoryMarket, modelledNodes } from '../support/memory-market.js';
import { rejectionOf } from '../support/rejection.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
let open: Array<Pick<Compute, 'shutdown'>> = [];
afterEach(async () => {
  await Promise.all(open.map((c) => c.shutdown({ graceMs: 0, releaseTimeoutMs: 0 })));
  open = [];
});

function compute(options: Record<string, unknown> = {}) {
  const clock = new VirtualClock(1_700_000_000_000);
  const market = new MemoryMarket(clock, { coldStartMs: 100 });
  const c = createCompute({ marketplace: market, clock, journal: false });
  open.push(c);
  const work = c.workload('w', { gpu: { model: 'A100' }, image: 'img', ...options });
  return { c, work, clock };
}

/** Calls `fn` and fails the test if it throws synchronously. */
function noThrow<T>(fn: () => T): T {
  let out: T | undefined;
  expect(() => {
    out = fn();
  }).not.toThrow();
  return out as T;
}

async function settleTicks(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('run() rejects, never throws', () => {
  it.each([
    ['signal', { signal: {} }],
    ['signal', { signal: 'abort' }],
    ['timeoutMs', { timeoutMs: '100' }],
    ['timeoutMs', { timeoutMs: Number.NaN }],
    ['timeoutMs', { timeoutMs: -5 }],
    ['priority', { priority: '1' }],
    ['options', null],
  ])('a bad %s is CONFIG_INVALID naming it, and nothing is queued', async (path, options) => {
    const { c, work } = compute();
    const promise = noThrow(() => work.run({ a: 1 }, options as never));
    const error = await rejectionOf(promise, ComputeError);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details.path).toBe(path);
    expect(error.message).toContain(path);
    expect(c.metrics().workloads.w?.queued ?? 0).toBe(0);
    const byName = noThrow(() => c.run('w', { a: 1 }, options as never));
    expect((await rejectionOf(byName, ComputeError)).code).toBe('CONFIG_INVALID');
    await settleTicks();
    expect(unhandled).toEqual([]);
  });

  it('a real AbortSignal and a numeric timeout are still accepted', async () => {
    const { work, clock } = compute({ timeoutMs: 1000 });
    const controller = new AbortController();
    const settled = rejectionOf(work.run({ a: 1 }, { signal: controller.signal, timeoutMs: 50 }), ComputeError);
    await clock.advance(60);
    expect((await settled).code).toBe('TIMEOUT');
  });

  it('an input validator that throws gives INPUT_INVALID with what it threw as the cause', async () => {
    const boom = new RangeError('validator bug');
    const { work } = compute({ input: z.object({ n: z.number() }).refine(() => { throw boom; }) });
    const error = await rejectionOf(noThrow(() => work.run({ n: 1 } as never)), ComputeError);
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.cause).toBe(boom);
  });

  it('a Standard Schema validator that throws does the same', async () => {
    const boom = new Error('std bug');
    const validator = { '~standard': { version: 1, vendor: 'x', validate: () => { throw boom; } } };
    const { work } = compute({ input: validator });
    const error = await rejectionOf(noThrow(() => work.run(1)), ComputeError);
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.cause).toBe(boom);
  });
});

describe('map() and stream() reject on their first next(), never throw', () => {
  it.each([
    ['concurrency', [[1], { concurrency: 0 }]],
    ['concurrency', [[1], { concurrency: '4' }]],
    ['signal', [[1], { signal: {} }]],
    ['timeoutMs', [[1], { timeoutMs: '5' }]],
    ['inputs', [null, {}]],
    ['inputs', [42, {}]],
  ])('map with a bad %s', async (path, args) => {
    const { work } = compute();
    const iterator = noThrow(() => work.map(...(args as [never, never])));
    const error = await rejectionOf(iterator.next(), ComputeError);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details.path).toBe(path);
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('stream with a bad signal', async () => {
    const { work } = compute({ request: { path: '/v1/chat' } });
    const iterator = noThrow(() => work.stream({ a: 1 }, { signal: {} as AbortSignal }));
    const error = await rejectionOf(iterator.next(), ComputeError);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details.path).toBe('signal');
  });
});

describe('output validators', () => {
  it('an output validator that throws gives OUTPUT_INVALID with the cause, and the task settles', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const market = new MemoryMarket(clock, { coldStartMs: 100 });
    const c = new Compute(ComputeOptionsSchema.parse({ marketplace: market, clock, journal: false }), { connectNode: modelledNodes(clock, 1, market) });
    open.push(c);
    const boom = new TypeError('output validator bug');
    const work = c.workload('w', { gpu: { model: 'A100' }, image: 'img', output: { safeParse: () => { throw boom; } } });
    const settled = rejectionOf(work.run({ ms: 10 }), ComputeError);
    await clock.advance(10_000);
    const error = await settled;
    expect(error.code).toBe('OUTPUT_INVALID');
    expect(error.cause).toBe(boom);
  });
});

describe('task ids', () => {
  it('are unique across two runtimes (two processes, or a restart) and the same on every attempt', async () => {
    const seen: string[] = [];
    const runOnce = async () => {
      const clock = new VirtualClock(1_700_000_000_000);
      const market = new MemoryMarket(clock, { coldStartMs: 100 });
      const nodes = modelledNodes(clock, 1, market);
      let calls = 0;
      const connect: typeof nodes = (address) => {
        const inner = nodes(address);
        return {
          ...inner,
          run: async (request) => {
            seen.push(request.taskId);
            // The first attempt fails with a retryable 500: the retry must carry the same id.
            if (calls++ === 0) throw new NodeError('NODE_FAILED', 'boom', address.leaseId, 500, { retryable: true, details: { kind: 'server' } });
            return inner.run(request);
          },
        };
      };
      const c = new Compute(ComputeOptionsSchema.parse({ marketplace: market, clock, journal: false }), { connectNode: connect });
      open.push(c);
      const work = c.workload('embed', { gpu: { model: 'A100' }, image: 'img' });
      const done = work.run({ ms: 1 });
      await clock.advance(10_000);
      await done;
    };
    await runOnce();
    await runOnce();
    expect(seen).toHaveLength(4);
    expect(seen[1]).toBe(seen[0]);
    expect(seen[3]).toBe(seen[2]);
    expect(seen[2]).not.toBe(seen[0]);
    expect(seen[0]).toMatch(/^embed-[0-9a-f]{12}-1$/);
  });

  it('differ between two runtimes of the same workload name, and keep one prefix per queue', async () => {
    const { TaskQueue } = await import('../../src/queue/index.js');
    const clock = new VirtualClock(0);
    const a = new TaskQueue({ clock, workload: 'embed', maxQueued: 10 });
    const b = new TaskQueue({ clock, workload: 'embed', maxQueued: 10 });
    void a.enqueue(1);
    void a.enqueue(2);
    void b.enqueue(1);
    const [a1, a2, b1] = [a.take()!, a.take()!, b.take()!];
    expect(a1.taskId).toMatch(/^embed-[0-9a-f]{12}-1$/);
    expect(b1.taskId).not.toBe(a1.taskId);
    expect(a2.taskId.slice(0, -2)).toBe(a1.taskId.slice(0, -2));
  });
});
