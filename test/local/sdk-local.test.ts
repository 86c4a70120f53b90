/**
 * The SDK against the embedded local marketplace, end to end over loopback with
 * real agent processes: leases become nodes, tasks are served, preemption kills a
 * process and the work is recovered, shutdown leaves no process behind, and the
 * bill agrees with the node-seconds the SDK saw.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createCompute } from '../../src/compute.js';
import type { LeaseEvent } from '../../src/events.js';
import { AccountResponseSchema } from '../../src/local/market/account.js';
import { startLocalMarket } from '../../src/local/market/local-market.js';
import { agent, call } from './http.js';
import { agentPidsOf, isRunning, waitUntil } from './processes.js';

afterAll(() => agent.close());

describe('SDK on the local marketplace', () => {
  it('serves a burst on agent processes, bills node-seconds x price within one increment, and leaves no process behind', async () => {
    const increment = 5;
    const market = await startLocalMarket({ coldStartMs: 300, billingIncrementSec: increment, prices: false, preemptionRatePerHour: 0 });
    const compute = createCompute({ marketplace: { url: market.url, apiKey: market.apiKey }, tickMs: 200 });
    const events: LeaseEvent[] = [];
    compute.on('lease', (e) => events.push(e));
    const pids = new Set<number>();
    const w = compute.workload('echo', {
      gpu: { model: 'A100', interruptible: 'never' },
      image: 'echo',
      scaling: { maxNodes: 3, concurrencyPerNode: 4, latencyTargetMs: 500, scaleDownDelayMs: 500 },
    });
    const burst = Promise.all(Array.from({ length: 40 }, (_, i) => w.run({ i, ms: 150 })));
    const watch = setInterval(() => {
      for (const pid of market.agentPids().values()) pids.add(pid);
    }, 50);
    const outputs = (await burst) as { echo: { i: number } }[];
    clearInterval(watch);
    expect(outputs.map((o) => o.echo.i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(events.filter((e) => e.type === 'ready').length).toBeGreaterThanOrEqual(1);
    expect(pids.size).toBeGreaterThanOrEqual(1);

    await compute.shutdown();
    expect([...pids].filter(isRunning)).toEqual([]);
    const account = AccountResponseSchema.parse((await call(market.url, 'GET', '/v1/account', { token: market.apiKey })).json).account;
    expect(account.leases.length).toBeGreaterThanOrEqual(1);
    for (const line of account.leases) {
      // Node-seconds as the SDK saw them: from the lease being acquired to its release.
      const acquired = events.find((e) => e.leaseId === line.id && e.type === 'acquired');
      const ended = events.find((e) => e.leaseId === line.id && e.type === 'released');
      expect(acquired && ended, line.id).toBeTruthy();
      const seen = (ended!.at - acquired!.requestedAt) / 1000;
      const expected = (line.pricePerHour * seen) / 3600;
      const oneIncrement = (line.pricePerHour * increment) / 3600;
      expect(line.cost).toBeGreaterThanOrEqual(expected - oneIncrement);
      expect(line.cost).toBeLessThanOrEqual(expected + oneIncrement);
      expect(line.billedSec % increment).toBe(0);
    }
    expect(compute.metrics().budget.spent).toBeCloseTo(account.total, 3);
    await market.close();
  }, 60_000);

  it('recovers the work of a preempted node: its process dies, its tasks run elsewhere and all succeed', async () => {
    const market = await startLocalMarket({ coldStartMs: 200, prices: false, preemptionRatePerHour: 0 });
    const compute = createCompute({ marketplace: { url: market.url, apiKey: market.apiKey }, tickMs: 200 });
    const events: LeaseEvent[] = [];
    compute.on('lease', (e) => events.push(e));
    const w = compute.workload('slow', {
      gpu: { model: 'L4' },
      image: 'sleep',
      scaling: { minNodes: 2, maxNodes: 2, concurrencyPerNode: 4, latencyTargetMs: 5_000 },
    });
    const tasks = Array.from({ length: 16 }, (_, i) => w.run({ ms: 1_200, i }));
    // Both nodes full (4 tasks each): whichever is preempted has work in flight.
    await vi.waitFor(() => expect(compute.metrics().workloads.slow?.running).toBe(8), { timeout: 20_000, interval: 20 });
    const victim = events.find((e) => e.type === 'ready')!.leaseId!;
    const pid = market.agentPids().get(victim)!;
    expect(isRunning(pid)).toBe(true);
    await market.preempt(victim);
    expect(isRunning(pid)).toBe(false);

    const results = await Promise.all(tasks);
    expect(results).toHaveLength(16);
    expect(results.every((r) => (r as { sleptMs: number }).sleptMs === 1_200)).toBe(true);
    expect(market.lease(victim)?.state).toBe('preempted');
    expect(await waitUntil(() => events.some((e) => e.type === 'preempted' && e.leaseId === victim), 10_000)).toBe(true);
    await compute.shutdown();
    await market.close();
    expect(market.agentPids().size).toBe(0);
  }, 60_000);

  it('createCompute() with no marketplace starts the local one on first need and stops it, agents included, at shutdown', async () => {
    expect(agentPidsOf(process.pid)).toEqual([]);
    const compute = createCompute({ tickMs: 200 });
    const w = compute.workload('llm', { gpu: { model: 'L4' }, image: 'tokens', scaling: { maxNodes: 1, concurrencyPerNode: 2 } });
    const out = (await w.run({ inputTokens: 12, outputTokens: 3 })) as { text: string; outputTokens: number };
    expect(out.outputTokens).toBe(3);
    expect(out.text.split(' ')).toHaveLength(3);
    const pids = agentPidsOf(process.pid);
    expect(pids.length).toBe(1);
    await compute.shutdown();
    expect(pids.filter(isRunning)).toEqual([]);
    expect(agentPidsOf(process.pid)).toEqual([]);
  }, 60_000);
});
