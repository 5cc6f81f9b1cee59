import { randomUUID } from 'node:crypto';
import { MemoryStore } from '../../src/store/memory';
import { deleteKeysWithPrefix, RedisStore } from '../../src/store/redis';
import type { Store } from '../../src/store/store';
import { testRedisConnection, type TestRedisMode } from './redis';

/** A store on the suite's Redis of one mode; on a cluster or Sentinel group appends wait for a replica, as the gateway's do there. */
export function testRedisStore(mode: TestRedisMode): RedisStore {
  return new RedisStore({
    connection: testRedisConnection(mode),
    prefix: `test:${randomUUID()}:`,
    waitReplicas: mode === 'redis' ? 0 : 1,
  });
}

/** Every store, for contract tests that must hold for each (`describe.each(STORE_KINDS)`). */
export const STORE_KINDS: [name: string, make: () => Store][] = [
  ['redis', () => testRedisStore('redis')],
  ['redis-cluster', () => testRedisStore('redis-cluster')],
  ['redis-sentinel', () => testRedisStore('redis-sentinel')],
  ['memory', () => new MemoryStore()],
];

/** What a Redis restarted without persistence (or flushed) does to a deployment's keys. */
export async function loseData(store: Store): Promise<void> {
  if (store instanceof RedisStore) await deleteKeysWithPrefix(store.target, store.prefix);
  else if (store instanceof MemoryStore) store.flush();
}

/** A fresh store before each test (handed to `use`), its keys removed and it closed after. */
export function freshStoreEachTest(make: () => Store, use: (store: Store) => void): void {
  let store: Store;
  beforeEach(async () => {
    store = make();
    if (store instanceof RedisStore) await store.waitUntilReady(5000);
    use(store);
  });
  afterEach(async () => {
    if (store instanceof RedisStore) await deleteKeysWithPrefix(store.target, store.prefix);
    await store.close();
  });
}
