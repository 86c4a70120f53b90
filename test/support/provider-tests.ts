/**
 * What the provider tests share: stopping what a test started, waiting for a
 * condition or a lease state by polling, and the end every burst must reach (no
 * live lease, shutdown, no instance left, the bill within the budget).
 */
import { afterEach, expect } from 'vitest';
import { createCompute } from '../../src/index.js';
import type { Compute, Marketplace } from '../../src/index.js';
import type { Lease } from '../../src/market/protocol.js';

/** Register a stop to run after the current test (last registered first). */
export function stopsAfterEach(): (...stops: Array<() => Promise<unknown>>) => void {
  const stops: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  });
  return (...more) => void stops.push(...more);
}

/** Poll `check` every 100 ms until it holds; throws after `ms`. */
export async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Read lease `id` every 100 ms until it is in one of `states`. */
export async function untilState(market: { getLease(id: string): Promise<Lease> }, id: string, states: readonly string[], ms = 15_000): Promise<Lease> {
  const end = Date.now() + ms;
  for (;;) {
    const lease = await market.getLease(id);
    if (states.includes(lease.state)) return lease;
    if (Date.now() > end) throw new Error(`lease ${id} still ${lease.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One burst: the budget, the fleet's bounds and the tasks. */
export interface BurstPlan {
  budget: { maxPerHour: number; total: number };
  maxNodes: number;
  latencyTargetMs: number;
  concurrencyPerNode: number;
  tasks: number;
  /** How long the echo handler holds each task, ms. */
  taskMs: number;
}

/**
 * `tasks` echo tasks at once on an on-demand RTX 4090 workload over `marketplace`
 * (compute shut down after the test through `stopAfter`); resolves with every result.
 */
export async function burst(marketplace: Marketplace, plan: BurstPlan, stopAfter: (stop: () => Promise<unknown>) => void): Promise<{ compute: Compute; results: unknown[] }> {
  const compute = createCompute({ marketplace, budget: plan.budget, journal: false, tickMs: 200 });
  stopAfter(() => compute.shutdown());
  const llm = compute.workload('llm', {
    gpu: { model: ['RTX 4090'], count: 1, interruptible: 'never' },
    image: 'ghcr.io/acme/llm-node:1',
    scaling: { minNodes: 0, maxNodes: plan.maxNodes, latencyTargetMs: plan.latencyTargetMs, concurrencyPerNode: plan.concurrencyPerNode, scaleDownDelayMs: 500, maxProvisionSec: 20 },
  });
  const results = await Promise.all(Array.from({ length: plan.tasks }, (_, i) => llm.run({ i, ms: plan.taskMs })));
  return { compute, results };
}

/** What `burst` must answer: task i's echo, in order. */
export function echoes(plan: Pick<BurstPlan, 'tasks' | 'taskMs'>): unknown[] {
  return Array.from({ length: plan.tasks }, (_, i) => ({ echo: { i, ms: plan.taskMs } }));
}

/** What a burst ran on: the fake's instances still listed, its bill. */
export interface BurstFake {
  live(): unknown[];
  bill(): number;
}

/**
 * The end every burst must reach: each node had its own token, the fleet scales to
 * zero, shutdown() leaves no instance listed, and the provider's bill stays within `budget`.
 */
export async function expectCleanEnd(compute: Compute, fake: BurstFake, tokens: readonly (string | undefined)[], budget: number): Promise<void> {
  expect(tokens.length).toBeGreaterThanOrEqual(1);
  expect(new Set(tokens).size).toBe(tokens.length);
  await until(() => compute.metrics().leases.live === 0, 15_000);
  await compute.shutdown();
  await until(() => fake.live().length === 0, 5_000);
  expect(fake.bill()).toBeLessThanOrEqual(budget);
}
