/**
 * The dispatcher over scripted node transports: least-loaded first, never more than
 * concurrencyPerNode per node, the same taskId on every attempt, retries on another
 * node up to maxAttempts, then NODE_FAILED; drain and removal semantics.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { WorkloadDispatcher } from '../../src/dispatch/dispatcher.js';
import type { NodeRunRequest } from '../../src/dispatch/node-client.js';
import type { NodeTransport } from '../../src/dispatch/node-transport.js';
import { ComputeError, NodeError } from '../../src/errors.js';
import { TaskQueue } from '../../src/queue/index.js';

interface Call {
  node: string;
  taskId: string;
  input: unknown;
  finish(outcome: { output?: unknown; error?: NodeError }): void;
}

/** A node whose answers the test gives by hand. */
function scriptedNode(id: string, calls: Call[], live: Map<string, number>, peak: Map<string, number>): NodeTransport {
  return {
    run(request: NodeRunRequest) {
      live.set(id, (live.get(id) ?? 0) + 1);
      peak.set(id, Math.max(peak.get(id) ?? 0, live.get(id)!));
      return new Promise((resolve, reject) => {
        const done = (): void => void live.set(id, live.get(id)! - 1);
        request.signal?.addEventListener('abort', () => {
          done();
          reject(new NodeError('NODE_FAILED', 'aborted', id, undefined, { details: { kind: 'aborted' } }));
        });
        calls.push({
          node: id,
          taskId: request.taskId,
          input: request.input,
          finish: ({ output, error }) => {
            done();
            if (error) reject(error);
            else resolve(output);
          },
        });
      });
    },
    healthy: async () => true,
    close: async () => {},
  };
}

const connectionError = (node: string): NodeError =>
  new NodeError('NODE_FAILED', 'connection reset', node, undefined, { retryable: true, details: { kind: 'connection' } });

