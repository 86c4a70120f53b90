/**
 * The group ledger's Lua scripts. Redis runs each one atomically, so "check the caps
 * and reserve" is one step for the whole group, whichever replica asks. Decisions
 * (reserving for a new lease) carry the leader's `<replicaId>|<epoch>` and are refused
 * when that is not the current leadership of the workload (a paused or partitioned
 * ex-leader cannot rent); facts (a lease was created, what it cost, that it ended) are
 * recorded whoever reports them, since the money is spent either way.
 *
 * An entry is JSON: `{ w, p, r, i, m, c, s, rep, id }` = workload, price per hour,
 * requested at (ms), billing increment (s), minimum lease (s), cost the marketplace
 * reported, state (`r` reserved, `a` created), replica that wrote it, lease id. A
 * reservation (`r`) whose replica's liveness key is gone is dropped: it expires with
 * its replica. Amounts travel as strings (Redis truncates Lua numbers to integers).
 */
import type { LuaScript } from './redis.js';

// Same billing model as src/budget/cost.ts: rounded up to increments, never below the minimum lease or one increment.
const COST = `
local function billed(elapsed, inc, min)
  if inc == nil or inc <= 0 then inc = 1 end
  local charged = math.max(elapsed, min or 0, 0)
  return math.max(1, math.ceil(charged / inc - 1e-9)) * inc
end
local function committed(e, now)
  return math.max(e.p * billed((now - e.r) / 1000, e.i, e.m) / 3600, e.c or 0)
end
local function live_entries(leasesKey, prefix)
  local out = {}
  local all = redis.call('HGETALL', leasesKey)
  for n = 1, #all, 2 do
    local e = cjson.decode(all[n + 1])
    if e.s == 'r' and redis.call('EXISTS', prefix .. 'replica:' .. e.rep) == 0 then
      redis.call('HDEL', leasesKey, all[n])
    else
      out[all[n]] = e
    end
  end
  return out
end
`;

/**
 * KEYS: leases, spent, leader key of the workload, born. ARGV: holder, lease key, entry JSON,
 * now, caps JSON `{ g: {maxPerHour,total}, w: {...} }`, key prefix, failover ms (every
 * live lease is committed that far ahead, and the new one with that much of its cost:
 * the time a fleet bills with no leader to release it).
 * Refuses (`unborn`) while the group's ledger is missing (Redis restarted empty and no
 * replica rebuilt it yet): an empty ledger would let the group spend its budget twice.
 * Returns `{1,'ok'|'held'}` or `{0,'fenced'|'unborn'|'maxPerHour:global'|'total:workload'|...}`.
 */
export const RESERVE: LuaScript = {
  name: 'acLedgerReserve',
  lua: `${COST}
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return {0, 'fenced'} end
if redis.call('EXISTS', KEYS[4]) == 0 then return {0, 'unborn'} end
if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 1 then return {1, 'held'} end
local new = cjson.decode(ARGV[3])
local now = tonumber(ARGV[4])
local caps = cjson.decode(ARGV[5])
local failover = tonumber(ARGV[7]) or 0
local g = { rate = 0, committed = 0 }
local w = { rate = 0, committed = 0 }
for _, e in pairs(live_entries(KEYS[1], ARGV[6])) do
  local c = committed(e, now + failover)
  g.rate = g.rate + e.p
  g.committed = g.committed + c
  if e.w == new.w then
    w.rate = w.rate + e.p
    w.committed = w.committed + c
  end
end
local spent = redis.call('HGETALL', KEYS[2])
for n = 1, #spent, 2 do
  local v = tonumber(spent[n + 1])
  g.committed = g.committed + v
  if spent[n] == new.w then w.committed = w.committed + v end
end
local minimum = new.p * billed(failover / 1000, new.i, new.m) / 3600
local slack = 1e-9
local scopes = { { 'global', caps.g or {}, g }, { 'workload', caps.w or {}, w } }
for _, s in ipairs(scopes) do
  local cap = s[2].maxPerHour
  if type(cap) == 'number' and s[3].rate + new.p > cap + slack then return {0, 'maxPerHour:' .. s[1]} end
end
for _, s in ipairs(scopes) do
  local cap = s[2].total
  if type(cap) == 'number' and s[3].committed + minimum > cap + slack then return {0, 'total:' .. s[1]} end
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
return {1, 'ok'}
`,
};

