/**
 * oidc-provider's models (sessions, interactions, codes, tokens, grants) in Redis.
 *
 * A model entry lives at `P<Model>:{h(id)}` as a hash: `p` = the sealed payload, `c` = when it
 * was consumed (ms). Entries that belong to a grant live in their grant's slot instead
 * (grant-slot.ts), and `P<Model>:{h(id)}` only holds a pointer `g` to that slot.
 */
import {
  ConsumedArtifactReplay,
  GRANT_BOUND_MODELS,
  RefreshRetryWithinWindow,
  type Adapter,
  type AdapterConstructor,
  type AdapterPayload,
} from '../contract.js';
import { boundedCache } from '../../lib/cache/bounded-cache.js';
import type { RedisContext } from './context.js';
import { grantIndexKey, grantKey, grantTag, putInGrant } from './grant-slot.js';
import { SCRIPTS } from './scripts.js';

const GRANT_BOUND: ReadonlySet<string> = new Set(GRANT_BOUND_MODELS);
const POINTER_CACHE_SIZE = 10_000;

/** `windowSeconds`: the refresh retry window (0 = off), see RedisStoreOptions. */
export function createRedisModels(context: RedisContext, windowSeconds: number): AdapterConstructor {
  const { client, prefix, sealing, now, call, run } = context;

  /** Id hash → grant tag of entries stored in a grant's slot. Immutable, so safe to cache. */
  const pointers = boundedCache<string>({ maxEntries: POINTER_CACHE_SIZE });

  return class RedisAdapter implements Adapter {
    constructor(private readonly model: string) {}

    private idHash(id: string) {
      return sealing.hash('id', this.model, id);
    }
    private ownKey(idHash: string) {
      return `${prefix}${this.model}:{${idHash}}`;
    }
    private keyInGrant(tag: string, idHash: string) {
      return `${prefix}${this.model}:{${tag}}:${idHash}`;
    }
    private lookupKey(kind: 'uid' | 'userCode', value: string) {
      return `${prefix}${this.model}:${kind}:{${sealing.hash(kind, this.model, value)}}`;
    }

    /** Where the entry of `id` lives: the grant entry itself, its grant's slot or its own. */
    private async locate(id: string): Promise<{ key: string; tag?: string } | undefined> {
      if (this.model === 'Grant') {
        const tag = grantTag(context, id);
        return { key: grantKey(context, tag), tag };
      }
      const idHash = this.idHash(id);
      const cached = pointers.get(idHash);
      if (cached) return { key: this.keyInGrant(cached, idHash), tag: cached };
      const own = await client.hgetall(this.ownKey(idHash));
      if (own.g) {
        pointers.set(idHash, own.g);
        return { key: this.keyInGrant(own.g, idHash), tag: own.g };
      }
      return own.p ? { key: this.ownKey(idHash) } : undefined;
    }

    private open(id: string, entry: Record<string, string>): AdapterPayload | undefined {
      if (!entry.p) return undefined;
      const json = sealing.open([this.model, id], entry.p);
      if (json === undefined) return undefined;
      const payload = JSON.parse(json) as AdapterPayload;
      if (entry.c) {
        const consumedMs = Number(entry.c);
        // Within the retry window the handler must go on to consume(), which then decides.
        const retrying =
          this.model === 'RefreshToken' && windowSeconds > 0 && now() - consumedMs <= windowSeconds * 1000;
        if (!retrying) payload.consumed = Math.floor(consumedMs / 1000) || 1;
      }
      return payload;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const ttl = expiresIn && expiresIn > 0 ? Math.ceil(expiresIn) : 0;
      const sealed = sealing.seal([this.model, id], JSON.stringify(payload));
      const idHash = this.idHash(id);
      const writes: Array<() => Promise<unknown>> = [];
      const lookups = [
        ['uid', payload.uid],
        ['userCode', payload.userCode],
      ] as const;
      for (const [kind, value] of lookups) {
        if (typeof value !== 'string') continue;
        const key = this.lookupKey(kind, value);
        const pointer = sealing.seal([kind, this.model, value], id);
        writes.push(() => (ttl ? client.set(key, pointer, 'EX', ttl) : client.set(key, pointer)));
      }
      if (this.model === 'Grant') {
        const tag = grantTag(context, id);
        writes.push(() => run(SCRIPTS.put, [grantKey(context, tag)], [1, 'p', sealed, ttl]));
      } else if (typeof payload.grantId === 'string') {
        const tag = grantTag(context, payload.grantId);
        pointers.set(idHash, tag);
        writes.push(
          () =>
            putInGrant(context, this.keyInGrant(tag, idHash), tag, sealed, ttl, GRANT_BOUND.has(this.model)),
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
      const id = stored ? sealing.open([kind, this.model, value], stored) : undefined;
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
        return (await run(SCRIPTS.consume, [where.key], [now(), window])) as [number, string?];
      });
      if (outcome === 1) return;
      // Gone since the caller loaded it (its grant was revoked): as good as consumed.
      if (outcome === 0) throw new ConsumedArtifactReplay(undefined);
      const json = sealed ? sealing.open([this.model, id], sealed) : undefined;
      const grantId = json ? (JSON.parse(json) as AdapterPayload).grantId : undefined;
      if (outcome === 2) throw new RefreshRetryWithinWindow(grantId);
      throw new ConsumedArtifactReplay(grantId);
    }

    async destroy(id: string): Promise<void> {
      await call(async () => {
        if (this.model === 'Grant') {
          const tag = grantTag(context, id);
          await run(SCRIPTS.destroyGrant, [grantKey(context, tag), grantIndexKey(context, tag)], []);
          return;
        }
        const idHash = this.idHash(id);
        const where = await this.locate(id);
        pointers.delete(idHash);
        if (where?.tag) await run(SCRIPTS.destroyInGrant, [where.key, grantIndexKey(context, where.tag)], []);
        await client.del(this.ownKey(idHash));
      });
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const tag = grantTag(context, grantId);
      await call(() =>
        run(SCRIPTS.revokeInGrant, [grantIndexKey(context, tag)], [`${prefix}${this.model}:`]),
      );
    }
  };
}
