import { aimRecord } from '../src/datasources/aim';
import { startStack, type Stack } from './support/stack';

const PAGE = `query($filter: AimStatisticsFilter!, $page: Int, $size: Int) { aimSummary(filter: $filter, page: $page, pageSize: $size) {
  page pageSize pages total items { day companyName templateName placementName placementId vendor platformVendor parsedCount clickUv clickPv exposeUv exposePv } } }`;
const DAYS = `query($filter: AimStatisticsFilter!) { aimDailyParses(filter: $filter) { day parsedCount } }`;

describe('AIM statistics (open host)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('sends the CST day range as epoch ms with the token in the query, and maps records to days and vendors', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(PAGE, {
      filter: { from: '2022-04-01', to: '2022-05-31', vendor: 'XIAOMI', templateName: '测试-xx银行', placementName: '测试xx银行' },
      page: 2,
      size: 5,
    });
    expect(res.errors).toBeUndefined();
    const [call] = await stack.api.requests('aim.summary.page', since);
    expect(call).toMatchObject({
      host: 'open',
      method: 'GET',
      path: '/stat/open/aim/statistics/summary/page',
      contentType: 'none',
      tokenIn: 'query',
    });
    // The source example: 1648742400000 = 2022-04-01 00:00:00 +08:00, 1654012799000 = 2022-05-31 23:59:59 +08:00.
    expect(call.query).toEqual({
      token: expect.any(String),
      startTime: '1648742400000',
      endTime: '1654012799000',
      firm: 'xiaomi',
      templateName: '测试-xx银行',
      inputName: '测试xx银行',
      pageNo: '2',
      pageSize: '5',
    });
    const page = res.data!.aimSummary;
    expect(page).toMatchObject({ page: 2, pageSize: 5, total: 61, pages: 13 });
    expect(page.items).toHaveLength(5);
    expect(page.items[0]).toEqual({
      day: '2022-05-26',
      companyName: 'xx银行',
      templateName: '测试-xx银行',
      placementName: '测试xx银行',
      placementId: '1237',
      vendor: 'XIAOMI',
      platformVendor: null,
      parsedCount: 260,
      clickUv: 26,
      clickPv: 27,
      exposeUv: 130,
      exposePv: 234,
    });
  });

  it('lists successful parses per day', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(DAYS, { filter: { from: '2022-05-30', to: '2022-05-31' } });
    expect(res.errors).toBeUndefined();
    expect(res.data!.aimDailyParses).toEqual([
      { day: '2022-05-30', parsedCount: (30 + 31 + 32 + 33) * 10 },
      { day: '2022-05-31', parsedCount: (31 + 32 + 33 + 34) * 10 },
    ]);
    const [call] = await stack.api.requests('aim.summary.daylist', since);
    expect(call).toMatchObject({ host: 'open', method: 'GET', path: '/stat/open/aim/statistics/summary/day/list', tokenIn: 'query' });
    expect(call.query).toEqual({ token: expect.any(String), startTime: '1653840000000', endTime: '1654012799000' });
  });

  it('keeps a vendor the spec does not list readable instead of failing the page', () => {
    expect(aimRecord({ parsingDate: '20220531', firm: 'honor', pullSuccessNum: 3 })).toMatchObject({
      day: '2022-05-31',
      vendor: undefined,
      platformVendor: 'honor',
      parsedCount: 3,
    });
    expect(aimRecord({ parsingDate: '20220531', firm: 'vivo' })).toMatchObject({ vendor: 'vivo', platformVendor: undefined });
    expect(aimRecord({ parsingDate: '20220531' })).toMatchObject({ vendor: undefined, platformVendor: undefined });
  });

  it('answers null for a failing root field while the other still answers', async () => {
    const res = await stack.gql(
      `query($ok: AimStatisticsFilter!, $bad: AimStatisticsFilter!) { bad: aimDailyParses(filter: $bad) { day } ok: aimDailyParses(filter: $ok) { day } }`,
      {
        ok: { from: '2022-05-30', to: '2022-05-30' },
        bad: { from: '2022-05-31', to: '2022-05-30' },
      },
    );
    expect(res.errors![0]).toMatchObject({ path: ['bad'], extensions: { code: 'BAD_USER_INPUT', field: 'to' } });
    expect(res.data).toEqual({ bad: null, ok: [{ day: '2022-05-30' }] });
  });

  it('refuses a range that ends before it starts, and a bad day, before any platform call', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(DAYS, { filter: { from: '2022-05-31', to: '2022-05-30' } });
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    const bad = await stack.gql(DAYS, { filter: { from: '2022-13-01', to: '2022-05-30' } });
    expect(bad.errors).toBeDefined();
    expect(await stack.api.requests('aim.summary.daylist', since)).toHaveLength(0);
  });
});
