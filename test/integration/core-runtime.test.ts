/**
 * The public API against a real protocol-v1 HTTP server and real node servers on
 * loopback (the fake marketplace), on real time: burst → scale up → results →
 * scale to zero; the budget held by the server's own bill; abort; timeout; shutdown.
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ComputeError, createCompute, type Compute, type LeaseEvent, type ScaleEvent } from '../../src/index.js';
import { createFakeMarketplace, type FakeMarketplace } from '../../src/testing/index.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function setup(opts: Parameters<typeof createFakeMarketplace>[0] = {}, budget?: { total?: number; maxPerHour?: number }) {
  const market = await createFakeMarketplace({ coldStartMs: 300, slots: 2, ...opts });
  cleanups.push(() => market.close());
  const compute = createCompute({ marketplace: { url: market.url, apiKey: market.apiKey }, ...(budget ? { budget } : {}) });
  cleanups.push(() => compute.shutdown({ graceMs: 1000 }));
  return { market, compute };
}

function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (predicate()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(check, 25);
    };
    check();
  });
}

function sleepWorkload(compute: Compute, scaling: Record<string, number> = {}) {
  return compute.workload('sleep', {
    gpu: { model: ['A100', 'H100'], count: 1, interruptible: 'never' },
    image: 'acme/sleep:1',
    scaling: { minNodes: 0, maxNodes: 6, concurrencyPerNode: 2, latencyTargetMs: 500, scaleDownDelayMs: 1500, ...scaling },
    input: z.object({ ms: z.number(), i: z.number().optional() }),
  });
}

describe('core runtime over loopback', () => {
  it('scales up for a burst, returns every result, then scales to zero and bills what it used', async () => {
    const { market, compute } = await setup({ coldStartMs: 1000 });
    const scale: ScaleEvent[] = [];
    const leases: LeaseEvent[] = [];
    compute.on('scale', (e) => scale.push(e));
    compute.on('lease', (e) => leases.push(e));
    const work = sleepWorkload(compute);

    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => work.run({ ms: 100, i })));
    const burstMs = Date.now() - started;

    results.forEach((r, i) => expect(r).toEqual({ echo: { ms: 100, i } }));
    expect(new Set(market.leases().map((l) => l.id)).size).toBeGreaterThanOrEqual(3);
    // One node alone needs 300 * 100 ms / 2 slots = 15 s.
    expect(burstMs).toBeLessThan(12_000);
    expect(scale.some((e) => e.added > 0 && e.reason.length > 0)).toBe(true);
    // The structured cause of a scale-up names what it rented.
    const rented = (e: ScaleEvent): number => ((e.cause.step.adds ?? []) as Array<{ count: number }>).reduce((n, g) => n + g.count, 0);
    expect(scale.some((e) => e.added > 0 && e.cause.step.kind === 'scale-up' && rented(e) === e.added)).toBe(true);
    expect(leases.some((e) => e.type === 'ready')).toBe(true);

    // The target is below a cold start plus a service time, and traffic has not come back
    // yet: one node stays warm for the fallback keep-alive (seconds, for a 1 s boot), then goes.
    await waitFor(() => market.liveLeases().length <= 1, 20_000, 'scale down to the node kept warm');
    // Both sides: the marketplace ended every lease, and the SDK has its answer (the final cost).
    const noNode = (): boolean => Object.values(compute.metrics().workloads.sleep!.nodes).every((n) => n === 0);
    await waitFor(() => market.liveLeases().length === 0 && noNode(), 45_000, 'scale to zero once the keep-alive is over');
    expect(scale.some((e) => e.drained + e.released > 0)).toBe(true);
    expect(compute.metrics().workloads.sleep!.latencyMs.count).toBeGreaterThan(0);

    // The ledger's spend covers what the marketplace billed (it may only over-estimate).
    const bill = market.bill();
    expect(bill.total).toBeGreaterThan(0);
    expect(compute.metrics().budget.spent).toBeGreaterThanOrEqual(bill.total - 1e-6);
    await compute.shutdown();
    expect(market.liveLeases()).toHaveLength(0);
  }, 90_000);

  it('never lets the marketplace bill pass a tiny total; the rest rejects BUDGET_EXHAUSTED', async () => {
    // $2/h A100: 0.004 buys about 7 node-seconds.
    const total = 0.004;
    const { market, compute } = await setup({ coldStartMs: 200 }, { total });
    const work = sleepWorkload(compute, { maxNodes: 3, scaleDownDelayMs: 60_000 });
    let maxBill = 0;
    const watch = setInterval(() => (maxBill = Math.max(maxBill, market.bill().total)), 20);
    cleanups.push(async () => clearInterval(watch));

    const outcomes = await Promise.allSettled(Array.from({ length: 400 }, () => work.run({ ms: 100 })));
    const ok = outcomes.filter((o) => o.status === 'fulfilled').length;
    const rejected = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as ComputeError);
    expect(ok).toBeGreaterThan(0);
    expect(rejected.length).toBeGreaterThan(0);
    expect(new Set(rejected.map((e) => e.code))).toEqual(new Set(['BUDGET_EXHAUSTED']));
    await waitFor(() => market.liveLeases().length === 0, 10_000, 'leases released at the cap');
    maxBill = Math.max(maxBill, market.bill().total);
    expect(maxBill).toBeLessThanOrEqual(total);
    await expect(work.run({ ms: 1 })).rejects.toMatchObject({ code: 'BUDGET_EXHAUSTED' });
  }, 60_000);

  it('rejects an aborted queued task with ABORTED and a timed-out one with TIMEOUT', async () => {
    const { compute } = await setup({ coldStartMs: 500 });
    const work = sleepWorkload(compute, { maxNodes: 1, concurrencyPerNode: 1 });
    const controller = new AbortController();
    const aborted = work.run({ ms: 10 }, { signal: controller.signal });
    const timedOut = work.run({ ms: 10 }, { timeoutMs: 100 });
    const fine = work.run({ ms: 10 });
    controller.abort(new Error('user gave up'));
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(timedOut).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(fine).resolves.toEqual({ echo: { ms: 10 } });
  });

  it('rejects bad input before queueing and unknown workloads by name', async () => {
    const { compute } = await setup();
    const work = sleepWorkload(compute);
    await expect(work.run({ ms: 'slow' } as never)).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('ms') });
    await expect(compute.run('nope', {})).rejects.toMatchObject({ code: 'WORKLOAD_UNKNOWN' });
    expect(compute.metrics().workloads.sleep!.queued).toBe(0);
  });

  it('runs by name, keeps map() order, and shutdown settles queued work and releases every lease', async () => {
    const { market, compute } = await setup({ coldStartMs: 200 });
    const work = sleepWorkload(compute, { maxNodes: 2 });
    await expect(compute.run('sleep', { ms: 1 })).resolves.toEqual({ echo: { ms: 1 } });
    const got: number[] = [];
    const inputs = Array.from({ length: 20 }, (_, i) => ({ ms: (20 - i) * 5, i }));
    for await (const r of work.map(inputs, { concurrency: 8 })) got.push((r as { echo: { i: number } }).echo.i);
    expect(got).toEqual(inputs.map((x) => x.i));

    const pending = Promise.allSettled(Array.from({ length: 50 }, () => compute.run('sleep', { ms: 200 })));
    await compute.shutdown({ graceMs: 5_000 });
    const settled = await pending;
    expect(settled.some((s) => s.status === 'rejected')).toBe(true);
    for (const s of settled) {
      if (s.status === 'rejected') expect((s.reason as ComputeError).code).toBe('SHUTDOWN');
    }
    expect(market.liveLeases()).toHaveLength(0);
    await expect(compute.run('sleep', { ms: 1 })).rejects.toMatchObject({ code: 'SHUTDOWN' });
  });

  it('never shows the API key or a node token in events, warnings, errors, metrics or inspect()', async () => {
    const apiKey = 'sk-live-9f8e7d6c5b4a39281726354453627180';
    const market = await createFakeMarketplace({ apiKey, coldStartMs: 100, failRate: 0.2, random: seeded(7) });
    cleanups.push(() => market.close());
    const compute = createCompute({ marketplace: { url: market.url, apiKey } });
    cleanups.push(() => compute.shutdown({ graceMs: 1000 }));
    const seen: unknown[] = [];
    for (const name of ['scale', 'lease', 'budget', 'warning'] as const) compute.on(name, (e: unknown) => seen.push(e));
    const work = sleepWorkload(compute, { maxNodes: 2 });
    const outcomes = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => work.run({ ms: 5, i })));
    // A wrong key: every call fails, and the error must not echo it either.
    const wrong = createCompute({ marketplace: { url: market.url, apiKey: `${apiKey}-wrong` } });
    cleanups.push(() => wrong.shutdown({ graceMs: 100 }));
    wrong.on('warning', (e) => seen.push(e));
    const failed = await Promise.allSettled([wrong.workload('x', { gpu: { model: 'A100' }, image: 'i' }).run({ ms: 1 }, { timeoutMs: 5000 })]);
    // A key the marketplace refuses fails the waiting task at once, with the marketplace's reason.
    expect(failed[0]).toMatchObject({ status: 'rejected', reason: { code: 'MARKET_UNAUTHORIZED' } });
    const tokens = market.leases().map((l) => l.nodeToken).filter((t): t is string => typeof t === 'string');
    expect(tokens.length).toBeGreaterThan(0);
    const captured = [
      ...seen.map((e) => inspect(e, { depth: 10 }) + JSON.stringify(e)),
      ...[...outcomes, ...failed].map((o) => inspect(o, { depth: 10 })),
      JSON.stringify(compute.metrics()),
      inspect(compute, { depth: 10 }),
      JSON.stringify(compute),
      inspect(wrong, { depth: 10 }),
    ].join('\n');
    expect(seen.length).toBeGreaterThan(0);
    for (const secret of [apiKey, ...tokens]) expect(captured).not.toContain(secret);
  }, 30_000);
});

/** A small deterministic PRNG for injected faults. */
function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}
