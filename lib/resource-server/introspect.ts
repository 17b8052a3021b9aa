/**
 * RFC 7662 introspection for tokens requireScope cannot verify locally (opaque or foreign),
 * through oauth4webapi, with a short cache so a hot token does not cost a round trip per request.
 *
 * Each introspection is a request to the authorization server with this service's own
 * credentials, which that server rate-limits: junk tokens sent here must not spend that budget
 * (and so have every real opaque token answered 503). So:
 * - only plausible tokens are introspected (RFC 6750 `b64token` characters, 16 to 4096 long);
 * - an inactive answer is remembered for `negativeCacheSeconds` (default 30; at most 10 000
 *   tokens, kept as SHA-256 digests);
 * - each source (client IP) may cause `perSourcePerMinute` inactive answers (default 30); over
 *   that, its unknown tokens are refused without asking;
 * - at most `maxConcurrent` introspections run at once (default 8), one per distinct token;
 *   beyond that a request is answered 503 (fails closed).
 */
import { createHash } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { boundedCache } from '../cache/bounded-cache.js';
import { InvalidTokenError, TokenStoreUnavailableError } from '../errors/bearer-errors.js';
import type { INTROSPECTION_OPTIONS } from '../config/defaults.js';
import type { InputOf, ResolvedOf } from '../config/schema.js';
import type { AuthInfo } from './verify.js';

/** `introspection`'s settings: config/defaults.ts INTROSPECTION_OPTIONS documents each one. */
export type IntrospectionSettings = InputOf<typeof INTROSPECTION_OPTIONS>;

/** Introspects `token` presented by `source` (a client IP; limits are per source). */
export type Introspector = (token: string, source?: string) => Promise<AuthInfo>;

const MAX_ENTRIES = 10_000;
const PLAUSIBLE = /^[A-Za-z0-9\-._~+/]{16,4096}=*$/;

export function createIntrospector(
  as: oauth.AuthorizationServer,
  settings: ResolvedOf<typeof INTROSPECTION_OPTIONS> & { allowHttp: boolean },
): Introspector {
  const client: oauth.Client = { client_id: settings.clientId };
  const auth = oauth.ClientSecretBasic(settings.clientSecret);
  const ttlMs = settings.cacheSeconds * 1000;
  const negativeMs = settings.negativeCacheSeconds * 1000;
  const { perSourcePerMinute: perSource, maxConcurrent } = settings;
  const http = { [oauth.allowInsecureRequests]: settings.allowHttp };
  /** token digest → answer (undefined: inactive), while it is reused */
  const cache = boundedCache<{ answer: AuthInfo | undefined }>({ maxEntries: MAX_ENTRIES });
  /** source → inactive answers it caused in the current minute */
  const sources = boundedCache<{ windowStart: number; inactive: number }>({ maxEntries: MAX_ENTRIES });
  /** token digest → the introspection in flight */
  const inFlight = new Map<string, Promise<AuthInfo | undefined>>();

  const inactive = () => new InvalidTokenError('The access token is not active.');

  async function ask(token: string): Promise<AuthInfo | undefined> {
    let result: oauth.IntrospectionResponse;
    try {
      result = await oauth.processIntrospectionResponse(
        as,
        client,
        await oauth.introspectionRequest(as, client, auth, token, http),
      );
    } catch {
      throw new TokenStoreUnavailableError();
    }
    return result.active && typeof result.client_id === 'string' && typeof result.exp === 'number'
      ? {
          sub: typeof result.sub === 'string' ? result.sub : result.client_id,
          clientId: result.client_id,
          scopes: typeof result.scope === 'string' && result.scope ? result.scope.split(' ') : [],
          claims: { ...result },
          token,
          testMode: result.test_mode === true,
          grantId: undefined,
          expiresAt: result.exp,
        }
      : undefined;
  }

  return async function introspect(token, source = 'unknown') {
    if (!PLAUSIBLE.test(token)) throw inactive();
    const now = Date.now();
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = cache.get(key);
    if (hit) {
      if (!hit.answer || hit.answer.expiresAt * 1000 <= now) throw inactive();
      return { ...hit.answer, token };
    }
    let budget = sources.get(source);
    if (!budget || now - budget.windowStart >= 60_000) budget = { windowStart: now, inactive: 0 };
    if (budget.inactive >= perSource) throw inactive();

    let pending = inFlight.get(key);
    if (!pending) {
      if (inFlight.size >= maxConcurrent) throw new TokenStoreUnavailableError();
      pending = ask(token).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    const answer = await pending;
    cache.set(key, { answer }, answer ? ttlMs : negativeMs);
    if (!answer) {
      budget.inactive += 1;
      sources.set(source, budget);
      throw inactive();
    }
    return answer;
  };
}
