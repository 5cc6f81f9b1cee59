import type { PersistedQueryOptions } from '@apollo/server';
import { InMemoryLRUCache, type KeyValueCache, type KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { Logger } from './logger';
import type { Store } from './store/store';

/** Memory one instance gives persisted queries without Redis (an LRU, by the queries' sizes). */
const MEMORY_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * Apollo's automatic persisted queries kept in the gateway's store: on Redis (its connection and
 * REDIS_PREFIX; Apollo prefixes its keys with `apq:`, so `<REDIS_PREFIX>apq:<sha256>`), so that a
 * query registered through one instance is found by every other. A store that fails is a miss (the
 * client sends the query again: PERSISTED_QUERY_NOT_FOUND), never a failed operation.
 */
class StorePersistedQueries implements KeyValueCache<string> {
  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  async get(key: string): Promise<string | undefined> {
    try {
      return (await this.store.get(key)) ?? undefined;
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'persisted query not read: store unavailable');
      return undefined;
    }
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    try {
      await this.store.set(key, value, options?.ttl ? options.ttl * 1000 : undefined);
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'persisted query not kept: store unavailable');
    }
  }

  async delete(key: string): Promise<boolean> {
    return (await this.store.del(key).catch(() => 0)) > 0;
  }
}

/** A query longer than maxBytes is executed but not kept (the client keeps sending it whole). */
class SizeBounded implements KeyValueCache<string> {
  constructor(
    private readonly inner: KeyValueCache<string>,
    private readonly maxBytes: number,
  ) {}
  get(key: string) {
    return this.inner.get(key);
  }
  async set(key: string, value: string, options?: KeyValueCacheSetOptions) {
    if (Buffer.byteLength(value) <= this.maxBytes) await this.inner.set(key, value, options);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
}

/** Apollo's persistedQueries option: shared through Redis, or a bounded LRU of this instance's memory. */
export function persistedQueries(store: Store, settings: { ttlSeconds: number; maxBytes: number }, logger: Logger): PersistedQueryOptions {
  const inner =
    store.kind === 'memory' ? new InMemoryLRUCache<string>({ maxSize: MEMORY_CACHE_BYTES }) : new StorePersistedQueries(store, logger);
  return { cache: new SizeBounded(inner, settings.maxBytes), ttl: settings.ttlSeconds };
}
