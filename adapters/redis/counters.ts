/**
 * The Redis store's counters and rankings (adapters/contract.ts `CounterStore`), shared by
 * every process. A group's keys carry one hash tag (`P ctr:{group}:key`, `P rank:{group}:name`),
 * so reading many counters is one MGET and summing rankings one ZUNION, also on a Cluster.
 * Expiry is set once, when a key is created: later increments never extend it.
 */
import type { CounterStore } from '../contract.js';
import type { RedisContext } from './context.js';

/** KEYS: counter. ARGV: by, ttl. */
const INCREMENT = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return v`;

/** KEYS: ranking. ARGV: member, by, ttl, max members. Returns the member's score (a string). */
const RANK = `
local s = redis.call('ZINCRBY', KEYS[1], ARGV[2], ARGV[1])
if redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if over > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1) end
local kept = redis.call('ZSCORE', KEYS[1], ARGV[1])
if kept then return kept end
return s`;

const GROUP = /^[\w.:-]{1,64}$/;

export function createRedisCounters({ client, prefix, call }: RedisContext): CounterStore {
  function tag(group: string): string {
    if (!GROUP.test(group)) throw new TypeError(`counter group names use letters, digits, _ . : - only`);
    return `{${group}}`;
  }
  const counterKey = (group: string, key: string) => `${prefix}ctr:${tag(group)}:${key}`;
  const rankingKey = (group: string, name: string) => `${prefix}rank:${tag(group)}:${name}`;
  const seconds = (ttl: number) => Math.max(1, Math.ceil(ttl));

  return {
    async increment(group, key, ttlSeconds, by = 1) {
      const k = counterKey(group, key);
      return Number(await call(() => client.eval(INCREMENT, 1, k, by, seconds(ttlSeconds))));
    },

    async read(group, keys) {
      if (keys.length === 0) return [];
      const values = await call(() => client.mget(...keys.map((key) => counterKey(group, key))));
      return values.map((v) => (v === null ? 0 : Number(v)));
    },

    async rank(group, ranking, member, { ttlSeconds, maxMembers, by = 1 }) {
      const k = rankingKey(group, ranking);
      const score = await call(() =>
        client.eval(RANK, 1, k, member, by, seconds(ttlSeconds), Math.max(1, maxMembers)),
      );
      return Number(score);
    },

    async top(group, rankings, limit) {
      if (rankings.length === 0) return [];
      const keys = rankings.map((name) => rankingKey(group, name));
      const flat = await call(() => client.zunion(keys.length, ...keys, 'AGGREGATE', 'SUM', 'WITHSCORES'));
      const all: Array<{ member: string; score: number }> = [];
      for (let i = 0; i + 1 < flat.length; i += 2) all.push({ member: flat[i]!, score: Number(flat[i + 1]) });
      return all.sort((a, b) => b.score - a.score || (a.member < b.member ? -1 : 1)).slice(0, limit);
    },
  };
}
