import type { Store } from '../src/store/store';
import { freshStoreEachTest, loseData, STORE_KINDS } from './support/stores';

/** The live-collection contract (Store.liveApply / liveSnapshot / liveChanges), the same for both stores. */
describe.each(STORE_KINDS)('%s store: live collections', (_name, make: () => Store) => {
  let store: Store;
  freshStoreEachTest(make, (s) => (store = s));

  it('writes a part only when its version is newer, per part, and logs each change under a new revision', async () => {
    const first = await store.liveApply(
      'c',
      'agent:1',
      { state: { version: '002', fields: { activity: 'IDLE', since: '2' } }, call: { version: '002', fields: { peer: 'x' } } },
      100,
    );
    const epoch = first!.epoch;
    expect(epoch).toMatch(/^[0-9a-z]{1,16}$/);
    expect(first).toEqual({ rev: 1, member: 'agent:1', fields: { activity: 'IDLE', since: '2', peer: 'x' }, epoch, stale: false });
    // Older state, newer call: only the call part changes; an empty value deletes the field.
    const second = await store.liveApply(
      'c',
      'agent:1',
      { state: { version: '001', fields: { activity: 'BUSY' } }, call: { version: '003', fields: { peer: '' } } },
      100,
    );
    expect(second).toEqual({ rev: 2, member: 'agent:1', fields: { activity: 'IDLE', since: '2' }, epoch, stale: false });
    // The same versions again: nothing newer, no revision.
    expect(await store.liveApply('c', 'agent:1', { state: { version: '002', fields: { activity: 'IDLE' } } }, 100)).toBeNull();
    await store.liveApply('c', 'agent:2', { state: { version: '001', fields: { activity: 'TALKING' } } }, 100);
    expect(await store.liveSnapshot('c')).toEqual({
      rev: 3,
      epoch,
      stale: false,
      members: { 'agent:1': { activity: 'IDLE', since: '2' }, 'agent:2': { activity: 'TALKING' } },
    });
    expect((await store.liveChanges('c', 1, 10)).changes.map((ch) => ch.rev)).toEqual([2, 3]);
    expect(await store.liveChanges('c', 3, 10)).toEqual({ epoch, rev: 3, stale: false, changes: [] });
    expect(await store.liveSnapshot('other')).toEqual({ rev: 0, epoch: null, stale: false, members: {} });
  });

  it('caps the change log (the oldest revisions go)', async () => {
    for (let i = 1; i <= 5; i++)
      await store.liveApply('c', 'agent:1', { state: { version: String(i).padStart(3, '0'), fields: { n: String(i) } } }, 3);
    expect((await store.liveChanges('c', 0, 10)).changes.map((ch) => ch.rev)).toEqual([3, 4, 5]);
  });

  it('rebuilds after a loss: a new generation, stale until every member waited for is written again or the time is up', async () => {
    const old = (await store.liveApply('c', 'agent:1', { state: { version: '001', fields: { activity: 'IDLE' } } }, 100))!.epoch;
    await loseData(store);
    expect(await store.liveChanges('c', 1, 10)).toEqual({ epoch: null, rev: 0, stale: false, changes: [] });
    // Written after the loss, before the rebuild: not waited for.
    const early = (await store.liveApply('c', 'agent:3', { state: { version: '005', fields: { activity: 'BUSY' } } }, 100))!;
    expect(early.epoch).not.toBe(old);
    const head = await store.liveRebuild('c', ['agent:1', 'agent:2', 'agent:3'], 10_000);
    expect(head).toEqual({ epoch: early.epoch, rev: 1, stale: true });
    expect(await store.liveSnapshot('c')).toMatchObject({ epoch: early.epoch, rev: 1, stale: true });
    // Another instance's rebuild adds what it knew; the generation stays.
    expect(await store.liveRebuild('c', ['agent:1'], 10_000)).toEqual(head);
    const one = await store.liveApply('c', 'agent:1', { state: { version: '006', fields: { activity: 'IDLE' } } }, 100);
    expect(one).toMatchObject({ rev: 2, epoch: early.epoch, stale: true });
    const two = await store.liveApply('c', 'agent:2', { state: { version: '006', fields: { activity: 'TALKING' } } }, 100);
    expect(two).toMatchObject({ rev: 3, epoch: early.epoch, stale: false });
    expect((await store.liveChanges('c', 0, 10)).changes.map((c) => [c.rev, c.member, c.stale])).toEqual([
      [1, 'agent:3', false],
      [2, 'agent:1', true],
      [3, 'agent:2', false],
    ]);
    expect(await store.liveSnapshot('c')).toMatchObject({ stale: false });
    // The time limit: stale ends without the member.
    await store.liveRebuild('d', ['agent:9'], 150);
    expect((await store.liveSnapshot('d')).stale).toBe(true);
    await new Promise((r) => setTimeout(r, 250));
    expect((await store.liveSnapshot('d')).stale).toBe(false);
  });

  it('renews the generation of a collection that went back, when asked with the generation it is in', async () => {
    const epoch = (await store.liveApply('c', 'agent:1', { state: { version: '001', fields: { activity: 'IDLE' } } }, 100))!.epoch!;
    expect((await store.liveRebuild('c', [], 1000, 'not-this-one')).epoch).toBe(epoch);
    const renewed = await store.liveRebuild('c', [], 1000, epoch);
    expect(renewed.epoch).not.toBe(epoch);
    expect(renewed).toMatchObject({ rev: 1, stale: false });
  });

  it('concurrent applies of the same events end in the newest state', async () => {
    const versions = Array.from({ length: 30 }, (_, i) => String(i).padStart(3, '0'));
    await Promise.all(
      [...versions, ...versions].reverse().map((v) => store.liveApply('c', 'agent:9', { state: { version: v, fields: { v } } }, 1000)),
    );
    expect((await store.liveSnapshot('c')).members['agent:9']).toEqual({ v: '029' });
  });
});

