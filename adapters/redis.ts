/**
 * The production store: all OAuth state in Redis (single node, Sentinel or Cluster), so any
 * number of app processes behave as one server. The host creates the ioredis connection and
 * passes it in; the store only duplicates it for its pub/sub subscriber.
 *
 * Layout (P = prefix, h(x) = HMAC-SHA256 of x, base64url):
 * - A model entry lives at `P<Model>:{h(id)}` as a hash: `p` = the payload, AES-256-GCM
 *   encrypted under a key derived from the id, `c` = when it was consumed (ms).
 * - Entries that belong to a grant (codes, tokens) live in their grant's slot instead,
 *   `P<Model>:{g.h(grantId)}:h(id)`, listed in the grant index `Pgrant-index:{g.h(grantId)}` (a
 *   sorted set scored by expiry: expired members are dropped whenever one is added, so it holds
 *   only live entries), and `P<Model>:{h(id)}` only holds a pointer `g` to that slot. So every
 *   multi-key step (revoke a grant, consume, save) runs as one Lua script inside one Cluster slot.
 *   Needs Redis 5 or later (scripts read Redis' clock with TIME).
 * - Neither keys nor values contain a token, code, session or interaction id: a copy of the
 *   data cannot be replayed, and decrypting a value needs the id it was stored under.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import {
  ConsumedArtifactReplay,
  decodeFeedMessage,
  encodeFeedMessage,
  GRANT_BOUND_MODELS,
  RefreshRetryWithinWindow,
  StoreUnavailableError,
  type Adapter,
  type AdapterPayload,
  type FeedMessage,
  type OAuthStore,
  type RecordStore,
  type RefreshRetryCache,
  type RevocationFeed,
} from './contract.js';
import { stallGuard } from './redis-stall-guard.js';
import { createRedisCounters } from './redis-counters.js';

export type RedisConnection = Redis | Cluster;

export interface RedisStoreOptions {
  /** An ioredis `Redis` (single node or Sentinel) or `Cluster` connection, owned by the host. */
  client: RedisConnection;
  /** Prefix of every key and of the pub/sub channel, e.g. `prod:oauth:`. Default `oauth-kit:`. */
  prefix?: string;
  /**
   * Upper bound for every store call (ms): past it the request gets a 503 with Retry-After, and
   * until Redis answers again every call fails at once instead of queueing. Default 1000.
   */
  commandTimeoutMs?: number;
  /**
   * Secret mixed into every key and encryption key (HMAC). Optional: ids have 256 random bits,
   * so an unkeyed hash is already safe; a secret kept outside Redis adds defence in depth.
   * Changing it makes all stored state unreachable.
   */
  hashSecret?: string | Buffer;
  /**
   * Seconds during which a client that retries a refresh with the same (just rotated) refresh
   * token gets the very same new token pair back instead of a revoked grant. Default 0 (off):
   * the documents rotate on every use and treat any reuse as theft.
   */
  refreshRetryWindowSeconds?: number;
}

const DEFAULT_PREFIX = 'oauth-kit:';
const GRANT_BOUND: ReadonlySet<string> = new Set(GRANT_BOUND_MODELS);
const POINTER_CACHE_SIZE = 10_000;
/** Collection names appear inside hash tags: keep them to characters that cannot end a tag. */
const COLLECTION_NAME = /^[\w.:-]+$/;

// ── Lua scripts (each touches keys of one slot only) ──────────────────────────

/** KEYS: entry. ARGV: field/value pairs count, pairs..., ttl seconds (0 = none). */
const PUT = `
redis.call('DEL', KEYS[1])
local n = tonumber(ARGV[1])
for i = 2, 1 + n * 2, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local ttl = tonumber(ARGV[2 + n * 2])
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
return 1`;

/**
 * Lua: Redis' own clock (ms), the one its key expiry runs on. Grant indexes are sorted sets of
 * member keys scored by when each expires, so expired members can be dropped by score.
 */
