/**
 * The embedded in-memory store: the default for development and tests, so `npm start` needs
 * nothing else. State lives in this process only; use the Redis store for several processes.
 */
import { EventEmitter } from 'node:events';
import {
  ConsumedArtifactReplay,
  GRANT_BOUND_MODELS,
  type Adapter,
  type AdapterPayload,
  type OAuthStore,
  type RecordStore,
  type RevocationFeed,
} from './contract.js';
import type { Clock } from '../lib/cache/bounded-cache.js';
import { isFunction, positiveInteger } from '../lib/config/checks.js';
import { option, resolveTable, type InputOf } from '../lib/config/schema.js';
import { createMemoryCounters, MAX_MEMORY_COUNTERS } from './memory-counters.js';

interface Entry {
  payload: AdapterPayload;
  /** Epoch milliseconds, or Infinity when the model has no TTL. */
  expiresAt: number;
}

const GRANT_BOUND: ReadonlySet<string> = new Set(GRANT_BOUND_MODELS);

/** `createMemoryStore`'s options, declared once (doc, default, check) like the kit's own. */
export const MEMORY_STORE_OPTIONS = {
  /** How often expired entries are swept (ms). Reads never return expired entries anyway. */
  sweepIntervalMs: option({ default: 60_000, parse: positiveInteger(' of milliseconds') }),
  /**
   * The clock expiry runs on (epoch ms). Tests move it.
   * @default `Date.now`
   */
  now: option({ default: Date.now, parse: isFunction<Clock>('() => number (epoch ms)') }),
};

export type MemoryStoreOptions = InputOf<typeof MEMORY_STORE_OPTIONS>;

export function createMemoryStore(options: MemoryStoreOptions = {}): OAuthStore {
  const { now, sweepIntervalMs } = resolveTable(
    MEMORY_STORE_OPTIONS,
    options,
    'createMemoryStore.',
    'a createMemoryStore option',
  );
  /** model name → id → entry */
  const models = new Map<string, Map<string, Entry>>();
  /** "Model:grantId" → ids of that model issued under the grant */
  const grantIndex = new Map<string, Set<string>>();
  /** "Model:uid" / "Model:userCode" → id */
  const lookups = new Map<string, string>();

  function table(model: string): Map<string, Entry> {
    let t = models.get(model);
    if (!t) {
      t = new Map();
      models.set(model, t);
    }
    return t;
  }

  function live(model: string, id: string): Entry | undefined {
    const t = table(model);
    const entry = t.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= now()) {
      remove(model, id);
      return undefined;
    }
    return entry;
  }

  function remove(model: string, id: string): void {
    const t = table(model);
    const entry = t.get(id);
    if (!entry) return;
    t.delete(id);
    const { grantId, uid, userCode } = entry.payload;
    if (grantId) grantIndex.get(`${model}:${grantId}`)?.delete(id);
    if (uid) lookups.delete(`${model}:uid:${uid}`);
    if (userCode) lookups.delete(`${model}:userCode:${userCode}`);
  }

  const counters = createMemoryCounters(MAX_MEMORY_COUNTERS, now);

  function sweep(): void {
    counters.sweep();
    const at = now();
    for (const [model, t] of models) {
      for (const [id, entry] of t) if (entry.expiresAt <= at) remove(model, id);
    }
    for (const [key, ids] of grantIndex) if (ids.size === 0) grantIndex.delete(key);
  }

  const timer = setInterval(sweep, sweepIntervalMs);
  timer.unref();

  class MemoryAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      remove(this.model, id);
      // Issued while its grant was being revoked: dead on arrival (see the contract).
      const { grantId } = payload;
      if (GRANT_BOUND.has(this.model) && grantId && !live('Grant', grantId)) return;
      const expiresAt = expiresIn ? now() + expiresIn * 1000 : Infinity;
      // Structured clone: callers must not be able to mutate stored state by reference.
      table(this.model).set(id, { payload: structuredClone(payload), expiresAt });
      const { uid, userCode } = payload;
      if (grantId) {
        const key = `${this.model}:${grantId}`;
        let ids = grantIndex.get(key);
        if (!ids) grantIndex.set(key, (ids = new Set()));
        ids.add(id);
      }
      if (uid) lookups.set(`${this.model}:uid:${uid}`, id);
      if (userCode) lookups.set(`${this.model}:userCode:${userCode}`, id);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const entry = live(this.model, id);
      return entry ? structuredClone(entry.payload) : undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const id = lookups.get(`${this.model}:uid:${uid}`);
      return id ? this.find(id) : undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const id = lookups.get(`${this.model}:userCode:${userCode}`);
      return id ? this.find(id) : undefined;
    }

    async consume(id: string): Promise<void> {
      // Check-and-set without an await in between: atomic on Node's single thread.
      const entry = live(this.model, id);
      // Gone since the caller loaded it (its grant was revoked): as good as consumed.
      if (!entry) throw new ConsumedArtifactReplay(undefined);
      if (entry.payload.consumed) throw new ConsumedArtifactReplay(entry.payload.grantId);
      entry.payload.consumed = Math.floor(now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      remove(this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const key = `${this.model}:${grantId}`;
      const ids = grantIndex.get(key);
      if (!ids) return;
      for (const id of [...ids]) remove(this.model, id);
      grantIndex.delete(key);
    }
  }

  // Records reuse the model tables, under a "record:" prefix, and their own index.
  const recordIndex = new Map<string, Set<string>>();
  const recordIndexesOf = new Map<string, string[]>();
  const records: RecordStore = {
    async get<T>(collection: string, id: string) {
      return live(`record:${collection}`, id)?.payload.value as T | undefined;
    },
    async set(collection, id, value, opts = {}) {
      await records.delete(collection, id);
      const expiresAt = opts.ttlSeconds ? now() + opts.ttlSeconds * 1000 : Infinity;
      table(`record:${collection}`).set(id, { payload: { value: structuredClone(value) }, expiresAt });
      const keys = (opts.indexes ?? []).map((index) => `${collection}\0${index}`);
      recordIndexesOf.set(`${collection}\0${id}`, keys);
      for (const key of keys) {
        let ids = recordIndex.get(key);
        if (!ids) recordIndex.set(key, (ids = new Set()));
        ids.add(id);
      }
    },
    async setIfAbsent(collection, id, value, opts) {
      // Check-and-set without an await in between: atomic on Node's single thread.
      if (live(`record:${collection}`, id) !== undefined) return false;
      const expiresAt = now() + opts.ttlSeconds * 1000;
      table(`record:${collection}`).set(id, { payload: { value: structuredClone(value) }, expiresAt });
      return true;
    },
    async delete(collection, id) {
      remove(`record:${collection}`, id);
      for (const key of recordIndexesOf.get(`${collection}\0${id}`) ?? []) recordIndex.get(key)?.delete(id);
      recordIndexesOf.delete(`${collection}\0${id}`);
    },
    async findIds(collection, index) {
      const ids = [...(recordIndex.get(`${collection}\0${index}`) ?? [])];
      return ids.filter((id) => live(`record:${collection}`, id) !== undefined);
    },
  };

  // One process: revocations are an in-process event, always "connected".
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const revocations: RevocationFeed = {
    async publish(message) {
      bus.emit('revoked', { ...message });
    },
    subscribe(listener, onStatus) {
      bus.on('revoked', listener);
      onStatus?.(true);
      return () => bus.off('revoked', listener);
    },
  };

  return {
    name: 'memory',
    Adapter: MemoryAdapter,
    records,
    revocations,
    counters,
    async close() {
      clearInterval(timer);
      bus.removeAllListeners();
    },
  };
}
