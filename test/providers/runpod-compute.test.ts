/**
 * The whole runtime over the RunPod adapter and the fake of RunPod's API: a burst
 * scales up onto real agent processes reached over pinned TLS, every result comes
 * back, the fleet scales to zero and shutdown() leaves no pod; a capacity refusal
 * moves on to the next offer; a pod presenting another TLS key gets no request, is
 * released within maxProvisionSec, and the work runs elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { runpod } from '../../src/providers/index.js';
import { RunPodFake } from '../support/runpod-fake.js';
import type { ImpostorNode } from '../support/impostor-node.js';
import { burst, echoes, expectCleanEnd, stopsAfterEach, until } from '../support/provider-tests.js';
import type { RunPodFakeOptions } from '../support/runpod-fake.js';

const stopAfter = stopsAfterEach();


async function run(fakeOptions: RunPodFakeOptions, tasks: number) {
  const fake = await new RunPodFake(fakeOptions).start();
  stopAfter(() => fake.stop());
  // The fake bills per second; RunPod's default of counting a minute would hold nodes for it.
  const market = runpod({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000, billingIncrementSec: 1 });
  // A target above any cold start, even on a loaded machine: under a cold start the
  // planner keeps nodes warm until traffic returns, and these tests wait for zero.
  const { compute, results } = await burst(market, { budget: { maxPerHour: 5, total: 1 }, maxNodes: 3, latencyTargetMs: 60_000, concurrencyPerNode: 4, tasks, taskMs: 40 }, stopAfter);
  return { fake, compute, results };
}

describe('createCompute() over runpod()', () => {
  it('a burst scales up, returns every result, scales to zero and leaves no pod after shutdown', async () => {
    const { fake, compute, results } = await run({}, 60);
    expect(results).toEqual(echoes({ tasks: 60, taskMs: 40 }));
    await expectCleanEnd(compute, fake, [...fake.pods.values()].map((p) => p.env.ADAPTIVE_COMPUTE_NODE_TOKEN), 1);
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

  it('a pod presenting another TLS key gets no request and is released within maxProvisionSec; the work runs on another offer', async () => {
    const { fake, compute, results } = await run({ impostorGpus: ['COMMUNITY:NVIDIA GeForce RTX 4090'] }, 12);
    expect(results).toEqual(echoes({ tasks: 12, taskMs: 40 }));
    const pods = [...fake.pods.values()];
    const impostors = pods.filter((p) => p.cloud === 'COMMUNITY');
    expect(impostors.length).toBeGreaterThanOrEqual(1);
    expect(impostors.map((p) => (p.node as ImpostorNode).requests)).toEqual(impostors.map(() => 0));
    expect(impostors.every((p) => p.deletedAtMs !== null && p.deletedAtMs - p.createdAtMs <= 20_000)).toBe(true);
    expect(pods.some((p) => p.cloud === 'SECURE')).toBe(true);
    await compute.shutdown();
    await until(() => fake.live().length === 0, 5_000);
  }, 60_000);
});
