import { randomUUID } from 'node:crypto';
import { MemoryStore } from '../../src/store/memory';
import { deleteKeysWithPrefix, RedisStore } from '../../src/store/redis';
import type { Store } from '../../src/store/store';
import { testRedisUrl } from './redis';

/** Both stores, for contract tests that must hold for each (`describe.each(STORE_KINDS)`). */
export const STORE_KINDS: [name: string, make: () => Store][] = [
  ['redis', () => new RedisStore({ url: testRedisUrl(), prefix: `test:${randomUUID()}:` })],
  ['memory', () => new MemoryStore()],
];

/** What a Redis restarted without persistence (or flushed) does to a deployment's keys. */
export async function loseData(store: Store): Promise<void> {
  if (store instanceof RedisStore) await deleteKeysWithPrefix(testRedisUrl(), store.prefix);
  else if (store instanceof MemoryStore) store.flush();
}

/** A fresh store before each test (handed to `use`), its keys removed and it closed after. */
export function freshStoreEachTest(make: () => Store, use: (store: Store) => void): void {
  let store: Store;
  beforeEach(async () => {
    store = make();
    if (store instanceof RedisStore) await store.waitUntilReady(2000);
    use(store);
  });
  afterEach(async () => {
    if (store instanceof RedisStore) await deleteKeysWithPrefix(testRedisUrl(), store.prefix);
    await store.close();
  });
}
