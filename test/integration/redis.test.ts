/**
 * What only the Redis store promises, proved over HTTP against the example app on real
 * redis-server processes: nothing usable at rest, several instances acting as one server,
 * outages answered with 503 and survived, and the optional refresh retry window.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import type { Redis } from 'ioredis';
import { TEST_CLIENT, type ExampleAppOptions } from '../../example-app/app.js';
import { createRedisStore, type RedisStoreOptions } from '../../adapters/redis/index.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { callApi, codeFlow, tokenRequest } from '../helpers/oauth-client.js';
import { RedisServer } from '../helpers/redis-server.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface AppOnRedis {
  app: RunningExample;
  client: Redis;
  redirectUri: string;
  close(): Promise<void>;
}

async function appOn(
  redis: RedisServer,
  storeOptions: Omit<RedisStoreOptions, 'client'> = {},
  shared: Partial<Pick<ExampleAppOptions, 'issuer' | 'devSecretsFile' | 'security'>> = {},
): Promise<AppOnRedis> {
  const client = redis.client();
  const app = await startExampleApp({
    store: createRedisStore({ client, ...storeOptions }),
    ...shared,
  }).catch((error: unknown) => {
    client.disconnect();
    throw error;
  });
  return {
    app,
    client,
    redirectUri: `${app.url}/callback`,
    async close() {
      await app.close();
      client.disconnect();
    },
  };
}

const refreshAt = (url: string, refreshToken: string) =>
  tokenRequest(url, { grant_type: 'refresh_token', refresh_token: refreshToken }, TEST_CLIENT);

/** Polls `probe` until it returns true; resolves with the time it took (ms), or rejects. */
async function within(ms: number, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await sleep(25);
  }
}

