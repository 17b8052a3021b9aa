/**
 * Store selection for the bench servers: the memory store by default, the Redis store when
 * `REDIS_URL` is set. The Redis adapter (`adapters/redis.ts`, `createRedisStore`) is being built
 * on another branch: it is loaded by a computed path so this file type-checks and runs before
 * it exists, and the Redis scenarios light up by themselves once it is merged.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Redis } from 'ioredis';
import type { OAuthStore } from '../../lib/index.js';

const REDIS_ADAPTER = fileURLToPath(new URL('../../adapters/redis.ts', import.meta.url));

interface RedisAdapterModule {
  createRedisStore?: (options: { client: Redis; prefix?: string }) => OAuthStore | Promise<OAuthStore>;
}

/** The Redis adapter's factory, or undefined while `adapters/redis.ts` is not there. */
export async function loadCreateRedisStore(): Promise<RedisAdapterModule['createRedisStore']> {
  if (!existsSync(REDIS_ADAPTER)) return undefined;
  // A computed specifier keeps tsc from resolving a module that may not exist yet.
  const specifier = pathToFileURL(REDIS_ADAPTER).href;
  const mod = (await import(specifier)) as RedisAdapterModule;
  return typeof mod.createRedisStore === 'function' ? mod.createRedisStore : undefined;
}

/** The store named by the environment: `REDIS_URL` → Redis store, otherwise undefined (memory). */
export async function storeFromEnv(): Promise<OAuthStore | undefined> {
  const url = process.env.REDIS_URL;
  if (!url) return undefined;
  const createRedisStore = await loadCreateRedisStore();
  if (!createRedisStore) throw new Error('REDIS_URL is set but adapters/redis.ts has no createRedisStore');
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  return createRedisStore({ client, prefix: process.env.REDIS_PREFIX ?? 'bench:' });
}
