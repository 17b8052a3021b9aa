/**
 * A minimal API service protecting `GET /v1/tasks` one way: `none` (the floor), `jwt-bearer`
 * (express-oauth2-jwt-bearer) or `standalone` (the kit's `mountResourceServer` against the
 * issuer, given the kit's store).
 */
import express, { type Express } from 'express';
import { mountResourceServer, oauthErrorHandler, requireScope, type OAuthStore } from '../../lib/index.js';
import { jwtBearerRoute, peerErrorHandler, tasksHandler } from './routes.js';

export type Protection = 'none' | 'jwt-bearer' | 'standalone';

export async function buildResourceApi(
  protection: Protection,
  options: { issuer: string; store?: OAuthStore },
): Promise<Express> {
  const app = express();
  app.disable('x-powered-by');
  if (protection === 'none') app.get('/v1/tasks', tasksHandler);
  else if (protection === 'jwt-bearer') app.get('/v1/tasks', ...jwtBearerRoute(options.issuer));
  else {
    if (!options.store) throw new Error('standalone needs a store it shares with the kit');
    await mountResourceServer(app, { issuer: options.issuer, store: options.store });
    app.get('/v1/tasks', requireScope('tasks:read'), tasksHandler);
  }
  app.use(oauthErrorHandler(), peerErrorHandler);
  return app;
}