describe('at rest', () => {
  let redis: RedisServer;
  let setup: AppOnRedis;
  beforeAll(async () => {
    redis = await RedisServer.start();
    setup = await appOn(redis);
  });
  afterAll(async () => {
    await setup?.close();
    await redis?.dispose();
  });

  test('no code, token or session id appears in any key or value, and every key expires', async () => {
    const { app, redirectUri } = setup;
    const tokens = await codeFlow(app.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
    const rotated = await refreshAt(app.url, tokens.refresh_token!);
    expect(rotated.status).toBe(200);
    const secrets = [
      tokens.result.callback.searchParams.get('code')!,
      tokens.refresh_token!,
      rotated.json.refresh_token as string,
      decodeJwt(tokens.access_token).jti!,
      ...tokens.result.agent.cookieValues.filter((value) => value.length >= 16),
    ];
    // Grant ids are not credentials (nothing accepts one; every access token carries its `gid`),
    // so the users' authorization records may name them.
    expect(secrets.length).toBeGreaterThanOrEqual(5);

    const { stdout } = await run('redis-cli', ['-p', String(redis.port), '--scan']);
    const keys = stdout.split('\n').filter(Boolean);
    expect(keys.length).toBeGreaterThan(5);
    const values: string[] = [];
    for (const key of keys) {
      const type = await setup.client.type(key);
      if (type === 'hash') values.push(...Object.values(await setup.client.hgetall(key)));
      else if (type === 'set') values.push(...(await setup.client.smembers(key)));
      else if (type === 'zset') values.push(...(await setup.client.zrange(key, '0', '-1')));
      else values.push((await setup.client.get(key)) ?? '');
      expect(await setup.client.ttl(key)).toBeGreaterThan(0);
    }
    const everything = [...keys, ...values].join('\n');
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });

  test('50 refreshes that all read the token before any consumes it: one wins, 49 invalid_grant, grant revoked', async () => {
    const { app, redirectUri } = setup;
    const tokens = await codeFlow(app.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
    // Frozen Redis: every request gets as far as reading the refresh token, then all the reads
    // are answered at once, so all 50 reach consume() together and only its atomicity decides.
    redis.pause();
    const pending = Promise.all(Array.from({ length: 50 }, () => refreshAt(app.url, tokens.refresh_token!)));
    await sleep(300);
    redis.resume();
    const results = await pending;
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(results.filter((r) => r.status === 400 && r.json.error === 'invalid_grant')).toHaveLength(49);
    expect((await callApi(app.url, '/v1/tasks', ok[0]!.json.access_token as string)).status).toBe(401);
  });

  test('stores with different prefixes share one Redis without seeing each other', async () => {
    const other = await appOn(redis, { prefix: 'tenant-b:' });
    try {
      const tokens = await codeFlow(setup.app.issuer, TEST_CLIENT, setup.redirectUri, 'tasks:read');
      // Same Redis, other prefix (and other signing keys): the refresh token is unknown there.
      expect((await refreshAt(other.app.url, tokens.refresh_token!)).json.error).toBe('invalid_grant');
      expect((await refreshAt(setup.app.url, tokens.refresh_token!)).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('two app instances sharing one Redis', () => {
  let redis: RedisServer;
  let a: AppOnRedis;
  let b: AppOnRedis;
  beforeAll(async () => {
    redis = await RedisServer.start();
    const devSecretsFile = join(mkdtempSync(join(tmpdir(), 'oauth-kit-test-')), 'dev-secrets.json');
    a = await appOn(redis, {}, { devSecretsFile });
    b = await appOn(redis, {}, { devSecretsFile, issuer: a.app.issuer });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.dispose();
  });

  test('a token issued by A refreshes at B, and a grant revoked at B is refused at A within 1 s', async () => {
    const tokens = await codeFlow(a.app.issuer, TEST_CLIENT, a.redirectUri, 'tasks:read');
    const atB = await refreshAt(b.app.url, tokens.refresh_token!);
    expect(atB.status).toBe(200);
    expect((await callApi(a.app.url, '/v1/tasks', atB.json.access_token as string)).status).toBe(200);
    // Reuse at A of the token B rotated: the reuse rule holds across instances.
    expect((await refreshAt(a.app.url, tokens.refresh_token!)).json.error).toBe('invalid_grant');

    const fresh = await codeFlow(a.app.issuer, TEST_CLIENT, a.redirectUri, 'tasks:read');
    expect((await callApi(a.app.url, '/v1/tasks', fresh.access_token)).status).toBe(200);
    await b.app.kit.revokeGrant(decodeJwt(fresh.access_token).gid as string);
    const took = await within(1000, async () => {
      return (await callApi(a.app.url, '/v1/tasks', fresh.access_token)).status === 401;
    });
    expect(took).toBeLessThan(1000);
    expect((await refreshAt(a.app.url, fresh.refresh_token!)).json.error).toBe('invalid_grant');
  });
});

describe('faults', () => {
  test('a Redis that stops answering costs a bounded wait: 503 from the token endpoint and requireScope', async () => {
    const redis = await RedisServer.start();
    const setup = await appOn(redis, { commandTimeoutMs: 300 });
    try {
      const tokens = await codeFlow(setup.app.issuer, TEST_CLIENT, setup.redirectUri, 'tasks:read');
      redis.pause();
      const started = Date.now();
      const [refreshed, api] = await Promise.all([
        refreshAt(setup.app.url, tokens.refresh_token!),
        callApi(setup.app.url, '/v1/tasks', tokens.access_token),
      ]);
      expect(Date.now() - started).toBeLessThan(1500);
      expect(refreshed.status).toBe(503);
      expect(refreshed.json).toEqual({
        error: 'temporarily_unavailable',
        error_description: expect.any(String),
      });
      expect(api.status).toBe(503);
      expect(api.json.error).toBe('temporarily_unavailable');
      redis.resume();
      await within(
        2000,
        async () => (await callApi(setup.app.url, '/v1/tasks', tokens.access_token)).status === 200,
      );
      expect((await refreshAt(setup.app.url, tokens.refresh_token!)).status).toBe(200);
    } finally {
      redis.resume();
      await setup.close();
      await redis.dispose();
    }
  });

  test('Redis killed mid-load: only 503s, no other 5xx, no crash, recovery within 2 s of its return', async () => {
    const redis = await RedisServer.start({ aof: true });
    // A load test, not a rate-limit test: the benchmarking switch keeps the limiter in the path.
    const setup = await appOn(
      redis,
      { commandTimeoutMs: 500 },
      { security: { rateLimits: { scale: 1000 } } },
    );
    const { app, redirectUri } = setup;
    let running = true;
    try {
      const chains = await Promise.all(
        [0, 1, 2, 3].map(() => codeFlow(app.issuer, TEST_CLIENT, redirectUri, 'tasks:read')),
      );
      const witness = await codeFlow(app.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
      const statuses: number[] = [];
      const failures: unknown[] = [];
      const worker = async (chain: { refresh_token?: string; access_token: string }) => {
        let { refresh_token: refreshToken, access_token: accessToken } = chain;
        while (running) {
          try {
            const refreshed = await refreshAt(app.url, refreshToken!);
            statuses.push(refreshed.status);
            if (refreshed.status === 200) {
              refreshToken = refreshed.json.refresh_token as string;
              accessToken = refreshed.json.access_token as string;
            }
            statuses.push((await callApi(app.url, '/v1/tasks', accessToken)).status);
            const cc = await tokenRequest(app.url, { grant_type: 'client_credentials' }, TEST_CLIENT);
            statuses.push(cc.status);
          } catch (error) {
            failures.push(error);
          }
        }
      };
      const workers = chains.map(worker);
      await sleep(300);
      await redis.kill();
      await sleep(700);
      const during = statuses.length;
      await redis.launch();
      const recovery = await within(2000, async () => {
        return (await callApi(app.url, '/v1/tasks', witness.access_token)).status === 200;
      });
      await sleep(200);
      running = false;
      await Promise.all(workers);

      expect(failures).toEqual([]);
      expect(statuses.length).toBeGreaterThan(during);
      expect(statuses).toContain(503);
      expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
      expect(new Set(statuses.filter((s) => ![200, 400, 401, 503].includes(s)))).toEqual(new Set());
      expect(recovery).toBeLessThan(2000);
      // Issued before the outage, still valid after it (the AOF kept it).
      expect((await refreshAt(app.url, witness.refresh_token!)).status).toBe(200);
    } finally {
      running = false;
      await setup.close();
      await redis.dispose();
    }
  });

  test('grants survive a Redis restart with AOF, and revocations stay revoked', async () => {
    const redis = await RedisServer.start({ aof: true });
    const setup = await appOn(redis);
    const { app, redirectUri } = setup;
    try {
      const kept = await codeFlow(app.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
      const revoked = await codeFlow(app.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
      await app.kit.revokeGrant(decodeJwt(revoked.access_token).gid as string);
      await redis.kill();
      await redis.launch();
      await within(2000, async () => (await callApi(app.url, '/v1/tasks', kept.access_token)).status === 200);
      expect((await refreshAt(app.url, kept.refresh_token!)).status).toBe(200);
      expect((await callApi(app.url, '/v1/tasks', revoked.access_token)).status).toBe(401);
      expect((await refreshAt(app.url, revoked.refresh_token!)).json.error).toBe('invalid_grant');
    } finally {
      await setup.close();
      await redis.dispose();
    }
  });
});

describe('refresh retry window (on)', () => {
  // "Within the window" is measured when the server gets to a request: a window of a minute holds
  // however long a busy machine takes to get through 50 requests (several seconds at a load of 20
  // on 2 cores). The end of the window is proved on a second app with a 1-second window, whose
  // store runs the window on a clock the test moves (the window is the store's clock, not Redis').
  const WINDOW_SECONDS = 60;
  let redis: RedisServer;
  let setup: AppOnRedis;
  let short: AppOnRedis;
  let shortTime = Date.now();
  beforeAll(async () => {
    redis = await RedisServer.start();
    setup = await appOn(redis, { refreshRetryWindowSeconds: WINDOW_SECONDS });
    short = await appOn(redis, {
      refreshRetryWindowSeconds: 1,
      prefix: 'short-window:',
      now: () => shortTime,
    });
  });
  afterAll(async () => {
    await Promise.all([setup?.close(), short?.close()]);
    await redis?.dispose();
  });
  const flow = (on = setup) => codeFlow(on.app.issuer, TEST_CLIENT, on.redirectUri, 'tasks:read');

  test('a retry within the window gets the very same new pair, and the grant lives on', async () => {
    const tokens = await flow();
    const first = await refreshAt(setup.app.url, tokens.refresh_token!);
    const retry = await refreshAt(setup.app.url, tokens.refresh_token!);
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual(first.json);
    expect((await callApi(setup.app.url, '/v1/tasks', first.json.access_token as string)).status).toBe(200);
    expect((await refreshAt(setup.app.url, first.json.refresh_token as string)).status).toBe(200);
  });

  test('the saved pair outlives the window by more than a retry waits for it', async () => {
    const tokens = await flow();
    await refreshAt(setup.app.url, tokens.refresh_token!);
    const saved = await setup.client.keys('oauth-kit:RefreshRetry:*');
    expect(saved.length).toBeGreaterThan(0);
    // A retry accepted at the window's last moment may look it up seconds later on a busy machine.
    for (const key of saved) expect(await setup.client.ttl(key)).toBeGreaterThan(WINDOW_SECONDS + 5);
  });

  test('50 concurrent refreshes with one token all get the one pair', async () => {
    const tokens = await flow();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => refreshAt(setup.app.url, tokens.refresh_token!)),
    );
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    expect(new Set(results.map((r) => r.json.refresh_token)).size).toBe(1);
    expect(new Set(results.map((r) => r.json.access_token)).size).toBe(1);
  });

  test('after the window, reuse is invalid_grant and revokes the grant', async () => {
    const tokens = await flow(short);
    const first = await refreshAt(short.app.url, tokens.refresh_token!);
    expect(first.status).toBe(200);
    shortTime += 1200;
    const late = await refreshAt(short.app.url, tokens.refresh_token!);
    expect(late.status).toBe(400);
    expect(late.json.error).toBe('invalid_grant');
    expect((await refreshAt(short.app.url, first.json.refresh_token as string)).json.error).toBe(
      'invalid_grant',
    );
    expect((await callApi(short.app.url, '/v1/tasks', first.json.access_token as string)).status).toBe(401);
  });

  test('the retry still needs the client: a wrong secret is invalid_client', async () => {
    const tokens = await flow();
    await refreshAt(setup.app.url, tokens.refresh_token!);
    const stolen = await tokenRequest(
      setup.app.url,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      { clientId: TEST_CLIENT.clientId, clientSecret: 'guessed' },
    );
    expect(stolen.status).toBe(401);
    expect(stolen.json.error).toBe('invalid_client');
  });
});
