// A TypeScript host project's server, as a user would write it against the installed package.
// Compiled by tsc (strict, skipLibCheck: false) under each module resolution the test names, then
// run: prints {"token":200,"api":200,"minted":true} when a client registered in code gets a
// token and calls a protected route. No top-level await: the same file compiles to CommonJS.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import {
  createMemoryStore,
  createRedisStore,
  mountOAuth,
  oauthErrorHandler,
  requireScope,
  type Account,
  type OAuthKit,
  type OAuthKitOptions,
  type RedisStoreOptions,
} from 'express-oauth-kit';
import { createTestIssuer, type TestIssuer } from 'express-oauth-kit/testing';

// The Redis store's types compile without ioredis installed (it is an optional peer).
const redisStore: (options: RedisStoreOptions) => unknown = createRedisStore;

async function main(): Promise<void> {
  const app = express();
  app.use(
    session({ secret: 'host-session-secret-0123456789abcdef', resave: false, saveUninitialized: false }),
  );
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
  const users = new Map<string, Account>([['u1', { id: 'u1', claims: { email: 'u1@example.com' } }]]);
  const options: OAuthKitOptions = {
    issuer,
    logger: false,
    devSecretsFile: 'dev/secrets.json',
    store: createMemoryStore(),
    scopes: [{ name: 'tasks:read', description: 'Read your tasks' }],
    accounts: { authenticate: async () => undefined, find: async (id: string) => users.get(id) },
    clients: [
      { clientId: 'host_client', clientSecret: 'host-client-secret-0123', redirectUris: [`${issuer}/cb`] },
    ],
  };
  const kit: OAuthKit = await mountOAuth(app, options);
  app.get('/v1/tasks', requireScope('tasks:read'), (req, res) => {
    res.json({ sub: req.auth?.sub });
  });
  app.use(oauthErrorHandler());

  const tokenResponse = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('host_client:host-client-secret-0123').toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'tasks:read' }),
  });
  const { access_token: accessToken } = (await tokenResponse.json()) as { access_token: string };
  const api = await fetch(`${issuer}/v1/tasks`, { headers: { authorization: `Bearer ${accessToken}` } });
  const testIssuer: TestIssuer = await createTestIssuer();
  const minted = await testIssuer.mint({ scopes: ['tasks:read'] });
  console.log(
    JSON.stringify({
      token: tokenResponse.status,
      api: api.status,
      minted: minted.split('.').length === 3 && typeof redisStore === 'function',
    }),
  );
  await kit.close();
  server.closeAllConnections();
  server.close();
}

void main();
