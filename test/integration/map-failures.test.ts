/**
 * `workload.map()` through the public API over real HTTP (the /testing fake): a failed
 * input is named by its 0-based index (`index` on the error and in its message), and
 * `settle: true` yields every result or error in input order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ComputeError, createCompute, type Compute } from '../../src/index.js';
import { createFakeMarketplace, type FakeMarketplace } from '../../src/testing/index.js';

let market: FakeMarketplace | undefined;
let compute: Compute | undefined;
afterEach(async () => {
  await compute?.shutdown();
  await market?.close();
  compute = undefined;
  market = undefined;
});

async function workload() {
  market = await createFakeMarketplace({ coldStartMs: 20 });
  compute = createCompute({ marketplace: { url: market.url, apiKey: market.apiKey }, journal: false });
  return compute.workload('embed', { gpu: { model: 'A100' }, image: 'i', scaling: { maxNodes: 1, concurrencyPerNode: 4 }, input: z.object({ n: z.number() }) });
}

// Input 2 fails validation; the others run on a node.
const inputs = [{ n: 0 }, { n: 1 }, { n: 'two' }, { n: 3 }] as unknown as { n: number }[];

describe('map() failures', () => {
  it('the error of a failed input carries its index, on the error and in its message, under the task code', async () => {
    const embed = await workload();
    const out: unknown[] = [];
    const error = await (async () => {
      for await (const r of embed.map(inputs, { concurrency: 1 })) out.push(r);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(out).toEqual([{ echo: { n: 0 } }, { echo: { n: 1 } }]);
    expect(error).toBeInstanceOf(ComputeError);
    const failed = error as ComputeError;
    expect(failed.code).toBe('INPUT_INVALID');
    expect(failed.index).toBe(2);
    expect(failed.details.index).toBe(2);
    expect(failed.message).toMatch(/\b2\b/);
    expect((failed.cause as ComputeError).code).toBe('INPUT_INVALID');
  });

  it('settle: true yields every result or error in input order', async () => {
    const embed = await workload();
    const results = [];
    for await (const r of embed.map(inputs, { concurrency: 2, settle: true })) results.push(r);
    expect(results.map((r) => [r.index, r.status])).toEqual([
      [0, 'fulfilled'],
      [1, 'fulfilled'],
      [2, 'rejected'],
      [3, 'fulfilled'],
    ]);
    const rejected = results[2];
    expect(rejected?.status === 'rejected' && (rejected.reason as ComputeError).index).toBe(2);
    const last = results[3];
    expect(last?.status === 'fulfilled' && last.value).toEqual({ echo: { n: 3 } });
  });

  it('settle must be a boolean (CONFIG_INVALID naming it, on the first next())', async () => {
    const embed = await workload();
    const iterator = embed.map(inputs, { settle: 'yes' as never });
    await expect(iterator.next()).rejects.toMatchObject({ code: 'CONFIG_INVALID', details: { path: 'settle' } });
  });
});
