/**
 * The simulator's model, checked by hand on tiny scripted runs: cold start, slots,
 * FIFO order, the least-loaded node, drains, a lost node's tasks going back to the
 * front of the queue, and billing through the real ledger (increments, minimum lease).
 */
import { describe, expect, it } from 'vitest';
import { BudgetLedger } from '../../src/budget/ledger.js';
import type { Offer } from '../../src/market/protocol.js';
import { Engine, type Controller } from '../../src/sim/engine.js';
import { TraceBuilder } from '../../src/sim/trace/builder.js';

type Step = [at: number, act: (e: Engine, now: number) => void];

/** A controller that runs scripted steps at fixed times. */
class Script implements Controller {
  nextAt: number;
  private i = 0;
  constructor(
    private readonly steps: Step[],
    private readonly warm: (e: Engine) => void = () => {},
  ) {
    this.nextAt = steps[0]?.[0] ?? Infinity;
  }
  init(e: Engine): void {
    this.warm(e);
  }
  decide(e: Engine, now: number): void {
    while (this.i < this.steps.length && this.steps[this.i]![0] <= now) this.steps[this.i++]![1](e, now);
    this.nextAt = this.steps[this.i]?.[0] ?? Infinity;
  }
  onIdleArrival(): void {}
  onPreempted(): void {}
}

const offer = (over: Partial<Offer> = {}): Offer => ({
  id: 'od',
  gpu: { model: 'g', count: 1, memoryGb: 80 },
  pricePerHour: 3600, // $1 per second: costs read as billed seconds
  currency: 'USD',
  billingIncrementSec: 1,
  minLeaseSec: 0,
  interruptible: false,
  region: '',
  reliability: 1,
  coldStartSec: 5,
  available: 100,
  ...over,
});

function engine(rows: Array<[number, number]>, slots: number): Engine {
  const b = new TraceBuilder();
  for (const [at, svc] of rows) b.add(at, svc);
  const trace = b.build({ name: 't', path: '-', format: 'generic', serviceSource: 'trace' });
  return new Engine({ trace, slots, onDemand: offer(), ledger: new BudgetLedger(), seed: 1, policy: 'script', sampleMs: 1000, maxTailMs: 3_600_000 });
}

/**
 * A controller that decides every second and calls its one node a floor only at its
 * first decision on an empty queue (as ours does when it keeps a node warm for good),
 * or, with `releaseAfterMs`, releases it that long after the queue emptied instead.
 */
class Rests implements Controller {
  nextAt = 0;
  restingNodes = 0;
  constructor(private readonly releaseAfterMs?: number) {}
  init(e: Engine): void {
    e.rent(0, offer(), true);
  }
  decide(e: Engine, now: number): void {
    const c = e.cluster;
    const empty = c.completed === c.n;
    if (empty && this.releaseAfterMs === undefined) this.restingNodes = 1;
    if (empty && this.releaseAfterMs !== undefined && now >= c.lastCompletionAt + this.releaseAfterMs) {
      for (const node of c.liveNodes()) c.release(now, node);
    }
    this.nextAt = now + 1000;
  }
  onIdleArrival(): void {}
  onPreempted(): void {}
}

