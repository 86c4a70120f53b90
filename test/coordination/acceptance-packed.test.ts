/**
 * The acceptance scenario of the replica group, as a user gets the package: `npm pack`,
 * unpacked into an app's node_modules, each replica a separate Node process importing
 * `adaptive-compute` by name; a real redis-server; the independent protocol-v1
 * marketplace (test/support/spec-market.mjs: 1 s cold start, 2 slots per node) as its
 * own process. The app folder sits in the repository (git-ignored) so that the
 * package's dependencies (ioredis) resolve from the repository's node_modules, offline.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { installPackedApp, repoRoot } from '../support/packed-app.js';
import { describeRedis, freePort, RedisProcess } from '../support/redis.js';
import { startReplica, startSpecMarket, until, type Replica, type SpecMarket } from './harness.js';

describeRedis('acceptance from the packed tarball: three replicas, one group', () => {
  let script = '';
  let redis: RedisProcess | undefined;
  let market: SpecMarket | undefined;
  let started: Replica[] = [];
  const env = (group: string, extra: Record<string, string> = {}) => ({
    PKG: 'adaptive-compute',
    REDIS_URL: redis!.url,
    GROUP: group,
    MARKET_URL: market!.url,
    MARKET_KEY: 'k-secret',
    TTL_MS: '2000',
    TICK_MS: '500',
    ...extra,
  });
  const replica = async (id: string, e: Record<string, string>): Promise<Replica> => {
    const r = startReplica(id, e, script);
    started.push(r);
    await r.next('started', 30_000);
    return r;
  };
  const leaderOf = async (r: Replica) => (await r.metrics()).coordination.workloads.echo?.leaderReplicaId ?? undefined;
  const shutdownAll = async (rs: Replica[]) => {
    const done = rs.map((r) => r.next('shutdown', 30_000));
    // A rollout: every replica is told at the same moment.
    for (const r of rs) r.send({ cmd: 'shutdown' });
    await Promise.all(done);
    expect(await Promise.all(rs.map((r) => r.exited))).toEqual(rs.map(() => 0));
  };

  beforeAll(() => {
    const app = installPackedApp(join(repoRoot, '.pack-test-coordination'));
    // The replica app runs from the app folder, importing the package by its name.
    script = join(app, 'replica-app.mjs');
    copyFileSync(join(repoRoot, 'test', 'coordination', 'replica-app.mjs'), script);
  }, 120_000);
  afterEach(async () => {
    for (const r of started) r.kill('SIGKILL');
    started = [];
    market?.stop();
    await redis?.stop();
  });

  it('600 tasks of 100 ms over three replicas on maxNodes 6; leader SIGKILLed mid-burst; a rollout releases the whole fleet', async () => {
    [redis, market] = await Promise.all([RedisProcess.start(), startSpecMarket()]);
    const total = 0.5;
    const rs = await Promise.all(['a1', 'a2', 'a3'].map((id) => replica(id, env('accept', { TOTAL: String(total), MAX_NODES: '6' }))));
    const first = await until('a leader every replica agrees on', 10_000, async () => {
      const seen = await Promise.all(rs.map(leaderOf));
      return seen[0] && seen.every((s) => s === seen[0]) ? seen[0] : undefined;
    });
    const runs = rs.map((r) => r.next('ran', 60_000));
    for (const r of rs) r.send({ cmd: 'run', n: 200, ms: 100, tag: r.id });
    await until('nodes serving', 15_000, async () => ((await market!.bill()).live >= 2 ? true : undefined));
    const leader = rs.find((r) => r.id === first)!;
    leader.kill('SIGKILL');
    const killedAt = Date.now();
    const survivors = rs.filter((r) => r !== leader);
    const next = await until('a new leader', 10_000, async () => {
      const seen = await Promise.all(survivors.map(leaderOf));
      return seen[0] && seen[0] !== first && seen.every((s) => s === seen[0]) ? seen[0] : undefined;
    });
    expect(survivors.map((r) => r.id)).toContain(next);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    const results = await Promise.all(runs.filter((_, i) => rs[i] !== leader));
    // Every task of the survivors returns its own input: none lost, none wrong.
    for (const r of results) expect(r).toMatchObject({ ok: 200, wrong: 0, failed: 0 });
    const bill = await market.bill();
    expect(bill.peakLive).toBeLessThanOrEqual(6);
    expect(Object.values(bill.servedFrom).some((from) => from.length > 1)).toBe(true);
    await shutdownAll(survivors);
    const after = await market.bill();
    expect(after.live).toBe(0);
    expect(after.total).toBeLessThanOrEqual(total + 1e-9);
  }, 60_000);

  it('a small budget.total holds across three replicas; a replica started with Redis down serves nothing new and says why', async () => {
    [redis, market] = await Promise.all([RedisProcess.start(), startSpecMarket()]);
    const total = 0.015; // fifteen node-seconds at $3.60/h
    const rs = await Promise.all(['s1', 's2', 's3'].map((id) => replica(id, env('small', { TOTAL: String(total), MAX_NODES: '6', TTL_MS: '4000' }))));
    await until('a leader', 10_000, async () => ((await leaderOf(rs[0]!)) ? true : undefined));
    const runs = rs.map((r) => r.next('ran', 60_000));
    for (const r of rs) r.send({ cmd: 'run', n: 40, ms: 300, tag: r.id });
    const results = await Promise.all(runs);
    for (const r of results) {
      expect((r.ok as number) + (r.failed as number)).toBe(40);
      expect(r.wrong).toBe(0);
      expect(Object.entries(r.messages as object).filter(([code]) => code !== 'BUDGET_EXHAUSTED')).toEqual([]);
    }
    expect(results.reduce((n, r) => n + (r.ok as number), 0)).toBeGreaterThan(0);
    await shutdownAll(rs);
    const bill = await market.bill();
    expect(bill.live).toBe(0);
    expect(bill.total).toBeLessThanOrEqual(total + 1e-9);

    const leasesBefore = bill.leases;
    const down = await replica('d1', env('small', { REDIS_URL: `redis://127.0.0.1:${await freePort()}` }));
    await down.next('warning', 10_000, (w) => w.code === 'COORDINATION_UNAVAILABLE');
    const ran = down.next('ran', 20_000);
    down.send({ cmd: 'run', n: 3, ms: 10, tag: 'down' });
    expect(await ran).toMatchObject({ ok: 0, failed: 3, errors: { COORDINATION_UNAVAILABLE: 3 } });
    expect((await down.metrics()).coordination).toMatchObject({ degraded: true, replicaId: 'd1' });
    expect((await market.bill()).leases).toBe(leasesBefore);
    await shutdownAll([down]);
  }, 60_000);
});
