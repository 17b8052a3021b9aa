/**
 * Attack: keep using a developer app's tokens after its owner disabled or deleted it, at a
 * resource server that runs apart from the authorization server (`mountResourceServer`). Every
 * resource server must refuse them within a second, user and client-credentials tokens alike,
 * through the store's feed: in the same process on the memory store, and in other processes on
 * Redis.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { Redis } from 'ioredis';
import {
  createMemoryStore,
  createRedisStore,
  mountResourceServer,
  oauthErrorHandler,
  requireScope,
  type OAuthStore,
} from '../../lib/index.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import {
  startExampleProcess,
  startResourceServerProcess,
  type ExampleProcess,
} from '../helpers/example-process.js';
import { codeFlow, tokenRequest } from '../helpers/oauth-client.js';
import { FAST_RETRY, RedisServer } from '../helpers/redis-server.js';
import { apiCall, signedInAgent } from '../helpers/session.js';

/** A standalone resource server in this process, listening on a real port. */
async function inProcessResourceServer(issuer: string, store: OAuthStore) {
  const app = express();
  const rs = await mountResourceServer(app, { issuer, store });
  app.get('/reports', requireScope('tasks:read'), (req, res) => {
    res.json({ sub: req.auth!.sub, client_id: req.auth!.clientId });
  });
  app.use(oauthErrorHandler());
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      rs.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const call = async (url: string, token: string) =>
  (await fetch(`${url}/reports`, { headers: { authorization: `Bearer ${token}` } })).status;

/** Polls every resource server with every token until all answer `status`; returns the ms it took. */
async function allAnswer(urls: string[], tokens: string[], status: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const statuses = await Promise.all(urls.flatMap((url) => tokens.map((token) => call(url, token))));
    if (statuses.every((s) => s === status)) return Date.now() - started;
    if (Date.now() - started > 3000) throw new Error(`still ${statuses.join(',')} after 3 s`);
  }
}

/** Registers a confidential app and gets a user token and a client-credentials token for it. */
async function appWithTokens(issuer: string) {
  const developer = await signedInAgent(issuer);
  const created = await apiCall(developer, 'POST', '/apps', {
    name: 'Soon Disabled',
    homepage_url: 'https://disabled.example',
    redirect_uris: [`${issuer}/callback`],
  });
  expect(created.status).toBe(201);
  const client = {
    clientId: created.json.client_id as string,
    clientSecret: created.json.client_secret as string,
  };
  const user = await codeFlow(issuer, client, `${issuer}/callback`, 'tasks:read');
  const machine = await tokenRequest(
    issuer,
    { grant_type: 'client_credentials', scope: 'tasks:read' },
    client,
  );
  expect(machine.status).toBe(200);
  return {
    developer,
    client,
    tokens: [user.access_token, machine.json.access_token as string],
  };
}

async function disableEnableDelete(issuer: string, resourceServers: string[]) {
  const { developer, client, tokens } = await appWithTokens(issuer);
  await allAnswer(resourceServers, tokens, 200);

  expect((await apiCall(developer, 'POST', `/apps/${client.clientId}/disable`, {})).status).toBe(200);
  expect(await allAnswer(resourceServers, tokens, 401)).toBeLessThan(1000);

  // Disabling is not final: enabled again, the app's unexpired tokens work again.
  expect((await apiCall(developer, 'POST', `/apps/${client.clientId}/enable`, {})).status).toBe(200);
  expect(await allAnswer(resourceServers, tokens, 200)).toBeLessThan(1000);

  expect((await apiCall(developer, 'DELETE', `/apps/${client.clientId}`)).status).toBe(204);
  expect(await allAnswer(resourceServers, tokens, 401)).toBeLessThan(1000);
}

describe('memory store: a standalone resource server beside the authorization server', () => {
  let store: OAuthStore;
  let server: RunningExample;
  let rs: Awaited<ReturnType<typeof inProcessResourceServer>>;
  beforeAll(async () => {
    store = createMemoryStore();
    server = await startExampleApp({ store });
    rs = await inProcessResourceServer(server.issuer, store);
  });
  afterAll(async () => {
    await rs?.close();
    await server?.close();
    await store.close();
  });

  test("a standalone resource server refuses a disabled or deleted app's tokens within a second", async () => {
    await disableEnableDelete(server.issuer, [rs.url]);
  });
});

describe('Redis store: resource servers in other processes', () => {
  let redis: RedisServer;
  let authorizationServer: ExampleProcess;
  let otherProcess: ExampleProcess;
  let client: Redis;
  let store: OAuthStore;
  let rs: Awaited<ReturnType<typeof inProcessResourceServer>>;
  beforeAll(async () => {
    redis = await RedisServer.start();
    authorizationServer = await startExampleProcess({ REDIS_URL: redis.url });
    otherProcess = await startResourceServerProcess(authorizationServer.issuer, redis.url);
    client = new Redis(redis.url, { retryStrategy: FAST_RETRY, maxRetriesPerRequest: 1 });
    store = createRedisStore({ client });
    rs = await inProcessResourceServer(authorizationServer.issuer, store);
  }, 60_000);
  afterAll(async () => {
    await rs?.close();
    await store?.close();
    client?.disconnect();
    await otherProcess?.stop();
    await authorizationServer?.stop();
    await redis?.dispose();
  });

  test("every standalone resource server refuses a disabled or deleted app's tokens within a second", async () => {
    await disableEnableDelete(authorizationServer.issuer, [rs.url, otherProcess.issuer]);
  });
});
