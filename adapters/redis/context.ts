/** What every part of the Redis store shares. */
import type { Cluster, Redis } from 'ioredis';
import type { Clock } from '../../lib/cache/bounded-cache.js';
import type { Sealing } from './sealing.js';
import type { Script } from './scripts.js';

/** The host's connection with ioredis' types (the public, structural type is connection.ts). */
export type IoRedisConnection = Redis | Cluster;

export interface RedisContext {
  /** The host's connection. */
  readonly client: IoRedisConnection;
  /** Prefix of every key and of the pub/sub channel. */
  readonly prefix: string;
  readonly sealing: Sealing;
  /** The clock the refresh retry window runs on (Redis expires keys on its own). */
  readonly now: Clock;
  /**
   * Runs one store call within the time bound (see stall-guard.ts) and maps every Redis
   * failure to a StoreUnavailableError (a 503).
   */
  call: <T>(operation: () => Promise<T>) => Promise<T>;
  /** Runs one of the store's Lua scripts (scripts.ts). */
  run: (script: Script, keys: string[], args: Array<string | number>) => Promise<unknown>;
}