/** The guarded batches the queue statistics are built on (Store.readBatch / commitBatch), the same for both stores. */
describe.each(STORE_KINDS)('%s store: guarded batches', (_name, make: () => Store) => {
  let store: Store;
  freshStoreEachTest(make, (s) => (store = s));
  // The keys of one batch share a hash tag ({b}): on a Redis Cluster they must share a slot.

  it('commits only while the guard holds what was read, and moves it on', async () => {
    const first = await store.readBatch([{ op: 'get', key: '{b}x' }], '{b}g');
    expect(first).toEqual({ guard: null, results: [null] });
    expect(await store.commitBatch('{b}g', null, [{ op: 'hincrby', key: '{b}h', field: 'n', by: 2 }], 10_000)).toBe(true);
    // A second writer that read the same guard loses and writes nothing.
    expect(await store.commitBatch('{b}g', null, [{ op: 'hincrby', key: '{b}h', field: 'n', by: 5 }], 10_000)).toBe(false);
    const again = await store.readBatch([{ op: 'hgetall', key: '{b}h' }], '{b}g');
    expect(again.results).toEqual([{ n: '2' }]);
    expect(again.guard).not.toBeNull();
    expect(await store.commitBatch('{b}g', again.guard, [{ op: 'hincrby', key: '{b}h', field: 'n', by: -1 }], 10_000)).toBe(true);
    expect((await store.readBatch([{ op: 'hmget', key: '{b}h', fields: ['n', 'm'] }])).results).toEqual([['1', null]]);
    expect(await store.pttl('{b}g')).toBeGreaterThan(5000);
  });

  it('applies each kind of write in order: hashes, conditional sets, sorted sets, ranges, expiry', async () => {
    const ok = await store.commitBatch(
      '{b}g',
      null,
      [
        { op: 'hset', key: '{b}h', fields: { a: '1', b: '2', c: '3' } },
        { op: 'hdel', key: '{b}h', fields: ['c'] },
        { op: 'hset', key: '{b}empty', fields: {} },
        { op: 'hsetif', key: '{b}h', field: 'max', cmp: 'gt', value: 5, fields: { at: 'five' } },
        { op: 'hsetif', key: '{b}h', field: 'max', cmp: 'gt', value: 3, fields: { at: 'three' } },
        { op: 'hsetif', key: '{b}h', field: 'min', cmp: 'lt', value: 1_700_000_000_123, fields: { who: 'late' } },
        { op: 'hsetif', key: '{b}h', field: 'min', cmp: 'lt', value: 1_700_000_000_001, fields: { who: 'early' } },
        { op: 'zadd', key: '{b}z', score: 3, member: 'c' },
        { op: 'zadd', key: '{b}z', score: 1, member: 'a' },
        { op: 'zadd', key: '{b}z', score: 2, member: 'b' },
        { op: 'zadd', key: '{b}z', score: 2, member: 'bb' },
        { op: 'zadd', key: '{b}z', score: 1_700_000_000_000, member: 'far' },
        { op: 'zrem', key: '{b}z', members: ['c', 'none'] },
        { op: 'zadd', key: '{b}lex', score: 0, member: '0001|A' },
        { op: 'zadd', key: '{b}lex', score: 0, member: '0002|B' },
        { op: 'zadd', key: '{b}lex', score: 0, member: '0003|C' },
        { op: 'zadd', key: '{b}lex', score: 0, member: '0004|D' },
        { op: 'zremrangebylex', key: '{b}lex', min: '-', max: '(0002' },
        { op: 'zadd', key: '{b}gone', score: 1, member: 'x' },
        { op: 'zremrangebyscore', key: '{b}gone', min: '-inf', max: '(2' },
      ],
      10_000,
    );
    expect(ok).toBe(true);
    const { results } = await store.readBatch([
      { op: 'hgetall', key: '{b}h' },
      { op: 'zrangebyscore', key: '{b}z', min: '-inf', max: '+inf' },
      { op: 'zrangebyscore', key: '{b}z', min: '(1', max: '2' },
      { op: 'zrangebyscore', key: '{b}z', min: '-inf', max: '+inf', rev: true, limit: 2 },
      { op: 'zrangebylex', key: '{b}lex', min: '-', max: '+' },
      { op: 'zrangebylex', key: '{b}lex', min: '-', max: '(0003|C', rev: true, limit: 1 },
      { op: 'zrangebylex', key: '{b}lex', min: '(0002|B', max: '+', limit: 5 },
      { op: 'zrangebylex', key: '{b}lex', min: '[0003|C', max: '[0003|C' },
      { op: 'hgetall', key: '{b}empty' },
      { op: 'zrangebyscore', key: '{b}gone', min: '-inf', max: '+inf' },
      { op: 'hmget', key: '{b}h', fields: [] },
    ]);
    expect(results).toEqual([
      { a: '1', b: '2', max: '5', at: 'five', min: '1700000000001', who: 'early' },
      [
        ['a', 1],
        ['b', 2],
        ['bb', 2],
        ['far', 1_700_000_000_000],
      ],
      [
        ['b', 2],
        ['bb', 2],
      ],
      [
        ['far', 1_700_000_000_000],
        ['bb', 2],
      ],
      ['0002|B', '0003|C', '0004|D'],
      ['0002|B'],
      ['0003|C', '0004|D'],
      ['0003|C'],
      {},
      [],
      [],
    ]);
    const g = (await store.readBatch([], '{b}g')).guard;
    expect(await store.commitBatch('{b}g', g, [{ op: 'pexpire', key: '{b}h', ms: 60 }], 10_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 120));
    expect((await store.readBatch([{ op: 'hgetall', key: '{b}h' }])).results).toEqual([{}]);
  });

  it('concurrent read-modify-writes on one guard: each retry sees the other, none is lost', async () => {
    const bump = async () => {
      for (;;) {
        const r = await store.readBatch([{ op: 'hmget', key: '{b}c', fields: ['n'] }], '{b}g');
        const n = Number((r.results[0] as (string | null)[])[0] ?? 0);
        if (await store.commitBatch('{b}g', r.guard, [{ op: 'hset', key: '{b}c', fields: { n: String(n + 1) } }], 10_000)) return;
      }
    };
    await Promise.all(Array.from({ length: 20 }, bump));
    expect((await store.readBatch([{ op: 'hgetall', key: '{b}c' }])).results).toEqual([{ n: '20' }]);
  });
});
