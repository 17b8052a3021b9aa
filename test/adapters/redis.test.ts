/** What the Redis store adds to the shared contract, on a real redis-server. */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { StoreUnavailableError, type FeedMessage, type OAuthStore } from '../../adapters/contract.js';
import { createRedisStore } from '../../adapters/redis/index.js';
import { RedisServer, startRedisSentinel } from '../helpers/redis-server.js';

const newId = () => randomBytes(32).toString('base64url');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let redis: RedisServer;
let client: Redis;
beforeAll(async () => {
  redis = await RedisServer.start();
  client = redis.client();
});
afterAll(async () => {
  client?.disconnect();
  await redis?.dispose();
});

function freshStore(options: { commandTimeoutMs?: number } = {}): { store: OAuthStore; prefix: string } {
  const prefix = `t${randomBytes(4).toString('hex')}:`;
  return { store: createRedisStore({ client, prefix, ...options }), prefix };
}

async function keysOf(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

test('every key of a token lives exactly as long as oidc-provider says', async () => {
  const { store, prefix } = freshStore();
  const id = newId();
  const thirtyDays = 30 * 24 * 60 * 60;
  const grantId = newId();
  await new store.Adapter('Grant').upsert(grantId, { jti: grantId }, thirtyDays);
  await new store.Adapter('RefreshToken').upsert(id, { jti: id, grantId, uid: newId() }, thirtyDays);
  const keys = await keysOf(prefix);
  expect(keys.length).toBeGreaterThanOrEqual(4); // grant, entry, its pointer, the grant index, the uid lookup
  for (const key of keys) {
    const ttl = await client.ttl(key);
    expect(ttl).toBeGreaterThan(thirtyDays - 5);
    expect(ttl).toBeLessThanOrEqual(thirtyDays);
  }
  await store.close();
});

test('a grant index lives as long as its longest-lived member', async () => {
  const { store, prefix } = freshStore();
  const grantId = newId();
  await new store.Adapter('Grant').upsert(grantId, { jti: grantId }, 600);
  const [short, long] = [newId(), newId()];
  await new store.Adapter('AccessToken').upsert(long, { jti: long, grantId }, 600);
  await new store.Adapter('AuthorizationCode').upsert(short, { jti: short, grantId }, 60);
  const [index] = (await keysOf(prefix)).filter((key) => key.startsWith(`${prefix}grant-index:`));
  expect(await client.ttl(index!)).toBeGreaterThan(590);
  await store.close();
});

test('a grant index holds only live entries: 1,000 refreshes of 1-second tokens leave one member once they expired', async () => {
  const { store, prefix } = freshStore();
  const grantId = newId();
  await new store.Adapter('Grant').upsert(grantId, { jti: grantId }, 600);
  const tokens = new store.Adapter('RefreshToken');
  // Refresh rotation as oidc-provider does it: consume the presented token, store the next.
  let presented = newId();
  await tokens.upsert(presented, { jti: presented, grantId }, 1);
  // 10 bursts of 100 refreshes, 250 ms apart: tokens of the first bursts expire meanwhile.
  for (let i = 0; i < 1000; i += 1) {
    if (i % 100 === 0 && i > 0) await sleep(250);
    const next = newId();
    await tokens.consume(presented);
    await tokens.upsert(next, { jti: next, grantId }, 1);
    presented = next;
  }
  const [index] = (await keysOf(prefix)).filter((key) => key.startsWith(`${prefix}grant-index:`));
  const members = await client.zrange(index!, '0', '-1');
  const live = (await Promise.all(members.map((key) => client.exists(key)))).filter(Boolean).length;
  // Only the last second's tokens are left (at most 5 bursts; some expired since the last one).
  expect(members.length).toBeLessThanOrEqual(501);
  expect(live).toBeGreaterThan(0);

  await sleep(1100);
  const last = newId();
  await tokens.upsert(last, { jti: last, grantId }, 60);
  expect(await client.zcard(index!)).toBe(1);
  await tokens.revokeByGrantId(grantId);
  expect(await tokens.find(last)).toBeUndefined();
  await store.close();
});

test('a Redis that is down fails every call fast with StoreUnavailableError; the store works again once it is back', async () => {
  const server = await RedisServer.start();
  const own = server.client();
  const store = createRedisStore({ client: own, commandTimeoutMs: 500 });
  const adapter = new store.Adapter('Session');
  try {
    const id = newId();
    await adapter.upsert(id, { jti: id }, 60);
    await server.kill();
    for (const attempt of [() => adapter.find(id), () => adapter.upsert(id, { jti: id }, 60)]) {
      const started = Date.now();
      await expect(attempt()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(600);
    }
    const error = await adapter.find(id).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, error: 'temporarily_unavailable', expose: true });
    await server.launch();
    let found: unknown;
    for (let i = 0; i < 80 && found === undefined; i += 1) {
      found = await adapter.upsert(id, { jti: id }, 60).then(
        () => adapter.find(id),
        () => undefined,
      );
      if (found === undefined) await sleep(25);
    }
    expect(found).toEqual({ jti: id });
  } finally {
    await store.close();
    own.disconnect();
    await server.dispose();
  }
});

