import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock, sleep } from '../../src/clock.js';
import { INITIAL_MEMORY, type WorkloadObservation } from '../../src/controller/observation.js';
import { parseReplicaObservation, sumObservations, toReplicaObservation, type ReplicaObservation } from '../../src/coordination/group-observation.js';
import { groupKeys } from '../../src/coordination/keys.js';
import { GroupMembership } from '../../src/coordination/leadership.js';
import { connectRedis, type RedisConnection } from '../../src/coordination/redis.js';
import { exchange, publishShares } from '../../src/coordination/signals.js';
import { describeRedis, RedisProcess } from '../support/redis.js';

const local = (over: Partial<WorkloadObservation> = {}): WorkloadObservation => ({
  name: 'w',
  queued: 3,
  inFlight: 2,
  arrivalRateShort: 4,
  arrivalRateLong: 2,
  serviceTimeMs: 100,
  oldestQueuedMs: 50,
  coldStartMs: 1000,
  nodes: [
    { id: 'n1', state: 'ready', inFlight: 2, oldestTaskMs: 10, pricePerHour: 1, requestedAt: 0, billingIncrementSec: 1, minLeaseSec: 0, interruptible: false },
  ],
  paused: false,
  memory: INITIAL_MEMORY,
  ...over,
});

describe('summing observations (pure)', () => {
  it('adds counts and rates, weights service time by completions, keeps the worst wait, and drops stale ones', () => {
    const other = toReplicaObservation('rb', local({ queued: 7, inFlight: 1, serviceTimeMs: 400, oldestQueuedMs: 900 }), 300, { n1: 1 }, { n1: 80 }, 1000);
    const stale: ReplicaObservation = { ...other, replicaId: 'rc', at: 0, queued: 1000 };
    const sum = sumObservations(local(), 100, [other, stale], 1500, 1000);
    expect(sum.queued).toBe(10);
    expect(sum.inFlight).toBe(3);
    expect(sum.arrivalRateShort).toBe(8);
    expect(sum.oldestQueuedMs).toBe(900);
    expect(sum.serviceTimeMs).toBeCloseTo((100 * 100 + 400 * 300) / 400, 9);
    expect(sum.nodes[0]).toMatchObject({ id: 'n1', inFlight: 3, oldestTaskMs: 80 });
    expect(sumObservations(local(), 100, [], 1500, 1000)).toEqual(local());
  });

  it("sums the arrivals' dispersion with Poisson parts apart and bursts together", () => {
    // Two replicas, each Poisson at 2/s: the sum is Poisson too.
    const poisson = toReplicaObservation('rb', local({ arrivalDispersion: 1 }), 0, {}, {}, 1000);
    expect(poisson.arrivalDispersion).toBe(1);
    expect(sumObservations(local({ arrivalDispersion: 1 }), 0, [poisson], 1000, 1000).arrivalDispersion).toBeCloseTo(1, 9);
    // A stream of dispersion 9 split evenly two ways reads (9 - 1) / 2 + 1 = 5 on each: summed, 9 again.
    const half = toReplicaObservation('rb', local({ arrivalDispersion: 5 }), 0, {}, {}, 1000);
    expect(sumObservations(local({ arrivalDispersion: 5 }), 0, [half], 1000, 1000).arrivalDispersion).toBeCloseTo(9, 9);
    // A replica that did not measure it counts as Poisson.
    const unmeasured = toReplicaObservation('rb', local(), 0, {}, {}, 1000);
    expect(unmeasured).not.toHaveProperty('arrivalDispersion');
    expect(sumObservations(local({ arrivalDispersion: 5 }), 0, [unmeasured], 1000, 1000).arrivalDispersion).toBeCloseTo(1 + (4 * 2) / 4, 9);
    // A malformed one is dropped, not the observation.
    const parsed = parseReplicaObservation(JSON.stringify({ ...half, arrivalDispersion: 'lots' }));
    expect(parsed).toBeDefined();
    expect(parsed).not.toHaveProperty('arrivalDispersion');
    expect(parseReplicaObservation(JSON.stringify({ ...half, arrivalDispersion: -1 }))).not.toHaveProperty('arrivalDispersion');
  });

  it('adds up what every replica finished a second, and knows none when one did not say', () => {
    const other = toReplicaObservation('rb', local({ completionRateLong: 3 }), 0, {}, {}, 1000);
    expect(other.completionRateLong).toBe(3);
    expect(sumObservations(local({ completionRateLong: 2 }), 0, [other], 1000, 1000).completionRateLong).toBe(5);
    const silent = toReplicaObservation('rc', local(), 0, {}, {}, 1000);
    expect(silent).not.toHaveProperty('completionRateLong');
    expect(sumObservations(local({ completionRateLong: 2 }), 0, [other, silent], 1000, 1000).completionRateLong).toBeUndefined();
    expect(parseReplicaObservation(JSON.stringify({ ...other, completionRateLong: -4 }))).not.toHaveProperty('completionRateLong');
    expect(parseReplicaObservation(JSON.stringify({ ...other, completionRateLong: 'many' }))).not.toHaveProperty('completionRateLong');
  });

  it('adds up the hour’s completions and misses of every replica; a window that does not add up is left out', () => {
    const window = (requests: number, misses: number) => ({ sloWindow: { requests, misses, windowMs: 3_600_000 } });
    const other = toReplicaObservation('rb', local(window(300, 9)), 300, {}, {}, 1000);
    expect(other.slo).toEqual({ requests: 300, misses: 9 });
    expect(sumObservations(local(window(100, 1)), 100, [other], 1500, 1000).sloWindow).toEqual({ requests: 400, misses: 10, windowMs: 3_600_000 });
    // A replica that measured nothing adds nothing; one that measured while the leader did not is not invented a window.
    expect(sumObservations(local(window(100, 1)), 100, [toReplicaObservation('rc', local(), 0, {}, {}, 1000)], 1500, 1000).sloWindow).toEqual({ requests: 100, misses: 1, windowMs: 3_600_000 });
    expect(sumObservations(local(), 100, [other], 1500, 1000).sloWindow).toBeUndefined();
    const lying = parseReplicaObservation(JSON.stringify({ ...other, slo: { requests: 5, misses: 50 } }));
    expect(lying).toBeDefined();
    expect(lying!.slo).toBeUndefined();
    expect(parseReplicaObservation(JSON.stringify(other))!.slo).toEqual({ requests: 300, misses: 9 });
  });
});

