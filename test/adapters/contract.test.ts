/**
 * The store contract (adapters/contract.ts), run against every store: the in-memory one, the
 * Redis one on a real single-node redis-server, and the Redis one on a real three-master
 * Redis Cluster.
 */
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import {
  ConsumedArtifactReplay,
  GRANT_BOUND_MODELS,
  type AdapterPayload,
  type FeedMessage,
  type OAuthStore,
} from '../../adapters/contract.js';
import { createMemoryStore } from '../../adapters/memory.js';
import { createRedisStore } from '../../adapters/redis/index.js';
import { startAll } from '../helpers/lifecycle.js';
import { RedisServer, startRedisCluster, type RedisCluster } from '../helpers/redis-server.js';

/** Every model oidc-provider stores, with whether its payloads carry a grant id. */
const MODELS: Array<[model: string, boundToGrant: boolean]> = [
  ['Session', false],
  ['Interaction', false],
  ['Grant', false],
  ['AuthorizationCode', true],
  ['AccessToken', true],
  ['RefreshToken', true],
  ['ClientCredentials', false],
  ['Client', false],
  ['DeviceCode', true],
  ['BackchannelAuthenticationRequest', true],
  ['PushedAuthorizationRequest', false],
  ['ReplayDetection', false],
  ['RegistrationAccessToken', false],
  ['InitialAccessToken', false],
];

const newId = () => randomBytes(32).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Harness {
  store(): OAuthStore;
  /**
   * Lets `ms` pass for what the stores expire: the memory store's clock moves on at once;
   * Redis expires keys on its own clock, so there the test really waits.
   */
  elapse(ms: number): Promise<void>;
  close(): Promise<void>;
}

let redisServer: RedisServer;
let cluster: RedisCluster;

beforeAll(async () => {
  [redisServer, cluster] = await startAll(
    [RedisServer.start(), startRedisCluster()],
    [(s) => s.dispose(), (c) => c.dispose()],
  );
});
afterAll(async () => {
  await Promise.all([redisServer?.dispose(), cluster?.dispose()]);
});

function redisHarness(connect: () => Redis | Cluster): Harness {
  const clients: Array<Redis | Cluster> = [];
  const stores: OAuthStore[] = [];
  return {
    store() {
      const client = connect();
      clients.push(client);
      // A fresh prefix per store keeps tests apart on one server.
      const store = createRedisStore({ client, prefix: `t${randomBytes(4).toString('hex')}:` });
      stores.push(store);
      return store;
    },
    elapse: sleep,
    async close() {
      await Promise.all(stores.map((s) => s.close()));
      await Promise.all(clients.map((c) => c.quit()));
    },
  };
}

const STORES: Array<[name: string, make: () => Harness]> = [
  [
    'memory',
    () => {
      const stores: OAuthStore[] = [];
      let time = Date.now();
      return {
        store: () => {
          const store = createMemoryStore({ now: () => time });
          stores.push(store);
          return store;
        },
        elapse(ms) {
          time += ms;
          return Promise.resolve();
        },
        close: async () => {
          await Promise.all(stores.map((s) => s.close()));
        },
      };
    },
  ],
  ['redis', () => redisHarness(() => redisServer.client())],
  ['redis cluster', () => redisHarness(() => cluster.client())],
];

