/**
 * A sick Redis under requests of every kind, on a real redis-server: frozen (SIGSTOP) and busy
 * (`DEBUG SLEEP`), every request is answered within a stated bound — 503 with Retry-After where
 * it needs the store, served with this process's own rate-limit counters where it only needs
 * limiting — and nothing queues behind the stall; killed and restarted with an AOF, nothing
 * that was acknowledged is lost.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import type { Redis } from 'ioredis';
import { TEST_CLIENT } from '../../example-app/app.js';
import { createRedisStore } from '../../adapters/redis/index.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { authorize, codeFlow, tokenRequest, type Tokens } from '../helpers/oauth-client.js';
import { RedisServer } from '../helpers/redis-server.js';
import { apiCall, signedInAgent } from '../helpers/session.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The store's and the rate limiters' bound on each Redis call. */
const COMMAND_TIMEOUT_MS = 500;
/**
 * The longest any request may take while Redis stalls: the bound plus slack for a busy 2-core
 * machine. A stall that passed through would take the whole freeze (8 s) or sleep (3 s).
 */
const ANSWER_BOUND_MS = 2500;
const FREEZE_MS = 8000;

interface AppOnRedis {
  app: RunningExample;
  client: Redis;
  close(): Promise<void>;
}

/** The example app with its OAuth state and its rate-limit counters in `redis`. */
async function appOn(redis: RedisServer, shared: { devSecretsFile?: string; issuer?: string } = {}) {
  const client = redis.client();
  try {
    const app = await startExampleApp({
      ...shared,
      store: createRedisStore({ client, commandTimeoutMs: COMMAND_TIMEOUT_MS }),
      // The limiter stays in the path of every request; scaled so a load test is not limited.
      security: {
        rateLimits: { scale: 1000, store: { redis: client, commandTimeoutMs: COMMAND_TIMEOUT_MS } },
      },
    });
    return {
      app,
      client,
      async close() {
        await app.close();
        client.disconnect();
      },
    } satisfies AppOnRedis;
  } catch (error) {
    client.disconnect();
    throw error;
  }
}

const basic = `Basic ${Buffer.from(`${TEST_CLIENT.clientId}:${TEST_CLIENT.clientSecret}`).toString('base64')}`;
const form = (url: string, path: string, body: Record<string, string>) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  });

/** Commands the Redis server has executed since it started (INFO stats). */
async function commandsProcessed(client: Redis): Promise<number> {
  const info = await client.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)![1]);
}

interface Fixtures {
  url: string;
  redirectUri: string;
  /** Refreshed (and replaced on success) by the refresh requests. */
  refreshing: Tokens;
  /** Revoked by the revocation requests. */
  revoking: Tokens;
  code: Awaited<ReturnType<typeof authorize>>;
}

/** Every kind of request the kit answers, each as the client or the browser sends it. */
const KINDS: Record<string, (f: Fixtures) => Promise<Response>> = {
  client_credentials: (f) => form(f.url, '/oauth/token', { grant_type: 'client_credentials' }),
  refresh_token: async (f) => {
    const response = await form(f.url, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: f.refreshing.refresh_token!,
    });
    if (response.status === 200) f.refreshing = (await response.clone().json()) as Tokens;
    return response;
  },
  authorization_code: (f) =>
    form(f.url, '/oauth/token', {
      grant_type: 'authorization_code',
      code: f.code.callback.searchParams.get('code')!,
      redirect_uri: f.redirectUri,
      code_verifier: f.code.codeVerifier,
    }),
  revoke: (f) => form(f.url, '/oauth/revoke', { token: f.revoking.refresh_token! }),
  // A refresh token: opaque, looked up in the store.
  introspect: (f) => form(f.url, '/oauth/introspect', { token: f.revoking.refresh_token! }),
  authorize: (f) =>
    fetch(
      `${f.url}/oauth/authorize?${new URLSearchParams({
        client_id: TEST_CLIENT.clientId,
        redirect_uri: f.redirectUri,
        response_type: 'code',
        scope: 'tasks:read',
        state: 'state-123',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      })}`,
      { redirect: 'manual' },
    ),
  api: (f) =>
    fetch(`${f.url}/v1/tasks`, { headers: { authorization: `Bearer ${f.refreshing.access_token}` } }),
  token_info: (f) =>
    fetch(`${f.url}/v1/oauth/token/info`, {
      headers: { authorization: `Bearer ${f.refreshing.access_token}` },
    }),
};

interface Answer {
  kind: string;
  ms: number;
  status: number;
  retryAfter: string | null;
  location: string | null;
}

