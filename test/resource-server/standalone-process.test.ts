/**
 * Standalone mode across processes: the example app runs as its own process on Redis; a
 * separate resource server, given only the issuer URL and the same Redis, verifies its tokens
 * and refuses a revoked grant within 1 second (Redis pub/sub).
 */
import express from 'express';
import request from 'supertest';
import { Redis } from 'ioredis';
import { createRedisStore, mountResourceServer, oauthErrorHandler, requireScope } from '../../lib/index.js';
import { TEST_CLIENT } from '../../example-app/app.js';
import { FAST_RETRY, RedisServer } from '../helpers/redis-server.js';
import { startExampleProcess, type ExampleProcess } from '../helpers/example-process.js';
import { decodeJwt } from 'jose';
import { callApi, codeFlow, revokeToken } from '../helpers/oauth-client.js';

let redis: RedisServer;
let example: ExampleProcess;
let client: Redis;

beforeAll(async () => {
  redis = await RedisServer.start();
  example = await startExampleProcess({ REDIS_URL: redis.url });
  client = new Redis(redis.url, { retryStrategy: FAST_RETRY, maxRetriesPerRequest: 1 });
}, 30_000);
afterAll(async () => {
  await example?.stop();
  client?.disconnect();
  await redis?.dispose();
});

test('a revoked grant is refused by a standalone resource server in another process within 1 second', async () => {
  const store = createRedisStore({ client });
  const app = express();
  const rs = await mountResourceServer(app, { issuer: example.issuer, store });
  app.get('/reports', requireScope('tasks:read'), (req, res) => res.json({ sub: req.auth!.sub }));
  app.use(oauthErrorHandler());

  const tokens = await codeFlow(example.issuer, TEST_CLIENT, `${example.issuer}/callback`, 'tasks:read');
  const call = () => request(app).get('/reports').set('authorization', `Bearer ${tokens.access_token}`);
  const ok = await call();
  expect(ok.status).toBe(200);
  expect(ok.body).toEqual({ sub: 'user_123' });

  expect(await revokeToken(example.issuer, tokens.refresh_token!, TEST_CLIENT)).toBe(200);
  const started = Date.now();
  let status = 200;
  while (status === 200 && Date.now() - started < 1000) status = (await call()).status;
  expect(status).toBe(401);
  expect(Date.now() - started).toBeLessThan(1000);
  rs.close();
  await store.close();
});

test('a revoked JWT access token is refused in every process within 1 second, and its record lives only until the token expires', async () => {
  const store = createRedisStore({ client });
  const app = express();
  const rs = await mountResourceServer(app, { issuer: example.issuer, store });
  app.get('/reports', requireScope('tasks:read'), (req, res) => res.json({ sub: req.auth!.sub }));
  app.use(oauthErrorHandler());
  try {
    const tokens = await codeFlow(example.issuer, TEST_CLIENT, `${example.issuer}/callback`, 'tasks:read');
    const call = () => request(app).get('/reports').set('authorization', `Bearer ${tokens.access_token}`);
    expect((await call()).status).toBe(200);

    expect(await revokeToken(example.issuer, tokens.access_token, TEST_CLIENT, 'access_token')).toBe(200);
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 1000) status = (await call()).status;
    expect(status).toBe(401);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await callApi(example.issuer, '/v1/tasks', tokens.access_token)).status).toBe(401);

    const keys = await client.keys('*revoked-access-tokens*');
    expect(keys).toHaveLength(1);
    const remaining = decodeJwt(tokens.access_token).exp! - Math.floor(Date.now() / 1000);
    const ttl = await client.ttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(remaining + 5 + 1); // + the verifiers' clock tolerance
  } finally {
    rs.close();
    await store.close();
  }
});