const NOW = `local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * KEYS: entry, grant index, grant entry. ARGV: payload, ttl, '1' when the grant must exist.
 * Returns 0, storing nothing, when it must and does not (revoked: the entry is dead on arrival).
 * Drops the index's expired members, so it holds only live ones; the index lives as long as its
 * longest member.
 */
const PUT_IN_GRANT = `${NOW}
redis.call('DEL', KEYS[1])
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('HSET', KEYS[1], 'p', ARGV[1])
local ttl = tonumber(ARGV[2])
local current = redis.call('TTL', KEYS[2])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('ZADD', KEYS[2], now + ttl * 1000, KEYS[1])
  if current == -2 or (current >= 0 and current < ttl) then redis.call('EXPIRE', KEYS[2], ttl) end
else
  redis.call('ZADD', KEYS[2], '+inf', KEYS[1])
  redis.call('PERSIST', KEYS[2])
end
return 1`;

/**
 * KEYS: entry. ARGV: now (ms), retry window (ms).
 * Returns {0} missing, {1} consumed now, {2, p} retry within the window, {3, p} replay.
 */
const CONSUME = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local consumed = redis.call('HGET', KEYS[1], 'c')
if not consumed then
  redis.call('HSET', KEYS[1], 'c', ARGV[1])
  return {1}
end
local p = redis.call('HGET', KEYS[1], 'p')
local window = tonumber(ARGV[2])
if window > 0 and tonumber(ARGV[1]) - tonumber(consumed) <= window then return {2, p} end
return {3, p}`;

/** KEYS: entry, grant index. */
const DESTROY_IN_GRANT = `
redis.call('ZREM', KEYS[2], KEYS[1])
return redis.call('DEL', KEYS[1])`;

/**
 * KEYS: grant index. ARGV: key prefix of the model to revoke ('' = every model). Looks at the
 * live members only: revoking costs what the grant has live.
 */
const REVOKE_IN_GRANT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms())
local n = 0
for _, key in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if ARGV[1] == '' or string.sub(key, 1, #ARGV[1]) == ARGV[1] then
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[1], key)
    n = n + 1
  end
end
return n`;

/** KEYS: grant entry, grant index. Destroying a grant takes every live code and token with it. */
const DESTROY_GRANT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now_ms())
for _, key in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do redis.call('DEL', key) end
redis.call('DEL', KEYS[2])
return redis.call('DEL', KEYS[1])`;

/**
 * KEYS: record, its list of index names. ARGV: value ('' = delete), ttl, index key prefix,
 * id, index names...
 */
const RECORD_SET = `
for _, index in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  redis.call('SREM', ARGV[3] .. index, ARGV[4])
end
redis.call('DEL', KEYS[1], KEYS[2])
if ARGV[1] == '' then return 0 end
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl) else redis.call('SET', KEYS[1], ARGV[1]) end
for i = 5, #ARGV do
  local index = ARGV[3] .. ARGV[i]
  local current = redis.call('TTL', index)
  redis.call('SADD', index, ARGV[4])
  redis.call('SADD', KEYS[2], ARGV[i])
  -- An index lives as long as its longest-lived record: permanent if any record is.
  if ttl == 0 then redis.call('PERSIST', index)
  elseif current == -2 or (current >= 0 and current < ttl) then redis.call('EXPIRE', index, ttl) end
end
if ttl > 0 and #ARGV >= 5 then redis.call('EXPIRE', KEYS[2], ttl) end
return 1`;

/** KEYS: index. ARGV: record key prefix. Drops ids whose record expired. */
const RECORD_FIND_IDS = `
local live = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. id) == 1 then table.insert(live, id) else redis.call('SREM', KEYS[1], id) end
end
return live`;

// ─────────────────────────────────────────────────────────────────────────────

interface Script {
  lua: string;
  sha: string;
}

