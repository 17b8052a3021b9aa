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
import { StoreUnavailableError, type OAuthStore } from '../contract.js';
import type { RedisConnection } from './connection.js';
import type { IoRedisConnection, RedisContext } from './context.js';
import { createRedisCounters } from './counters.js';
import { createRedisFeed } from './feed.js';
import { createRedisModels } from './models.js';
import { resolveRedisStoreOptions, type RedisStoreOptions } from './options.js';
import { createRedisRecords } from './records.js';
import { createRedisRefreshRetry } from './refresh-retry.js';
import { createSealing } from './sealing.js';
import { runScript } from './scripts.js';
import { stallGuard } from './stall-guard.js';

export type { RedisConnection };

export type { RedisStoreOptions };

export function createRedisStore(options: RedisStoreOptions): OAuthStore {
  const {
    client: connection,
    prefix,
    commandTimeoutMs: timeoutMs,
    hashSecret: secret,
    refreshRetryWindowSeconds: windowSeconds,
    now,
  } = resolveRedisStoreOptions(options);
  // The options name the connection structurally (connection.ts); it is ioredis' own.
  const client = connection as IoRedisConnection;

  const guard = stallGuard(client);
  let closed = false;
  // Before the first connection, commands may queue (bounded by the timeout); after it, a
  // connection that is not ready fails at once so a Redis outage costs no waiting at all.
  let everReady = client.status === 'ready';
  const onReady = () => {
    everReady = true;
  };
  client.on('ready', onReady);

  const context: RedisContext = {
    client,
    prefix,
    sealing: createSealing(secret),
    now,
    /**
     * A stalled Redis fails the calls that meet it after `commandTimeoutMs` and the rest at
     * once (stall-guard.ts).
     */
    async call<T>(operation: () => Promise<T>): Promise<T> {
      if (closed || (everReady && client.status !== 'ready')) throw new StoreUnavailableError();
      try {
        return await guard.run(operation, timeoutMs);
      } catch (error) {
        throw new StoreUnavailableError({ cause: error });
      }
    },
    run: (script, keys, args) => runScript(client, script, keys, args),
  };
  const revocations = createRedisFeed(context);

  return {
    name: 'redis',
    Adapter: createRedisModels(context, windowSeconds),
    records: createRedisRecords(context),
    revocations,
    counters: createRedisCounters(context),
    ...(windowSeconds ? { refreshRetry: createRedisRefreshRetry(context, windowSeconds) } : {}),
    async close() {
      closed = true;
      client.off('ready', onReady);
      await revocations.close();
    },
  };
}