describe.each(STORES)('%s store', (_name, make) => {
  let harness: Harness;
  let store: OAuthStore;
  const adapter = (model: string) => new store.Adapter(model);

  beforeAll(() => {
    harness = make();
  });
  beforeEach(() => {
    store = harness.store();
  });
  afterAll(() => harness.close());

  /** Stores a grant: artifacts bound to a grant are only stored while it is. */
  async function storedGrant(grantId = newId()): Promise<string> {
    await adapter('Grant').upsert(grantId, { jti: grantId, kind: 'Grant', exp: now() + 60 }, 60);
    return grantId;
  }
  let liveGrant: string;
  beforeEach(async () => {
    liveGrant = await storedGrant();
  });

  function payloadFor(model: string, boundToGrant: boolean, id: string, extra: AdapterPayload = {}) {
    return {
      jti: id,
      kind: model,
      iat: now(),
      exp: now() + 60,
      accountId: 'user_123',
      clientId: 'client_1',
      scope: 'tasks:read',
      nested: { list: [1, 'two', { three: true }] },
      ...(boundToGrant ? { grantId: liveGrant } : {}),
      ...extra,
    } as AdapterPayload;
  }

  describe('oidc-provider models', () => {
    test.each(MODELS)('%s: upsert then find returns the same payload', async (model, bound) => {
      const id = newId();
      const payload = payloadFor(model, bound, id);
      await adapter(model).upsert(id, payload, 60);
      expect(await adapter(model).find(id)).toEqual(payload);
      expect(await adapter(model).find(newId())).toBeUndefined();
    });

    test('an upsert replaces the previous payload', async () => {
      const id = newId();
      await adapter('Session').upsert(id, payloadFor('Session', false, id, { accountId: 'a' }), 60);
      await adapter('Session').upsert(id, payloadFor('Session', false, id, { accountId: 'b' }), 60);
      expect((await adapter('Session').find(id))?.accountId).toBe('b');
    });

    test('models are separate namespaces', async () => {
      const id = newId();
      await adapter('AccessToken').upsert(id, payloadFor('AccessToken', true, id), 60);
      expect(await adapter('RefreshToken').find(id)).toBeUndefined();
    });

    test('a returned payload is a copy: mutating it does not change the stored one', async () => {
      const id = newId();
      await adapter('Grant').upsert(id, payloadFor('Grant', false, id), 60);
      const found = (await adapter('Grant').find(id))!;
      found.accountId = 'someone_else';
      expect((await adapter('Grant').find(id))?.accountId).toBe('user_123');
    });

    test('every model expires after expiresIn seconds', async () => {
      const ids = MODELS.map(() => newId());
      await Promise.all(
        MODELS.map(([model, bound], i) =>
          adapter(model).upsert(ids[i]!, payloadFor(model, bound, ids[i]!), 1),
        ),
      );
      await harness.elapse(1100);
      const found = await Promise.all(MODELS.map(([model], i) => adapter(model).find(ids[i]!)));
      expect(found).toEqual(MODELS.map(() => undefined));
    });

    test('findByUid and findByUserCode find the payload they were stored with', async () => {
      const id = newId();
      const uid = newId();
      await adapter('Session').upsert(id, payloadFor('Session', false, id, { uid }), 60);
      expect((await adapter('Session').findByUid(uid))?.jti).toBe(id);
      expect(await adapter('Session').findByUid(newId())).toBeUndefined();
      const code = newId();
      await adapter('DeviceCode').upsert(
        code,
        payloadFor('DeviceCode', true, code, { userCode: 'ABCD-EFGH' }),
        60,
      );
      expect((await adapter('DeviceCode').findByUserCode('ABCD-EFGH'))?.jti).toBe(code);
      await adapter('Session').destroy(id);
      expect(await adapter('Session').findByUid(uid)).toBeUndefined();
    });

    test('destroy removes the payload', async () => {
      for (const [model, bound] of MODELS) {
        const id = newId();
        await adapter(model).upsert(id, payloadFor(model, bound, id), 60);
        await adapter(model).destroy(id);
        expect(await adapter(model).find(id)).toBeUndefined();
      }
    });
  });

  describe('consume', () => {
    test('marks the payload consumed; a second consume is a replay carrying the grant id', async () => {
      const id = newId();
      const payload = payloadFor('RefreshToken', true, id);
      await adapter('RefreshToken').upsert(id, payload, 60);
      await adapter('RefreshToken').consume(id);
      expect((await adapter('RefreshToken').find(id))?.consumed).toEqual(expect.any(Number));
      const replay = await adapter('RefreshToken')
        .consume(id)
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(replay).toBeInstanceOf(ConsumedArtifactReplay);
      expect((replay as ConsumedArtifactReplay).grantId).toBe(payload.grantId);
      expect((replay as ConsumedArtifactReplay).error).toBe('invalid_grant');
    });

    test('is atomic: of 25 concurrent consumes exactly one succeeds', async () => {
      const id = newId();
      await adapter('AuthorizationCode').upsert(id, payloadFor('AuthorizationCode', true, id), 60);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 25 }, () => adapter('AuthorizationCode').consume(id)),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(rejected).toHaveLength(24);
      for (const r of rejected) expect(r.reason).toBeInstanceOf(ConsumedArtifactReplay);
    });

    test('consuming an id that is not stored is refused as a replay', async () => {
      const refused = await adapter('AuthorizationCode')
        .consume(newId())
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(refused).toBeInstanceOf(ConsumedArtifactReplay);
      expect((refused as ConsumedArtifactReplay).error).toBe('invalid_grant');
    });

    test('a code loaded before its grant was revoked cannot be consumed after', async () => {
      const grantId = await storedGrant();
      const id = newId();
      await adapter('AuthorizationCode').upsert(
        id,
        payloadFor('AuthorizationCode', true, id, { grantId }),
        60,
      );
      expect(await adapter('AuthorizationCode').find(id)).toBeDefined();
      await Promise.all([
        adapter('AuthorizationCode').revokeByGrantId(grantId),
        adapter('Grant').destroy(grantId),
      ]);
      await expect(adapter('AuthorizationCode').consume(id)).rejects.toBeInstanceOf(ConsumedArtifactReplay);
    });
  });

  describe('grants', () => {
    test('revokeByGrantId removes every artifact of that grant stored under the model, and only those', async () => {
      const grantId = await storedGrant();
      const mine = [newId(), newId(), newId()];
      const other = newId();
      for (const id of mine) {
        await adapter('RefreshToken').upsert(id, payloadFor('RefreshToken', true, id, { grantId }), 60);
      }
      await adapter('RefreshToken').upsert(other, payloadFor('RefreshToken', true, other), 60);
      const code = newId();
      await adapter('AuthorizationCode').upsert(
        code,
        payloadFor('AuthorizationCode', true, code, { grantId }),
        60,
      );

      await adapter('RefreshToken').revokeByGrantId(grantId);
      for (const id of mine) expect(await adapter('RefreshToken').find(id)).toBeUndefined();
      expect(await adapter('RefreshToken').find(other)).toBeDefined();
      expect(await adapter('AuthorizationCode').find(code)).toBeDefined();
      await adapter('AuthorizationCode').revokeByGrantId(grantId);
      expect(await adapter('AuthorizationCode').find(code)).toBeUndefined();
    });

    test('revoking a grant the way the kit does leaves nothing of it', async () => {
      const grantId = await storedGrant();
      const artifacts = ['AuthorizationCode', 'AccessToken', 'RefreshToken'].map((model) => {
        const id = newId();
        return { model, id, payload: payloadFor(model, true, id, { grantId }) };
      });
      for (const a of artifacts) await adapter(a.model).upsert(a.id, a.payload, 60);
      await Promise.all([
        ...artifacts.map((a) => adapter(a.model).revokeByGrantId(grantId)),
        adapter('Grant').destroy(grantId),
      ]);
      expect(await adapter('Grant').find(grantId)).toBeUndefined();
      for (const a of artifacts) expect(await adapter(a.model).find(a.id)).toBeUndefined();
    });

    test('a destroyed token leaves the rest of its grant alone', async () => {
      const grantId = await storedGrant();
      const [a, b] = [newId(), newId()];
      await adapter('AccessToken').upsert(a, payloadFor('AccessToken', true, a, { grantId }), 60);
      await adapter('AccessToken').upsert(b, payloadFor('AccessToken', true, b, { grantId }), 60);
      await adapter('AccessToken').destroy(a);
      expect(await adapter('AccessToken').find(a)).toBeUndefined();
      expect(await adapter('AccessToken').find(b)).toBeDefined();
    });

    test('a token issued after its grant was revoked is not stored: nothing is left under the deleted grant', async () => {
      const grantId = await storedGrant();
      await adapter('Grant').destroy(grantId);
      for (const model of GRANT_BOUND_MODELS) {
        const id = newId();
        await adapter(model).upsert(id, payloadFor(model, true, id, { grantId }), 60);
        expect(await adapter(model).find(id)).toBeUndefined();
      }
      // Other models that happen to name a grant are stored as ever.
      const session = newId();
      await adapter('Session').upsert(session, payloadFor('Session', false, session, { grantId }), 60);
      expect(await adapter('Session').find(session)).toBeDefined();
    });
  });

  describe('records', () => {
    test('round trip, replace, delete', async () => {
      const { records } = store;
      expect(await records.get('apps', 'app_1')).toBeUndefined();
      await records.set('apps', 'app_1', { name: 'One', n: 1 });
      expect(await records.get('apps', 'app_1')).toEqual({ name: 'One', n: 1 });
      await records.set('apps', 'app_1', { name: 'Uno' });
      expect(await records.get('apps', 'app_1')).toEqual({ name: 'Uno' });
      await records.delete('apps', 'app_1');
      expect(await records.get('apps', 'app_1')).toBeUndefined();
    });

    test('index keys list live records and follow replacements and deletes', async () => {
      const { records } = store;
      await records.set('apps', 'a', { v: 1 }, { indexes: ['owner:u1', 'kind:web'] });
      await records.set('apps', 'b', { v: 2 }, { indexes: ['owner:u1'] });
      await records.set('apps', 'c', { v: 3 }, { indexes: ['owner:u2'] });
      expect((await records.findIds('apps', 'owner:u1')).sort()).toEqual(['a', 'b']);
      await records.set('apps', 'a', { v: 1 }, { indexes: ['owner:u2'] });
      expect(await records.findIds('apps', 'owner:u1')).toEqual(['b']);
      expect((await records.findIds('apps', 'owner:u2')).sort()).toEqual(['a', 'c']);
      expect(await records.findIds('apps', 'kind:web')).toEqual([]);
      await records.delete('apps', 'c');
      expect(await records.findIds('apps', 'owner:u2')).toEqual(['a']);
      expect(await records.findIds('other', 'owner:u2')).toEqual([]);
    });

    test('setIfAbsent creates a record once: of concurrent callers exactly one wins, until it expires', async () => {
      const { records } = store;
      const id = newId();
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => records.setIfAbsent('proofs', id, { i }, { ttlSeconds: 1 })),
      );
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const winner = outcomes.indexOf(true);
      expect(await records.get('proofs', id)).toEqual({ i: winner });
      await harness.elapse(1100);
      expect(await records.get('proofs', id)).toBeUndefined();
      expect(await records.setIfAbsent('proofs', id, { i: 99 }, { ttlSeconds: 1 })).toBe(true);
    });

    test('records with a TTL expire, and leave their indexes', async () => {
      const { records } = store;
      await records.set('limits', 'k', { count: 3 }, { ttlSeconds: 1, indexes: ['all'] });
      expect(await records.get('limits', 'k')).toEqual({ count: 3 });
      await harness.elapse(1100);
      expect(await records.get('limits', 'k')).toBeUndefined();
      expect(await records.findIds('limits', 'all')).toEqual([]);
    });
  });

  describe('counters', () => {
    test('increments are atomic and return the new value; absent counters read 0', async () => {
      const { counters } = store;
      const values = await Promise.all(
        Array.from({ length: 25 }, () => counters.increment('tests', 'hits', 60)),
      );
      expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(await counters.increment('tests', 'hits', 60, 5)).toBe(30);
      expect(await counters.read('tests', ['hits', 'never', 'hits'])).toEqual([30, 0, 30]);
      expect(await counters.read('other', ['hits'])).toEqual([0]);
    });

    test('a counter expires ttlSeconds after it was created; later increments do not extend it', async () => {
      const { counters } = store;
      await counters.increment('tests', 'short', 1);
      await harness.elapse(600);
      expect(await counters.increment('tests', 'short', 1)).toBe(2);
      await harness.elapse(600);
      expect(await counters.read('tests', ['short'])).toEqual([0]);
    });

    test('rankings sum scores, keep at most maxMembers (the lowest go first) and expire', async () => {
      const { counters } = store;
      const opts = { ttlSeconds: 1, maxMembers: 3 };
      expect(await counters.rank('tests', 'r1', 'a', { ...opts, by: 5 })).toBe(5);
      expect(await counters.rank('tests', 'r1', 'b', { ...opts, by: 3 })).toBe(3);
      await counters.rank('tests', 'r1', 'c', { ...opts, by: 2 });
      await counters.rank('tests', 'r1', 'd', { ...opts, by: 4 });
      await counters.rank('tests', 'r2', 'b', { ...opts, by: 4 });
      expect(await counters.rank('tests', 'r1', 'a', opts)).toBe(6);
      expect(await counters.top('tests', ['r1'], 10)).toEqual([
        { member: 'a', score: 6 },
        { member: 'd', score: 4 },
        { member: 'b', score: 3 },
      ]);
      expect(await counters.top('tests', ['r1', 'r2', 'none'], 2)).toEqual([
        { member: 'b', score: 7 },
        { member: 'a', score: 6 },
      ]);
      await harness.elapse(1100);
      expect(await counters.top('tests', ['r1', 'r2'], 10)).toEqual([]);
    });
  });

  describe('revocation feed', () => {
    test('a published message reaches every subscriber, with its kind, until it unsubscribes', async () => {
      const seen: FeedMessage[] = [];
      const statuses: boolean[] = [];
      const unsubscribe = store.revocations.subscribe(
        (message) => seen.push(message),
        (connected) => statuses.push(connected),
      );
      for (let i = 0; i < 100 && !statuses.includes(true); i += 1) await sleep(20);
      expect(statuses).toContain(true);
      const sent: FeedMessage[] = [
        { kind: 'grant', id: 'grant_1' },
        { kind: 'client', id: 'client_1' },
        { kind: 'token', id: 'jti_1' },
      ];
      for (const message of sent) await store.revocations.publish(message);
      for (let i = 0; i < 100 && seen.length < sent.length; i += 1) await sleep(10);
      // A store may deliver its own process's messages twice (at once, then the echo): each
      // kind and id arrives as sent, none is invented.
      expect(new Set(seen.map((m) => `${m.kind} ${m.id}`))).toEqual(
        new Set(sent.map((m) => `${m.kind} ${m.id}`)),
      );
      unsubscribe();
      const count = seen.length;
      await store.revocations.publish({ kind: 'grant', id: 'grant_2' });
      await sleep(100);
      expect(seen).toHaveLength(count);
    });
  });
});
