/**
 * Is this token's grant still alive — without a store round trip per request.
 *
 * Each process remembers grants it has seen alive and forgets one the moment the revocation
 * feed announces it (Redis pub/sub, or an in-process event for the memory store). A grant not
 * yet remembered is checked against the store once. While the feed is down nothing is
 * remembered (a revocation could be missed), so every request checks the store, or is refused
 * when `whenFeedDown` is 'fail-closed'. Revoked grants stay refused until tokens issued before
 * the revocation would have expired anyway.
 */
import type { FeedMessage, RevocationFeed } from '../../adapters/contract.js';

/**
 * `T` is what an alive answer carries: `true` for grants and tokens; for clients, what was
 * withdrawn from the app (registry/app-status.ts), remembered with the answer.
 */
export interface GrantStatusOptions<T = true> {
  feed: RevocationFeed;
  /** Authoritative check against the store (false: refused); rejects when the store is unreachable. */
  isGrantActive(grantId: string): Promise<T | false>;
  /**
   * What the cache tracks (the feed messages of that kind). 'grant' (default): revocation is
   * final, ids are grant ids. 'token': the same for single JWT access tokens, ids are `jti`s.
   * 'client': an app can be disabled and enabled again, so a feed message only drops what is
   * remembered and the next request asks the store.
   */
  subject?: FeedMessage['kind'];
  /** Longest access-token lifetime (s): how long a revocation must be remembered. */
  maxTokenLifetimeSeconds: number;
  whenFeedDown?: 'check-store' | 'fail-closed';
  /** Bound on remembered grants (oldest are forgotten first, then re-checked). */
  maxEntries?: number;
}

export interface GrantStatus<T = true> {
  isActive(grantId: string): Promise<T | false>;
  /**
   * The answer when memory already has it (remembered alive while the feed is up, or
   * revoked), without a promise; undefined when only `isActive` can tell.
   */
  peek(grantId: string): T | false | undefined;
  close(): void;
}

export class FeedDownError extends Error {
  constructor() {
    super('revocation feed is down');
  }
}

export function createGrantStatus<T = true>(options: GrantStatusOptions<T>): GrantStatus<T> {
  const maxEntries = options.maxEntries ?? 100_000;
  const rememberMs = options.maxTokenLifetimeSeconds * 1000;
  /** grantId → epoch ms until which the "alive" answer may be reused, and that answer */
  const alive = new Map<string, { until: number; value: T }>();
  /** grantId → epoch ms until which its tokens must be refused */
  const revoked = new Map<string, number>();
  let feedUp = false;
  /** Bumped on every revocation and feed change so in-flight store checks cannot re-add stale answers. */
  let generation = 0;

  function bounded<V>(map: Map<string, V>, key: string, value: V) {
    if (map.size >= maxEntries) map.delete(map.keys().next().value!);
    map.set(key, value);
  }

  const subject = options.subject ?? 'grant';
  const clients = subject === 'client';
  const unsubscribe = options.feed.subscribe(
    ({ kind, id }) => {
      if (kind !== subject) return;
      generation += 1;
      alive.delete(id);
      if (clients) revoked.delete(id);
      else bounded(revoked, id, Date.now() + rememberMs);
    },
    (connected) => {
      generation += 1;
      feedUp = connected;
      // Revocations published while we were not listening were missed: forget every answer.
      alive.clear();
    },
  );

  return {
    peek(grantId) {
      const now = Date.now();
      const refusedUntil = revoked.get(grantId);
      if (refusedUntil !== undefined && refusedUntil > now) return false;
      if (!feedUp) return undefined;
      const entry = alive.get(grantId);
      return entry !== undefined && entry.until > now ? entry.value : undefined;
    },
    async isActive(grantId) {
      const now = Date.now();
      const refusedUntil = revoked.get(grantId);
      if (refusedUntil !== undefined) {
        if (refusedUntil > now) return false;
        revoked.delete(grantId);
      }
      if (feedUp) {
        const entry = alive.get(grantId);
        if (entry !== undefined && entry.until > now) return entry.value;
      } else if (options.whenFeedDown === 'fail-closed') {
        throw new FeedDownError();
      }
      const seen = generation;
      const active = await options.isGrantActive(grantId);
      if (active === false)
        bounded(revoked, grantId, now + rememberMs); // grants never come back
      else if (feedUp && seen === generation)
        bounded(alive, grantId, { until: now + rememberMs, value: active });
      return active;
    },
    close: unsubscribe,
  };
}
