/**
 * Faults of a replica group, with real parts (redis-server, the independent
 * protocol-v1 marketplace, replicas as separate processes): one budget across the
 * group, Redis down at start, a replica paused past its TTL, Redis killed and
 * restarted empty, and every replica SIGKILLed.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeRedis, freePort, RedisProcess } from '../support/redis.js';
import { startReplica, startSpecMarket, until, type Replica, type SpecMarket } from './harness.js';

describeRedis('replica group faults (separate processes, real redis-server)', () => {
  let redis: RedisProcess;
  let market: SpecMarket;
  let started: Replica[] = [];
  const env = (group: string, extra: Record<string, string> = {}) => ({
    REDIS_URL: redis.url,
    GROUP: group,
    MARKET_URL: market.url,
    MARKET_KEY: 'k-secret',
    TTL_MS: '1500',
    TICK_MS: '400',
    ...extra,
  });
  const replica = async (id: string, e: Record<string, string>): Promise<Replica> => {
    const r = startReplica(id, e);
    started.push(r);
    await r.next('started');
    return r;
  };
  const leaderOf = async (r: Replica) => (await r.metrics()).coordination.workloads.echo?.leaderReplicaId ?? undefined;
  const shutdownAll = async (rs: Replica[]) => {
    const done = rs.map((r) => r.next('shutdown', 30_000));
    for (const r of rs) r.send({ cmd: 'shutdown' });
    await Promise.all(done);
  };

  beforeEach(async () => {
    [redis, market] = await Promise.all([RedisProcess.start(), startSpecMarket()]);
    started = [];
  });
  afterEach(async () => {
    for (const r of started) {
      r.kill('SIGCONT');
      r.kill('SIGKILL');
    }
    market.stop();
    await redis.stop();
  });

  it('a small budget.total holds across three replicas, and each budget level fires once for the group, across a leader SIGKILLed between crossings', async () => {
    const total = 0.02; // twenty node-seconds at $3.60/h
    const rs = await Promise.all(['b1', 'b2', 'b3'].map((id) => replica(id, env('budget', { TOTAL: String(total), TTL_MS: '2000' }))));
    await until('a leader', 10_000, async () => ((await leaderOf(rs[0]!)) ? true : undefined));
    const runs = rs.map((r) => r.next('ran', 60_000));
    const halfway = Promise.race(rs.map((r) => r.next('budget', 60_000, (e) => e.cap === 'total' && e.percent === 50).then(() => r)));
    for (const r of rs) r.send({ cmd: 'run', n: 30, ms: 300, tag: r.id });
    // The replica that reported 50 % leads; it dies, and the next leader carries on spending.
    const first = await halfway;
    first.kill('SIGKILL');
    const survivors = rs.filter((r) => r !== first);
    await until('a new leader', 10_000, async () => {
      const seen = await Promise.all(survivors.map(leaderOf));
      return seen[0] && seen[0] !== first.id && seen.every((s) => s === seen[0]) ? seen[0] : undefined;
    });
    const results = await Promise.all(runs.filter((_, i) => rs[i] !== first));
    // Every task of the survivors settled: run, or refused by the budget; none lost or wrong.
    for (const r of results) {
      expect((r.ok as number) + (r.failed as number)).toBe(30);
      expect(r.wrong).toBe(0);
      expect(Object.entries(r.messages as object).filter(([code]) => code !== 'BUDGET_EXHAUSTED')).toEqual([]);
    }
    await shutdownAll(survivors);
    const bill = await market.bill();
    expect(bill.live).toBe(0);
    expect(bill.total).toBeLessThanOrEqual(total + 1e-9);
    const events = rs.flatMap((r) => r.lines.filter((l) => l.type === 'budget' && l.cap === 'total').map((l) => ({ percent: l.percent as number, on: r.id })));
    expect(events.filter((e) => e.percent === 50)).toEqual([expect.objectContaining({ on: first.id })]);
    for (const percent of [80, 100]) expect(events.filter((e) => e.percent === percent).length).toBeLessThanOrEqual(1);
  }, 60_000);

  it('a replica started with Redis down serves nothing new and says why', async () => {
    const dead = `redis://127.0.0.1:${await freePort()}`;
    const r = await replica('down1', env('down', { REDIS_URL: dead }));
    const warned = r.next('warning', 10_000, (w) => w.code === 'COORDINATION_UNAVAILABLE');
    await warned;
    const ran = r.next('ran', 20_000);
    r.send({ cmd: 'run', n: 3, ms: 10, tag: 'down' });
    expect(await ran).toMatchObject({ ok: 0, failed: 3, errors: { COORDINATION_UNAVAILABLE: 3 } });
    const m = await r.metrics();
    expect(m.coordination).toMatchObject({ group: 'down', replicaId: 'down1', degraded: true });
    expect(typeof m.coordination.degradedSince).toBe('number');
    expect((await market.bill()).leases).toBe(0);
    await shutdownAll([r]);
    expect(await r.exited).toBe(0);
  }, 30_000);

  it('a leader paused past its TTL loses the workload; resumed, it rents and releases nothing, and every lease the marketplace billed is in the ledger', async () => {
    // p1 would release idle nodes after 0.8 s, p2 only after a minute: only the leader's policy
    // plans, so a release in the quiet window after p1 resumes could only come from a stale leader.
    const p1 = await replica('p1', env('pause', { MAX_NODES: '3', SCALE_DOWN_MS: '800' }));
    await until('p1 leads', 10_000, async () => ((await leaderOf(p1)) === 'p1' ? true : undefined));
    const p2 = await replica('p2', env('pause', { MAX_NODES: '3', SCALE_DOWN_MS: '60000' }));
    const firstEpoch = (await p1.metrics()).coordination.workloads.echo!.epoch;
    const warm = [p1.next('ran', 30_000), p2.next('ran', 30_000)];
    p1.send({ cmd: 'run', n: 30, ms: 100, tag: 'p1a' });
    p2.send({ cmd: 'run', n: 30, ms: 100, tag: 'p2a' });
    for (const r of await Promise.all(warm)) expect(r).toMatchObject({ ok: 30, failed: 0 });
    // Paused with idle nodes it will want to scale down when it wakes.
    p1.kill('SIGSTOP');
    const taken = await until('p2 takes over', 10_000, async () => {
      const w = (await p2.metrics()).coordination.workloads.echo!;
      return w.isLeader ? w : undefined;
    });
    expect(taken.epoch).toBeGreaterThan(firstEpoch);
    const during = p2.next('ran', 30_000);
    p2.send({ cmd: 'run', n: 40, ms: 100, tag: 'p2b' });
    expect(await during).toMatchObject({ ok: 40, failed: 0 });
    const beforeResume = await market.bill();
    expect(beforeResume.live).toBeGreaterThan(0);
    p1.kill('SIGCONT');
    const after = await until('p1 sees the new leader', 10_000, async () => {
      const w = (await p1.metrics()).coordination.workloads.echo!;
      return w.leaderReplicaId === 'p2' ? w : undefined;
    });
    expect(after).toMatchObject({ isLeader: false, epoch: taken.epoch });
    // Past p1's scale-down delay, with no demand anywhere: the fleet at the marketplace is untouched.
    await new Promise((r) => setTimeout(r, 1500));
    const quiet = await market.bill();
    expect({ live: quiet.live, leases: quiet.leases }).toEqual({ live: beforeResume.live, leases: beforeResume.leases });
    const both = [p1.next('ran', 30_000), p2.next('ran', 30_000)];
    p1.send({ cmd: 'run', n: 30, ms: 100, tag: 'p1c' });
    p2.send({ cmd: 'run', n: 30, ms: 100, tag: 'p2c' });
    for (const r of await Promise.all(both)) expect(r).toMatchObject({ ok: 30, failed: 0 });
    const bill = await market.bill();
    expect(bill.peakLive).toBeLessThanOrEqual(3);
    // Nothing was rented outside the group ledger: it commits at least what the marketplace bills.
    expect((await p2.metrics()).budget.committed).toBeGreaterThanOrEqual(bill.total - 1e-9);
    await shutdownAll([p1, p2]);
    expect((await market.bill()).live).toBe(0);
  }, 60_000);

  it('Redis killed: replicas keep serving on known nodes (degraded); restarted empty: the ledger is rebuilt and said so', async () => {
    // Nodes stay up through the outage (no scale-down meanwhile), so the known shares can serve.
    const rs = await Promise.all(['k1', 'k2'].map((id) => replica(id, env('kill', { MAX_NODES: '3', SCALE_DOWN_MS: '60000', TTL_MS: '4000' }))));
    await until('a leader', 10_000, async () => ((await leaderOf(rs[0]!)) ? true : undefined));
    const warm = rs.map((r) => r.next('ran', 30_000));
    for (const r of rs) r.send({ cmd: 'run', n: 30, ms: 100, tag: `${r.id}a` });
    await Promise.all(warm);
    // Idle again: the spare slots are spread over both replicas before Redis goes away.
    const shareOf = async (r: Replica) => Object.values((await r.metrics()).coordination.workloads.echo?.slotShare ?? {}).reduce((a, b) => a + b, 0);
    await until('both replicas hold a share', 10_000, async () => ((await Promise.all(rs.map(shareOf))).every((n) => n >= 2) ? true : undefined));
    redis.kill9();
    await until('degraded', 10_000, async () => ((await rs[0]!.metrics()).coordination.degraded ? true : undefined));
    const down = rs.map((r) => r.next('ran', 30_000));
    for (const r of rs) r.send({ cmd: 'run', n: 20, ms: 100, tag: `${r.id}b` });
    for (const r of await Promise.all(down)) expect(r).toMatchObject({ ok: 20, failed: 0 });
    const leasesWhileDown = (await market.bill()).leases;
    const rebuilt = Promise.race(rs.map((r) => r.next('warning', 15_000, (w) => /rebuilt/.test(String(w.message)))));
    await redis.startAgain();
    await rebuilt;
    await until('not degraded', 10_000, async () => ((await rs[1]!.metrics()).coordination.degraded ? undefined : true));
    const back = rs.map((r) => r.next('ran', 30_000));
    for (const r of rs) r.send({ cmd: 'run', n: 20, ms: 100, tag: `${r.id}c` });
    for (const r of await Promise.all(back)) expect(r).toMatchObject({ ok: 20, failed: 0 });
    const bill = await market.bill();
    expect(bill.peakLive).toBeLessThanOrEqual(3);
    // Nothing was rented while Redis was down.
    expect(leasesWhileDown).toBeLessThanOrEqual(3);
    await shutdownAll(rs);
    expect((await market.bill()).live).toBe(0);
  }, 60_000);

  it('Redis restarted empty: the ledger is rebuilt from the marketplace and the replicas, spent covers the bill so far, and total still holds', async () => {
    const total = 0.02; // twenty node-seconds at $3.60/h
    const e = (extra: Record<string, string> = {}) => env('rebuild', { TOTAL: String(total), MAX_NODES: '3', SCALE_DOWN_MS: '1000', DEBUG_EVENTS: '1', ...extra });
    // r1 spends part of the budget and its nodes are released again...
    const r1 = await replica('r1', e());
    await until('r1 leads', 10_000, async () => ((await leaderOf(r1)) === 'r1' ? true : undefined));
    const spent = r1.next('ran', 30_000);
    r1.send({ cmd: 'run', n: 12, ms: 300, tag: 'r1' });
    const first = await spent;
    // On a loaded machine tasks run slower and the budget may already refuse some: that is spend too.
    expect(first.ok).toBeGreaterThan(0);
    expect(Object.keys(first.messages as object).filter((code) => code !== 'BUDGET_EXHAUSTED')).toEqual([]);
    // Released for good: a budget-forced release can come while the planner's short
    // window (6 s) still counts the finished run as a stream, and the next tick, with room
    // in the budget again, rents one node for it. So none may be live for 7 s straight.
    let noneSince: number | undefined;
    await until('the fleet released for good', 30_000, async () => {
      if ((await market.bill()).live > 0) noneSince = undefined;
      else noneSince ??= Date.now();
      return noneSince !== undefined && Date.now() - noneSince >= 7_000 ? true : undefined;
    });
    // ...before r2 starts: every lease the group paid for ended before r2 was born.
    const r2 = await replica('r2', e());
    await until('r2 reads the group ledger', 10_000, async () => ((await r2.metrics()).budget.committed > 0 ? true : undefined));
    await shutdownAll([r1]);
    await until('r2 leads', 10_000, async () => ((await leaderOf(r2)) === 'r2' ? true : undefined));
    const billed = await market.bill();
    expect(billed.total).toBeGreaterThan(0.002);
    const rebuilt = r2.next('warning', 15_000, (w) => (w.details as Record<string, unknown> | undefined)?.warning === 'ledger-rebuilt');
    await redis.restartEmpty();
    const warning = await rebuilt;
    expect(warning.details).toMatchObject({ group: 'rebuild', wrote: true, by: 'r2' });
    const after = await until('the rebuild in metrics', 10_000, async () => {
      const m = await r2.metrics();
      return m.coordination.ledger?.rebuilt && !m.coordination.degraded ? m : undefined;
    });
    // The group's spend as rebuilt covers what the marketplace billed so far.
    expect(after.budget.spent).toBeGreaterThanOrEqual(billed.total - 1e-9);
    expect(after.coordination.ledger?.rebuilt).toMatchObject({ by: 'r2', leases: 0 });
    // And total still holds: more demand than the rest of the budget pays for.
    const more = r2.next('ran', 60_000);
    r2.send({ cmd: 'run', n: 60, ms: 300, tag: 'r2' });
    const ran = await more;
    if ((ran.failed as number) > 0 && Object.keys(ran.messages as object).some((c) => c !== 'BUDGET_EXHAUSTED')) console.log('replica r2 events (DEBUG_EVENTS):\n' + r2.stderr);
    expect((ran.ok as number) + (ran.failed as number)).toBe(60);
    expect(Object.entries(ran.messages as object).filter(([code]) => code !== 'BUDGET_EXHAUSTED')).toEqual([]);
    await shutdownAll([r2]);
    const bill = await market.bill();
    expect(bill.live).toBe(0);
    expect(bill.total).toBeLessThanOrEqual(total + 1e-9);
  }, 90_000);

  it('every replica SIGKILLed: the next one of the group to start releases the orphaned leases', async () => {
    const rs = await Promise.all(['o1', 'o2'].map((id) => replica(id, env('orphans', { MAX_NODES: '3' }))));
    await until('a leader', 10_000, async () => ((await leaderOf(rs[0]!)) ? true : undefined));
    const warm = rs.map((r) => r.next('ran', 30_000));
    for (const r of rs) r.send({ cmd: 'run', n: 30, ms: 100, tag: r.id });
    await Promise.all(warm);
    expect((await market.bill()).live).toBeGreaterThan(0);
    for (const r of rs) r.kill('SIGKILL');
    await Promise.all(rs.map((r) => r.exited));
    // Their liveness keys expire after the TTL; the next replica then finds itself alone.
    await new Promise((r) => setTimeout(r, 1800));
    const next = await replica('o3', env('orphans', { MAX_NODES: '3' }));
    await until('orphans released', 10_000, async () => ((await market.bill()).live === 0 ? true : undefined));
    await shutdownAll([next]);
    expect((await market.bill()).live).toBe(0);
  }, 60_000);
});
