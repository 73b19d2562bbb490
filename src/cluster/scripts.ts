/**
 * The pair's atomic steps, as Lua run inside Redis: each reads and writes its keys with nothing in between, so two
 * daemons deciding at once still decide one after the other.
 */

/**
 * Claim an idempotency key. KEYS: idem, entries, day, kill. ARGV: claim value, px, now, stale ms, day start.
 * → {"answered", record} | {"busy"} | {"claimed", entries today, last entry time, realised today, kill JSON}.
 * A claim older than `stale ms` (its daemon died mid-admission) is taken over.
 */
export const CLAIM = `
local v = redis.call('GET', KEYS[1])
if v then
  if string.sub(v, 1, 2) == 'R|' then return {'answered', string.sub(v, 3)} end
  local at = tonumber(string.match(v, '^C|(%d+)|'))
  if at and tonumber(ARGV[3]) - at < tonumber(ARGV[4]) then return {'busy'} end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local n = redis.call('ZCOUNT', KEYS[2], ARGV[5], '+inf')
local last = redis.call('ZREVRANGE', KEYS[2], 0, 0, 'WITHSCORES')
return {'claimed', n, last[2] or '', redis.call('HGET', KEYS[3], 'realized') or '0', redis.call('GET', KEYS[4]) or ''}
`;

/**
 * Count an entry and mint a signal's order ids (one INCRBY: consecutive, unique across the pair). KEYS: entries, seq,
 * kill, day. ARGV: is entry (1/0), now, day start, max entries, cooldown ms, date, exempt from the kill switch (1/0),
 * keep ms, how many ids, which of them is the entry (0-based).
 * → {"reserved", order id, ...} | {"changed", entries today, last entry time, realised today, kill JSON}.
 */
export const RESERVE = `
local kill = redis.call('GET', KEYS[3])
local n = redis.call('ZCOUNT', KEYS[1], ARGV[3], '+inf')
local lastr = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local changed = {'changed', n, lastr[2] or '', redis.call('HGET', KEYS[4], 'realized') or '0', kill or ''}
if kill and ARGV[7] ~= '1' and string.find(kill, '"active":true', 1, true) then return changed end
if ARGV[1] == '1' then
  if n >= tonumber(ARGV[4]) then return changed end
  if lastr[2] and tonumber(ARGV[5]) > 0 and tonumber(ARGV[2]) - tonumber(lastr[2]) < tonumber(ARGV[5]) then return changed end
end
local count = tonumber(ARGV[9])
local seq = redis.call('INCRBY', KEYS[2], count)
redis.call('PEXPIRE', KEYS[2], ARGV[8])
local out = {'reserved'}
for i = 1, count do out[i + 1] = 'ORD_' .. ARGV[6] .. '_' .. string.format('%03d', seq - count + i) end
if ARGV[1] == '1' then
  redis.call('ZADD', KEYS[1], ARGV[2], out[tonumber(ARGV[10]) + 2])
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[3]) - tonumber(ARGV[8]))
end
return out
`;

/**
 * Append an accepted signal (with all of its orders, in one entry) to the queue and store its answer, unless Redis runs this after `deadline` (its own
 * clock): a command held up by a paused or partitioned server must not land after its daemon gave up and refused
 * the alert. A retry of the same signal finds its entry (keyed by its first order). KEYS: idem, stream, queued. ARGV: answer value, px,
 * deadline, node, data, queued px, min id.
 * → {"ok", entry id} | {"late"}
 */
export const ENQUEUE = `
local t = redis.call('TIME')
if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > tonumber(ARGV[3]) then return {'late'} end
local had = redis.call('GET', KEYS[3])
if had then return {'ok', had} end
local id = redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[7], '*', 'k', 'accepted', 'n', ARGV[4], 'd', ARGV[5])
redis.call('SET', KEYS[3], id, 'PX', ARGV[6])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {'ok', id}
`;

/** Give up a claim (only this admission's own) and a counted entry. KEYS: idem, entries. ARGV: signal id, order id. */
export const RELEASE = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 2) == 'C|' and string.find(v, '|' .. ARGV[1], 1, true) then redis.call('DEL', KEYS[1]) end
if ARGV[2] ~= '' then redis.call('ZREM', KEYS[2], ARGV[2]) end
return 1
`;

/**
 * Take or keep the leader's lease. KEYS: leader, fence. ARGV: node, token held ('' for none), px.
 * → {token or '', holder, pttl}: the lease is ours when the token is not ''.
 */
export const LEASE = `
local v = redis.call('GET', KEYS[1])
if v then
  if ARGV[2] ~= '' and v == ARGV[1] .. '|' .. ARGV[2] then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    return {ARGV[2], ARGV[1], tonumber(ARGV[3])}
  end
  return {'', v, redis.call('PTTL', KEYS[1])}
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[3])
return {tostring(token), ARGV[1], tonumber(ARGV[3])}
`;

/** Fencing: the lease's remaining time if `node|token` still holds it, else -1. KEYS: leader. ARGV: node|token. */
export const CONFIRM = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PTTL', KEYS[1]) end
return -1
`;

/** Give the lease up (a stopping leader), only if it is still ours. KEYS: leader. ARGV: node|token. */
export const RESIGN = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * A fill on the leader, once: added to its day's realised P&L and appended for the other daemon's ledger.
 * KEYS: stream, day, day fills. ARGV: node, data, fill key, realised, keep ms, min id. → 1 if new, 0 if known.
 */
export const FILL = `
if redis.call('SADD', KEYS[3], ARGV[3]) == 0 then return 0 end
redis.call('PEXPIRE', KEYS[3], ARGV[5])
redis.call('HINCRBYFLOAT', KEYS[2], 'realized', ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[6], '*', 'k', 'fill', 'n', ARGV[1], 'd', ARGV[2])
return 1
`;

/**
 * An order's final state on the leader: appended for the other daemon's journal, its queue entry acknowledged, and an
 * entry that never traded no longer counted. KEYS: stream, entries. ARGV: node, data, group, entry id, order id to
 * uncount ('' for none), min id.
 */
export const FINISH = `
redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[6], '*', 'k', 'order', 'n', ARGV[1], 'd', ARGV[2])
if ARGV[4] ~= '' then redis.call('XACK', KEYS[1], ARGV[3], ARGV[4]) end
if ARGV[5] ~= '' then redis.call('ZREM', KEYS[2], ARGV[5]) end
return 1
`;
