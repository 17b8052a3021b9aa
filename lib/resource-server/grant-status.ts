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
import { boundedCache } from '../cache/bounded-cache.js';
import { KitError } from '../errors/kit-error.js';

/**
 * `T` is what an alive answer carries: `true` for grants and tokens; for clients, what was
 * withdrawn from the app (clients/app-status.ts), remembered with the answer.
 */
export interface GrantStatusOptions<T = true> {
  feed: RevocationFeed;
  /** Authoritative check against the store (false: refused); rejects when the store is unreachable. */
  isGrantActive: (grantId: string) => Promise<T | false>;
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
  isActive: (grantId: string) => Promise<T | false>;
  /**
   * The answer when memory already has it (remembered alive while the feed is up, or
   * revoked), without a promise; undefined when only `isActive` can tell.
   */
  peek: (grantId: string) => T | false | undefined;
  close(): void;
}

/** `whenFeedDown: 'fail-closed'` while the feed is down: the verifier answers 503. */
export class FeedDownError extends KitError {
  constructor() {
    super(503, 'temporarily_unavailable', 'revocation feed is down', { expose: false });
    this.name = 'FeedDownError';
  }
}

export function createGrantStatus<T = true>(options: GrantStatusOptions<T>): GrantStatus<T> {
  const maxEntries = options.maxEntries ?? 100_000;
  const rememberMs = options.maxTokenLifetimeSeconds * 1000;
  /** grantId → the "alive" answer, while it may be reused */
  const alive = boundedCache<T>({ maxEntries });
  /** grantIds whose tokens must be refused, while such tokens can still be live */
  const revoked = boundedCache<true>({ maxEntries });
  let feedUp = false;
  /** Bumped on every revocation and feed change so in-flight store checks cannot re-add stale answers. */
  let generation = 0;

  const subject = options.subject ?? 'grant';
  const clients = subject === 'client';
  const unsubscribe = options.feed.subscribe(
    ({ kind, id }) => {
      if (kind !== subject) return;
      generation += 1;
      alive.delete(id);
      if (clients) revoked.delete(id);
      else revoked.set(id, true, rememberMs);
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
      if (revoked.get(grantId)) return false;
      return feedUp ? alive.get(grantId) : undefined;
    },
    async isActive(grantId) {
      if (revoked.get(grantId)) return false;
      if (feedUp) {
        const remembered = alive.get(grantId);
        if (remembered !== undefined) return remembered;
      } else if (options.whenFeedDown === 'fail-closed') {
        throw new FeedDownError();
      }
      const seen = generation;
      const active = await options.isGrantActive(grantId);
      if (active === false)
        revoked.set(grantId, true, rememberMs); // grants never come back
      else if (feedUp && seen === generation) alive.set(grantId, active, rememberMs);
      return active;
    },
    close: unsubscribe,
  };
}
