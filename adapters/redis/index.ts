/**
 * The Redis store, one concern per file:
 * store.ts (options, assembly, the bounded call) · models.ts (oidc-provider's models) ·
 * records.ts · feed.ts (revocation pub/sub) · refresh-retry.ts · counters.ts ·
 * grant-slot.ts (keys of a grant's Cluster slot) · scripts.ts (Lua) · sealing.ts (HMAC key
 * names, AES-GCM values) · stall-guard.ts (time bound per connection) · context.ts.
 */
export { createRedisStore, type RedisConnection, type RedisStoreOptions } from './store.js';