describeRedis('observation exchange on a real redis-server', () => {
  let redis: RedisProcess;
  const open: RedisConnection[] = [];
  beforeAll(async () => {
    redis = await RedisProcess.start();
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await redis.stop();
  });

  it('every live replica sees every live replica, a dead one drops out, and shares are fenced', async () => {
    const keys = groupKeys('obs');
    const members: GroupMembership[] = [];
    for (const id of ['ra', 'rb', 'rc']) {
      const conn = await connectRedis(redis.url, { commandTimeoutMs: 300 });
      open.push(conn);
      for (let i = 0; i < 100 && !conn.up; i++) await sleep(realClock, 10);
      const m = new GroupMembership(conn, keys, id, id === 'rc' ? 250 : 5000, realClock);
      await m.heartbeat();
      members.push(m);
    }
    const conns = open.slice(-3);
    const publish = (i: number, queued: number) => exchange(conns[i]!, keys, 'w', toReplicaObservation(members[i]!.replicaId, local({ queued }), 0, {}, {}, Date.now()));
    await publish(0, 1);
    await publish(1, 2);
    const seen = await publish(2, 3);
    expect(seen.observations.map((o) => [o.replicaId, o.queued]).sort()).toEqual([['ra', 1], ['rb', 2], ['rc', 3]]);
    expect(seen.shares).toBeUndefined();
    // rc dies: its liveness key expires and its observation is no longer counted.
    await sleep(realClock, 350);
    const after = await publish(0, 1);
    expect(after.observations.map((o) => o.replicaId).sort()).toEqual(['ra', 'rb']);
    // Shares: only the current leader's are taken.
    expect((await members[0]!.lead('w')).isLeader).toBe(true);
    const doc = { epoch: 1, at: Date.now(), nodes: { n1: { leaseId: 'L1', slots: 2 } }, shares: { ra: { n1: 1 }, rb: { n1: 1 } } };
    expect(await publishShares(conns[0]!, keys, 'w', members[0]!.tokenFor('w')!, doc)).toBe(true);
    expect(await publishShares(conns[1]!, keys, 'w', 'rb|1', { ...doc, shares: { rb: { n1: 2 } } })).toBe(false);
    const read = await publish(1, 2);
    expect(read.shares?.shares).toEqual({ ra: { n1: 1 }, rb: { n1: 1 } });
  });
});
