import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../src/config';
import { LookupKind } from '../src/schema/lookup';
import { PhoneLookupCache } from '../src/upstream/phone-cache';
import { stackWithOwnRedis, startStack, twoInstances, type Stack } from './support/stack';
import { TEST_REDIS_MODES } from './support/redis';

const STATE = `query($n: Phone!) { phone(number: $n) { state } }`;
const LOCATION = `query($n: Phone!) { phone(number: $n) { location { province city } } }`;

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

describe('lookup cache expiry', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { LOOKUP_TTL_STATE_S: '1', LOOKUP_REFRESH_AHEAD: '0' } });
  });
  afterAll(() => stack.close());

  it('refetches an entry after its TTL, and not before', async () => {
    const n = '13900002001';
    await stack.api.post('/lookups/override', { number: n, lookup: 'phonestate', data: { state: 1 } });
    const before = await stack.api.count('lookup.phonestate');
    expect((await stack.gql(STATE, { n })).data!.phone.state).toBe('NORMAL');
    await stack.api.post('/lookups/override', { number: n, lookup: 'phonestate', data: { state: 5 } });
    // Within the TTL: the cached answer, no platform call.
    expect((await stack.gql(STATE, { n })).data!.phone.state).toBe('NORMAL');
    expect(await stack.api.count('lookup.phonestate')).toBe(before + 1);
    await waitFor(async () => (await stack.gateway.services.store.pttl(PhoneLookupCache.key(LookupKind.STATE, n))) === -2);
    expect((await stack.gql(STATE, { n })).data!.phone.state).toBe('POWERED_OFF');
    expect(await stack.api.count('lookup.phonestate')).toBe(before + 2);
  });

  it('keeps the other kinds by their own TTL', async () => {
    const n = '13900002002';
    const before = await stack.api.count('lookup.location');
    await stack.gql(LOCATION, { n });
    const ttl = await stack.gateway.services.store.pttl(PhoneLookupCache.key(LookupKind.LOCATION, n));
    expect(ttl).toBeGreaterThan(29 * 86_400_000);
    await stack.gql(LOCATION, { n });
    expect(await stack.api.count('lookup.location')).toBe(before + 1);
  });

  it('has the documented defaults and refuses a bad TTL setting, naming the variable', () => {
    expect(() => loadConfig({ LOOKUP_TTL_STATE_S: '0' })).toThrow(/LOOKUP_TTL_STATE_S/);
    expect(() => loadConfig({ LOOKUP_REFRESH_AHEAD: '2' })).toThrow(/LOOKUP_REFRESH_AHEAD/);
    expect(loadConfig({}).lookups).toEqual({
      ttlSeconds: { location: 30 * 86_400, portability: 7 * 86_400, state: 600, marks: 86_400, markReport: 86_400 },
      failureTtlSeconds: 15,
      refreshAhead: 0.1,
      maxConcurrent: 16,
      nearCacheMs: 1000,
    });
  });
});

describe.each(TEST_REDIS_MODES)('two gateway instances, one platform, one cache (%s)', (mode) => {
  // Many readers of one principal: above the per-minute budget of operations (rate limits have tests of their own).
  const two = twoInstances({ RATE_LIMIT_OPERATIONS_PER_MINUTE: '0' }, mode);

  const burst = (n: string, query: string, count = 200) =>
    Promise.all(Array.from({ length: count }, (_, i) => (i % 2 === 0 ? two.a : two.b).gql(query, { n })));

  it('200 concurrent requests for one cold number make one platform call', async () => {
    const n = '13900003001';
    const before = two.sandbox.count('lookup.location');
    const results = await burst(n, LOCATION);
    expect(results.every((r) => r.errors === undefined && typeof r.data!.phone.location.province === 'string')).toBe(true);
    expect(new Set(results.map((r) => JSON.stringify(r.data))).size).toBe(1);
    expect(two.sandbox.count('lookup.location')).toBe(before + 1);
  });

  it('one platform call also when the platform is slow to answer', async () => {
    const n = '13900003002';
    two.sandbox.addFault({ endpoint: 'lookup.location', kind: 'delay', ms: 400 });
    const before = two.sandbox.count('lookup.location');
    const results = await burst(n, LOCATION);
    expect(results.every((r) => r.errors === undefined && r.data!.phone.location.city)).toBe(true);
    expect(two.sandbox.count('lookup.location')).toBe(before + 1);
  });

  it('a failed cold lookup is one platform call, and every waiter gets the error', async () => {
    const n = '13900003003';
    two.sandbox.addFault({ endpoint: 'lookup.location', kind: 'envelope', code: 500, msg: '系统繁忙' });
    const before = two.sandbox.count('lookup.location');
    const results = await burst(n, LOCATION, 100);
    expect(results.every((r) => r.data!.phone.location === null && r.errors![0].extensions?.code === 'UPSTREAM_ERROR')).toBe(true);
    expect(two.sandbox.count('lookup.location')).toBe(before + 1);
  });
});

