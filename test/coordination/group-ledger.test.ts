import { afterAll, beforeAll, expect, it } from 'vitest';
import { realClock, sleep, type Clock } from '../../src/clock.js';
import { GroupLedger } from '../../src/coordination/group-ledger.js';
import { groupKeys } from '../../src/coordination/keys.js';
import { GroupMembership } from '../../src/coordination/leadership.js';
import { connectRedis, type RedisConnection } from '../../src/coordination/redis.js';
import type { Offer } from '../../src/market/protocol.js';
import { describeRedis, RedisProcess } from '../support/redis.js';

const offer = (pricePerHour: number, over: Partial<Offer> = {}): Offer => ({
  id: `o-${pricePerHour}`,
  gpu: { model: 'A100', count: 1, memoryGb: 80 },
  pricePerHour,
  currency: 'USD',
  billingIncrementSec: 60,
  minLeaseSec: 0,
  interruptible: false,
  region: 'local',
  reliability: 1,
  coldStartSec: 1,
  available: 10,
  ...over,
});

describeRedis('group ledger on a real redis-server', () => {
  let redis: RedisProcess;
  const open: RedisConnection[] = [];
  const connect = async (): Promise<RedisConnection> => {
    const c = await connectRedis(redis.url, { commandTimeoutMs: 300, maxReconnectDelayMs: 50 });
    open.push(c);
    for (let i = 0; i < 100 && !c.up; i++) await sleep(realClock, 10);
    return c;
  };
  /** A replica of `group`: membership and ledger on their own connection. */
  const replica = async (group: string, id: string, caps: { maxPerHour?: number; total?: number }, ttl = 5000) => {
    const conn = await connect();
    const keys = groupKeys(group);
    const membership = new GroupMembership(conn, keys, id, ttl, realClock);
    const warnings: string[] = [];
    const ledger = new GroupLedger(caps, { redis: conn, keys, replicaId: id, tokenFor: (w) => membership.tokenFor(w), warn: (e) => warnings.push(e.code) });
    await membership.heartbeat();
    // As a replica does on its first beat: the group's ledger is born (written once).
    await ledger.rebuild({}, {}, { bornAt: Date.now() });
    return { conn, keys, membership, ledger, warnings };
  };

  beforeAll(async () => {
    redis = await RedisProcess.start();
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await redis.stop();
  });

  it('holds maxPerHour and total across replicas, atomically, whoever leads', async () => {
    const a = await replica('caps', 'ra', { maxPerHour: 10, total: 1 });
    const b = await replica('caps', 'rb', { maxPerHour: 10, total: 1 });
    expect((await a.membership.lead('w1')).isLeader).toBe(true);
    expect((await b.membership.lead('w2')).isLeader).toBe(true);
    const now = Date.now();
    // 60 s increments at $4/h commit $0.0667 each; maxPerHour 10 admits two of them in all.
    expect(a.ledger.reserve('w1', 'w1#a.1', offer(4), now)).toEqual({ ok: true });
    expect(await a.ledger.confirm('w1#a.1')).toBe(true);
    expect(b.ledger.reserve('w2', 'w2#b.1', offer(4), now)).toEqual({ ok: true });
    expect(await b.ledger.confirm('w2#b.1')).toBe(true);
    // b's local view is stale (it has not read a's lease): the script refuses for the group.
    expect(b.ledger.reserve('w2', 'w2#b.2', offer(4), now).ok).toBe(true);
    expect(await b.ledger.confirm('w2#b.2')).toBe(false);
    expect(b.ledger.refusals.get('w2#b.2')).toBe('maxPerHour:global');
    // After a read, the local precheck refuses at once.
    await b.ledger.read();
    expect(b.ledger.reserve('w2', 'w2#b.3', offer(4), now)).toEqual({ ok: false, reason: 'maxPerHour', cap: 'global' });
    expect(b.ledger.view(now).hourlyRate).toBe(8);

    // total: leases end, their accrued cost moves to spent and counts against total.
    a.ledger.activate('w1#a.1', 'L1');
    const cost = a.ledger.end('w1#a.1', now + 1000, 0.9);
    expect(cost).toBeCloseTo(0.9, 9);
    await a.ledger.flush();
    await sleep(realClock, 20);
    await b.ledger.read();
    expect(b.ledger.snapshot(now + 1000).spent).toBeGreaterThanOrEqual(0.9);
    // 0.9 spent + 0.0667 live (b.1) + another 0.0667 > 1: refused by the script even with a stale local view.
    expect(a.ledger.reserve('w1', 'w1#a.2', offer(4), now + 1000).ok).toBe(true);
    expect(await a.ledger.confirm('w1#a.2')).toBe(false);
    expect(a.ledger.refusals.get('w1#a.2')).toBe('total:global');
  });

  it('refuses a stale leader: its reservation carries an epoch nobody holds any more', async () => {
    const a = await replica('fence', 'ra', { total: 100 }, 300);
    const b = await replica('fence', 'rb', { total: 100 }, 300);
    expect((await a.membership.lead('w')).isLeader).toBe(true);
    const staleToken = a.membership.tokenFor('w')!;
    // a is paused past its TTL; b takes over.
    const until = Date.now() + 2000;
    while (!(await b.membership.lead('w')).isLeader && Date.now() < until) {
      await b.membership.heartbeat();
      await sleep(realClock, 50);
    }
    expect(b.membership.tokenFor('w')).toBeDefined();
    // a resumes with the old token (as if its tick had started before the pause).
    const stale = new GroupLedger({ total: 100 }, { redis: a.conn, keys: a.keys, replicaId: 'ra', tokenFor: () => staleToken, warn: () => undefined });
    await a.membership.heartbeat();
    expect(stale.reserve('w', 'w#a.9', offer(1), Date.now()).ok).toBe(true);
    expect(await stale.confirm('w#a.9')).toBe(false);
    expect(stale.refusals.get('w#a.9')).toBe('fenced');
    // A follower reserves nothing at all.
    expect(a.ledger.reserve('w', 'w#a.10', offer(1), Date.now()).ok).toBe(false);
    expect(b.ledger.reserve('w', 'w#b.1', offer(1), Date.now()).ok).toBe(true);
    expect(await b.ledger.confirm('w#b.1')).toBe(true);
  });

  it('a leader paused between the Redis answer and the request rents and releases nothing: the fence is checked again on the answer', async () => {
    // A clock this test can jump forward, as a SIGSTOP past the TTL does to a process.
    let skew = 0;
    const clock: Clock = { now: () => Date.now() + skew, setTimeout: (fn, ms) => realClock.setTimeout(fn, ms) };
    const conn = await connect();
    const keys = groupKeys('window');
    const membership = new GroupMembership(conn, keys, 'ra', 2000, clock);
    const ledger = new GroupLedger({ total: 100 }, { redis: conn, keys, replicaId: 'ra', tokenFor: (w) => membership.tokenForAction(w), warn: () => undefined });
    await membership.heartbeat();
    await ledger.rebuild({}, {}, { bornAt: Date.now() });
    expect((await membership.lead('w')).isLeader).toBe(true);
    // The script says yes (the token is current in Redis), but the process stalls before it sees the answer.
    expect(ledger.reserve('w', 'w#1', offer(1), Date.now()).ok).toBe(true);
    skew = 2000;
    expect(await ledger.confirm('w#1')).toBe(false);
    expect(ledger.refusals.get('w#1')).toBe('fenced');
    await ledger.flush();
    await sleep(realClock, 20);
    await ledger.read();
    expect(ledger.has('w#1')).toBe(false);
    // The same for a release: Redis says the token is current, the answer comes back too late.
    skew = 0;
    await membership.heartbeat();
    expect((await membership.lead('w')).isLeader).toBe(true);
    const asked = membership.stillLeads('w');
    skew = 2000;
    expect(await asked).toBe(false);
    // Less than the margin of leadership left: no new decision either, although the token is still valid.
    skew = 0;
    await membership.lead('w');
    skew = 2000 - membership.actionMarginMs + 50;
    expect(membership.tokenFor('w')).toBeDefined();
    expect(membership.tokenForAction('w')).toBeUndefined();
    expect(await membership.stillLeads('w')).toBe(false);
  });

  it('a budget level fires once per group crossing, across a change of leader; a stale leader claims none', async () => {
    const a = await replica('levels', 'ra', { total: 1 }, 300);
    const b = await replica('levels', 'rb', { total: 1 }, 5000);
    expect((await a.membership.lead('w')).isLeader).toBe(true);
    const t = Date.now();
    const spend = async (r: typeof a, key: string, cost: number) => {
      expect(r.ledger.reserve('w', key, offer(1), t).ok).toBe(true);
      expect(await r.ledger.confirm(key)).toBe(true);
      r.ledger.activate(key, `L-${key}`);
      r.ledger.end(key, t, cost);
      await r.ledger.flush();
      await sleep(realClock, 20);
    };
    const claim = async (r: typeof a, token: string) => {
      await r.ledger.read();
      await r.ledger.claimThresholds('w', token, t);
      return r.ledger.thresholdsCrossed().map((c) => `${c.cap}:${c.percent}`);
    };
    await spend(a, 'w#1', 0.6);
    const tokenA = a.membership.tokenFor('w')!;
    expect(await claim(a, tokenA)).toEqual(['total:50']);
    expect(await claim(a, tokenA)).toEqual([]);
    // a is paused past its TTL; b takes over the workload (and with it, the budget's reports).
    const until = Date.now() + 3000;
    while (!(await b.membership.lead('w')).isLeader && Date.now() < until) {
      await b.membership.heartbeat();
      await sleep(realClock, 50);
    }
    const tokenB = b.membership.tokenFor('w')!;
    expect(tokenB).toBeDefined();
    // The new leader's first look at the ledger: 60 % is not a new crossing for the group.
    expect(await claim(b, tokenB)).toEqual([]);
    await spend(b, 'w#2', 0.25);
    expect(await claim(b, tokenB)).toEqual(['total:80']);
    // a resumes with its old token: Redis records nothing for it, so it reports nothing.
    await spend(b, 'w#3', 0.2);
    expect(await claim(a, tokenA)).toEqual([]);
    expect(await claim(b, tokenB)).toEqual(['total:100']);
  });

  it('a reservation expires with its replica; a created lease does not', async () => {
    // A TTL long enough for the steps below on a loaded machine.
    const a = await replica('expire', 'ra', { total: 100 }, 1000);
    const b = await replica('expire', 'rb', { total: 100 }, 5000);
    expect((await a.membership.lead('w')).isLeader).toBe(true);
    const now = Date.now();
    a.ledger.reserve('w', 'w#a.1', offer(1), now);
    a.ledger.reserve('w', 'w#a.2', offer(1), now);
    expect(await a.ledger.confirm('w#a.1')).toBe(true);
    expect(await a.ledger.confirm('w#a.2')).toBe(true);
    a.ledger.activate('w#a.2', 'L2');
    await a.ledger.flush();
    await b.ledger.read();
    expect([...b.ledger.entries().keys()].sort()).toEqual(['w#a.1', 'w#a.2']);
    // a dies (no heartbeat): after its TTL its reservation is gone, its created lease stays.
    await sleep(realClock, 1150);
    await b.membership.heartbeat();
    await b.ledger.read();
    expect([...b.ledger.entries().keys()]).toEqual(['w#a.2']);
    expect(b.ledger.entries().get('w#a.2')).toMatchObject({ s: 'a', id: 'L2' });
  });

  it('keeps facts while redis is down and sends them once it is back; rebuild happens once after a restart empty', async () => {
    const own = await RedisProcess.start();
    try {
      const conn = await connectRedis(own.url, { commandTimeoutMs: 300, maxReconnectDelayMs: 50 });
      open.push(conn);
      for (let i = 0; i < 100 && !conn.up; i++) await sleep(realClock, 10);
      const keys = groupKeys('down');
      const membership = new GroupMembership(conn, keys, 'r1', 5000, realClock);
      const ledger = new GroupLedger({ total: 100 }, { redis: conn, keys, replicaId: 'r1', tokenFor: (w) => membership.tokenFor(w), warn: () => undefined });
      await membership.heartbeat();
      await membership.lead('w');
      const now = Date.now();
      // Not born yet (no replica wrote the ledger): Redis refuses to reserve against an empty ledger.
      ledger.reserve('w', 'w#0', offer(2), now);
      expect(await ledger.confirm('w#0')).toBe(false);
      expect(ledger.refusals.get('w#0')).toBe('unborn');
      expect(await ledger.rebuild({}, {}, { bornAt: now })).toBe(true);
      ledger.reserve('w', 'w#1', offer(2), now);
      expect(await ledger.confirm('w#1')).toBe(true);
      own.kill9();
      for (let i = 0; i < 100 && conn.up; i++) await sleep(realClock, 10);
      // Down: nothing new can be reserved, but facts about existing leases are kept.
      expect(ledger.reserve('w', 'w#2', offer(2), now).ok).toBe(false);
      ledger.activate('w#1', 'L1');
      await expect(ledger.read()).rejects.toMatchObject({ code: 'COORDINATION_UNAVAILABLE' });
      expect(ledger.snapshot(now).hourlyRate).toBe(2);
      await own.startAgain();
      for (let i = 0; i < 300 && !conn.up; i++) await sleep(realClock, 10);
      await membership.heartbeat();
      await membership.lead('w');
      // Restarted empty: a read keeps what this replica knew (the rebuild starts from it), and nothing can be reserved.
      expect(await ledger.read()).toEqual({ born: false });
      expect(ledger.entries().get('w#1')).toMatchObject({ s: 'a', id: 'L1' });
      expect(ledger.snapshot(now).hourlyRate).toBe(2);
      ledger.reserve('w', 'w#3', offer(2), now);
      expect(await ledger.confirm('w#3')).toBe(false);
      expect(ledger.refusals.get('w#3')).toBe('unborn');
      // The restarted server is empty: the ledger is rebuilt once, from what the marketplace says.
      const entry = { w: 'w', p: 2, r: now, i: 60, m: 0, c: 0.01, s: 'a' as const, rep: 'r1', id: 'L1' };
      expect(await ledger.rebuild({ 'w#1': entry }, { w: 0.5 }, { bornAt: now })).toBe(true);
      // Counted here at once, before the next read.
      expect(ledger.knowledge().spent.get('w')).toBeCloseTo(0.5, 9);
      // A second replica's rebuild writes no entry again, but what it knew of spend is merged (raised, never lowered).
      expect(await ledger.rebuild({ 'w#1': entry }, { w: 0.7 }, { bornAt: now })).toBe(false);
      expect(await ledger.rebuild({}, { w: 0.2 }, { bornAt: now })).toBe(false);
      const { born } = await ledger.read();
      expect(born).toBe(true);
      expect(ledger.knowledge().spent.get('w')).toBeCloseTo(0.7, 9);
      expect(ledger.snapshot(now).spent).toBeGreaterThanOrEqual(0.7);
      expect(ledger.entries().get('w#1')).toMatchObject({ s: 'a', id: 'L1' });
    } finally {
      await own.stop();
    }
  });
});
