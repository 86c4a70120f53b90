/**
 * The whole runtime over the RunPod adapter and the fake of RunPod's API: a burst
 * scales up onto real agent processes reached over pinned TLS, every result comes
 * back, the fleet scales to zero and shutdown() leaves no pod; a capacity refusal
 * moves on to the next offer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCompute } from '../../src/index.js';
import type { Compute } from '../../src/index.js';
import { runpod } from '../../src/providers/index.js';
import { RunPodFake } from '../support/runpod-fake.js';
import type { RunPodFakeOptions } from '../support/runpod-fake.js';

const fakes: RunPodFake[] = [];
const computes: Compute[] = [];
afterEach(async () => {
  await Promise.all(computes.splice(0).map((c) => c.shutdown().catch(() => undefined)));
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function run(fakeOptions: RunPodFakeOptions, tasks: number) {
  const fake = await new RunPodFake(fakeOptions).start();
  fakes.push(fake);
  const compute = createCompute({
    // The fake bills per second; RunPod's default of counting a minute would hold nodes for it.
    marketplace: runpod({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000, billingIncrementSec: 1 }),
    budget: { maxPerHour: 5, total: 1 },
    journal: false,
    tickMs: 200,
  });
  computes.push(compute);
  const llm = compute.workload('llm', {
    gpu: { model: ['RTX 4090'], count: 1 },
    image: 'ghcr.io/acme/llm-node:1',
    scaling: { minNodes: 0, maxNodes: 3, latencyTargetMs: 3_000, concurrencyPerNode: 4, scaleDownDelayMs: 500, maxProvisionSec: 20 },
  });
  const results = await Promise.all(Array.from({ length: tasks }, (_, i) => llm.run({ i, ms: 40 })));
  return { fake, compute, results };
}

describe('createCompute() over runpod()', () => {
  it('a burst scales up, returns every result, scales to zero and leaves no pod after shutdown', async () => {
    const { fake, compute, results } = await run({}, 60);
    expect(results).toEqual(Array.from({ length: 60 }, (_, i) => ({ echo: { i, ms: 40 } })));
    const tokens = [...fake.pods.values()].map((p) => p.env.ADAPTIVE_COMPUTE_NODE_TOKEN);
    expect(tokens.length).toBeGreaterThanOrEqual(1);
    expect(new Set(tokens).size).toBe(tokens.length);
    await until(() => compute.metrics().leases.live === 0, 15_000);
    await compute.shutdown();
    await until(() => fake.live().length === 0, 5_000);
    expect(fake.bill()).toBeLessThanOrEqual(1);
  }, 60_000);

  it('no capacity for the cheapest offer: the work runs on the next one', async () => {
    const { fake, compute, results } = await run({ noCapacity: ['COMMUNITY:NVIDIA GeForce RTX 4090'] }, 8);
    expect(results).toHaveLength(8);
    const clouds = [...fake.pods.values()].map((p) => p.cloud);
    expect(clouds.length).toBeGreaterThanOrEqual(1);
    expect(clouds.every((c) => c === 'SECURE')).toBe(true);
    expect(fake.requests.some((r) => r.method === 'POST' && (r.body as { cloud: string }).cloud === 'COMMUNITY')).toBe(true);
    await compute.shutdown();
    await until(() => fake.live().length === 0, 5_000);
  }, 60_000);
});
