/** Store selection for the bench servers: the memory store by default, the Redis store when `REDIS_URL` is set. */
import { Redis } from 'ioredis';
import { createRedisStore } from '../../adapters/redis/index.js';
import type { OAuthStore } from '../../lib/index.js';

/** The store named by the environment: `REDIS_URL` → Redis store, otherwise undefined (memory). */
export function storeFromEnv(): OAuthStore | undefined {
  const url = process.env.REDIS_URL;
  if (!url) return undefined;
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  return createRedisStore({ client, prefix: process.env.REDIS_PREFIX ?? 'bench:' });
}
