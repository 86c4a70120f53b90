/**
 * Model-based property test (fast-check `commands`): the whole runtime on virtual
 * time, driven through random sequences of run / abort / node death / preemption /
 * marketplace outage / budget pressure / pause / resume / shutdown. After every step:
 * no promise settles twice, every answer is the right one, live leases never exceed
 * maxNodes, the hourly rate never exceeds maxPerHour, the bill never exceeds total
 * (plus, during a marketplace outage, what live leases bill while a release cannot
 * reach it);
 * after shutdown nothing is live and every promise has settled.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { ComputeRuntime } from '../../src/compute.js';
import { ComputeOptionsSchema } from '../../src/config/compute.js';
import { ComputeError } from '../../src/errors.js';
import type { Workload } from '../../src/api.js';
import { MemoryMarket, modelledNodes } from '../support/memory-market.js';

const MAX_NODES = 3;

interface Tracked {
  input: { ms: number; i: number };
  settled: number;
  outcome: 'pending' | 'ok' | 'wrong' | string;
  abort: AbortController;
}

interface Real {
  clock: VirtualClock;
  market: MemoryMarket;
  compute: ComputeRuntime;
  work: Workload;
  tasks: Tracked[];
  caps: { total: number; maxPerHour: number };
  shut: boolean;
  /**
   * Spend the SDK could not stop: leases live while the marketplace was unreachable
   * cannot be released, so the cap holds up to what they billed during outages.
   */
  outageAllowance: number;
}

type Model = { shut: boolean };

function check(real: Real): void {
  for (const t of real.tasks) {
    expect(t.settled).toBeLessThanOrEqual(1);
    expect(t.outcome).not.toBe('wrong');
  }
  expect(real.market.live().length).toBeLessThanOrEqual(MAX_NODES);
  expect(real.market.hourlyRate()).toBeLessThanOrEqual(real.caps.maxPerHour + 1e-9);
  expect(real.market.billTotal()).toBeLessThanOrEqual(real.caps.total + real.outageAllowance + 1e-9);
}

class RunTasks implements fc.AsyncCommand<Model, Real> {
  constructor(readonly n: number, readonly ms: number, readonly timeoutMs: number | undefined) {}
  check = (m: Readonly<Model>) => !m.shut;
  async run(_m: Model, r: Real): Promise<void> {
    for (let k = 0; k < this.n; k++) {
      const input = { ms: this.ms, i: r.tasks.length };
      const tracked: Tracked = { input, settled: 0, outcome: 'pending', abort: new AbortController() };
      r.tasks.push(tracked);
      r.work
        .run(input, { signal: tracked.abort.signal, ...(this.timeoutMs ? { timeoutMs: this.timeoutMs } : {}) })
        .then(
          (out) => {
            tracked.settled++;
            const echo = (out as { echo?: { i?: number } }).echo;
            tracked.outcome = echo?.i === input.i ? 'ok' : 'wrong';
          },
          (error: unknown) => {
            tracked.settled++;
            tracked.outcome = error instanceof ComputeError ? error.code : 'wrong';
          },
        );
    }
    await r.clock.advance(10);
    check(r);
  }
  toString = () => `run(${this.n} x ${this.ms}ms${this.timeoutMs ? `, timeout ${this.timeoutMs}` : ''})`;
}

class Advance implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_m: Model, r: Real): Promise<void> {
    await r.clock.advance(this.ms);
    check(r);
  }
  toString = () => `advance(${this.ms})`;
}

class AbortOne implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(_m: Model, r: Real): Promise<void> {
    const pending = r.tasks.filter((t) => t.outcome === 'pending');
    pending[this.pick % Math.max(1, pending.length)]?.abort.abort();
    await r.clock.advance(1);
    check(r);
  }
  toString = () => `abort(#${this.pick})`;
}

class NodeFault implements fc.AsyncCommand<Model, Real> {
  constructor(readonly kind: 'kill' | 'preempt', readonly pick: number) {}
  check = () => true;
  async run(_m: Model, r: Real): Promise<void> {
    const live = r.market.live();
    const victim = live[this.pick % Math.max(1, live.length)];
    if (victim) {
      if (this.kind === 'kill') r.market.killNode(victim.id);
      else r.market.preempt(victim.id);
    }
    await r.clock.advance(1);
    check(r);
  }
  toString = () => `${this.kind}(#${this.pick})`;
}

