import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { ComputeError } from '../../src/errors.js';
import { TaskQueue } from '../../src/queue/index.js';
import type { Task } from '../../src/queue/index.js';

// A model-based property: random interleavings of everything that can happen to a
// queue (enqueue, take, requeue, resolve, reject, abort, time passing, rejectQueued)
// against a plain-array model. After every step `size` and `running` match the model
// and `take()` returns the task the model predicts; at the end every promise has
// settled exactly once, with the outcome the model expects.

type Op =
  | { kind: 'enqueue'; priority: number; timeoutMs: number | undefined; withSignal: boolean }
  | { kind: 'take' }
  | { kind: 'requeue' | 'resolve' | 'reject' | 'abort' | 'stale'; pick: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'rejectQueued' };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('enqueue' as const),
      priority: fc.integer({ min: -1, max: 2 }),
      timeoutMs: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
      withSignal: fc.boolean(),
    }),
  },
  { weight: 4, arbitrary: fc.constant({ kind: 'take' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('requeue' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('resolve' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reject' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stale' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 25 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'rejectQueued' as const }) },
);

interface Model {
  seq: number;
  priority: number;
  deadline: number;
  state: 'queued' | 'running' | 'settled';
  expected: string | undefined;
  controller: AbortController | undefined;
  handle: Task | undefined;
  cancels: number;
  expectedCancels: number;
  settles: number;
  outcome: string | undefined;
  onSettledCalls: number;
}

const MAX_QUEUED = 4;

describe('TaskQueue model property', () => {
  it('keeps size and running exact, takes in model order, and settles every promise exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 120 }), async (ops) => {
        const clock = new VirtualClock(0);
        const queue = new TaskQueue<string>({ clock, workload: 'prop', maxQueued: MAX_QUEUED, idPrefix: 'p' });
        const tasks: Model[] = [];
        const rejectedAtDoor: { settles: number; outcome: string | undefined }[] = [];
        const bySeq = new Map<number, Model>();
        queue.onSettled = (task) => bySeq.get(task.seq)!.onSettledCalls++;

        const live = (state: Model['state']) => tasks.filter((t) => t.state === state);
        const settleModel = (t: Model, expected: string) => {
          if (t.state === 'running' && (expected === 'TIMEOUT' || expected === 'ABORTED')) t.expectedCancels++;
          t.state = 'settled';
          t.expected = expected;
        };
        const predictTake = (): Model | undefined => {
          const queued = live('queued');
          if (queued.length === 0) return undefined;
          const top = Math.max(...queued.map((t) => t.priority));
          return queued.filter((t) => t.priority === top).sort((a, b) => order(a) - order(b))[0];
        };
        // Position within a priority: requeues go to the front (most recent first), then
        // fresh tasks by seq.
        let frontCounter = 0;
        const front = new Map<Model, number>();
        const order = (t: Model) => front.get(t) ?? t.seq;
        const observe = (outcomeOf: { settles: number; outcome: string | undefined }, p: Promise<string>) =>
          p.then(
            (v) => {
              outcomeOf.settles++;
              outcomeOf.outcome = `ok:${v}`;
            },
            (e: unknown) => {
              outcomeOf.settles++;
              outcomeOf.outcome = e instanceof ComputeError ? e.code : 'other';
            },
          );

        for (const step of ops) {
          switch (step.kind) {
            case 'enqueue': {
              const controller = step.withSignal ? new AbortController() : undefined;
              const full = live('queued').length >= MAX_QUEUED;
              const promise = queue.enqueue(`in${tasks.length}`, {
                priority: step.priority,
                ...(step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : {}),
                ...(controller ? { signal: controller.signal } : {}),
              });
              if (full) {
                const door = { settles: 0, outcome: undefined as string | undefined };
                rejectedAtDoor.push(door);
                observe(door, promise);
                break;
              }
              const t: Model = {
                seq: queue.arrivals,
                priority: step.priority,
                deadline: step.timeoutMs === undefined ? Infinity : clock.now() + step.timeoutMs,
                state: 'queued',
                expected: undefined,
                controller,
                handle: undefined,
                cancels: 0,
                expectedCancels: 0,
                settles: 0,
                outcome: undefined,
                onSettledCalls: 0,
              };
              tasks.push(t);
              bySeq.set(t.seq, t);
              observe(t, promise);
              break;
            }
            case 'take': {
              const want = predictTake();
              const got = queue.take();
              expect(got?.seq).toBe(want?.seq);
              if (got && want) {
                want.state = 'running';
                want.handle = got;
                got.attempts++;
                got.cancelRunning = () => want.cancels++;
              }
              break;
            }
            case 'requeue':
            case 'resolve':
            case 'reject': {
              const running = live('running');
              if (running.length === 0) break;
              const t = running[step.pick % running.length]!;
              if (step.kind === 'requeue') {
                expect(queue.requeueFront(t.handle!)).toBe(true);
                t.state = 'queued';
                front.set(t, -++frontCounter);
              } else if (step.kind === 'resolve') {
                expect(queue.resolve(t.handle!, `out${t.seq}`)).toBe(true);
                settleModel(t, `ok:out${t.seq}`);
              } else {
                expect(queue.reject(t.handle!, new ComputeError('NODE_FAILED', 'x'))).toBe(true);
                settleModel(t, 'NODE_FAILED');
              }
              break;
            }
            case 'abort': {
              const withSignal = tasks.filter((t) => t.controller !== undefined);
              if (withSignal.length === 0) break;
              const t = withSignal[step.pick % withSignal.length]!;
              if (t.state !== 'settled') settleModel(t, 'ABORTED');
              t.controller!.abort();
              break;
            }
            case 'stale': {
              const done = tasks.filter((t) => t.state === 'settled' && t.handle !== undefined);
              if (done.length === 0) break;
              const t = done[step.pick % done.length]!;
              expect(queue.resolve(t.handle!, 'stale')).toBe(false);
              expect(queue.requeueFront(t.handle!)).toBe(false);
              break;
            }
            case 'advance': {
              const now = clock.now() + step.ms;
              for (const t of tasks) if (t.state !== 'settled' && t.deadline <= now) settleModel(t, 'TIMEOUT');
              clock.advanceSync(step.ms);
              break;
            }
            case 'rejectQueued': {
              const queued = live('queued');
              for (const t of queued) settleModel(t, 'SHUTDOWN');
              expect(queue.rejectQueued(new ComputeError('SHUTDOWN', 'x'))).toBe(queued.length);
              break;
            }
          }
          expect(queue.size).toBe(live('queued').length);
          expect(queue.running).toBe(live('running').length);
          expect(queue.timed).toBe(tasks.filter((t) => t.state !== 'settled' && t.deadline !== Infinity).length);
        }

        // Wind down: whatever is left settles too.
        for (const t of live('queued')) settleModel(t, 'SHUTDOWN');
        queue.rejectQueued(new ComputeError('SHUTDOWN', 'end'));
        for (const t of live('running')) {
          queue.resolve(t.handle!, 'end');
          settleModel(t, 'ok:end');
        }
        for (let i = 0; i < 10; i++) await Promise.resolve();

        expect(queue.size + queue.running).toBe(0);
        expect(clock.pendingTimers).toBe(0);
        for (const t of tasks) {
          expect(t.settles).toBe(1);
          expect(t.outcome).toBe(t.expected);
          expect(t.onSettledCalls).toBe(1);
          expect(t.cancels).toBe(t.expectedCancels);
        }
        for (const door of rejectedAtDoor) expect(door).toEqual({ settles: 1, outcome: 'QUEUE_FULL' });
      }),
      { numRuns: 300 },
    );
  });
});
