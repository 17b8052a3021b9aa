/**
 * Failed client authentications, limited per client and source: after
 * `clientAuthentication.failuresPerClientAndIp` wrong secrets from one IP for one client, that
 * pair is answered 429 (with `Retry-After`) without its secret being checked, until the window
 * ends. Nothing is refunded. Per client *and* source, so a flood from one source cannot lock a
 * client out for everyone else.
 *
 * The count lives in the rate-limit store (shared on Redis); the refusal is remembered in this
 * process's memory (bounded), so a request that is not refused costs no store call.
 */
import type { IncomingMessage } from 'node:http';
import { boundedCache } from '../cache/bounded-cache.js';
import { clientIp, ipLimitKey } from '../requests/request-identity.js';
import type { SecurityEvents } from '../events/events.js';
import type { RateLimiters } from './rate-limits.js';

const LIMIT = 'clientAuthentication.failuresPerClientAndIp';
const MAX_REMEMBERED = 10_000;

export interface ClientAuthFailures {
  /** Seconds this client stays refused to this request's source, if it is. */
  refusedFor(clientId: string, req: IncomingMessage): number | undefined;
  /** Counts a failed authentication; resolves to the seconds to wait when it was one too many. */
  failed(clientId: string, req: IncomingMessage): Promise<number | undefined>;
  /** Whether this request was refused by this limit (so it spent nobody's budget). */
  refused(req: IncomingMessage): boolean;
}

export function clientAuthFailures(limiters: RateLimiters, events: SecurityEvents): ClientAuthFailures {
  /** Refused (source, client) pairs → until when (epoch ms), while refused. */
  const refused = boundedCache<number>({ maxEntries: MAX_REMEMBERED });
  const refusedRequests = new WeakSet<IncomingMessage>();
  const keyOf = (clientId: string, req: IncomingMessage) => `${ipLimitKey(clientIp(req))} ${clientId}`;
  const report = (clientId: string, req: IncomingMessage, seconds: number) =>
    events.emit('rate_limit.exceeded', { limit: LIMIT, retryAfterSeconds: seconds, clientId }, clientIp(req));
  return {
    refusedFor(clientId, req) {
      if (refused.size === 0) return undefined;
      const key = keyOf(clientId, req);
      const until = refused.get(key);
      if (until === undefined) return undefined;
      const seconds = Math.ceil((until - Date.now()) / 1000);
      if (seconds <= 0) return undefined;
      refusedRequests.add(req);
      report(clientId, req, seconds);
      return seconds;
    },
    async failed(clientId, req) {
      const key = keyOf(clientId, req);
      const wait = await limiters.consume(LIMIT, key);
      if (wait === undefined) return undefined;
      refused.set(key, Date.now() + wait * 1000, wait * 1000);
      refusedRequests.add(req);
      report(clientId, req, wait);
      return wait;
    },
    refused: (req) => refusedRequests.has(req),
  };
}
