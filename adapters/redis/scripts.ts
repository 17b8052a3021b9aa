/**
 * The Redis store's Lua scripts. Each touches the keys of one Cluster slot only, so every
 * multi-key step (revoke a grant, consume, save) is atomic also on a Cluster. Run with
 * {@link runScript}: by SHA, loading the script when Redis does not know it yet.
 */
import { createHash } from 'node:crypto';
import type { IoRedisConnection } from './context.js';

/** KEYS: entry. ARGV: field/value pairs count, pairs..., ttl seconds (0 = none). */
const PUT = `
redis.call('DEL', KEYS[1])
local n = tonumber(ARGV[1])
for i = 2, 1 + n * 2, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local ttl = tonumber(ARGV[2 + n * 2])
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
return 1`;

/**
 * Lua: Redis' own clock (ms), the one its key expiry runs on. Grant indexes are sorted sets of
 * member keys scored by when each expires, so expired members can be dropped by score.
 */
const NOW = `local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * KEYS: entry, grant index, grant entry. ARGV: payload, ttl, '1' when the grant must exist.
 * Returns 0, storing nothing, when it must and does not (revoked: the entry is dead on arrival).
 * Drops the index's expired members, so it holds only live ones; the index lives as long as its
 * longest member.
 */
const PUT_IN_GRANT = `${NOW}
redis.call('DEL', KEYS[1])
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('HSET', KEYS[1], 'p', ARGV[1])
local ttl = tonumber(ARGV[2])
local current = redis.call('TTL', KEYS[2])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('ZADD', KEYS[2], now + ttl * 1000, KEYS[1])
  if current == -2 or (current >= 0 and current < ttl) then redis.call('EXPIRE', KEYS[2], ttl) end
else
  redis.call('ZADD', KEYS[2], '+inf', KEYS[1])
  redis.call('PERSIST', KEYS[2])
end
return 1`;

/**
 * KEYS: entry. ARGV: now (ms), retry window (ms).
 * Returns {0} missing, {1} consumed now, {2, p} retry within the window, {3, p} replay.
 */
const CONSUME = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local consumed = redis.call('HGET', KEYS[1], 'c')
if not consumed then
  redis.call('HSET', KEYS[1], 'c', ARGV[1])
  return {1}
end
local p = redis.call('HGET', KEYS[1], 'p')
local window = tonumber(ARGV[2])
if window > 0 and tonumber(ARGV[1]) - tonumber(consumed) <= window then return {2, p} end
return {3, p}`;

/** KEYS: entry, grant index. */
const DESTROY_IN_GRANT = `
redis.call('ZREM', KEYS[2], KEYS[1])
return redis.call('DEL', KEYS[1])`;

/**
 * KEYS: grant index. ARGV: key prefix of the model to revoke ('' = every model). Looks at the
 * live members only: revoking costs what the grant has live.
 */
const REVOKE_IN_GRANT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms())
local n = 0
for _, key in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if ARGV[1] == '' or string.sub(key, 1, #ARGV[1]) == ARGV[1] then
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[1], key)
    n = n + 1
  end
end
return n`;

/** KEYS: grant entry, grant index. Destroying a grant takes every live code and token with it. */
const DESTROY_GRANT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now_ms())
for _, key in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do redis.call('DEL', key) end
redis.call('DEL', KEYS[2])
return redis.call('DEL', KEYS[1])`;

/**
 * KEYS: record, its list of index names. ARGV: value ('' = delete), ttl, index key prefix,
 * id, index names...
 */
const RECORD_SET = `
for _, index in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  redis.call('SREM', ARGV[3] .. index, ARGV[4])
end
redis.call('DEL', KEYS[1], KEYS[2])
if ARGV[1] == '' then return 0 end
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl) else redis.call('SET', KEYS[1], ARGV[1]) end
for i = 5, #ARGV do
  local index = ARGV[3] .. ARGV[i]
  local current = redis.call('TTL', index)
  redis.call('SADD', index, ARGV[4])
  redis.call('SADD', KEYS[2], ARGV[i])
  -- An index lives as long as its longest-lived record: permanent if any record is.
  if ttl == 0 then redis.call('PERSIST', index)
  elseif current == -2 or (current >= 0 and current < ttl) then redis.call('EXPIRE', index, ttl) end
end
if ttl > 0 and #ARGV >= 5 then redis.call('EXPIRE', KEYS[2], ttl) end
return 1`;

/** KEYS: index. ARGV: record key prefix. Drops ids whose record expired. */
const RECORD_FIND_IDS = `
local live = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. id) == 1 then table.insert(live, id) else redis.call('SREM', KEYS[1], id) end
end
return live`;

export interface Script {
  lua: string;
  sha: string;
}

function script(lua: string): Script {
  // EVALSHA names scripts by their SHA-1: Redis' script id, not a security measure.
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

export const SCRIPTS = {
  put: script(PUT),
  putInGrant: script(PUT_IN_GRANT),
  consume: script(CONSUME),
  destroyInGrant: script(DESTROY_IN_GRANT),
  revokeInGrant: script(REVOKE_IN_GRANT),
  destroyGrant: script(DESTROY_GRANT),
  recordSet: script(RECORD_SET),
  recordFindIds: script(RECORD_FIND_IDS),
};

/** Runs `s` by its SHA; on NOSCRIPT (a fresh or flushed Redis) sends the script itself. */
export async function runScript(
  client: IoRedisConnection,
  s: Script,
  keys: string[],
  args: Array<string | number>,
): Promise<unknown> {
  try {
    return await client.evalsha(s.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(s.lua, keys.length, ...keys, ...args);
  }
}
