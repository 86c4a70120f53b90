/**
 * Lua scripts for membership and leadership. A replica is alive while its liveness
 * key exists (refreshed every tick with the TTL); a workload's leader is the value of
 * its leader key, `<replicaId>|<epoch>`, where the epoch comes from an INCR counter
 * bumped on every new leadership. That value is the fencing token every decision
 * carries: once another replica has taken over, the old token matches nothing and
 * every script that checks it refuses.
 */
import type { LuaScript } from './redis.js';

/**
 * KEYS: liveness key of this replica, replica set, born key. ARGV: replica id, TTL ms,
 * info JSON, key prefix. Refreshes this replica, drops dead ones from the set, and
 * returns `{ liveReplicaIds, born ('' when Redis holds no ledger) }`.
 */
export const HEARTBEAT: LuaScript = {
  name: 'acHeartbeat',
  lua: `
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
local live = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', ARGV[4] .. 'replica:' .. id) == 1 then live[#live + 1] = id
  else redis.call('SREM', KEYS[2], id) end
end
return { live, redis.call('GET', KEYS[3]) or '' }
`,
};

/**
 * KEYS: liveness key, replica set. ARGV: replica id, key prefix. The replica leaves the
 * group; returns how many other replicas are still alive (0: it was the last).
 */
export const LEAVE: LuaScript = {
  name: 'acLeave',
  lua: `
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
local n = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', ARGV[2] .. 'replica:' .. id) == 1 then n = n + 1
  else redis.call('SREM', KEYS[2], id) end
end
return n
`,
};

/**
 * KEYS: leader key, epoch counter, liveness key of this replica. ARGV: replica id, TTL ms,
 * highest epoch this replica has seen. Take the leadership when nobody holds it (a new
 * epoch, above any epoch a replica has seen: after Redis restarted empty the counter
 * starts again from what the replicas remember), or extend our own. Returns
 * `{ 1|0, current value or '' }`. A replica whose liveness key is gone (it was paused
 * past its TTL) cannot lead until its heartbeat is back.
 */
export const LEAD: LuaScript = {
  name: 'acLead',
  lua: `
local current = redis.call('GET', KEYS[1])
if redis.call('EXISTS', KEYS[3]) == 0 then return {0, current or ''} end
if current then
  local holder = string.sub(current, 1, string.find(current, '|', 1, true) - 1)
  if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, current}
  end
  return {0, current}
end
local seen = tonumber(ARGV[3]) or 0
if (tonumber(redis.call('GET', KEYS[2])) or 0) < seen then redis.call('SET', KEYS[2], seen) end
local value = ARGV[1] .. '|' .. redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return {1, value}
`,
};

/** KEYS: leader key. ARGV: token. Give the leadership up if we still hold it. */
export const RESIGN: LuaScript = {
  name: 'acResign',
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
};

/** KEYS: leader key. ARGV: token. 1 while the token is the current leadership. */
export const FENCE: LuaScript = {
  name: 'acFence',
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0
`,
};

/**
 * KEYS: leader key, shares key. ARGV: token, shares JSON. The leader publishes slot
 * shares; a stale leader's shares are refused. Returns 1 or 0.
 */
export const PUBLISH_SHARES: LuaScript = {
  name: 'acShares',
  lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`,
};

/**
 * KEYS: observation hash, shares key. ARGV: replica id, observation JSON, key prefix.
 * Publishes this replica's observation and returns `{ observations, shares }`: every live
 * replica's observation (`{ id, json, ... }`; entries of replicas whose liveness key is
 * gone are removed) and the slot shares last published ('' when none).
 */
export const OBSERVE: LuaScript = {
  name: 'acObserve',
  lua: `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
local out = {}
for n = 1, #all, 2 do
  if redis.call('EXISTS', ARGV[3] .. 'replica:' .. all[n]) == 1 then
    out[#out + 1] = all[n]
    out[#out + 1] = all[n + 1]
  else
    redis.call('HDEL', KEYS[1], all[n])
  end
end
return { out, redis.call('GET', KEYS[2]) or '' }
`,
};
