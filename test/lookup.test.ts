import codes from '../spec/codes.json';
import { Carrier, LookupKind, PhoneState, Portability } from '../src/schema/lookup';
import { PhoneLookupCache } from '../src/upstream/phone-cache';
import { sandboxLookupData } from '../sandbox/families/lookup';
import { startStack, type Stack } from './support/stack';

const LOOKUP_ENDPOINTS = ['lookup.location', 'lookup.portability', 'lookup.phonestate', 'lookup.numberidentify', 'lookup.numberidentifyv2'];

/** Mobile numbers 1380000xxxx in order, each used by one test only (the cache lives as long as the stack). */
let nextNumber = 13800001000;
function freshNumbers(count: number, where: (n: string) => boolean = () => true): string[] {
  const out: string[] = [];
  while (out.length < count) {
    const n = String(nextNumber++);
    if (where(n)) out.push(n);
  }
  return out;
}

describe('phone lookups', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  async function calls(since: number, endpoint?: string) {
    const all = await stack.api.requests(endpoint, since);
    return all.filter((r) => r.endpoint !== null && LOOKUP_ENDPOINTS.includes(r.endpoint));
  }
  const byEndpoint = (list: { endpoint: string | null }[]) =>
    list.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.endpoint!]: (acc[r.endpoint!] ?? 0) + 1 }), {});

  it('sends each lookup as the spec says: GET on cc, number in the path, token in the query', async () => {
    const [n] = freshNumbers(1);
    const since = await stack.api.lastSeq();
    const res = await stack.gql(
      `query($n: Phone!) { phone(number: $n) { location { areaCode } portability state marks { count } markReport { totals { count } } } }`,
      { n },
    );
    expect(res.errors).toBeUndefined();
    const seen = await calls(since);
    const paths = Object.fromEntries(seen.map((r) => [r.endpoint, r]));
    expect(Object.keys(paths).sort()).toEqual([...LOOKUP_ENDPOINTS].sort());
    const expected: Record<string, string> = {
      'lookup.location': `/openapi/location/${n}`,
      'lookup.portability': `/openapi/numberPortability/check/${n}`,
      'lookup.phonestate': `/openapi/phonestate/${n}`,
      'lookup.numberidentify': `/openapi/number-identify/${n}`,
      'lookup.numberidentifyv2': `/openapi/number-identify/v2/${n}`,
    };
    for (const [endpoint, path] of Object.entries(expected)) {
      expect(paths[endpoint]).toMatchObject({ host: 'cc', method: 'GET', path, contentType: 'none', tokenIn: 'query', body: {} });
      expect(paths[endpoint].query).toEqual({ token: expect.any(String) });
      expect(stack.sandbox.tokens.cc.isValid(paths[endpoint].token)).toBe(true);
      expect(paths[endpoint].answered).toBe(endpoint.startsWith('lookup.numberidentify') ? '0' : 0);
    }
  });

  it('maps location and portability of a ported number to enums', async () => {
    const [n] = freshNumbers(1, (x) => sandboxLookupData.portability(x) !== 0);
    const platform = sandboxLookupData.location(n) as Record<string, unknown>;
    const res = await stack.gql(
      `query($n: Phone!) { phone(number: $n) { number kind location { areaCode province city originalCarrier currentCarrier ported } portability } }`,
      { n: `+86 ${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}` },
    );
    expect(res.errors).toBeUndefined();
    const carrierName = (literal: unknown) => Object.entries(Carrier).find(([, v]) => v === literal)![0];
    expect(res.data!.phone).toEqual({
      number: n,
      kind: 'MOBILE',
      location: {
        areaCode: platform.areaCode,
        province: platform.province,
        city: platform.areaName,
        originalCarrier: carrierName(platform.memo),
        currentCarrier: carrierName(platform.currentMemo),
        ported: true,
      },
      portability: Portability[sandboxLookupData.portability(n) as number],
    });
    expect(res.data!.phone.location.originalCarrier).not.toBe(res.data!.phone.location.currentCarrier);
    expect(`TO_${res.data!.phone.location.currentCarrier}`).toBe(res.data!.phone.portability);
  });

  it('maps the live state and both mark lookups', async () => {
    const [n] = freshNumbers(1, (x) => (sandboxLookupData.numberidentify(x) as { marker: { counter: number } }).marker.counter > 0);
    const v1 = sandboxLookupData.numberidentify(n) as { name: string | null; marker: { counter: number; type: string } };
    const v2 = sandboxLookupData.numberidentifyv2(n) as Record<string, any>;
    const state = (sandboxLookupData.phonestate(n) as { state: number }).state;
    const res = await stack.gql(
      `query($n: Phone!) { phone(number: $n) { state marks { type label count name } markReport { totals { type label count showName } sources { source type label count } } } }`,
      { n },
    );
    expect(res.errors).toBeUndefined();
    const info = res.data!.phone;
    expect(info.state).toBe(PhoneState[state]);
    const typeOf = (label: string) => ({ 广告推销: 'ADVERTISING', 骚扰电话: 'HARASSMENT', 诈骗电话: 'FRAUD', '': 'NONE' })[label];
    expect(info.marks).toEqual({ type: typeOf(v1.marker.type), label: v1.marker.type, count: v1.marker.counter, name: v1.name });
    expect(info.markReport.totals).toEqual(
      v2.all.map((t: any) => ({ type: typeOf(t.type), label: t.type, count: t.typeCnt, showName: null })),
    );
    expect(info.markReport.sources.map((s: any) => s.source)).toEqual([
      'QIHOO_360',
      'BAIDU',
      'HUAWEI',
      'OPPO',
      'TENCENT',
      'VIVO',
      'XIAOMI',
    ]);
    expect(info.markReport.sources[0]).toEqual({
      source: 'QIHOO_360',
      type: typeOf(v2.mark360.type),
      label: v2.mark360.type,
      count: v2.mark360.typeCnt,
    });
  });

  it('fetches duplicates in one query once', async () => {
    const [a, b] = freshNumbers(2);
    const since = await stack.api.lastSeq();
    const res = await stack.gql(`query($ns: [Phone!]!) { phones(numbers: $ns) { number state } }`, {
      ns: [a, b, a, `+86${a}`, `${b.slice(0, 3)}-${b.slice(3)}`],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.phones.map((p: { number: string }) => p.number)).toEqual([a, b, a, a, b]);
    const seen = await calls(since);
    expect(seen.map((r) => r.path).sort()).toEqual([`/openapi/phonestate/${a}`, `/openapi/phonestate/${b}`].sort());
  });

  it('answers a second identical query from the cache, without platform calls', async () => {
    const ns = freshNumbers(3);
    const query = `query($ns: [Phone!]!) { phones(numbers: $ns) { location { province currentCarrier } portability state marks { type } markReport { totals { count } } } }`;
    const since = await stack.api.lastSeq();
    const first = await stack.gql(query, { ns });
    expect(first.errors).toBeUndefined();
    expect(byEndpoint(await calls(since))).toEqual(Object.fromEntries(LOOKUP_ENDPOINTS.map((e) => [e, 3])));
    const mid = await stack.api.lastSeq();
    const second = await stack.gql(query, { ns });
    expect(second).toEqual(first);
    expect(await calls(mid)).toEqual([]);
  });

  it('looks up only the fields the query selects', async () => {
    const [n] = freshNumbers(1);
    let since = await stack.api.lastSeq();
    await stack.gql(`query($n: Phone!) { phone(number: $n) { number kind } }`, { n });
    expect(await calls(since)).toEqual([]);
    await stack.gql(`query($n: Phone!) { phone(number: $n) { location { province } } }`, { n });
    expect(byEndpoint(await calls(since))).toEqual({ 'lookup.location': 1 });
    since = await stack.api.lastSeq();
    await stack.gql(`query($n: Phone!) { phone(number: $n) { location { city } marks { count } } }`, { n });
    expect(byEndpoint(await calls(since))).toEqual({ 'lookup.numberidentify': 1 });
  });

  it('a page of 100 rows with 30 distinct numbers makes 30 platform calls, then none', async () => {
    const distinct = freshNumbers(30);
    const rows = Array.from({ length: 100 }, (_, i) => distinct[(i * 7) % 30]);
    const query = `query($ns: [Phone!]!) { phones(numbers: $ns) { number location { city } } }`;
    const since = await stack.api.lastSeq();
    const first = await stack.gql(query, { ns: rows });
    expect(first.errors).toBeUndefined();
    expect(first.data!.phones).toHaveLength(100);
    expect((await calls(since)).length).toBe(30);
    const mid = await stack.api.lastSeq();
    await stack.gql(query, { ns: rows });
    expect(await calls(mid)).toEqual([]);
  });

  it('answers fixed lines without mobile-only lookups', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(
      `{ phone(number: "0755-83765432") { number kind location { areaCode province } portability state marks { type } } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.phone).toEqual({
      number: '075583765432',
      kind: 'FIXED_LINE',
      location: { areaCode: '0755', province: null },
      portability: null,
      state: null,
      marks: { type: expect.any(String) },
    });
    expect(byEndpoint(await calls(since))).toEqual({ 'lookup.numberidentify': 1 });
  });

  it('caches a platform failure briefly: the field fails, the others answer, and the failure is not re-asked', async () => {
    const [n] = freshNumbers(1);
    await stack.api.fault({ endpoint: 'lookup.location', kind: 'envelope', code: 500, msg: '系统繁忙' });
    const since = await stack.api.lastSeq();
    const query = `query($n: Phone!) { phone(number: $n) { state location { province } } }`;
    const first = await stack.gql(query, { n });
    expect(first.data!.phone.location).toBeNull();
    expect(first.data!.phone.state).toEqual(expect.any(String));
    expect(first.errors).toEqual([
      expect.objectContaining({
        path: ['phone', 'location'],
        extensions: expect.objectContaining({ code: 'UPSTREAM_ERROR', upstreamCode: '500', upstreamMessage: '系统繁忙' }),
      }),
    ]);
    const second = await stack.gql(query, { n });
    expect(second.errors).toEqual([
      expect.objectContaining({ path: ['phone', 'location'], extensions: expect.objectContaining({ code: 'UPSTREAM_ERROR' }) }),
    ]);
    expect(byEndpoint(await calls(since))).toEqual({ 'lookup.location': 1, 'lookup.phonestate': 1 });
    // An admin can drop the cached failure; the next query asks again.
    const evicted = await stack.gql(`mutation($n: Phone!) { evictPhoneInfo(number: $n) }`, { n });
    expect(evicted.data).toEqual({ evictPhoneInfo: 2 });
    const third = await stack.gql(query, { n });
    expect(third.errors).toBeUndefined();
    expect(byEndpoint(await calls(since))).toEqual({ 'lookup.location': 2, 'lookup.phonestate': 2 });
  });

  it('keeps a "lookup failed" state only as long as a failure (not the state TTL)', async () => {
    const [n] = freshNumbers(1);
    await stack.api.post('/lookups/override', { number: n, lookup: 'phonestate', data: { state: 0 } });
    const res = await stack.gql(`query($n: Phone!) { phone(number: $n) { state } }`, { n });
    expect(res.data!.phone.state).toBe('LOOKUP_FAILED');
    const ttl = await stack.gateway.services.store.pttl(PhoneLookupCache.key(LookupKind.STATE, n));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(stack.config.lookups.failureTtlSeconds * 1000);
  });

  it('reports statistics per kind to admins and evicts a number', async () => {
    const [n] = freshNumbers(1);
    const before = await stack.gql(
      `{ phoneLookupStats { instance { kind hits misses platformCalls } cluster { kind hits misses platformCalls } } }`,
    );
    expect(before.errors).toBeUndefined();
    const row = (res: typeof before, scope: 'instance' | 'cluster', kind: string) =>
      res.data!.phoneLookupStats[scope].find((r: { kind: string }) => r.kind === kind);
    await stack.gql(`query($n: Phone!) { phone(number: $n) { marks { count } } }`, { n });
    await stack.gql(`query($ns: [Phone!]!) { phones(numbers: $ns) { marks { count } } }`, { ns: [n, n] });
    const after = await stack.gql(
      `{ phoneLookupStats { instance { kind hits misses platformCalls } cluster { kind hits misses platformCalls } } }`,
    );
    for (const scope of ['instance', 'cluster'] as const) {
      const b = row(before, scope, 'MARKS');
      const a = row(after, scope, 'MARKS');
      expect({ hits: a.hits - b.hits, misses: a.misses - b.misses, platformCalls: a.platformCalls - b.platformCalls }).toEqual({
        hits: 1,
        misses: 1,
        platformCalls: 1,
      });
    }
    expect(after.data!.phoneLookupStats.instance.map((r: { kind: string }) => r.kind)).toEqual([
      'LOCATION',
      'PORTABILITY',
      'STATE',
      'MARKS',
      'MARK_REPORT',
    ]);

    const since = await stack.api.lastSeq();
    expect((await stack.gql(`mutation($n: Phone!) { evictPhoneInfo(number: $n) }`, { n })).data).toEqual({ evictPhoneInfo: 1 });
    await stack.gql(`query($n: Phone!) { phone(number: $n) { marks { count } } }`, { n });
    expect(byEndpoint(await calls(since))).toEqual({ 'lookup.numberidentify': 1 });
  });

  it('bounds phones by the operation cost (no fixed count), and limits the admin operations to admins', async () => {
    const many = freshNumbers(1500);
    const since = await stack.api.lastSeq();
    // 1,500 numbers × one platform field is over the cost limit: refused before any lookup.
    const res = await stack.gql(`query($ns: [Phone!]!) { phones(numbers: $ns) { state } }`, { ns: many });
    expect(res.errors![0].extensions).toMatchObject({ code: 'OPERATION_LIMIT', limit: 'cost' });
    expect(await calls(since)).toEqual([]);
    // Without lookups the same list costs nothing: more than the old 500 are answered.
    const plain = await stack.gql(`query($ns: [Phone!]!) { phones(numbers: $ns) { number kind } }`, { ns: many.slice(0, 501) });
    expect(plain.errors).toBeUndefined();
    expect(plain.data!.phones).toHaveLength(501);
    expect(await calls(since)).toEqual([]);

    const viewer = await stack.token(['viewer']);
    expect((await stack.gql(`{ phone(number: "13800138000") { number } }`, {}, viewer)).errors).toBeUndefined();
    expect((await stack.gql(`{ phoneLookupStats { instance { kind } } }`, {}, viewer)).errors![0].extensions?.code).toBe('FORBIDDEN');
    expect((await stack.gql(`mutation { evictPhoneInfo(number: "13800138000") }`, {}, viewer)).errors![0].extensions?.code).toBe(
      'FORBIDDEN',
    );
    expect((await stack.gql(`{ phone(number: "13800138000") { number } }`, {}, null)).errors![0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('knows every carrier, state and portability value of codes.json', () => {
    expect(codes.carrierName.map((c) => c.code).sort()).toEqual(Object.values(Carrier).sort());
    expect(codes.phoneState.map((c) => Number(c.code))).toEqual(Object.values(PhoneState).filter((v) => typeof v === 'number'));
    expect(codes.portabilityResult.map((c) => Number(c.code))).toEqual(Object.values(Portability).filter((v) => typeof v === 'number'));
  });
});
