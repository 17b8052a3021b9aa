/**
 * The refresh retry window (adapters/contract.ts `RefreshRetryCache`): the token pair answered
 * to a refresh, sealed under the refresh token and filed in its grant's slot, so revoking the
 * grant deletes the saved pair too.
 */
import type { RefreshRetryCache } from '../contract.js';
import type { RedisContext } from './context.js';
import { grantTag, putInGrant } from './grant-slot.js';

export function createRedisRefreshRetry(context: RedisContext, windowSeconds: number): RefreshRetryCache {
  const { client, prefix, sealing, call } = context;
  const retryKey = (refreshToken: string, grantId: string) => {
    const tag = grantTag(context, grantId);
    return { key: `${prefix}RefreshRetry:{${tag}}:${sealing.hash('retry', refreshToken)}`, tag };
  };

  return {
    windowSeconds,
    async save(refreshToken, grantId, response, ttlSeconds) {
      const { key, tag } = retryKey(refreshToken, grantId);
      const sealed = sealing.seal(['retry', refreshToken], JSON.stringify(response));
      const ttl = Math.max(1, Math.ceil(ttlSeconds));
      await call(() => putInGrant(context, key, tag, sealed, ttl, true));
    },
    async load(refreshToken, grantId) {
      const { key } = retryKey(refreshToken, grantId);
      const sealed = await call(() => client.hget(key, 'p'));
      const json = sealed ? sealing.open(['retry', refreshToken], sealed) : undefined;
      return json ? (JSON.parse(json) as Record<string, unknown>) : undefined;
    },
  };
}
