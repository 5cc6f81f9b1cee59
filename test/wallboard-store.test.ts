import { randomUUID } from 'node:crypto';
import { MemoryStore } from '../src/store/memory';
import { deleteKeysWithPrefix, RedisStore } from '../src/store/redis';
import type { Store } from '../src/store/store';
import { testRedisUrl } from './support/redis';

/** The live-collection contract (Store.liveApply / liveSnapshot / liveChanges), the same for both stores. */
describe.each([
  ['redis', () => new RedisStore({ url: testRedisUrl(), prefix: `test:${randomUUID()}:` })],
  ['memory', () => new MemoryStore()],
])('%s store: live collections', (_name, make: () => Store) => {
  let store: Store;
  beforeEach(async () => {
    store = make();
    if (store instanceof RedisStore) await store.waitUntilReady(2000);
  });
  afterEach(async () => {
    if (store instanceof RedisStore) await deleteKeysWithPrefix(testRedisUrl(), store.prefix);
    await store.close();
  });

  it('writes a part only when its version is newer, per part, and logs each change under a new revision', async () => {
    const first = await store.liveApply(
      'c',
      'agent:1',
      { state: { version: '002', fields: { activity: 'IDLE', since: '2' } }, call: { version: '002', fields: { peer: 'x' } } },
      100,
    );
    expect(first).toEqual({ rev: 1, member: 'agent:1', fields: { activity: 'IDLE', since: '2', peer: 'x' } });
    // Older state, newer call: only the call part changes; an empty value deletes the field.
    const second = await store.liveApply(
      'c',
      'agent:1',
      { state: { version: '001', fields: { activity: 'BUSY' } }, call: { version: '003', fields: { peer: '' } } },
      100,
    );
    expect(second).toEqual({ rev: 2, member: 'agent:1', fields: { activity: 'IDLE', since: '2' } });
    // The same versions again: nothing newer, no revision.
    expect(await store.liveApply('c', 'agent:1', { state: { version: '002', fields: { activity: 'IDLE' } } }, 100)).toBeNull();
    await store.liveApply('c', 'agent:2', { state: { version: '001', fields: { activity: 'TALKING' } } }, 100);
    expect(await store.liveSnapshot('c')).toEqual({
      rev: 3,
      members: { 'agent:1': { activity: 'IDLE', since: '2' }, 'agent:2': { activity: 'TALKING' } },
    });
    expect((await store.liveChanges('c', 1, 10)).map((ch) => ch.rev)).toEqual([2, 3]);
    expect(await store.liveChanges('c', 3, 10)).toEqual([]);
    expect(await store.liveSnapshot('other')).toEqual({ rev: 0, members: {} });
  });

  it('caps the change log (the oldest revisions go)', async () => {
    for (let i = 1; i <= 5; i++)
      await store.liveApply('c', 'agent:1', { state: { version: String(i).padStart(3, '0'), fields: { n: String(i) } } }, 3);
    expect((await store.liveChanges('c', 0, 10)).map((ch) => ch.rev)).toEqual([3, 4, 5]);
  });

  it('concurrent applies of the same events end in the newest state', async () => {
    const versions = Array.from({ length: 30 }, (_, i) => String(i).padStart(3, '0'));
    await Promise.all(
      [...versions, ...versions].reverse().map((v) => store.liveApply('c', 'agent:9', { state: { version: v, fields: { v } } }, 1000)),
    );
    expect((await store.liveSnapshot('c')).members['agent:9']).toEqual({ v: '029' });
  });
});
