/**
 * Chaos with real processes: the embedded local marketplace runs each node as an
 * agent process; during a burst we kill -9 agent processes, the marketplace preempts
 * spot leases and rate-limits its API. Every task answers right (or NODE_FAILED past
 * maxAttempts), nothing is live at the end on the marketplace's side, no agent process
 * survives, the bill stays under the cap, and no secret shows in what we captured.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ComputeError, createCompute } from '../../src/index.js';
import { startLocalMarket } from '../../src/local/market/local-market.js';
import { isRunning } from '../local/processes.js';

describe('chaos: agent processes killed under load', () => {
  it('200 tasks survive kill -9 of node processes, preemptions and 429s', async () => {
    const market = await startLocalMarket({
      coldStartMs: 300,
      slots: 2,
      prices: false,
      preemptionRatePerHour: 600,
      rateLimit: { requests: 15, windowMs: 1000 },
      apiKey: 'local-chaos-key-7c1e9a2b',
    });
    const total = 2;
    const compute = createCompute({ marketplace: { url: market.url, apiKey: market.apiKey }, budget: { total }, journal: false, tickMs: 250 });
    const captured: unknown[] = [];
    for (const name of ['scale', 'lease', 'budget', 'warning'] as const) compute.on(name, (e: unknown) => captured.push(e));
    const pids = new Set<number>();
    let kills = 0;
    const killer = setInterval(() => {
      const running = [...market.agentPids().values()];
      for (const pid of running) pids.add(pid);
      const victim = running[kills % Math.max(1, running.length)];
      if (victim !== undefined && running.length > 1) {
        try {
          process.kill(victim, 'SIGKILL');
          kills++;
        } catch {
          // already gone
        }
      }
    }, 1500);
    try {
      const w = compute.workload('chaos', {
        gpu: { model: 'A100', interruptible: 'allow', spotCooloffMs: 1000 },
        image: 'echo',
        scaling: { maxNodes: 4, concurrencyPerNode: 2, latencyTargetMs: 800, scaleDownDelayMs: 1000 },
        maxAttempts: 5,
      });
      const outcomes = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => w.run({ i, ms: 80 })));
      clearInterval(killer);
      let ok = 0;
      for (const [i, o] of outcomes.entries()) {
        if (o.status === 'fulfilled') {
          expect(o.value).toEqual({ echo: { i, ms: 80 } });
          ok++;
        } else {
          expect((o.reason as ComputeError).code).toBe('NODE_FAILED');
          captured.push(o.reason);
        }
      }
      expect(ok).toBeGreaterThan(150);
      expect(kills).toBeGreaterThan(0);
      await compute.shutdown({ graceMs: 2000 });
      expect(market.liveLeases()).toHaveLength(0);
      expect(market.account().total).toBeLessThanOrEqual(total);
      for (const pid of market.agentPids().values()) pids.add(pid);
      await market.close();
      expect([...pids].filter(isRunning)).toEqual([]);
      const text = captured.map((e) => inspect(e, { depth: 10 }) + JSON.stringify(e)).join('\n') + inspect(compute) + JSON.stringify(compute.metrics());
      const tokens = market.leases().map((l) => l.nodeToken).filter((t): t is string => typeof t === 'string');
      for (const secret of [market.apiKey, ...tokens]) expect(text).not.toContain(secret);
    } finally {
      clearInterval(killer);
      await compute.shutdown().catch(() => undefined);
      await market.close();
    }
  }, 120_000);
});
