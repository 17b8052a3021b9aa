/**
 * The optional refresh retry window (the store's `refreshRetryWindowSeconds`). A client that
 * lost the response to a refresh, or two tabs refreshing at once, present the same refresh
 * token twice. The store decides atomically, in `consume`, whether the second use falls within
 * the window; if it does, this answers it with the very pair the first use returned (saved
 * encrypted under the presented token) instead of revoking the grant or minting a second pair.
 * The retry still passes client authentication and every other check of the token endpoint.
 */
import type { default as Provider, KoaContextWithOIDC } from 'oidc-provider';
import { RefreshRetryWithinWindow, type RefreshRetryCache } from '../../adapters/contract.js';

/** How long a retry waits for the first request, still in flight, to save its response. */
const WAIT_FOR_FIRST_MS = 3000;
const POLL_MS = 25;
/**
 * The saved response outlives the window by more than a retry's wait: a retry accepted at the
 * window's last moment looks it up later still, the more so on a busy machine.
 */
const KEEP_AFTER_WINDOW_SECONDS = 10;

async function firstResponse(cache: RefreshRetryCache, refreshToken: string, grantId: string) {
  const deadline = Date.now() + WAIT_FOR_FIRST_MS;
  for (;;) {
    const saved = await cache.load(refreshToken, grantId);
    if (saved || Date.now() >= deadline) return saved;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export function installRefreshRetry(provider: Provider, cache: RefreshRetryCache): void {
  provider.on('grant.error', (ctx, error) => {
    if (error instanceof RefreshRetryWithinWindow && error.grantId) {
      ctx.state.refreshRetryGrantId = error.grantId;
    }
  });
  provider.use(async (ctx, next) => {
    await next();
    // Every request passes here, also those outside oidc-provider's routes: `oidc` may be unset.
    const oidc = (ctx as unknown as Partial<KoaContextWithOIDC>).oidc;
    const params = oidc?.params;
    if (oidc?.route !== 'token' || params?.grant_type !== 'refresh_token') return;
    const presented = params.refresh_token;
    if (typeof presented !== 'string') return;

    const retryOf: unknown = ctx.state.refreshRetryGrantId;
    if (typeof retryOf === 'string') {
      // Not found (the first request failed after rotating): stays invalid_grant, grant kept.
      const saved = await firstResponse(cache, presented, retryOf);
      if (saved) {
        ctx.status = 200;
        ctx.body = saved;
      }
      return;
    }
    const rotated = oidc.entities.RotatedRefreshToken;
    const body: unknown = ctx.body;
    if (ctx.status === 200 && rotated?.grantId && body && typeof body === 'object') {
      // The pair is already issued: if saving fails, the client still gets it (no retry help).
      const keepSeconds = cache.windowSeconds + KEEP_AFTER_WINDOW_SECONDS;
      await cache
        .save(presented, rotated.grantId, body as Record<string, unknown>, keepSeconds)
        .catch(() => {});
    }
  });
}