/** Sends requests of every kind, two at a time per kind, until `until()` says stop. */
async function load(f: Fixtures, until: () => boolean): Promise<Answer[]> {
  const answers: Answer[] = [];
  const worker = async (kind: string, send: (f: Fixtures) => Promise<Response>) => {
    while (!until()) {
      const started = performance.now();
      const response = await send(f);
      await response.arrayBuffer();
      answers.push({
        kind,
        ms: Math.round(performance.now() - started),
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        location: response.headers.get('location'),
      });
      await sleep(20);
    }
  };
  await Promise.all(
    Object.entries(KINDS).flatMap(([kind, send]) => [worker(kind, send), worker(kind, send)]),
  );
  return answers;
}

const longestByKind = (answers: Answer[]) =>
  Object.fromEntries(
    Object.keys(KINDS).map((kind) => [
      kind,
      Math.max(...answers.filter((a) => a.kind === kind).map((a) => a.ms)),
    ]),
  );

/** What each kind must answer while Redis does not: 200 where only limiting is needed. */
function expectStallAnswers(answers: Answer[]): void {
  const longest = longestByKind(answers);
  // Every kind was asked (several times) and none took longer than the bound.
  for (const kind of Object.keys(KINDS)) {
    expect([kind, answers.filter((a) => a.kind === kind).length >= 2]).toEqual([kind, true]);
    expect([kind, longest[kind]! <= ANSWER_BOUND_MS]).toEqual([kind, true]);
  }
  // Needs no store: the token is a JWT, the client static; only the limiter, on insurance.
  expect(answers.filter((a) => a.kind === 'client_credentials' && a.status !== 200)).toEqual([]);
  // The browser goes back to the client with RFC 6749 §4.1.2.1's `temporarily_unavailable`.
  const unavailable = /[?&]error=temporarily_unavailable&/;
  const authorizes = answers.filter((a) => a.kind === 'authorize');
  expect(authorizes.filter((a) => a.status !== 303 || !unavailable.test(a.location ?? ''))).toEqual([]);
  // requireScope and token info need the store only when the revocation feed cannot vouch for
  // the grant (a cached verdict, the feed's subscription up): 200, or 503 with Retry-After.
  const resource = answers.filter((a) => ['api', 'token_info'].includes(a.kind));
  expect(resource.filter((a) => a.status !== 200 && (a.status !== 503 || a.retryAfter === null))).toEqual([]);
  // Everything else needs the store: a 503 with Retry-After, never another error.
  const others = answers.filter(
    (a) => !['client_credentials', 'authorize', 'api', 'token_info'].includes(a.kind),
  );
  expect(others.filter((a) => a.status !== 503 || a.retryAfter === null)).toEqual([]);
}

