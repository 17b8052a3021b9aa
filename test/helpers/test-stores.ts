/** The stores the flow suites run against, each on its own freshly started backend. */
import type { Cluster, Redis } from 'ioredis';
import type { OAuthStore } from '../../adapters/contract.js';
import { createMemoryStore } from '../../adapters/memory.js';
import { createRedisStore, type RedisStoreOptions } from '../../adapters/redis/index.js';
import { RedisServer, startRedisCluster } from './redis-server.js';

export const STORE_KINDS = ['memory', 'redis', 'redis-cluster'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface TestStore {
  store: OAuthStore;
  /** The Redis connection behind the store, when there is one. */
  client: Redis | Cluster | undefined;
  /** Closes the store, its connection and the servers started for it. */
  close(): Promise<void>;
}

export async function openTestStore(
  kind: StoreKind,
  options: Omit<RedisStoreOptions, 'client'> = {},
): Promise<TestStore> {
  if (kind === 'memory') {
    const store = createMemoryStore();
    return { store, client: undefined, close: () => store.close() };
  }
  const backend = kind === 'redis' ? await RedisServer.start() : await startRedisCluster();
  const client = backend.client();
  const store = createRedisStore({ client, ...options });
  return {
    store,
    client,
    async close() {
      await store.close();
      await client.quit().catch(() => client.disconnect());
      await backend.dispose();
    },
  };
}
