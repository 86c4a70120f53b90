/**
 * The whole runtime over the Vast.ai adapter and the fake of Vast's API: a burst
 * scales up onto real agent processes reached over pinned TLS, every result comes
 * back, the fleet scales to zero and shutdown() leaves no instance; a node that
 * presents another TLS key gets no task, is released, and the work runs elsewhere.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCompute } from '../../src/index.js';
import type { Compute } from '../../src/index.js';
import { vastai } from '../../src/providers/index.js';
import { VastFake } from '../support/vast-fake.js';
import type { VastFakeOptions } from '../support/vast-fake.js';

const fakes: VastFake[] = [];
const computes: Compute[] = [];
afterEach(async () => {
  await Promise.all(computes.splice(0).map((c) => c.shutdown().catch(() => undefined)));
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

async function run(fakeOptions: VastFakeOptions, tasks: number) {
  const fake = await new VastFake(fakeOptions).start();
  fakes.push(fake);
  const compute = createCompute({
    marketplace: vastai({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000 }),
    budget: { maxPerHour: 5, total: 1 },
    journal: false,
    tickMs: 200,
  });
  computes.push(compute);
  const llm = compute.workload('llm', {
    gpu: { model: ['RTX 4090'], count: 1, interruptible: 'never' },
    image: 'ghcr.io/acme/llm-node:1',
    scaling: { minNodes: 0, maxNodes: 3, latencyTargetMs: 3_000, concurrencyPerNode: 4, scaleDownDelayMs: 500, maxProvisionSec: 20 },
  });
  const results = await Promise.all(Array.from({ length: tasks }, (_, i) => llm.run({ i, ms: 40 })));
  return { fake, compute, results };
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('createCompute() over vastai()', () => {
  it('a burst scales up, returns every result, scales to zero and leaves no instance after shutdown', async () => {
    const { fake, compute, results } = await run({}, 60);
    expect(results).toEqual(Array.from({ length: 60 }, (_, i) => ({ echo: { i, ms: 40 } })));
    expect(fake.instances.size).toBeGreaterThanOrEqual(1);
    // Every instance got its own node token.
    const tokens = [...fake.instances.values()].map((i) => i.env.ADAPTIVE_COMPUTE_NODE_TOKEN);
    expect(new Set(tokens).size).toBe(tokens.length);
    await until(() => compute.metrics().leases.live === 0, 15_000);
    await compute.shutdown();
    await until(() => fake.live().length === 0, 5_000);
    expect(fake.bill()).toBeLessThanOrEqual(1);
  }, 60_000);

  it('a node presenting another TLS key gets no task and is released; its offer is avoided and the work runs elsewhere', async () => {
    const { fake, compute, results } = await run({ impostorAsks: [101] }, 12);
    expect(results).toHaveLength(12);
    const impostors = [...fake.instances.values()].filter((i) => i.askId === 101);
    expect(impostors.length).toBeGreaterThanOrEqual(1);
    expect(impostors.every((i) => i.deletedAtMs !== null)).toBe(true);
    expect([...fake.instances.values()].some((i) => i.askId === 102)).toBe(true);
    await compute.shutdown();
    await until(() => fake.live().length === 0, 5_000);
  }, 60_000);
});
