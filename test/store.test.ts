import { randomUUID } from 'node:crypto';
import { eventLogKey, RedisStore } from '../src/store/redis';
import { StoreUnavailableError, type Store } from '../src/store/store';
import { freePort } from './support/redis';
import { freshStoreEachTest, loseData, STORE_KINDS } from './support/stores';

/** The same contract for the Redis store and the in-process store. */
describe.each(STORE_KINDS)('%s store', (_name, make: () => Store) => {
  let store: Store;
  freshStoreEachTest(make, (s) => (store = s));

  it('gets, sets with expiry, mgets and deletes', async () => {
    await store.set('a', '1');
    await store.set('b', '2', 50);
    expect(await store.mget(['a', 'b', 'c'])).toEqual(['1', '2', null]);
    expect(await store.pttl('a')).toBe(-1);
    expect(await store.pttl('b')).toBeGreaterThan(0);
    expect(await store.pttl('c')).toBe(-2);
    await new Promise((r) => setTimeout(r, 80));
    expect(await store.get('b')).toBeNull();
    expect(await store.del('a', 'c')).toBe(1);
    expect(await store.get('a')).toBeNull();
  });

  it('sets only if absent and deletes only if still equal (a lock)', async () => {
    expect(await store.setIfAbsent('lock', 'me', 1000)).toBe(true);
    expect(await store.setIfAbsent('lock', 'you', 1000)).toBe(false);
    expect(await store.deleteIfEquals('lock', 'you')).toBe(false);
    expect(await store.get('lock')).toBe('me');
    expect(await store.deleteIfEquals('lock', 'me')).toBe(true);
    expect(await store.setIfAbsent('lock', 'you', 1000)).toBe(true);
  });

  it('counts and keeps hashes', async () => {
    expect(await store.incrBy('n')).toBe(1);
    expect(await store.incrBy('n', 5)).toBe(6);
    await store.hset('h', { x: '1', y: '2' });
    expect(await store.hget('h', 'x')).toBe('1');
    expect(await store.hgetall('h')).toEqual({ x: '1', y: '2' });
    expect(await store.hdel('h', 'x', 'z')).toBe(1);
    expect(await store.hgetall('h')).toEqual({ y: '2' });
    expect(await store.hgetall('missing')).toEqual({});
  });

  it('appends events once per dedupe key, with ids ordered across streams', async () => {
    const a1 = await store.appendEvent('s:a', 'k1', 10_000, 100, { v: 'a1' });
    const b1 = await store.appendEvent('s:b', 'k2', 10_000, 100, { v: 'b1' });
    expect(await store.appendEvent('s:a', 'k1', 10_000, 100, { v: 'again' })).toBeNull();
    const a2 = await store.appendEvent('s:a', 'k3', 10_000, 100, { v: 'a2' });
    expect(Number(a1!.id)).toBeLessThan(Number(b1!.id));
    expect(Number(b1!.id)).toBeLessThan(Number(a2!.id));
    expect((await store.eventLogHead()).last).toBe(a2!.id);
    const all = await store.readEvents(['s:a', 's:b'], '0', 10);
    expect(all.map((e) => [e.stream, e.fields.v])).toEqual([
      ['s:a', 'a1'],
      ['s:b', 'b1'],
      ['s:a', 'a2'],
    ]);
    expect((await store.readEvents(['s:a', 's:b'], a1!.id, 10)).map((e) => e.fields.v)).toEqual(['b1', 'a2']);
    expect((await store.readEvents(['s:a', 's:b'], '0', 2)).map((e) => e.fields.v)).toEqual(['a1', 'b1']);
  });

  it('appends issued together (one pipeline on Redis) each get their own answer, in order, duplicates included', async () => {
    const answers = await Promise.all([
      store.appendEvent('t:a', 'same', 10_000, 100, { v: '1' }),
      store.appendEvent('t:b', 'other', 10_000, 100, { v: '2' }),
      store.appendEvent('t:a', 'same', 10_000, 100, { v: 'dup' }),
      store.appendEvent('t:a', 'third', 10_000, 100, { v: '3' }),
    ]);
    expect(answers[2]).toBeNull();
    expect(Number(answers[0]!.id)).toBeLessThan(Number(answers[1]!.id));
    expect(Number(answers[1]!.id)).toBeLessThan(Number(answers[3]!.id));
    expect((await store.readEvents(['t:a', 't:b'], '0', 10)).map((e) => e.fields.v)).toEqual(['1', '2', '3']);
  });

  it('keeps exactly the latest entries of a stream, and records the newest one trimmed away', async () => {
    for (let i = 0; i < 300; i++) await store.appendEvent('capped', `k${i}`, 10_000, 100, { i: String(i) });
    const kept = await store.readEvents(['capped'], '0', 1000);
    expect(kept).toHaveLength(100);
    expect(kept[0].fields.i).toBe('200');
    expect(kept[kept.length - 1].fields.i).toBe('299');
    const page = await store.readEventLog(['capped', 'never'], '0', 1000);
    expect(page.trimmed).toEqual({ capped: String(Number(kept[0].id) - 1), never: '0' });
  });

  it("records trims per stream: a shared sequence leaves gaps between one stream's ids", async () => {
    // a1 b1 a2 b2 a3 b3, a kept at 2: a1 goes; b keeps everything.
    const ids: Record<string, string[]> = { a: [], b: [] };
    for (let i = 1; i <= 3; i++) {
      for (const s of ['a', 'b'])
        ids[s].push((await store.appendEvent(`g:${s}`, `g${s}${i}`, 10_000, s === 'a' ? 2 : 10, { v: `${s}${i}` }))!.id);
    }
    const page = await store.readEventLog(['g:a', 'g:b'], '0', 10);
    expect(page.trimmed).toEqual({ 'g:a': ids.a[0], 'g:b': '0' });
    expect(page.entries.map((e) => e.fields.v)).toEqual(['b1', 'a2', 'b2', 'a3', 'b3']);
    expect(page.head).toMatchObject({ last: ids.b[2] });
  });

  it('begins the log with a generation, carried by every entry, and a new one when the store loses its data', async () => {
    expect(await store.eventLogHead()).toEqual({ epoch: null, start: '0', last: '0' });
    const first = (await store.appendEvent('e:a', 'e1', 10_000, 100, { v: '1' }))!;
    expect(first.epoch).toMatch(/^[0-9a-z]{1,16}$/);
    const second = (await store.appendEvent('e:b', 'e2', 10_000, 100, { v: '2' }))!;
    expect(second.epoch).toBe(first.epoch);
    expect(await store.eventLogHead()).toEqual({ epoch: first.epoch, start: '0', last: second.id });
    expect((await store.readEvents(['e:a', 'e:b'], '0', 10)).map((e) => e.epoch)).toEqual([first.epoch, first.epoch]);
    const page = await store.readEventLog(['e:a'], '0', 10);
    expect(page.head.epoch).toBe(first.epoch);
    expect(page.entries.map((e) => [e.id, e.epoch, e.fields])).toEqual([[first.id, first.epoch, { v: '1' }]]);

    await loseData(store);
    expect(await store.eventLogHead()).toEqual({ epoch: null, start: '0', last: '0' });
    const again = (await store.appendEvent('e:a', 'e1', 10_000, 100, { v: 'new' }))!;
    expect(again.id).toBe('1');
    expect(again.epoch).not.toBe(first.epoch);
    expect((await store.readEventLog(['e:a'], '0', 10)).entries.map((e) => [e.epoch, e.fields.v])).toEqual([[again.epoch, 'new']]);
  });

  it('renews the generation of a log that went back, only while it is still that generation', async () => {
    const first = (await store.appendEvent('r:a', 'r1', 10_000, 100, { v: '1' }))!;
    const renewed = await store.renewEventLog(first.epoch);
    expect(renewed.epoch).not.toBe(first.epoch);
    expect(renewed).toMatchObject({ start: first.id, last: first.id });
    expect(await store.renewEventLog(first.epoch)).toEqual(renewed);
    const next = (await store.appendEvent('r:a', 'r2', 10_000, 100, { v: '2' }))!;
    expect(next).toEqual({ epoch: renewed.epoch, id: String(Number(first.id) + 1) });
  });

  it('appends past a stream whose sequence key was lost, instead of failing (or keeping the dedupe key of an event not appended)', async () => {
    for (let i = 1; i <= 3; i++) await store.appendEvent('h:a', `h${i}`, 10_000, 100, { v: String(i) });
    await store.del(eventLogKey('seq')); // the Redis store's sequence key (the in-process store has no keys for it)
    const next = await store.appendEvent('h:a', 'h4', 10_000, 100, { v: '4' });
    expect(Number(next!.id)).toBeGreaterThan(3);
    expect((await store.readEvents(['h:a'], '0', 10)).map((e) => e.fields.v)).toEqual(['1', '2', '3', '4']);
  });

  it('waits for new events, and returns at once when some are there', async () => {
    const before = (await store.eventLogHead()).last;
    const waiting = store.waitEvents(['w:1', 'w:2'], before, 2000, 10);
    await new Promise((r) => setTimeout(r, 100));
    const appended = await store.appendEvent('w:2', 'kw', 10_000, 100, { v: 'late' });
    const got = await waiting;
    expect(got.map((e) => [e.stream, e.fields.v, e.epoch])).toEqual([['w:2', 'late', appended!.epoch]]);
    expect(await store.waitEvents(['w:1', 'w:2'], before, 2000, 10)).toHaveLength(1);
    const started = Date.now();
    expect(await store.waitEvents(['w:1'], (await store.eventLogHead()).last, 150, 10)).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('holds at most max leases; the same member takes one slot; release frees it', async () => {
    expect(await store.countLeases('sockets:p')).toBe(0);
    expect(await store.acquireLease('sockets:p', 'a', 2, 10_000)).toBe(true);
    expect(await store.acquireLease('sockets:p', 'a', 2, 10_000)).toBe(true);
    expect(await store.countLeases('sockets:p')).toBe(1);
    expect(await store.acquireLease('sockets:p', 'b', 2, 10_000)).toBe(true);
    expect(await store.acquireLease('sockets:p', 'c', 2, 10_000)).toBe(false);
    expect(await store.countLeases('sockets:p')).toBe(2);
    // A holder re-acquiring is not refused at the cap.
    expect(await store.acquireLease('sockets:p', 'b', 2, 10_000)).toBe(true);
    // Keys are independent.
    expect(await store.acquireLease('sockets:q', 'c', 2, 10_000)).toBe(true);
    await store.releaseLease('sockets:p', 'a');
    await store.releaseLease('sockets:p', 'a');
    await store.releaseLease('sockets:none', 'a');
    expect(await store.countLeases('sockets:p')).toBe(1);
    expect(await store.acquireLease('sockets:p', 'c', 2, 10_000)).toBe(true);
    expect(await store.acquireLease('sockets:p', 'd', 2, 10_000)).toBe(false);
    expect(await store.countLeases('sockets:p')).toBe(2);
  });

  it('expires the lease key with its longest lease, and drops it when the last is released', async () => {
    await store.acquireLease('sockets:k', 'short', 5, 1000);
    await store.acquireLease('sockets:k', 'long', 5, 5000);
    const pttl = await store.pttl('sockets:k');
    expect(pttl).toBeGreaterThan(1000);
    expect(pttl).toBeLessThanOrEqual(5000);
    await store.releaseLease('sockets:k', 'short');
    await store.releaseLease('sockets:k', 'long');
    expect(await store.pttl('sockets:k')).toBe(-2);
  });

  it('lets an unrenewed lease lapse after its ttl, freeing the slot', async () => {
    expect(await store.acquireLease('sockets:l', 'a', 1, 200)).toBe(true);
    expect(await store.acquireLease('sockets:l', 'b', 1, 200)).toBe(false);
    await sleep(300);
    expect(await store.countLeases('sockets:l')).toBe(0);
    expect(await store.acquireLease('sockets:l', 'b', 1, 200)).toBe(true);
  });

  it('keeps a lease that is renewed (or taken again) within its ttl', async () => {
    await store.acquireLease('sockets:r', 'renewed', 3, 200);
    await store.acquireLease('sockets:r', 'retaken', 3, 200);
    for (let i = 0; i < 4; i++) {
      await sleep(100);
      await store.renewLeases('sockets:r', ['renewed'], 200);
      expect(await store.acquireLease('sockets:r', 'retaken', 3, 200)).toBe(true);
    }
    // 400 ms after they were first taken, twice the ttl.
    expect(await store.countLeases('sockets:r')).toBe(2);
    expect(await store.acquireLease('sockets:r', 'x', 2, 200)).toBe(false);
    await store.renewLeases('sockets:r', [], 200);
  });

  it('does not bring back a lapsed or released lease on renewal', async () => {
    await store.acquireLease('sockets:z', 'lapsing', 3, 200);
    await store.acquireLease('sockets:z', 'released', 3, 10_000);
    await store.acquireLease('sockets:z', 'kept', 3, 10_000);
    await store.releaseLease('sockets:z', 'released');
    await sleep(300);
    await store.renewLeases('sockets:z', ['lapsing', 'released', 'kept', 'never'], 10_000);
    expect(await store.countLeases('sockets:z')).toBe(1);
    expect(await store.acquireLease('sockets:z', 'other', 2, 10_000)).toBe(true);
    expect(await store.acquireLease('sockets:z', 'lapsing', 2, 10_000)).toBe(false);
    // Renewing a key with no lease at all creates nothing.
    await store.renewLeases('sockets:empty', ['a'], 10_000);
    expect(await store.countLeases('sockets:empty')).toBe(0);
    expect(await store.pttl('sockets:empty')).toBe(-2);
  });
});

describe('redis store while Redis is unreachable', () => {
  it('fails lease calls with StoreUnavailableError', async () => {
    const store = new RedisStore({ url: `redis://127.0.0.1:${await freePort()}`, prefix: `test:${randomUUID()}:`, commandTimeoutMs: 200 });
    try {
      await expect(store.acquireLease('sockets:p', 'a', 2, 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.renewLeases('sockets:p', ['a'], 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.releaseLease('sockets:p', 'a')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.countLeases('sockets:p')).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await store.close();
    }
  });
});