class Outage implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_m: Model, r: Real): Promise<void> {
    r.market.down = true;
    // Per-second billing, rounded up at both ends of the outage.
    r.outageAllowance += (r.market.hourlyRate() * (this.ms + 2000)) / 3_600_000;
    await r.clock.advance(this.ms);
    check(r);
    r.market.down = false;
  }
  toString = () => `outage(${this.ms})`;
}

class PauseResume implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pauseMs: number, readonly mode: 'hold' | 'reject') {}
  check = (m: Readonly<Model>) => !m.shut;
  async run(_m: Model, r: Real): Promise<void> {
    const paused = r.compute.pause('w', { whilePaused: this.mode });
    await r.clock.advance(this.pauseMs);
    check(r);
    await r.compute.resume('w');
    await r.clock.advance(10);
    await paused;
    check(r);
  }
  toString = () => `pause(${this.mode}, ${this.pauseMs})`;
}

class Shutdown implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => !m.shut;
  async run(m: Model, r: Real): Promise<void> {
    const done = r.compute.shutdown({ graceMs: 5_000, releaseTimeoutMs: 60_000 });
    await r.clock.advance(120_000);
    await done;
    m.shut = true;
    r.shut = true;
    expect(r.market.live()).toHaveLength(0);
    check(r);
  }
  toString = () => 'shutdown()';
}

const commands = [
  fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 10, max: 3000 }), fc.option(fc.integer({ min: 100, max: 20_000 }), { nil: undefined })).map(
    ([n, ms, t]) => new RunTasks(n, ms, t),
  ),
  fc.integer({ min: 1, max: 30_000 }).map((ms) => new Advance(ms)),
  fc.nat().map((p) => new AbortOne(p)),
  fc.tuple(fc.constantFrom('kill' as const, 'preempt' as const), fc.nat()).map(([k, p]) => new NodeFault(k, p)),
  fc.integer({ min: 100, max: 20_000 }).map((ms) => new Outage(ms)),
  fc.tuple(fc.integer({ min: 10, max: 20_000 }), fc.constantFrom('hold' as const, 'reject' as const)).map(([ms, mode]) => new PauseResume(ms, mode)),
  fc.constant(new Shutdown()),
];

describe('runtime invariants under random faults (model-based)', () => {
  it('holds every invariant after every step', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands(commands, { maxCommands: 25 }),
        fc.double({ min: 0.01, max: 0.5, noNaN: true }),
        fc.constantFrom(2.5, 5, 100),
        async (cmds, total, maxPerHour) => {
          const clock = new VirtualClock(1_700_000_000_000);
          const market = new MemoryMarket(clock, { coldStartMs: 800 });
          const config = ComputeOptionsSchema.parse({ marketplace: market, clock, journal: false, budget: { total, maxPerHour } });
          const compute = new ComputeRuntime(config, { connectNode: modelledNodes(clock, 2, market) });
          const work = compute.workload('w', {
            gpu: { model: ['A100', 'H100'] },
            image: 'i',
            scaling: { maxNodes: MAX_NODES, concurrencyPerNode: 2, latencyTargetMs: 2000, scaleDownDelayMs: 5000 },
            maxAttempts: 3,
          }) as Workload;
          const real: Real = { clock, market, compute, work, tasks: [], caps: { total, maxPerHour }, shut: false, outageAllowance: 0 };
          await fc.asyncModelRun(() => ({ model: { shut: false }, real }), cmds);
          // Whatever the sequence, a final shutdown settles everything and leaves nothing live.
          market.down = false;
          if (!real.shut) await new Shutdown().run({ shut: false }, real);
          await clock.advance(1000);
          for (const t of real.tasks) {
            expect(t.settled, `task ${t.input.i}`).toBe(1);
            expect(['ok', 'ABORTED', 'TIMEOUT', 'NODE_FAILED', 'BUDGET_EXHAUSTED', 'WORKLOAD_PAUSED', 'SHUTDOWN']).toContain(t.outcome);
          }
          expect(market.live()).toHaveLength(0);
        },
      ),
      { numRuns: 100, timeout: 10_000 },
    );
  }, 120_000);
});
