/**
 * The kit's own records (adapters/contract.ts `RecordStore`): JSON values at
 * `P rec:{collection}:r:id`, with optional indexes (sets of ids) kept by one script each, so a
 * record and its index entries change together. Expired ids leave an index when it is read.
 */
import type { RecordStore } from '../contract.js';
import type { RedisContext } from './context.js';
import { SCRIPTS } from './scripts.js';

/** Collection names appear inside hash tags: keep them to characters that cannot end a tag. */
const COLLECTION_NAME = /^[\w.:-]+$/;

export function createRedisRecords({ client, prefix, call, run }: RedisContext): RecordStore {
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

  return {
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
}