async function fixtures(app: RunningExample): Promise<Fixtures> {
  const redirectUri = `${app.url}/callback`;
  const flow = () => codeFlow(app.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
  const [refreshing, revoking, code] = await Promise.all([
    flow(),
    flow(),
    authorize(app.issuer, { clientId: TEST_CLIENT.clientId, redirectUri, scope: 'tasks:read' }),
  ]);
  return { url: app.url, redirectUri, refreshing, revoking, code };
}

describe('a stalled Redis', () => {
  let redis: RedisServer;
  let setup: AppOnRedis;
  beforeAll(async () => {
    redis = await RedisServer.start({ debugCommands: true });
    setup = await appOn(redis);
  });
  afterAll(async () => {
    redis?.resume();
    await setup?.close();
    await redis?.dispose();
  });

  test(`frozen for ${FREEZE_MS / 1000} s (SIGSTOP): every kind of request is answered within ${ANSWER_BOUND_MS} ms, most at once, and all recover`, async () => {
    const f = await fixtures(setup.app);
    const before = await commandsProcessed(setup.client);
    redis.pause();
    // Thawed on time whatever the requests do (a request held by the stall must not hold it).
    const thawAt = Date.now() + FREEZE_MS;
    const thaw = setTimeout(() => redis.resume(), FREEZE_MS);
    let answers: Answer[];
    try {
      answers = await load(f, () => Date.now() >= thawAt);
    } finally {
      clearTimeout(thaw);
      redis.resume();
    }
    await sleep(300);
    // Nothing queued behind the stall: after the first calls met it, requests sent Redis nothing
    // (only the requests of the first bound, and the guard's one probe, waited for it).
    const sent = (await commandsProcessed(setup.client)) - before - 1;
    expect(answers.length).toBeGreaterThan(100);
    expect(sent).toBeLessThan(answers.length / 4);
    expectStallAnswers(answers);

    // Back within moments: a whole code flow, its refresh and the API.
    await sleep(500);
    const after = await codeFlow(setup.app.issuer, TEST_CLIENT, f.redirectUri, 'tasks:read');
    const refreshed = await tokenRequest(
      setup.app.url,
      { grant_type: 'refresh_token', refresh_token: after.refresh_token! },
      TEST_CLIENT,
    );
    expect(refreshed.status).toBe(200);
    const api = await KINDS.api!({ ...f, refreshing: refreshed.json as unknown as Tokens });
    expect(api.status).toBe(200);
  }, 60_000);

  test('busy for 3 s (DEBUG SLEEP 3): every kind of request is answered within the same bound', async () => {
    const f = await fixtures(setup.app);
    const sleeper = redis.client();
    try {
      const slept = sleeper.call('DEBUG', 'SLEEP', '3');
      await sleep(50);
      const wakeAt = Date.now() + 2900;
      const answers = await load(f, () => Date.now() >= wakeAt);
      await slept;
      expectStallAnswers(answers);
    } finally {
      sleeper.disconnect();
    }
  }, 30_000);
});

describe("the people's pages and the developer JSON API during a Redis outage", () => {
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

  test('answer 503 with Retry-After (a page, JSON), never 500, and work again after', async () => {
    const agent = await signedInAgent(setup.app.issuer);
    const interaction = await agent.follow(
      `/oauth/authorize?${new URLSearchParams({
        client_id: TEST_CLIENT.clientId,
        redirect_uri: `${setup.app.url}/callback`,
        response_type: 'code',
        scope: 'tasks:read',
        state: 'state-123',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      })}`,
    );
    expect(interaction.url).toContain('/oauth/interaction/');
    const pages = [
      '/settings/developers/apps',
      '/settings/connected-apps',
      '/settings/admin/scope-requests',
      new URL(interaction.url).pathname,
    ];
    const before = await Promise.all(pages.map(async (path) => (await agent.request(path)).status));
    expect(before).toEqual(pages.map(() => 200));

    await redis.kill();
    try {
      for (const path of pages) {
        const response = await agent.request(path);
        expect([path, response.status, response.headers.get('retry-after')]).toEqual([path, 503, '1']);
        expect(response.headers.get('content-type')).toContain('text/html');
        expect(await response.text()).not.toMatch(/at \w+ \(|node_modules/);
      }
      for (const [method, path, body] of [
        ['GET', '/apps', undefined],
        [
          'POST',
          '/apps',
          {
            name: 'Outage app',
            homepage_url: 'https://outage.example',
            redirect_uris: ['https://outage.example/cb'],
          },
        ],
      ] as const) {
        const answer = await apiCall(agent, method, path, body);
        expect([method, path, answer.status, answer.json.error]).toEqual([
          method,
          path,
          503,
          'temporarily_unavailable',
        ]);
      }
      const raw = await agent.request('/oauth/api/apps', { headers: { accept: 'application/json' } });
      expect(raw.headers.get('retry-after')).toBe('1');
    } finally {
      await redis.launch();
    }
    for (let i = 0; i < 40 && (await apiCall(agent, 'GET', '/apps')).status !== 200; i += 1) await sleep(50);
    expect((await apiCall(agent, 'GET', '/apps')).status).toBe(200);
    expect((await agent.request('/settings/developers/apps')).status).toBe(200);
  });
});

describe('Redis killed and restarted with an AOF (appendfsync always)', () => {
  test('nothing acknowledged is lost: 30 parked refresh tokens refresh afterwards, on this instance and a fresh one, and revoked grants stay revoked', async () => {
    const redis = await RedisServer.start({ aof: true });
    const devSecretsFile = join(mkdtempSync(join(tmpdir(), 'oauth-kit-aof-')), 'dev-secrets.json');
    const apps: AppOnRedis[] = [];
    try {
      apps.push(await appOn(redis, { devSecretsFile }));
      const { app } = apps[0]!;
      const redirectUri = `${app.url}/callback`;
      const flow = () => codeFlow(app.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
      const parked: Tokens[] = [];
      for (let i = 0; i < 30; i += 1) parked.push(await flow());
      const revoked = await flow();
      await app.kit.revokeGrant(decodeJwt(revoked.access_token).gid as string);

      // Traffic of every kind while Redis dies and comes back.
      const f = await fixtures(app);
      let stop = false;
      const traffic = load(f, () => stop);
      await sleep(300);
      await redis.kill();
      await sleep(700);
      await redis.launch();
      await sleep(1500);
      stop = true;
      const answers = await traffic;
      expect(answers.filter((a) => a.status >= 500 && a.status !== 503)).toEqual([]);

      apps.push(await appOn(redis, { devSecretsFile, issuer: app.issuer }));
      const fresh = apps[1]!.app;
      const refreshAt = (url: string, tokens: Tokens) =>
        tokenRequest(url, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, TEST_CLIENT);
      const statuses = await Promise.all(
        parked.map(async (tokens, i) => (await refreshAt(i % 2 ? fresh.url : app.url, tokens)).status),
      );
      expect(statuses).toEqual(parked.map(() => 200));
      for (const url of [app.url, fresh.url]) {
        expect((await refreshAt(url, revoked)).json.error).toBe('invalid_grant');
        expect((await KINDS.api!({ ...f, url, refreshing: revoked })).status).toBe(401);
      }
    } finally {
      await Promise.all(apps.map((a) => a.close()));
      await redis.dispose();
    }
  }, 90_000);
});