/** KEYS: leases. ARGV: lease key, lease id, entry JSON (used when the entry is gone). Marks the lease created. */
export const ACTIVATE: LuaScript = {
  name: 'acLedgerActivate',
  lua: `
local raw = redis.call('HGET', KEYS[1], ARGV[1]) or ARGV[3]
local e = cjson.decode(raw)
e.s = 'a'
e.id = ARGV[2]
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(e))
return 1
`,
};

/** KEYS: leases. ARGV: lease key, cost the marketplace reported. The larger cost wins. */
export const OBSERVE_COST: LuaScript = {
  name: 'acLedgerCost',
  lua: `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local e = cjson.decode(raw)
local c = tonumber(ARGV[2])
if c > (e.c or 0) then
  e.c = c
  redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(e))
end
return 1
`,
};

/** KEYS: leases. ARGV: lease key. A reservation whose lease was never created is freed. */
export const CANCEL: LuaScript = {
  name: 'acLedgerCancel',
  lua: `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
if cjson.decode(raw).s ~= 'r' then return 0 end
return redis.call('HDEL', KEYS[1], ARGV[1])
`,
};

/**
 * KEYS: leases, spent. ARGV: lease key, now, cost reported at the end, workload (used
 * when the entry is gone). The lease ended: its final cost (the larger of our billing
 * estimate and the marketplace's) moves to the workload's spent. Returns it as a string.
 */
export const END: LuaScript = {
  name: 'acLedgerEnd',
  lua: `${COST}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local final = tonumber(ARGV[3])
local workload = ARGV[4]
if raw then
  local e = cjson.decode(raw)
  final = math.max(final, committed(e, tonumber(ARGV[2])))
  workload = e.w
  redis.call('HDEL', KEYS[1], ARGV[1])
end
redis.call('HINCRBYFLOAT', KEYS[2], workload, final)
return tostring(final)
`,
};

/**
 * KEYS: leases, spent, born, fired. ARGV: key prefix. The group's ledger:
 * `{ leases, spent, born (0/1), fired levels }` (dead reservations dropped).
 */
export const READ: LuaScript = {
  name: 'acLedgerRead',
  lua: `${COST}
local leases = {}
for k, e in pairs(live_entries(KEYS[1], ARGV[1])) do
  leases[#leases + 1] = k
  leases[#leases + 1] = cjson.encode(e)
end
return { leases, redis.call('HGETALL', KEYS[2]), redis.call('EXISTS', KEYS[3]), redis.call('HKEYS', KEYS[4]) }
`,
};

/**
 * KEYS: leases, spent, born, fired. ARGV: entries JSON `{ key: entry }`, spent JSON
 * `{ workload: amount }`, fired levels JSON `[key]`, born JSON. Writes a ledger rebuilt
 * from the marketplace and what this replica still knew. Entries, fired levels and the
 * born record are written once (returns 1; 0 when the ledger is already there, another
 * replica rebuilt it first); spent is merged either way, each workload's figure only
 * ever raised, so what every replica knew counts and nothing counts twice.
 */
export const REBUILD: LuaScript = {
  name: 'acLedgerRebuild',
  lua: `
local wrote = 0
if redis.call('EXISTS', KEYS[3]) == 0 then
  for k, e in pairs(cjson.decode(ARGV[1])) do
    if redis.call('HEXISTS', KEYS[1], k) == 0 then redis.call('HSET', KEYS[1], k, cjson.encode(e)) end
  end
  for _, k in ipairs(cjson.decode(ARGV[3])) do redis.call('HSET', KEYS[4], k, '1') end
  redis.call('SET', KEYS[3], ARGV[4])
  wrote = 1
end
for w, v in pairs(cjson.decode(ARGV[2])) do
  local current = tonumber(redis.call('HGET', KEYS[2], w)) or 0
  if v > current then redis.call('HSET', KEYS[2], w, string.format('%.17g', v)) end
end
return wrote
`,
};

/**
 * KEYS: fired, leader key of the workload whose leader reports the budget. ARGV: token,
 * levels JSON `{ reached: [key], rearm: [key] }`. Records the levels reached that had not
 * fired for the group and returns them (the caller fires exactly those); forgets the
 * levels to re-arm. A stale token changes nothing and returns none.
 */
export const CROSS: LuaScript = {
  name: 'acLedgerCross',
  lua: `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {} end
local levels = cjson.decode(ARGV[2])
for _, k in ipairs(levels.rearm) do redis.call('HDEL', KEYS[1], k) end
local fired = {}
for _, k in ipairs(levels.reached) do
  if redis.call('HSETNX', KEYS[1], k, '1') == 1 then fired[#fired + 1] = k end
end
return fired
`,
};
