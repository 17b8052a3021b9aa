/**
 * The one way the kit remembers answers in process memory: a map with a size bound and, per
 * entry, an optional lifetime on an injectable clock. A leaf module (no imports), so both lib/
 * and adapters/ use it.
 *
 *   const seen = boundedCache<true>({ maxEntries: 10_000 });
 *   seen.set(key, true, 60_000);
 *   seen.get(key); // true for the next minute, then undefined
 */

/** The time now, in epoch milliseconds. `Date.now` unless a test moves it. */
export type Clock = () => number;

export interface BoundedCacheOptions {
  /** At most this many entries; when full, the oldest set goes first. 0 keeps nothing. */
  maxEntries: number;
  /** Default `Date.now`. */
  now?: Clock;
}

export interface BoundedCache<V> {
  /** The value while it lives; undefined when absent or expired (an expired entry is dropped). */
  get(key: string): V | undefined;
  /**
   * Remembers `value` for `ttlMs` (default: until evicted), replacing what `key` held; a
   * lifetime of 0 or less only forgets the old value.
   */
  set(key: string, value: V, ttlMs?: number): void;
  delete(key: string): void;
  clear(): void;
  /** Entries held, expired ones not yet dropped included. */
  readonly size: number;
}

export function boundedCache<V>({ maxEntries, now = Date.now }: BoundedCacheOptions): BoundedCache<V> {
  /** key → value and the epoch ms it lives until; insertion order is eviction order. */
  const entries = new Map<string, { value: V; until: number }>();

  /** Room for one more: the expired entries at the head, then the oldest if still full. */
  function makeRoom(at: number): void {
    if (entries.size < maxEntries) return;
    for (const [key, entry] of entries) {
      if (entry.until > at) break;
      entries.delete(key);
    }
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
  }

  return {
    get(key) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (entry.until > now()) return entry.value;
      entries.delete(key);
      return undefined;
    },
    set(key, value, ttlMs = Infinity) {
      entries.delete(key);
      if (!(ttlMs > 0) || maxEntries <= 0) return;
      const at = now();
      makeRoom(at);
      entries.set(key, { value, until: at + ttlMs });
    },
    delete(key) {
      entries.delete(key);
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
