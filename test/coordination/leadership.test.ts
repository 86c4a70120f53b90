import { afterAll, beforeAll, expect, it } from 'vitest';
import { realClock, sleep } from '../../src/clock.js';
import { groupKeys } from '../../src/coordination/keys.js';
import { GroupMembership } from '../../src/coordination/leadership.js';
import { connectRedis, type RedisConnection } from '../../src/coordination/redis.js';
import { FENCE } from '../../src/coordination/group-scripts.js';
import { describeRedis, RedisProcess } from '../support/redis.js';

const TTL = 400;

describeRedis('leader election on a real redis-server', () => {
  let redis: RedisProcess;
  const open: RedisConnection[] = [];
  const connect = async (): Promise<RedisConnection> => {
    const c = await connectRedis(redis.url, { commandTimeoutMs: 300, maxReconnectDelayMs: 100 });
    open.push(c);
    for (let i = 0; i < 100 && !c.up; i++) await sleep(realClock, 10);
    return c;
  };

  beforeAll(async () => {
    redis = await RedisProcess.start();
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await redis.stop();
  });

  it('elects one leader per workload; a takeover after the TTL gets a new epoch and the old token is refused', async () => {
    const keys = groupKeys('elect');
    const a = new GroupMembership(await connect(), keys, 'ra', TTL, realClock);
    const b = new GroupMembership(await connect(), keys, 'rb', TTL, realClock);
    await a.heartbeat();
    const hb = await b.heartbeat();
    expect(hb.live.sort()).toEqual(['ra', 'rb']);
    const va = await a.lead('w');
    const vb = await b.lead('w');
    expect(va.isLeader).toBe(true);
    expect(vb.isLeader).toBe(false);
    expect(vb.leaderReplicaId).toBe('ra');
    expect(vb.epoch).toBe(va.epoch);
    const oldToken = a.tokenFor('w')!;
    expect(oldToken).toBe(`ra|${va.epoch}`);
    // Another workload elects on its own.
    expect((await b.lead('other')).isLeader).toBe(true);

    // a stops renewing (paused); b keeps its heartbeat and takes over once the lease lapses.
    const started = Date.now();
    let taken = await b.lead('w');
    while (!taken.isLeader && Date.now() - started < 5 * TTL) {
      await b.heartbeat();
      await sleep(realClock, 50);
      taken = await b.lead('w');
    }
    expect(taken.isLeader).toBe(true);
    expect(taken.epoch).toBe(va.epoch + 1);
    expect(Date.now() - started).toBeLessThan(2 * TTL + 300);
    // a's own view lapses by itself, and Redis refuses its old token.
    expect(a.tokenFor('w')).toBeUndefined();
    const conn = open[0]!;
    expect(await conn.eval(FENCE, [keys.leader('w')], [oldToken])).toBe(0);
    expect(await conn.eval(FENCE, [keys.leader('w')], [b.tokenFor('w')!])).toBe(1);
    // a paused past its TTL cannot lead again until its heartbeat is back.
    expect((await a.lead('w')).isLeader).toBe(false);
  });

  it('resign hands over at once, and leave tells the last replica it is the last', async () => {
    const keys = groupKeys('leave');
    const a = new GroupMembership(await connect(), keys, 'ra', 5000, realClock);
    const b = new GroupMembership(await connect(), keys, 'rb', 5000, realClock);
    await a.heartbeat();
    await b.heartbeat();
    expect((await a.lead('w')).isLeader).toBe(true);
    await a.resign('w');
    const vb = await b.lead('w');
    expect(vb.isLeader).toBe(true);
    expect(await a.leave()).toBe(1);
    expect(await b.leave()).toBe(0);
  });

  it('a paused redis-server times commands out instead of stalling; kill -9 fails them fast; restart empty loses the ledger marker', async () => {
    const own = await RedisProcess.start();
    try {
      const conn = await connectRedis(own.url, { commandTimeoutMs: 200, maxReconnectDelayMs: 50 });
      open.push(conn);
      for (let i = 0; i < 100 && !conn.up; i++) await sleep(realClock, 10);
      const keys = groupKeys('faults');
      const m = new GroupMembership(conn, keys, 'r1', 5000, realClock);
      await conn.command('SET', keys.born, '1');
      expect((await m.heartbeat()).born).toBe(true);
      own.pause();
      const t0 = Date.now();
      await expect(m.heartbeat()).rejects.toMatchObject({ code: 'COORDINATION_UNAVAILABLE' });
      expect(Date.now() - t0).toBeLessThan(1500);
      own.resume();
      await own.restartEmpty();
      for (let i = 0; i < 300 && !conn.up; i++) await sleep(realClock, 10);
      expect(conn.up).toBe(true);
      const after = await m.heartbeat();
      expect(after.born).toBe(false);
      expect(after.live).toEqual(['r1']);
      own.kill9();
      for (let i = 0; i < 100 && conn.up; i++) await sleep(realClock, 10);
      const t1 = Date.now();
      await expect(m.lead('w')).rejects.toMatchObject({ code: 'COORDINATION_UNAVAILABLE' });
      expect(Date.now() - t1).toBeLessThan(500);
    } finally {
      await own.stop();
    }
  });
});