/** Keeps this process busy (no timers, no I/O) for `ms`, as a long GC or a starved CPU would. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('an answer that came while this process was busy past the bound is taken; a frozen Redis still fails the call', async () => {
  const server = await RedisServer.start();
  const own = server.client();
  const store = createRedisStore({ client: own, commandTimeoutMs: 200 });
  try {
    await store.records.set('apps', 'one', { name: 'one' });
    // One round trip, sent at once and answered by Redis while this process is busy.
    const found = store.records.get('apps', 'one');
    busy(600);
    await expect(found).resolves.toEqual({ name: 'one' });
    await expect(store.records.get('apps', 'one')).resolves.toEqual({ name: 'one' });

    server.pause();
    const frozen = store.records.get('apps', 'one').catch((error: unknown) => error);
    busy(600);
    expect(await frozen).toBeInstanceOf(StoreUnavailableError);
  } finally {
    server.resume();
    await store.close();
    own.disconnect();
    await server.dispose();
  }
});

test('closing the store leaves the host connection open and refuses further calls', async () => {
  const { store } = freshStore();
  store.revocations.subscribe(() => {});
  await store.close();
  expect(await client.ping()).toBe('PONG');
  await expect(new store.Adapter('Grant').find(newId())).rejects.toBeInstanceOf(StoreUnavailableError);
});

test('a value copied under another id cannot be read', async () => {
  const { store, prefix } = freshStore();
  const [a, b] = [newId(), newId()];
  const adapter = new store.Adapter('Session');
  await adapter.upsert(a, { jti: a, accountId: 'alice' }, 60);
  await adapter.upsert(b, { jti: b, accountId: 'bob' }, 60);
  const [keyA, keyB] = await keysOf(prefix);
  const copied = await client.hget(keyA!, 'p');
  await client.hset(keyB!, 'p', copied!);
  const found = await Promise.all([adapter.find(a), adapter.find(b)]);
  // Exactly one of the two entries now holds a foreign value, and it reads as absent.
  expect(found.filter((payload) => payload === undefined)).toHaveLength(1);
  await store.close();
});

test('bad options are refused at creation', () => {
  expect(() => createRedisStore({ client, prefix: 'a{b}:' })).toThrow(/prefix/);
  expect(() => createRedisStore({ client, refreshRetryWindowSeconds: -1 })).toThrow(
    /refreshRetryWindowSeconds/,
  );
});

test('works through Sentinel, configured with ioredis options only', async () => {
  const sentinel = await startRedisSentinel(redis);
  const viaSentinel = sentinel.client();
  const store = createRedisStore({ client: viaSentinel, prefix: `t${randomBytes(4).toString('hex')}:` });
  try {
    const id = newId();
    const adapter = new store.Adapter('RefreshToken');
    await new store.Adapter('Grant').upsert('g1', { jti: 'g1' }, 60);
    await adapter.upsert(id, { jti: id, grantId: 'g1' }, 60);
    expect(await adapter.find(id)).toEqual({ jti: id, grantId: 'g1' });
    await adapter.consume(id);
    await expect(adapter.consume(id)).rejects.toMatchObject({ error: 'invalid_grant', grantId: 'g1' });
  } finally {
    await store.close();
    viaSentinel.disconnect();
    await sentinel.dispose();
  }
});

test('feed messages cross processes with their kind; bare grant ids of earlier versions still count, junk is dropped', async () => {
  const { store: publisher, prefix } = freshStore();
  const listener = createRedisStore({ client, prefix });
  const seen: FeedMessage[] = [];
  let up = false;
  listener.revocations.subscribe(
    (message) => seen.push(message),
    (connected) => (up = connected),
  );
  try {
    for (let i = 0; i < 100 && !up; i += 1) await sleep(20);
    expect(up).toBe(true);
    await publisher.revocations.publish({ kind: 'token', id: 'jti_1' });
    await publisher.revocations.publish({ kind: 'client', id: 'app_1' });
    await client.publish(`${prefix}revocations`, 'grant_1'); // an earlier version's message
    await client.publish(`${prefix}revocations`, 'nonsense:x');
    await client.publish(`${prefix}revocations`, '');
    await publisher.revocations.publish({ kind: 'grant', id: 'grant_2' });
    for (let i = 0; i < 100 && seen.length < 4; i += 1) await sleep(10);
    await sleep(50);
    expect(seen).toEqual([
      { kind: 'token', id: 'jti_1' },
      { kind: 'client', id: 'app_1' },
      { kind: 'grant', id: 'grant_1' },
      { kind: 'grant', id: 'grant_2' },
    ]);
  } finally {
    await Promise.all([publisher.close(), listener.close()]);
  }
});