function script(lua: string): Script {
  // EVALSHA names scripts by their SHA-1: Redis' script id, not a security measure.
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

const SCRIPTS = {
  put: script(PUT),
  putInGrant: script(PUT_IN_GRANT),
  consume: script(CONSUME),
  destroyInGrant: script(DESTROY_IN_GRANT),
  revokeInGrant: script(REVOKE_IN_GRANT),
  destroyGrant: script(DESTROY_GRANT),
  recordSet: script(RECORD_SET),
  recordFindIds: script(RECORD_FIND_IDS),
};

export function createRedisStore(options: RedisStoreOptions): OAuthStore {
  const { client } = options;
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const timeoutMs = options.commandTimeoutMs ?? 1000;
  const secret = options.hashSecret ?? 'oauth-kit';
  const windowSeconds = options.refreshRetryWindowSeconds ?? 0;
  if (prefix.includes('{') || prefix.includes('}')) {
    throw new TypeError(
      'createRedisStore: `prefix` must not contain "{" or "}" (hash tags are the store\'s).',
    );
  }
  if (!Number.isInteger(windowSeconds) || windowSeconds < 0) {
    throw new TypeError('createRedisStore: `refreshRetryWindowSeconds` must be a non-negative integer.');
  }

  const guard = stallGuard(client);
  let closed = false;
  // Before the first connection, commands may queue (bounded by the timeout); after it, a
  // connection that is not ready fails at once so a Redis outage costs no waiting at all.
  let everReady = client.status === 'ready';
  const onReady = () => {
    everReady = true;
  };
  client.on('ready', onReady);

  // ── helpers ────────────────────────────────────────────────────────────────

  const digest = (label: string, ...parts: string[]): Buffer =>
    createHmac('sha256', secret)
      .update(`${label}\0${parts.join('\0')}`)
      .digest();
  const hashed = (label: string, ...parts: string[]) => digest(label, ...parts).toString('base64url');

  function encrypt(keyParts: string[], plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', digest('enc', ...keyParts), iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** Undefined when the value was not written under this key (tampered, wrong secret). */
  function decrypt(keyParts: string[], stored: string): string | undefined {
    try {
      const raw = Buffer.from(stored, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', digest('enc', ...keyParts), raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  /**
   * Runs one store call within the time bound (a stalled Redis fails the calls that meet it
   * after `commandTimeoutMs` and the rest at once, see redis-stall-guard.ts) and maps every
   * Redis failure to a 503.
   */
  async function call<T>(operation: () => Promise<T>): Promise<T> {
    if (closed || (everReady && client.status !== 'ready')) throw new StoreUnavailableError();
    try {
      return await guard.run(operation, timeoutMs);
    } catch (error) {
      throw new StoreUnavailableError({ cause: error });
    }
  }

  async function run(s: Script, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await client.evalsha(s.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(s.lua, keys.length, ...keys, ...args);
    }
  }

  const grantTag = (grantId: string) => `g.${hashed('grant', grantId)}`;
  const grantIndexKey = (tag: string) => `${prefix}grant-index:{${tag}}`;
  const grantKey = (tag: string) => `${prefix}Grant:{${tag}}`;
  /** Files an entry in its grant's slot; `requireGrant`: only while the grant is stored. */
  const putInGrant = (key: string, tag: string, sealed: string, ttl: number, requireGrant: boolean) =>
    run(
      SCRIPTS.putInGrant,
      [key, grantIndexKey(tag), grantKey(tag)],
      [sealed, ttl, requireGrant ? '1' : '0'],
    );

  /** Id hash → grant tag of entries stored in a grant's slot. Immutable, so safe to cache. */
  const pointers = new Map<string, string>();
  function remember(idHash: string, tag: string): void {
    if (pointers.size >= POINTER_CACHE_SIZE) pointers.delete(pointers.keys().next().value!);
    pointers.set(idHash, tag);
  }

  // ── oidc-provider models ───────────────────────────────────────────────────

  class RedisAdapter implements Adapter {
    constructor(private readonly model: string) {}

    private idHash(id: string) {
      return hashed('id', this.model, id);
    }
    private ownKey(idHash: string) {
      return `${prefix}${this.model}:{${idHash}}`;
    }
    private keyInGrant(tag: string, idHash: string) {
      return `${prefix}${this.model}:{${tag}}:${idHash}`;
    }
    private lookupKey(kind: 'uid' | 'userCode', value: string) {
      return `${prefix}${this.model}:${kind}:{${hashed(kind, this.model, value)}}`;
    }

    /** Where the entry of `id` lives: the grant entry itself, its grant's slot or its own. */
    private async locate(id: string): Promise<{ key: string; tag?: string } | undefined> {
      if (this.model === 'Grant') return { key: grantKey(grantTag(id)), tag: grantTag(id) };
      const idHash = this.idHash(id);
      const cached = pointers.get(idHash);
      if (cached) return { key: this.keyInGrant(cached, idHash), tag: cached };
      const own = await client.hgetall(this.ownKey(idHash));
      if (own.g) {
        remember(idHash, own.g);
        return { key: this.keyInGrant(own.g, idHash), tag: own.g };
      }
      return own.p ? { key: this.ownKey(idHash) } : undefined;
    }

    private open(id: string, entry: Record<string, string>): AdapterPayload | undefined {
      if (!entry.p) return undefined;
      const json = decrypt([this.model, id], entry.p);
      if (json === undefined) return undefined;
      const payload = JSON.parse(json) as AdapterPayload;
      if (entry.c) {
        const consumedMs = Number(entry.c);
        // Within the retry window the handler must go on to consume(), which then decides.
        const retrying =
          this.model === 'RefreshToken' &&
          windowSeconds > 0 &&
          Date.now() - consumedMs <= windowSeconds * 1000;
        if (!retrying) payload.consumed = Math.floor(consumedMs / 1000) || 1;
      }
      return payload;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const ttl = expiresIn && expiresIn > 0 ? Math.ceil(expiresIn) : 0;
      const sealed = encrypt([this.model, id], JSON.stringify(payload));
      const idHash = this.idHash(id);
      const writes: Array<() => Promise<unknown>> = [];
      const lookups = [
        ['uid', payload.uid],
        ['userCode', payload.userCode],
      ] as const;
      for (const [kind, value] of lookups) {
        if (typeof value !== 'string') continue;
        const key = this.lookupKey(kind, value);
        const pointer = encrypt([kind, this.model, value], id);
        writes.push(() => (ttl ? client.set(key, pointer, 'EX', ttl) : client.set(key, pointer)));
      }
      if (this.model === 'Grant') {
        const tag = grantTag(id);
        writes.push(() => run(SCRIPTS.put, [grantKey(tag)], [1, 'p', sealed, ttl]));
      } else if (typeof payload.grantId === 'string') {
        const tag = grantTag(payload.grantId);
        remember(idHash, tag);
        writes.push(
          () => putInGrant(this.keyInGrant(tag, idHash), tag, sealed, ttl, GRANT_BOUND.has(this.model)),
          () => run(SCRIPTS.put, [this.ownKey(idHash)], [1, 'g', tag, ttl]),
        );
      } else {
        pointers.delete(idHash);
        writes.push(() => run(SCRIPTS.put, [this.ownKey(idHash)], [1, 'p', sealed, ttl]));
      }
      await call(() => Promise.all(writes.map((write) => write())));
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (typeof id !== 'string' || id === '') return undefined;
      return call(async () => {
        const where = await this.locate(id);
        return where ? this.open(id, await client.hgetall(where.key)) : undefined;
      });
    }

    private async findBy(kind: 'uid' | 'userCode', value: string): Promise<AdapterPayload | undefined> {
      if (typeof value !== 'string' || value === '') return undefined;
      const stored = await call(() => client.get(this.lookupKey(kind, value)));
      const id = stored ? decrypt([kind, this.model, value], stored) : undefined;
      if (!id) return undefined;
      const payload = await this.find(id);
      return payload?.[kind] === value ? payload : undefined;
    }

    findByUid(uid: string) {
      return this.findBy('uid', uid);
    }

    findByUserCode(userCode: string) {
      return this.findBy('userCode', userCode);
    }

    async consume(id: string): Promise<void> {
      const window = this.model === 'RefreshToken' ? windowSeconds * 1000 : 0;
      const [outcome, sealed] = await call(async (): Promise<[number, string?]> => {
        const where = await this.locate(id);
        if (!where) return [0];
        return (await run(SCRIPTS.consume, [where.key], [Date.now(), window])) as [number, string?];
      });
      if (outcome === 1) return;
      // Gone since the caller loaded it (its grant was revoked): as good as consumed.
      if (outcome === 0) throw new ConsumedArtifactReplay(undefined);
      const json = sealed ? decrypt([this.model, id], sealed) : undefined;
      const grantId = json ? (JSON.parse(json) as AdapterPayload).grantId : undefined;
      if (outcome === 2) throw new RefreshRetryWithinWindow(grantId);
      throw new ConsumedArtifactReplay(grantId);
    }

    async destroy(id: string): Promise<void> {
      await call(async () => {
        if (this.model === 'Grant') {
          const tag = grantTag(id);
          await run(SCRIPTS.destroyGrant, [grantKey(tag), grantIndexKey(tag)], []);
          return;
        }
        const idHash = this.idHash(id);
        const where = await this.locate(id);
        pointers.delete(idHash);
        if (where?.tag) await run(SCRIPTS.destroyInGrant, [where.key, grantIndexKey(where.tag)], []);
        await client.del(this.ownKey(idHash));
      });
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const tag = grantTag(grantId);
      await call(() => run(SCRIPTS.revokeInGrant, [grantIndexKey(tag)], [`${prefix}${this.model}:`]));
    }
  }

  // ── the kit's records ──────────────────────────────────────────────────────

  function recordKeys(collection: string) {
    if (!COLLECTION_NAME.test(collection)) {
      throw new TypeError(`record collection names use letters, digits, _ . : - only: "${collection}"`);
    }
    const base = `${prefix}rec:{${collection}}:`;
    return {
      record: (id: string) => `${base}r:${id}`,
      recordPrefix: `${base}r:`,
      indexesOf: (id: string) => `${base}of:${id}`,
      indexPrefix: `${base}ix:`,
    };
  }

  const records: RecordStore = {
    async get<T>(collection: string, id: string) {
      const keys = recordKeys(collection);
      const value = await call(() => client.get(keys.record(id)));
      return value === null ? undefined : (JSON.parse(value) as T);
    },
    async set(collection, id, value, opts = {}) {
      const keys = recordKeys(collection);
      const ttl = opts.ttlSeconds && opts.ttlSeconds > 0 ? Math.ceil(opts.ttlSeconds) : 0;
      await call(() =>
        run(
          SCRIPTS.recordSet,
          [keys.record(id), keys.indexesOf(id)],
          [JSON.stringify(value), ttl, keys.indexPrefix, id, ...new Set(opts.indexes ?? [])],
        ),
      );
    },
    async delete(collection, id) {
      const keys = recordKeys(collection);
      await call(() =>
        run(SCRIPTS.recordSet, [keys.record(id), keys.indexesOf(id)], ['', 0, keys.indexPrefix, id]),
      );
    },
    async setIfAbsent(collection, id, value, opts) {
      const keys = recordKeys(collection);
      const ttl = Math.max(1, Math.ceil(opts.ttlSeconds));
      const created = await call(() => client.set(keys.record(id), JSON.stringify(value), 'EX', ttl, 'NX'));
      return created === 'OK';
    },
    async findIds(collection, index) {
      const keys = recordKeys(collection);
      return (await call(() =>
        run(SCRIPTS.recordFindIds, [`${keys.indexPrefix}${index}`], [keys.recordPrefix]),
      )) as string[];
    },
  };

  // ── revocation fan-out (PUBLISH / SUBSCRIBE) ───────────────────────────────

  const channel = `${prefix}revocations`;
  const listeners = new Set<(message: FeedMessage) => void>();
  const statusListeners = new Set<(connected: boolean) => void>();
  let subscriber: RedisConnection | undefined;
  let subscribed = false;
  const announce = (connected: boolean) => {
    if (subscribed === connected) return;
    subscribed = connected;
    for (const listener of statusListeners) listener(connected);
  };

  function startSubscriber(): RedisConnection {
    // Type-only use of ioredis: the kit loads without it when the host uses another store.
    const sub: RedisConnection = client.isCluster
      ? (client as Cluster).duplicate()
      : (client as Redis).duplicate();
    sub.on('message', (from: string, wire: string) => {
      if (from !== channel) return;
      const message = decodeFeedMessage(wire);
      if (!message) return;
      for (const listener of listeners) listener(message);
    });
    // "Up" only once Redis confirmed the subscription, after every (re)connect.
    sub.on('ready', () => {
      sub.subscribe(channel).then(
        () => announce(true),
        () => {},
      );
    });
    sub.on('close', () => announce(false));
    sub.on('end', () => announce(false));
    // Errors surface as 'close' and reconnects; without a listener they would be unhandled.
    sub.on('error', () => {});
    return sub;
  }

  const revocations: RevocationFeed = {
    async publish(message) {
      // This process learns at once (its next request must already see the revocation);
      // the others through Redis. Listeners take the echo that follows as a no-op.
      for (const listener of listeners) listener(message);
      await call(() => client.publish(channel, encodeFeedMessage(message)));
    },
    subscribe(listener, onStatus) {
      if (closed) throw new Error('the Redis store is closed');
      listeners.add(listener);
      if (onStatus) statusListeners.add(onStatus);
      subscriber ??= startSubscriber();
      if (onStatus && subscribed) onStatus(true);
      return () => {
        listeners.delete(listener);
        if (onStatus) statusListeners.delete(onStatus);
      };
    },
  };

  // ── refresh retry window ───────────────────────────────────────────────────

  const retryKey = (refreshToken: string, grantId: string) => {
    const tag = grantTag(grantId);
    return { key: `${prefix}RefreshRetry:{${tag}}:${hashed('retry', refreshToken)}`, tag };
  };
  const refreshRetry: RefreshRetryCache | undefined = windowSeconds
    ? {
        windowSeconds,
        async save(refreshToken, grantId, response, ttlSeconds) {
          const { key, tag } = retryKey(refreshToken, grantId);
          const sealed = encrypt(['retry', refreshToken], JSON.stringify(response));
          const ttl = Math.max(1, Math.ceil(ttlSeconds));
          // Filed in the grant index: revoking the grant deletes the saved pair too.
          await call(() => putInGrant(key, tag, sealed, ttl, true));
        },
        async load(refreshToken, grantId) {
          const { key } = retryKey(refreshToken, grantId);
          const sealed = await call(() => client.hget(key, 'p'));
          const json = sealed ? decrypt(['retry', refreshToken], sealed) : undefined;
          return json ? (JSON.parse(json) as Record<string, unknown>) : undefined;
        },
      }
    : undefined;

  return {
    name: 'redis',
    Adapter: RedisAdapter,
    records,
    revocations,
    counters: createRedisCounters({ client, prefix, call }),
    ...(refreshRetry ? { refreshRetry } : {}),
    async close() {
      closed = true;
      client.off('ready', onReady);
      listeners.clear();
      statusListeners.clear();
      const sub = subscriber;
      subscriber = undefined;
      if (sub) await sub.quit().catch(() => sub.disconnect());
    },
  };
}
