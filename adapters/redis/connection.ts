/**
 * The host's Redis connection as the kit's published types name it: an ioredis `Redis` (single
 * node or Sentinel) or `Cluster`. Described by members both have, not by ioredis' own types, so
 * that a host without ioredis (an optional peer dependency) still compiles the kit's
 * declarations. Inside, the store and the rate limiters use ioredis' types (context.ts).
 */
export interface RedisConnection {
  /** `true` on an ioredis `Cluster`. */
  readonly isCluster: boolean;
  /** ioredis' connection status (`'ready'`, `'connecting'`, `'end'`, ...). */
  readonly status: string;
}
