/**
 * The whole runtime over the Vast.ai adapter and the fake of Vast's API: a burst
 * scales up onto real agent processes reached over pinned TLS, every result comes
 * back, the fleet scales to zero and shutdown() leaves no instance; a node that
 * presents another TLS key gets no task, is released, and the work runs elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { vastai } from '../../src/providers/index.js';
import { VastFake } from '../support/vast-fake.js';
import type { ImpostorNode } from '../support/impostor-node.js';
import { burst, echoes, expectCleanEnd, stopsAfterEach, until } from '../support/provider-tests.js';
import type { VastFakeOptions } from '../support/vast-fake.js';

const stopAfter = stopsAfterEach();

async function run(fakeOptions: VastFakeOptions, tasks: number) {
  const fake = await new VastFake(fakeOptions).start();
  stopAfter(() => fake.stop());
  const market = vastai({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000 });
  // A target above any cold start, even on a loaded machine: under a cold start the
  // planner keeps nodes warm until traffic returns, and these tests wait for zero.
  const { compute, results } = await burst(market, { budget: { maxPerHour: 5, total: 1 }, maxNodes: 3, latencyTargetMs: 60_000, concurrencyPerNode: 4, tasks, taskMs: 40 }, stopAfter);
  return { fake, compute, results };
}


describe('createCompute() over vastai()', () => {
  it('a burst scales up, returns every result, scales to zero and leaves no instance after shutdown', async () => {
    const { fake, compute, results } = await run({}, 60);
    expect(results).toEqual(echoes({ tasks: 60, taskMs: 40 }));
    await expectCleanEnd(compute, fake, [...fake.instances.values()].map((i) => i.env.ADAPTIVE_COMPUTE_NODE_TOKEN), 1);
  }, 60_000);

  it('a node presenting another TLS key gets no task and is released; its offer is avoided and the work runs elsewhere', async () => {
    const { fake, compute, results } = await run({ impostorAsks: [101] }, 12);
    expect(results).toHaveLength(12);
    const impostors = [...fake.instances.values()].filter((i) => i.askId === 101);
    expect(impostors.length).toBeGreaterThanOrEqual(1);
    // No request reached it (the node token never left), and it was released within maxProvisionSec (20 s).
    expect(impostors.map((i) => (i.node as ImpostorNode).requests)).toEqual(impostors.map(() => 0));
    expect(impostors.every((i) => i.deletedAtMs !== null && i.deletedAtMs - i.createdAtMs <= 20_000)).toBe(true);
    expect([...fake.instances.values()].some((i) => i.askId === 102)).toBe(true);
    await compute.shutdown();
    await until(() => fake.live().length === 0, 5_000);
  }, 60_000);
});
