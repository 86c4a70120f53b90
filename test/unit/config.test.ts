/**
 * Options are checked when given: a bad one throws CONFIG_INVALID synchronously,
 * naming the field path; defaults fill the rest; secrets never reach a message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ComputeError, createCompute, type Compute } from '../../src/index.js';
import { WorkloadOptionsSchema } from '../../src/config/workload.js';

const market = { url: 'http://127.0.0.1:9', apiKey: 'sk-live-DO-NOT-LEAK-1234567890' };
const made: Compute[] = [];
afterEach(async () => {
  while (made.length) await made.pop()!.shutdown();
});

function configError(fn: () => unknown): ComputeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ComputeError);
    expect((error as ComputeError).code).toBe('CONFIG_INVALID');
    return error as ComputeError;
  }
  throw new Error('expected CONFIG_INVALID to be thrown');
}

function compute(): Compute {
  const c = createCompute({ marketplace: market });
  made.push(c);
  return c;
}

describe('createCompute() options', () => {
  it.each([
    [{ budget: { total: -1 } }, 'budget.total'],
    [{ budget: { maxPerHour: 0 } }, 'budget.maxPerHour'],
    [{ budget: { onBudgetExhausted: 'wait' } }, 'budget.onBudgetExhausted'],
    [{ marketplace: { url: 'not a url', apiKey: 'k' } }, 'marketplace.url'],
    [{ marketplace: { url: 'ftp://x.example', apiKey: 'k' } }, 'marketplace.url'],
    [{ marketplace: { url: 'https://x.example' } }, 'marketplace.apiKey'],
    [{ marketplace: 42 }, 'marketplace'],
    [{ tickMs: 0 }, 'tickMs'],
    [{ clientId: 'has spaces' }, 'clientId'],
    [{ budgte: {} }, 'budgte'],
  ])('%j names %s', (options, field) => {
    const error = configError(() => createCompute(options as never));
    expect(error.message).toContain(field);
    expect(error.message.startsWith('createCompute(): ')).toBe(true);
  });

  it('never puts the API key in a config error', () => {
    const error = configError(() => createCompute({ marketplace: { ...market, timeoutMs: -1 } }));
    expect(error.message).toContain('marketplace.timeoutMs');
    expect(JSON.stringify(error)).not.toContain(market.apiKey);
    expect(String(error.stack)).not.toContain(market.apiKey);
  });

  it('refuses plain http to a host that is not loopback unless allowed', () => {
    const error = configError(() => createCompute({ marketplace: { url: 'http://market.example.com', apiKey: 'k' } }));
    expect(error.message).toContain('marketplace.url');
    const allowed = createCompute({ marketplace: { url: 'http://market.example.com', apiKey: 'k', allowInsecureHttp: true } });
    made.push(allowed);
    expect(allowed.clientId).toMatch(/^ac-/);
  });
});

describe('workload() options', () => {
  it('throws synchronously naming the path: scaling.maxNodes must be >= minNodes', () => {
    const error = configError(() => compute().workload('w', { gpu: { model: 'A100' }, image: 'i', scaling: { minNodes: 5, maxNodes: 2 } }));
    expect(error.message).toBe('workload "w": scaling.maxNodes: must be >= minNodes');
  });

  it.each([
    [{ image: 'i' }, 'gpu'],
    [{ gpu: { model: 'A100' } }, 'image'],
    [{ gpu: { model: [] }, image: 'i' }, 'gpu.model'],
    [{ gpu: { model: 'A100', count: 1.5 }, image: 'i' }, 'gpu.count'],
    [{ gpu: { model: 'A100', interruptible: 'sometimes' }, image: 'i' }, 'gpu.interruptible'],
    [{ gpu: { model: 'A100' }, image: 'i', scaling: { latencyTargetMs: -1 } }, 'scaling.latencyTargetMs'],
    [{ gpu: { model: 'A100' }, image: 'i', scaling: { maxNode: 3 } }, 'maxNode'],
    [{ gpu: { model: 'A100' }, image: 'i', input: { parse: 1 } }, 'input'],
    [{ gpu: { model: 'A100' }, image: 'i', maxAttempts: 0 }, 'maxAttempts'],
  ])('%j names %s', (options, field) => {
    const error = configError(() => compute().workload('w', options as never));
    expect(error.message).toContain(field);
  });

  it('rejects a bad or duplicate name', () => {
    const c = compute();
    expect(configError(() => c.workload('has space', { gpu: { model: 'A100' }, image: 'i' })).message).toContain('workload name');
    c.workload('ok', { gpu: { model: 'A100' }, image: 'i' });
    expect(configError(() => c.workload('ok', { gpu: { model: 'A100' }, image: 'i' })).message).toContain('already declared');
  });

  it('fills documented defaults and accepts a zod schema as input', () => {
    const parsed = WorkloadOptionsSchema.parse({ gpu: { model: 'A100' }, image: 'i', input: z.object({ a: z.string() }) });
    expect(parsed.gpu).toEqual({ model: ['A100'], count: 1, interruptible: 'allow', spotCooloffMs: 600_000 });
    expect(parsed.scaling).toMatchObject({ minNodes: 0, maxNodes: 4, concurrencyPerNode: 1, scaleDownDelayMs: 10_000, maxQueued: 100_000 });
    expect(parsed.maxAttempts).toBe(3);
  });
});
