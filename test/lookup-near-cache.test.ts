import { PhoneLookupCache, type LookupCacheSettings } from '../src/upstream/phone-cache';
import { OperationLimitError } from '../src/errors';
import { UpstreamRejectedError } from '../src/upstream/http';
import { createLogger } from '../src/logger';
import { LookupKind } from '../src/schema/lookup';
import { MemoryStore } from '../src/store/memory';

const KIND = LookupKind.LOCATION;

function settings(patch: Partial<LookupCacheSettings> = {}): LookupCacheSettings {
  const ttlMs = { location: 60_000, portability: 60_000, state: 60_000, marks: 60_000, markReport: 60_000 } as Record<LookupKind, number>;
  return {
    ttlMs,
    failureTtlMs: 1000,
    refreshAhead: 0,
    maxConcurrent: 4,
    lockTtlMs: 1000,
    nearCacheMs: 10_000,
    nearCacheMax: 1000,
    ...patch,
  };
}

/** A store that counts the reads of cached entries. */
class CountingStore extends MemoryStore {
  mgets = 0;
  override mget(keys: string[]) {
    this.mgets++;
    return super.mget(keys);
  }
}

describe('phone lookup near cache (entries held in the instance)', () => {
  let store: CountingStore;
  let cache: PhoneLookupCache;
  let fetches: string[];
  const fetch = async (n: string) => {
    fetches.push(n);
    return { province: `P${fetches.length}` };
  };
  const make = (patch?: Partial<LookupCacheSettings>) => {
    store = new CountingStore();
    fetches = [];
    cache = new PhoneLookupCache(store, createLogger('silent'), settings(patch));
  };
  afterEach(() => cache.close());

  it('answers repeated lookups from memory without reading the store, counted as hits', async () => {
    make();
    expect(await cache.getMany(KIND, ['13800000001', '13800000002'], fetch)).toEqual([{ province: 'P1' }, { province: 'P2' }]);
    const reads = store.mgets;
    expect(await cache.getMany(KIND, ['13800000001', '13800000002'], fetch)).toEqual([{ province: 'P1' }, { province: 'P2' }]);
    expect(cache.peek(KIND, '13800000001')).toEqual({ value: { province: 'P1' } });
    expect(store.mgets).toBe(reads);
    expect(fetches).toHaveLength(2);
    expect(cache.instanceStats().find((s) => s.kind === KIND)).toMatchObject({ hits: 3, misses: 2, platformCalls: 2 });
  });

  it('never holds an entry past its own expiry', async () => {
    make({ ttlMs: { ...settings().ttlMs, location: 50 } });
    await cache.getMany(KIND, ['13800000003'], fetch);
    await new Promise((r) => setTimeout(r, 80));
    expect(cache.peek(KIND, '13800000003')).toBeUndefined();
    expect(await cache.getMany(KIND, ['13800000003'], fetch)).toEqual([{ province: 'P2' }]);
  });

  it('reads the store again after nearCacheMs, and at once after an eviction here', async () => {
    make({ nearCacheMs: 50 });
    await cache.getMany(KIND, ['13800000004'], fetch);
    const reads = store.mgets;
    await new Promise((r) => setTimeout(r, 80));
    expect(cache.peek(KIND, '13800000004')).toBeUndefined();
    expect(await cache.getMany(KIND, ['13800000004'], fetch)).toEqual([{ province: 'P1' }]);
    expect(store.mgets).toBe(reads + 1);
    expect(await cache.evict('13800000004')).toBe(1);
    expect(cache.peek(KIND, '13800000004')).toBeUndefined();
    expect(await cache.getMany(KIND, ['13800000004'], fetch)).toEqual([{ province: 'P2' }]);
  });

  it('leaves entries due for an early refresh to the store path, and holds nothing when disabled', async () => {
    make({ refreshAhead: 0.9, ttlMs: { ...settings().ttlMs, location: 100 } });
    await cache.getMany(KIND, ['13800000005'], fetch);
    await new Promise((r) => setTimeout(r, 30));
    expect(cache.peek(KIND, '13800000005')).toBeUndefined();
    await cache.close();
    make({ nearCacheMs: 0 });
    await cache.getMany(KIND, ['13800000006'], fetch);
    expect(cache.peek(KIND, '13800000006')).toBeUndefined();
  });
});

describe('phone lookup single flight and per-operation refusals', () => {
  it("another operation's refusal (its budget, its rate limit) is not handed to an operation that joined its fetch", async () => {
    const cache = new PhoneLookupCache(new MemoryStore(), createLogger('silent'), settings({ nearCacheMs: 0 }));
    const refusing = async () => {
      await new Promise((r) => setTimeout(r, 20));
      throw new OperationLimitError('upstreamCalls', 2, 1);
    };
    const answering = async () => ({ province: 'Guangdong' });
    const [first, second] = await Promise.allSettled([
      cache.getMany(KIND, ['13900000001'], refusing),
      cache.getMany(KIND, ['13900000001'], answering),
    ]);
    expect(first).toMatchObject({ status: 'fulfilled', value: [expect.any(OperationLimitError)] });
    expect(second).toMatchObject({ status: 'fulfilled', value: [{ province: 'Guangdong' }] });
    await cache.close();
  });
});

describe('phone lookup failures', () => {
  it("does not remember a call refused without a request (open circuit, full bulkhead) as the number's failure", async () => {
    const cache = new PhoneLookupCache(new MemoryStore(), createLogger('silent'), settings({ nearCacheMs: 0 }));
    const refused = async () => {
      throw new UpstreamRejectedError('lookup.location', 'too many concurrent platform calls for family lookup', 'bulkhead');
    };
    expect((await cache.getMany(KIND, ['13900000002'], refused))[0]).toBeInstanceOf(UpstreamRejectedError);
    expect(await cache.getMany(KIND, ['13900000002'], async () => ({ province: 'Hubei' }))).toEqual([{ province: 'Hubei' }]);
    await cache.close();
  });
});
