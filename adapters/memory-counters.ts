/**
 * The in-memory store's counters and rankings (adapters/contract.ts `CounterStore`), for one
 * process. Bounded twice: every entry expires, and past `maxEntries` live entries the ones
 * closest to expiry are dropped first.
 */
import type { Clock } from '../lib/cache/bounded-cache.js';
import type { CounterStore } from './contract.js';

interface Counter {
  value: number;
  expiresAt: number;
}
interface Ranking {
  scores: Map<string, number>;
  expiresAt: number;
}

export const MAX_MEMORY_COUNTERS = 100_000;

export function createMemoryCounters(
  maxEntries = MAX_MEMORY_COUNTERS,
  now: Clock = Date.now,
): CounterStore & { sweep(): void } {
  const counters = new Map<string, Counter>();
  const rankings = new Map<string, Ranking>();
  const id = (group: string, key: string) => `${group}\0${key}`;

  function sweep(): void {
    const at = now();
    for (const [key, c] of counters) if (c.expiresAt <= at) counters.delete(key);
    for (const [key, r] of rankings) if (r.expiresAt <= at) rankings.delete(key);
  }

  /** Makes room for one more entry in `map` (expired ones first, then those expiring soonest). */
  function makeRoom(map: Map<string, { expiresAt: number }>): void {
    if (map.size < maxEntries) return;
    sweep();
    if (map.size < maxEntries) return;
    const byExpiry = [...map].sort((a, b) => a[1].expiresAt - b[1].expiresAt);
    for (const [key] of byExpiry.slice(0, Math.max(1, Math.ceil(maxEntries / 10)))) map.delete(key);
  }

  function liveRanking(key: string): Ranking | undefined {
    const r = rankings.get(key);
    if (r && r.expiresAt <= now()) {
      rankings.delete(key);
      return undefined;
    }
    return r;
  }

  return {
    sweep,

    async increment(group, key, ttlSeconds, by = 1) {
      const k = id(group, key);
      let c = counters.get(k);
      if (!c || c.expiresAt <= now()) {
        makeRoom(counters);
        c = { value: 0, expiresAt: now() + ttlSeconds * 1000 };
        counters.set(k, c);
      }
      c.value += by;
      return c.value;
    },

    async read(group, keys) {
      const at = now();
      return keys.map((key) => {
        const c = counters.get(id(group, key));
        return c && c.expiresAt > at ? c.value : 0;
      });
    },

    async rank(group, ranking, member, { ttlSeconds, maxMembers, by = 1 }) {
      const k = id(group, ranking);
      let r = liveRanking(k);
      if (!r) {
        makeRoom(rankings);
        r = { scores: new Map(), expiresAt: now() + ttlSeconds * 1000 };
        rankings.set(k, r);
      }
      const score = (r.scores.get(member) ?? 0) + by;
      r.scores.set(member, score);
      if (r.scores.size > maxMembers) {
        const lowest = [...r.scores].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
        for (const [name] of lowest.slice(0, r.scores.size - maxMembers)) r.scores.delete(name);
      }
      return r.scores.get(member) ?? score;
    },

    async top(group, names, limit) {
      const sums = new Map<string, number>();
      for (const name of names) {
        for (const [member, score] of liveRanking(id(group, name))?.scores ?? []) {
          sums.set(member, (sums.get(member) ?? 0) + score);
        }
      }
      return [...sums]
        .map(([member, score]) => ({ member, score }))
        .sort((a, b) => b.score - a.score || (a.member < b.member ? -1 : 1))
        .slice(0, limit);
    },
  };
}