describe('simulated nodes and queue', () => {
  it('serves after the cold start, at most `slots` at once, first in first out', () => {
    const e = engine([[0, 10_000], [0, 10_000], [0, 10_000]], 2);
    e.run(new Script([[0, (en, now) => void en.rent(now, offer())]]));
    const c = e.cluster;
    // Ready at 5 s: two start then (done at 15 s), the third waits for a slot (done at 25 s).
    expect([...c.latency]).toEqual([15_000, 15_000, 25_000]);
    expect(e.endedAt).toBe(25_000);
    // Billed from the request at 0 to the end, per second: 25 s at $1/s.
    expect(c.cost).toBeCloseTo(25, 9);
    expect(c.nodeMs).toBe(25_000);
    // Ready and idle between 15 s and 15 s: never; busy from 5 s on.
    expect(c.meter.idle).toBe(0);
  });

  it('bills whole increments and the minimum lease through the ledger', () => {
    const e = engine([[0, 10_000]], 1);
    e.run(new Script([[0, (en, now) => void en.rent(now, offer({ billingIncrementSec: 60, minLeaseSec: 120 }))]]));
    // 15 s of lease, but at least 120 s (two 60 s increments).
    expect(e.cluster.cost).toBeCloseTo(120, 9);
  });

  it('sends work to the least-loaded node and counts idle ready time', () => {
    const e = engine([[0, 10_000], [1000, 10_000]], 2);
    e.run(new Script([], (en) => {
      en.rent(0, offer(), true);
      en.rent(0, offer(), true);
    }));
    const c = e.cluster;
    // One task on each node (least loaded), both start at arrival.
    expect([...c.latency]).toEqual([10_000, 10_000]);
    expect(c.nodes.map((n) => n.inFlight)).toEqual([0, 0]);
    // Two warm nodes until 11 s: busy 10 s each; idle from 10 s to 11 s on the first and 0 to 1 s on the second.
    expect(c.meter.idle).toBe(2000);
    expect(c.cost).toBeCloseTo(22, 9);
  });

  it('lets a draining node finish its task, then releases it', () => {
    const e = engine([[0, 10_000], [2000, 1000]], 1);
    e.run(
      new Script(
        [
          [1000, (en, now) => en.cluster.drain(now, en.cluster.liveNodes()[0]!)],
          [1000, (en, now) => void en.rent(now, offer())],
        ],
        (en) => void en.rent(0, offer(), true),
      ),
    );
    const c = e.cluster;
    // The warm node keeps its task (done at 10 s) and then goes; the second request waits for
    // the new node (ready at 6 s): latency 5 s. The run ends with the last task, at 10 s:
    // 10 s of the first lease and 9 s of the second.
    expect([...c.latency]).toEqual([10_000, 5000]);
    expect(c.nodes[0]!.state).toBe('gone');
    expect(c.cost).toBeCloseTo(10 + 9, 9);
  });

  it('puts a lost node\'s tasks back at the front of the queue', () => {
    const e = engine([[0, 10_000], [0, 10_000], [1000, 1000]], 2);
    e.run(
      new Script(
        [
          [0, (en, now) => void en.rent(now, offer({ coldStartSec: 20 }))],
          [8000, (en, now) => en.cluster.release(now, en.cluster.nodes[0]!)],
        ],
        (en) => void en.rent(0, offer(), true),
      ),
    );
    // Warm node: requests 0 and 1 from 0 s; lost at 8 s. Request 2 queued behind them.
    // The second node is ready at 20 s: 0 and 1 restart first (done at 30 s), then 2 (done at 31 s).
    expect([...e.cluster.latency]).toEqual([30_000, 30_000, 30_000]);
  });

  it('keeps exact time averages of the queue for the windowed baselines', () => {
    // Two 10 s tasks on one warm node of 2 slots, and a third queued from 4 s to 10 s.
    const e = engine([[0, 10_000], [0, 10_000], [4000, 1000]], 2);
    e.run(new Script([], (en) => void en.rent(0, offer(), true)));
    const m = e.cluster.meter;
    // The run ends at 11 s (the third task runs 10 s to 11 s). From 7 s to 11 s: 3 waiting or
    // running until 10 s, then 1: (9 + 1) / 4; in flight 2 then 1: (6 + 1) / 4.
    expect(m.avgConcurrency(11_000, 4)).toBeCloseTo(2.5, 9);
    expect(m.avgInFlight(11_000, 4)).toBeCloseTo(1.75, 9);
    // Over the whole run: 2 for 4 s, 3 for 6 s, 1 for 1 s.
    expect(m.avgConcurrency(11_000, 11)).toBeCloseTo(27 / 11, 9);
  });
});

describe('the end of a run', () => {
  it('bills a floor the policy comes to rest on by decisions alone until the last completion', () => {
    // One 10.5 s task on a warm node: the queue empties at 10.5 s, the next decision (11 s)
    // calls the node a floor and changes no lease. It rests from 10.5 s, as a baseline's
    // floor does, not from the tick that saw it.
    const e = engine([[0, 10_500]], 1);
    e.run(new Rests());
    expect(e.endedAt).toBe(10_500);
    expect(e.cluster.nodeMs).toBe(10_500);
  });

  it('bills a lease the policy lets go after the last completion until it does', () => {
    const e = engine([[0, 10_500]], 1);
    e.run(new Rests(5000));
    // Released at the first decision 5 s after the queue emptied: 16 s.
    expect(e.endedAt).toBe(16_000);
    expect(e.cluster.nodeMs).toBe(16_000);
  });
});

