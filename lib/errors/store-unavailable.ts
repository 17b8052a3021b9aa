/**
 * oidc-provider middleware: a store outage is a 503 `temporarily_unavailable` JSON answer with
 * `Retry-After`, wherever it surfaces (inside an endpoint or in the kit's own after-steps),
 * never a 500 or koa's plain-text fallback.
 */
import type Provider from 'oidc-provider';
import { StoreUnavailableError } from '../../adapters/contract.js';

type ProviderMiddleware = Parameters<Provider['use']>[0];

export const storeUnavailableAnswer: ProviderMiddleware = async function storeUnavailableAnswer(ctx, next) {
  try {
    await next();
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    ctx.status = 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { error: error.error, error_description: error.error_description };
  }
  if (ctx.status === 503) ctx.set('Retry-After', '1');
};
