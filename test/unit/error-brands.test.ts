/**
 * One brand per error class: an error answers `instanceof` for its own class and its
 * ancestors only (a ComputeError is not a NodeError), an app's own subclass uses the
 * prototype chain, and the dispatcher turns a connector's plain ComputeError into a
 * NodeError of the lease. (Across the ESM and CJS copies: test/package/packed-tarball.)
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/command.js';
import { VirtualClock } from '../../src/clock.js';
import { WorkloadDispatcher } from '../../src/dispatch/dispatcher.js';
import type { NodeTransport } from '../../src/dispatch/node-transport.js';
import { ComputeError, MarketError, NodeError, isComputeError } from '../../src/errors.js';
import { TaskQueue } from '../../src/queue/index.js';

describe('error brands', () => {
  const plain = new ComputeError('TIMEOUT', 'x');
  const market = new MarketError('MARKET_UNAVAILABLE', 'm', { request: 'GET /v1/offers' });
  const node = new NodeError('NODE_FAILED', 'n', 'lease-1', 502);
  const usage = new UsageError('bad flag');

  it('a ComputeError is neither a NodeError nor a MarketError', () => {
    expect(plain instanceof ComputeError).toBe(true);
    expect(plain instanceof NodeError).toBe(false);
    expect(plain instanceof MarketError).toBe(false);
    expect(plain instanceof UsageError).toBe(false);
  });

  it('each subclass is itself and a ComputeError, never a sibling', () => {
    expect([market instanceof MarketError, market instanceof ComputeError, market instanceof NodeError, market instanceof Error]).toEqual([true, true, false, true]);
    expect([node instanceof NodeError, node instanceof ComputeError, node instanceof MarketError, node instanceof Error]).toEqual([true, true, false, true]);
    expect([usage instanceof UsageError, usage instanceof ComputeError, usage instanceof NodeError]).toEqual([true, true, false]);
    expect(isComputeError(node, 'NODE_FAILED')).toBe(true);
  });

  it('plain objects and other errors are none of them, even with the same fields', () => {
    const lookalike = { name: 'NodeError', code: 'NODE_FAILED', leaseId: 'l', message: 'x' };
    for (const value of [lookalike, new Error('x'), null, undefined, 'NodeError', 42]) {
      expect([value instanceof ComputeError, value instanceof NodeError, value instanceof MarketError]).toEqual([false, false, false]);
    }
  });

  it("an app's own subclass answers by its prototype chain", () => {
    class QuotaError extends ComputeError {}
    const mine = new QuotaError('BUDGET_EXHAUSTED', 'q');
    expect([mine instanceof QuotaError, mine instanceof ComputeError, mine instanceof NodeError]).toEqual([true, true, false]);
    expect(plain instanceof QuotaError).toBe(false);
    expect(node instanceof QuotaError).toBe(false);
  });
});

describe('dispatcher: a failure that is a ComputeError but not a NodeError', () => {
  it('becomes a NodeError of the lease (leaseId, cause kept), not passed off as one', async () => {
    const clock = new VirtualClock();
    const queue = new TaskQueue({ clock, workload: 'w', maxQueued: 10 });
    const suspects: string[] = [];
    const dispatcher = new WorkloadDispatcher({ workload: 'w', queue, clock, concurrencyPerNode: 1, maxAttempts: 1, hooks: { onNodeSuspect: (id) => suspects.push(id) } });
    queue.onTakeable = () => dispatcher.pump();
    const thrown = new ComputeError('OUTPUT_INVALID', 'connector said no', { retryable: false });
    const transport: NodeTransport = { run: () => Promise.reject(thrown), healthy: async () => true, close: async () => {} };
    dispatcher.addNode('lease-7', transport);
    const error = await queue.enqueue({}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ComputeError);
    const cause = (error as ComputeError).cause as NodeError;
    expect(cause).toBeInstanceOf(NodeError);
    expect(cause.leaseId).toBe('lease-7');
    expect(cause.retryable).toBe(false);
    expect(cause.cause).toBe(thrown);
    expect((error as ComputeError).details.leaseId).toBe('lease-7');
    expect(suspects).toEqual([]);
  });
});
