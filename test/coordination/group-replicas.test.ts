/**
 * The group end to end, with real parts: a real redis-server, the independent
 * protocol-v1 marketplace (1 s cold start, 2 slots per node) as its own process, and
 * three replicas as separate Node processes on the built package.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedis, RedisProcess } from '../support/redis.js';
import { startReplica, startSpecMarket, until, type Replica, type SpecMarket } from './harness.js';

describeRedis('a replica group on Redis (separate processes, real redis-server, independent marketplace)', () => {
  let redis: RedisProcess;
  let market: SpecMarket;
  const started: Replica[] = [];
  const env = (group: string, extra: Record<string, string> = {}) => ({
    REDIS_URL: redis.url,
    GROUP: group,
    MARKET_URL: market.url,
    MARKET_KEY: 'k-secret',
    TTL_MS: '2000',
    TICK_MS: '500',
    ...extra,
  });
  const replica = (id: string, e: Record<string, string>): Replica => {
    const r = startReplica(id, e);
    started.push(r);
    return r;
  };

  beforeAll(async () => {
    [redis, market] = await Promise.all([RedisProcess.start(), startSpecMarket()]);
  });
  afterAll(async () => {
    for (const r of started) r.kill('SIGKILL');
    market?.stop();
    await redis?.stop();
  });

  it('600 tasks over three replicas, one fleet of at most 6, leader SIGKILLed mid-burst, all shut down at once and release everything', async () => {
    const replicas = ['r1', 'r2', 'r3'].map((id) => replica(id, env('accept')));
    await Promise.all(replicas.map((r) => r.next('started')));
    const leaderOf = async (r: Replica) => (await r.metrics()).coordination.workloads.echo?.leaderReplicaId ?? undefined;
    const first = await until('a leader every replica agrees on', 10_000, async () => {
      const seen = await Promise.all(replicas.map(leaderOf));
      return seen[0] && seen.every((s) => s === seen[0]) ? seen[0] : undefined;
    });
    const runs = replicas.map((r) => r.next('ran', 60_000));
    for (const r of replicas) r.send({ cmd: 'run', n: 200, ms: 100, tag: r.id });
    // Mid-burst: the leader (as metrics() says) is killed.
    await until('nodes serving', 15_000, async () => ((await market.bill()).live >= 2 ? true : undefined));
    const leader = replicas.find((r) => r.id === first)!;
    leader.kill('SIGKILL');
    const killedAt = Date.now();
    const survivors = replicas.filter((r) => r !== leader);
    const next = await until('a new leader', 10_000, async () => {
      const seen = await Promise.all(survivors.map(leaderOf));
      return seen[0] && seen[0] !== first && seen.every((s) => s === seen[0]) ? seen[0] : undefined;
    });
    expect(survivors.map((r) => r.id)).toContain(next);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    const results = await Promise.all(runs.filter((_, i) => replicas[i] !== leader));
    for (const r of results) expect(r).toMatchObject({ ok: 200, wrong: 0, failed: 0 });
    const bill = await market.bill();
    expect(bill.peakLive).toBeLessThanOrEqual(6);
    // One fleet: some node served tasks of more than one replica.
    expect(Object.values(bill.servedFrom).some((from) => from.length > 1)).toBe(true);
    // A rollout: every replica shuts down at the same moment, and the fleet is released.
    const done = survivors.map((r) => r.next('shutdown', 30_000));
    for (const r of survivors) r.send({ cmd: 'shutdown' });
    await Promise.all(done);
    expect(await Promise.all(survivors.map((r) => r.exited))).toEqual([0, 0]);
    expect((await market.bill()).live).toBe(0);
  }, 90_000);
});
