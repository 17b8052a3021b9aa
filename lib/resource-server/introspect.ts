/**
 * RFC 7662 introspection for tokens requireScope cannot verify locally (opaque or foreign),
 * through oauth4webapi, with a short cache so a hot token does not cost a round trip per request.
 */
import * as oauth from 'oauth4webapi';
import { InvalidTokenError, TokenStoreUnavailableError } from '../errors/bearer-errors.js';
import type { AuthInfo } from './verify.js';

export interface IntrospectionSettings {
  clientId: string;
  /** The resource server's own client secret at the authorization server. */
  clientSecret: string;
  /** How long an answer is reused (s). Also the longest a revocation can go unnoticed. Default 1. */
  cacheSeconds?: number;
  /** Allow plain-http endpoints (development against http://localhost). Default false. */
  allowHttp?: boolean;
}

export function createIntrospector(
  as: oauth.AuthorizationServer,
  settings: IntrospectionSettings,
): (token: string) => Promise<AuthInfo> {
  const client: oauth.Client = { client_id: settings.clientId };
  const auth = oauth.ClientSecretBasic(settings.clientSecret);
  const ttlMs = (settings.cacheSeconds ?? 1) * 1000;
  const http = { [oauth.allowInsecureRequests]: settings.allowHttp === true };
  const cache = new Map<string, { until: number; answer: AuthInfo | undefined }>();

  return async function introspect(token) {
    const now = Date.now();
    const hit = cache.get(token);
    if (hit && hit.until > now) {
      if (!hit.answer || hit.answer.expiresAt * 1000 <= now)
        throw new InvalidTokenError('The access token is not active.');
      return hit.answer;
    }
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
    const answer =
      result.active && typeof result.client_id === 'string' && typeof result.exp === 'number'
        ? {
            sub: typeof result.sub === 'string' ? result.sub : result.client_id,
            clientId: result.client_id,
            scopes: typeof result.scope === 'string' && result.scope ? result.scope.split(' ') : [],
            claims: { ...result } as AuthInfo['claims'],
            token,
            testMode: result.test_mode === true,
            grantId: undefined,
            expiresAt: result.exp,
          }
        : undefined;
    if (cache.size >= 10_000) cache.delete(cache.keys().next().value!);
    cache.set(token, { until: now + ttlMs, answer });
    if (!answer) throw new InvalidTokenError('The access token is not active.');
    return answer;
  };
}
