/**
 * The kit's one in-memory cache: a size bound that forgets the oldest first, and lifetimes on
 * a clock the test moves (no waiting).
 */
import { boundedCache } from '../../lib/cache/bounded-cache.js';

function testClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('bounded cache', () => {
  test('an entry lives for its lifetime and not a millisecond longer', () => {
    const clock = testClock();
    const cache = boundedCache<string>({ maxEntries: 10, now: clock.now });
    cache.set('a', 'A', 1000);
    cache.set('forever', 'F');
    clock.advance(999);
    expect(cache.get('a')).toBe('A');
    clock.advance(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(1);
    clock.advance(365 * 24 * 3600_000);
    expect(cache.get('forever')).toBe('F');
  });

  test('past maxEntries the oldest entry is forgotten first; setting a key again makes it the newest', () => {
    const cache = boundedCache<number>({ maxEntries: 3 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    cache.set('a', 10);
    cache.set('d', 4);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([10, 3, 4]);
  });

  test('when full, expired entries go before any live one', () => {
    const clock = testClock();
    const cache = boundedCache<number>({ maxEntries: 3, now: clock.now });
    cache.set('short1', 1, 100);
    cache.set('short2', 2, 100);
    cache.set('long', 3, 10_000);
    clock.advance(100);
    cache.set('new', 4, 10_000);
    expect(cache.size).toBe(2);
    expect([cache.get('long'), cache.get('new')]).toEqual([3, 4]);
  });

  test('a lifetime of 0 or less, or maxEntries 0, stores nothing; delete and clear forget', () => {
    const cache = boundedCache<number>({ maxEntries: 5 });
    cache.set('a', 1);
    cache.set('a', 2, 0);
    expect(cache.get('a')).toBeUndefined();
    cache.set('b', 1, -5);
    expect(cache.size).toBe(0);
    cache.set('c', 1);
    cache.set('d', 1);
    cache.delete('c');
    expect(cache.get('c')).toBeUndefined();
    cache.clear();
    expect(cache.size).toBe(0);
    const none = boundedCache<number>({ maxEntries: 0 });
    none.set('a', 1);
    expect(none.get('a')).toBeUndefined();
  });
});