describe.each(TEST_REDIS_MODES)('two gateway instances: early refresh (%s)', (mode) => {
  // State entries live 60 s and are refreshed early in the last 75 % of their life.
  const pair = twoInstances({ LOOKUP_TTL_STATE_S: '60', LOOKUP_REFRESH_AHEAD: '0.75', RATE_LIMIT_OPERATIONS_PER_MINUTE: '0' }, mode);

  it('a hot key near its expiry is refreshed by one platform call while every reader gets an answer', async () => {
    // The entry is made due by moving its refresh time in the store, so a slow machine cannot reach a second
    // refresh point while the burst runs.
    const n = '13900003004';
    const store = pair.a.gateway.services.store;
    const key = PhoneLookupCache.key(LookupKind.STATE, n);
    await pair.a.gql(STATE, { n });
    const before = pair.sandbox.count('lookup.phonestate');
    await pair.a.api.post('/lookups/override', { number: n, lookup: 'phonestate', data: { state: 3 } });
    const entry = JSON.parse((await store.get(key))!) as { r: number; x: number };
    await store.set(key, JSON.stringify({ ...entry, r: Date.now() - 1 }), entry.x - Date.now());
    // Past the near caches' life, so every instance reads the store's entry.
    await sleep(1200);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? pair.a : pair.b).gql(STATE, { n })));
    expect(results.every((r) => r.errors === undefined && r.data!.phone.state)).toBe(true);
    await waitFor(async () => (await pair.a.gql(STATE, { n })).data!.phone.state === 'IN_CALL');
    expect(pair.sandbox.count('lookup.phonestate')).toBe(before + 1);
    // The refreshed entry starts a new life.
    expect(await store.pttl(key)).toBeGreaterThan(50_000);
  });
});

describe('Redis stopped', () => {
  // Without the near cache, so every lookup shows whether it went to the store or the platform.
  // Billed calls cannot be counted while Redis is down and are refused then (test/guards.test.ts); here they are not counted.
  const own = stackWithOwnRedis({ env: { LOOKUP_NEAR_CACHE_MS: '0', RATE_LIMIT_BILLED_PER_MINUTE: '0' } });

  it('answers lookups from the platform while the cache is down', async () => {
    const cached = '13900004001';
    const warm = await own.stack.gql(LOCATION, { n: cached });
    expect(warm.errors).toBeUndefined();
    await own.redis.stop();

    const before = own.stack.sandbox.count('lookup.location');
    const again = await own.stack.gql(LOCATION, { n: cached });
    expect(again).toEqual(warm);
    const fresh = '13900004002';
    const res = await own.stack.gql(`query($n: Phone!) { phone(number: $n) { location { province } state marks { type } } }`, { n: fresh });
    expect(res.errors).toBeUndefined();
    expect(res.data!.phone).toEqual({
      location: { province: expect.any(String) },
      state: expect.any(String),
      marks: { type: expect.any(String) },
    });
    expect(own.stack.sandbox.count('lookup.location')).toBe(before + 2);

    // Concurrent requests of this instance still share one platform call per number.
    own.stack.sandbox.addFault({ endpoint: 'lookup.location', kind: 'delay', ms: 300 });
    const burst = await Promise.all(Array.from({ length: 20 }, () => own.stack.gql(LOCATION, { n: '13900004003' })));
    expect(burst.every((r) => r.errors === undefined)).toBe(true);
    expect(own.stack.sandbox.count('lookup.location')).toBe(before + 3);

    const stats = await own.stack.gql(`{ phoneLookupStats { instance { kind platformCalls } cluster { kind } } }`);
    expect(stats.data!.phoneLookupStats.cluster).toBeNull();
  });
});