function setup(opts: { concurrency?: number; maxAttempts?: number } = {}) {
  const clock = new VirtualClock();
  const queue = new TaskQueue({ clock, workload: 'w', maxQueued: 1000 });
  const events = { suspects: [] as string[], idle: [] as string[] };
  const dispatcher = new WorkloadDispatcher({
    workload: 'w',
    queue,
    clock,
    concurrencyPerNode: opts.concurrency ?? 2,
    maxAttempts: opts.maxAttempts ?? 3,
    hooks: { onNodeSuspect: (id) => events.suspects.push(id), onNodeIdle: (id) => events.idle.push(id) },
  });
  queue.onTakeable = () => dispatcher.pump();
  const calls: Call[] = [];
  const live = new Map<string, number>();
  const peak = new Map<string, number>();
  const add = (id: string): void => dispatcher.addNode(id, scriptedNode(id, calls, live, peak));
  return { clock, queue, dispatcher, calls, live, peak, add, events };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('dispatcher', () => {
  it('fills the least-loaded node first and never exceeds concurrencyPerNode', async () => {
    const { queue, calls, peak, add } = setup({ concurrency: 2 });
    add('a');
    add('b');
    const results = Array.from({ length: 10 }, (_, i) => queue.enqueue({ i }));
    expect(calls.map((c) => c.node)).toEqual(['a', 'b', 'a', 'b']);
    expect(queue.size).toBe(6);
    while (calls.length > 0) {
      calls.shift()!.finish({ output: 'ok' });
      await flush();
    }
    await expect(Promise.all(results)).resolves.toHaveLength(10);
    expect(Math.max(...peak.values())).toBe(2);
  });

  it('retries a failed attempt on another node with the same taskId', async () => {
    const { queue, calls, add, events } = setup();
    add('a');
    add('b');
    const result = queue.enqueue({ x: 1 });
    const first = calls.shift()!;
    first.finish({ error: connectionError(first.node) });
    await flush();
    const second = calls.shift()!;
    expect(second.node).not.toBe(first.node);
    expect(second.taskId).toBe(first.taskId);
    expect(events.suspects).toEqual([first.node]);
    second.finish({ output: { done: true } });
    await expect(result).resolves.toEqual({ done: true });
  });

  it('fails with NODE_FAILED after maxAttempts, carrying the last node error as cause', async () => {
    const { queue, calls, add, dispatcher } = setup({ maxAttempts: 2 });
    add('a');
    add('b');
    const result = queue.enqueue({});
    calls.shift()!.finish({ error: new NodeError('NODE_FAILED', 'node failed with 500', 'a', 500, { details: { kind: 'server' } }) });
    await flush();
    calls.shift()!.finish({ error: new NodeError('NODE_FAILED', 'node failed with 502', 'b', 502, { details: { kind: 'server' } }) });
    const error = (await result.catch((e: unknown) => e)) as ComputeError;
    expect(error).toBeInstanceOf(ComputeError);
    expect(error.code).toBe('NODE_FAILED');
    expect(error.message).toContain('2 attempts');
    expect((error.cause as NodeError).status).toBe(502);
    expect(dispatcher.totalInFlight).toBe(0);
  });

  it('does not retry a task the node rejected (4xx)', async () => {
    const { queue, calls, add } = setup();
    add('a');
    add('b');
    const result = queue.enqueue({});
    calls.shift()!.finish({ error: new NodeError('NODE_FAILED', 'rejected with 400', 'a', 400, { retryable: false, details: { kind: 'rejected' } }) });
    await expect(result).rejects.toMatchObject({ code: 'NODE_FAILED', retryable: false });
    expect(calls).toHaveLength(0);
  });

  it('drains: no new task to a draining node, idle callback once its last task is done', async () => {
    const { queue, calls, add, dispatcher, events } = setup({ concurrency: 1 });
    add('a');
    const first = queue.enqueue(1);
    dispatcher.drainNode('a');
    const second = queue.enqueue(2);
    expect(calls).toHaveLength(1);
    calls.shift()!.finish({ output: 1 });
    await expect(first).resolves.toBe(1);
    expect(events.idle).toEqual(['a']);
    expect(calls).toHaveLength(0);
    add('b');
    calls.shift()!.finish({ output: 2 });
    await expect(second).resolves.toBe(2);
  });

  it('restores: a draining node taken back gets the waiting task, and no idle callback follows', async () => {
    const { queue, calls, add, dispatcher, events } = setup({ concurrency: 2 });
    add('a');
    const first = queue.enqueue(1);
    dispatcher.drainNode('a');
    const second = queue.enqueue(2);
    expect(calls).toHaveLength(1);
    dispatcher.restoreNode('a', true);
    expect(calls).toHaveLength(2);
    for (const call of calls.splice(0)) call.finish({ output: 'done' });
    await expect(Promise.all([first, second])).resolves.toEqual(['done', 'done']);
    expect(events.idle).toEqual([]);
    // Taken back while suspected: no task until it proves healthy.
    dispatcher.drainNode('a');
    dispatcher.restoreNode('a', false);
    const third = queue.enqueue(3);
    expect(calls).toHaveLength(0);
    dispatcher.reinstate('a');
    calls.shift()!.finish({ output: 3 });
    await expect(third).resolves.toBe(3);
  });

  it('tells how long the oldest task on a node has been running', async () => {
    const { queue, calls, add, dispatcher, clock } = setup({ concurrency: 2 });
    add('a');
    expect(dispatcher.oldestTaskMs('a')).toBe(0);
    const first = queue.enqueue(1);
    await clock.advance(5000);
    const second = queue.enqueue(2);
    await clock.advance(1000);
    expect(dispatcher.oldestTaskMs('a')).toBe(6000);
    calls.shift()!.finish({ output: 1 });
    await first;
    expect(dispatcher.oldestTaskMs('a')).toBe(1000);
    calls.shift()!.finish({ output: 2 });
    await second;
    expect(dispatcher.oldestTaskMs('a')).toBe(0);
    expect(dispatcher.oldestTaskMs('unknown')).toBe(0);
  });

  it('removing a node puts its in-flight tasks back at the front of the queue', async () => {
    const { queue, calls, add, dispatcher } = setup({ concurrency: 1 });
    add('a');
    const inFlight = queue.enqueue('first', { timeoutMs: 60_000 });
    const waiting = queue.enqueue('second');
    expect(calls).toHaveLength(1);
    dispatcher.removeNode('a');
    await flush();
    calls.shift();
    add('b');
    expect(calls.map((c) => c.input)).toEqual(['first']);
    calls.shift()!.finish({ output: 'one' });
    await flush();
    calls.shift()!.finish({ output: 'two' });
    await expect(Promise.all([inFlight, waiting])).resolves.toEqual(['one', 'two']);
  });

  it('hold stops new starts; close settles failing attempts with the close error', async () => {
    const { queue, calls, add, dispatcher } = setup({ concurrency: 1 });
    add('a');
    const running = queue.enqueue('r', { timeoutMs: 60_000 });
    dispatcher.hold(true);
    const held = queue.enqueue('h');
    expect(calls).toHaveLength(1);
    dispatcher.close(new ComputeError('SHUTDOWN', 'bye'));
    dispatcher.removeNode('a');
    await expect(running).rejects.toMatchObject({ code: 'SHUTDOWN' });
    expect(queue.size).toBe(1);
    queue.rejectQueued(new ComputeError('SHUTDOWN', 'bye'));
    await expect(held).rejects.toMatchObject({ code: 'SHUTDOWN' });
  });
});
