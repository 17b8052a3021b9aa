/**
 * Single use means single use: 50 concurrent redemptions of one authorization code, and 50
 * concurrent refreshes of one refresh token, give exactly one token response; the 49 others get
 * `invalid_grant`, and nothing is left stored under a grant that a replay revoked. Proved on two
 * app processes sharing one real redis-server, and on the in-memory store in one process.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { TEST_CLIENT } from '../../example-app/app.js';
import type { Adapter, AdapterPayload, OAuthStore } from '../../adapters/contract.js';
import { createMemoryStore } from '../../adapters/memory.js';
import { startExampleProcess, type ExampleProcess } from '../helpers/example-process.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { authorize, codeFlow, exchangeCode, tokenRequest } from '../helpers/oauth-client.js';
import { RedisServer } from '../helpers/redis-server.js';

const TRIALS = 5;
const CONCURRENCY = 50;

type Answer = { status: number; json: Record<string, unknown> };

/** Winners of one race, after checking that every loser got `invalid_grant`. */
function winnersOf(answers: Answer[]): number {
  const losers = answers.filter((a) => a.status !== 200);
  expect(losers.map((a) => [a.status, a.json.error])).toEqual(losers.map(() => [400, 'invalid_grant']));
  return answers.length - losers.length;
}

/** Fires `CONCURRENCY` copies of `request`, alternating between the given servers. */
function race(urls: string[], request: (url: string) => Promise<Answer>): Promise<Answer[]> {
  return Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => request(urls[i % urls.length]!)));
}

/** One code race and one refresh race per trial; resolves to the winners of each. */
async function trials(issuer: string, urls: string[], redirectUri: string) {
  const codes: number[] = [];
  const refreshes: number[] = [];
  for (let trial = 0; trial < TRIALS; trial += 1) {
    const result = await authorize(issuer, {
      clientId: TEST_CLIENT.clientId,
      redirectUri,
      scope: 'tasks:read',
    });
    codes.push(winnersOf(await race(urls, (url) => exchangeCode(url, result, redirectUri, TEST_CLIENT))));

    const tokens = await codeFlow(issuer, TEST_CLIENT, redirectUri, 'tasks:read');
    const refresh = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! };
    refreshes.push(winnersOf(await race(urls, (url) => tokenRequest(url, refresh, TEST_CLIENT))));
  }
  return { codes, refreshes };
}

describe('two app processes on one Redis', () => {
  let redis: RedisServer;
  let client: Redis;
  const apps: ExampleProcess[] = [];
  beforeAll(async () => {
    redis = await RedisServer.start();
    client = redis.client();
    const shared = {
      REDIS_URL: redis.url,
      RATE_LIMITS: 'relaxed',
      DEV_SECRETS_FILE: join(mkdtempSync(join(tmpdir(), 'oauth-kit-race-')), 'dev-secrets.json'),
    };
    apps.push(await startExampleProcess(shared));
    apps.push(await startExampleProcess({ ...shared, ISSUER: apps[0]!.issuer }));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    client?.disconnect();
    await redis?.dispose();
  });

  /** Codes and tokens whose grant is gone: each must have been refused when it was filed. */
  async function orphans(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', 'oauth-kit:*:{g.*}:*', 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const [, model, tag] = /^oauth-kit:(\w+):\{(g\.[^}]+)\}:/.exec(key) ?? [];
        if (model && (await client.exists(`oauth-kit:Grant:{${tag}}`)) === 0) found.push(model);
      }
    } while (cursor !== '0');
    return found;
  }

  test(`${TRIALS} trials of 50 concurrent code redemptions and 50 concurrent refreshes: one winner each, nothing orphaned`, async () => {
    const [a, b] = apps as [ExampleProcess, ExampleProcess];
    const { codes, refreshes } = await trials(
      a.issuer,
      [a.issuer, `http://localhost:${b.port}`],
      `${a.issuer}/callback`,
    );
    expect({ codes, refreshes }).toEqual({ codes: codes.map(() => 1), refreshes: refreshes.map(() => 1) });
    expect(await orphans()).toEqual([]);
  }, 120_000);
});

/** Notes every grant-bound artifact the store is asked to keep, to look for orphans after. */
function watched(store: OAuthStore): { store: OAuthStore; filed: Array<[string, string, string]> } {
  const filed: Array<[model: string, id: string, grantId: string]> = [];
  const Base = store.Adapter;
  class Watched implements Adapter {
    private readonly inner: Adapter;
    constructor(private readonly model: string) {
      this.inner = new Base(model);
    }
    async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
      if (payload.grantId && this.model !== 'Grant') filed.push([this.model, id, payload.grantId]);
      return this.inner.upsert(id, payload, expiresIn);
    }
    find = (id: string) => this.inner.find(id);
    findByUid = (uid: string) => this.inner.findByUid(uid);
    findByUserCode = (code: string) => this.inner.findByUserCode(code);
    consume = (id: string) => this.inner.consume(id);
    destroy = (id: string) => this.inner.destroy(id);
    revokeByGrantId = (grantId: string) => this.inner.revokeByGrantId(grantId);
  }
  return { store: { ...store, Adapter: Watched, close: () => store.close() }, filed };
}

describe('the in-memory store, one process', () => {
  const memory = createMemoryStore();
  const { store, filed } = watched(memory);
  let app: RunningExample;
  beforeAll(async () => {
    app = await startExampleApp({ store, security: { rateLimits: { scale: 1000 } } });
  });
  afterAll(async () => {
    await app?.close();
    await memory.close();
  });

  test(`${TRIALS} trials of 50 concurrent code redemptions and 50 concurrent refreshes: one winner each, nothing orphaned`, async () => {
    const { codes, refreshes } = await trials(app.issuer, [app.url], `${app.url}/callback`);
    expect({ codes, refreshes }).toEqual({ codes: codes.map(() => 1), refreshes: refreshes.map(() => 1) });

    const grants = new memory.Adapter('Grant');
    const left: string[] = [];
    for (const [model, id, grantId] of filed) {
      const stored = await new memory.Adapter(model).find(id);
      if (stored && !(await grants.find(grantId))) left.push(model);
    }
    expect(filed.length).toBeGreaterThan(TRIALS * 2);
    expect(left).toEqual([]);
  }, 120_000);
});
