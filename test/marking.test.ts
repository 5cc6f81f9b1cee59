import type { MultipartResult } from './fixtures/uploads';
import { mp3Bytes } from './fixtures/uploads';
import { MARKING_SEED } from '../sandbox/families/marking';
import { startStack, type Stack } from './support/stack';

const LIMIT = 64 * 1024;
const ONLINE = `mutation($input: MarkNumberOnlineInput!, $logo: Upload, $attachments: [Upload!]) {
  markNumberOnline(input: $input, logo: $logo, attachments: $attachments) { company number } }`;
const OFFLINE = `mutation($input: MarkNumberOfflineInput!) { markNumberOffline(input: $input) { company number } }`;
const STATUS = `query($company: String!, $number: Phone!) { numberMarkingStatus(company: $company, number: $number) {
  company orderId number status platformStatus remark } }`;

const COMPANY = MARKING_SEED.company;
/** A valid 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

interface UploadPart {
  data: Buffer;
  filename: string;
  type?: string;
}

/** A GraphQL multipart request with an optional `logo` and a list of `attachments`. */
async function uploadMarking(
  stack: Stack,
  input: Record<string, unknown>,
  files: { logo?: UploadPart; attachments?: UploadPart[] },
  token?: string,
): Promise<MultipartResult> {
  const parts: [string, UploadPart][] = [];
  if (files.logo) parts.push(['variables.logo', files.logo]);
  (files.attachments ?? []).forEach((f, i) => parts.push([`variables.attachments.${i}`, f]));
  const variables = { input, logo: null, attachments: files.attachments ? files.attachments.map(() => null) : null };
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: ONLINE, variables }));
  form.append('map', JSON.stringify(Object.fromEntries(parts.map(([path], i) => [String(i), [path]]))));
  parts.forEach(([, f], i) => form.append(String(i), new Blob([f.data], { type: f.type ?? 'application/octet-stream' }), f.filename));
  const res = await fetch(`${stack.url}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token ?? (await stack.token(['admin']))}`, 'apollo-require-preflight': 'true' },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as MultipartResult['body'] };
}

describe('number marking (family marking)', () => {
  let stack: Stack;
  let seq = 0;
  /** A fresh number per test, so tests do not share marks. */
  const nextNumber = () => `9558${String(++seq).padStart(4, '0')}`;
  const base = (over: Record<string, unknown> = {}) => ({
    company: COMPANY,
    number: nextNumber(),
    displayName: 'xx标记公司客服',
    orderType: 'ANNUAL',
    plan: 'STANDARD',
    numberType: 'SHORT_95_96_SIX_OR_MORE_DIGITS',
    numberPrice: 1200.5,
    numberCost: 800,
    ...over,
  });
  const online = async (input: Record<string, unknown>) => {
    const res = await stack.gql(ONLINE, { input });
    expect(res.errors).toBeUndefined();
    return res.data!.markNumberOnline as { company: string; number: string };
  };
  const status = (company: string, number: string) => stack.gql(STATUS, { company, number });
  const calls = async (since: number) => (await stack.api.requests(undefined, since)).filter((r) => r.endpoint?.startsWith('marking.'));

  beforeAll(async () => {
    stack = await startStack({ env: { UPLOAD_MAX_BYTES: String(LIMIT) } });
  });
  afterAll(() => stack.close());

  describe('requests as the platform documents them', () => {
    it('puts a number online: multipart to /cmc/api/open/number/online with the token as a form field, every field renamed, logo and attachments as parts', async () => {
      const since = await stack.api.lastSeq();
      const input = base({
        orderId: MARKING_SEED.order,
        orderType: 'PROJECT',
        plan: 'XIAOMI',
        numberType: 'SHORT_95_96_FIVE_DIGITS',
        number: '95123',
        brandFee: 300,
        brandFeeCost: 120.25,
        projectStartsAt: '2024-03-01T00:00:00+08:00',
        projectEndsAt: '2024-12-31T23:59:59.999+08:00',
        projectDescription: '年度客服号码标记',
        remarks: '加急',
      });
      const xlsx = Buffer.from('PK\x03\x04 material list', 'latin1');
      const pdf = Buffer.from('%PDF-1.4 material list', 'latin1');
      const res = await uploadMarking(stack, input, {
        logo: { data: PNG, filename: 'logo.png', type: 'image/png' },
        attachments: [
          { data: xlsx, filename: '物料单.xlsx', type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
          { data: pdf, filename: 'licence.pdf', type: 'application/pdf' },
        ],
      });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.markNumberOnline).toEqual({ company: COMPANY, number: '95123' });

      const [call, ...more] = await calls(since);
      expect(more).toHaveLength(0);
      expect(call).toMatchObject({
        endpoint: 'marking.online',
        host: 'cc',
        method: 'POST',
        path: '/cmc/api/open/number/online',
        contentType: 'multipart',
        tokenIn: 'form',
        answered: 0,
      });
      expect(call.body).toEqual({
        token: expect.any(String),
        corporation: COMPANY,
        orderId: MARKING_SEED.order,
        markNumber: '95123',
        markName: 'xx标记公司客服',
        orderType: '3',
        packageType: '4',
        type: '7',
        unitPrice: '1200.5',
        numberCost: '800',
        brandAmount: '300',
        brandCost: '120.25',
        projectStartTime: String(Date.parse('2024-03-01T00:00:00+08:00')),
        projectEndTime: String(Date.parse('2024-12-31T23:59:59.999+08:00')),
        projectContent: '年度客服号码标记',
        remarks: '加急',
      });
      expect(call.body.projectStartTime).toMatch(/^\d{13}$/);
      expect(call.files).toEqual([
        { field: 'logo', filename: 'logo.png', mimetype: 'image/png', size: PNG.length },
        {
          field: 'attachment',
          filename: '物料单.xlsx',
          mimetype: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          size: xlsx.length,
        },
        { field: 'attachment', filename: 'licence.pdf', mimetype: 'application/pdf', size: pdf.length },
      ]);
    });

    it('sends the logo with its sniffed image type, whatever the client declared', async () => {
      const since = await stack.api.lastSeq();
      const res = await uploadMarking(stack, base(), { logo: { data: PNG, filename: 'logo', type: 'application/octet-stream' } });
      expect(res.body.errors).toBeUndefined();
      const [call] = await stack.api.requests('marking.online', since);
      expect(call.files).toEqual([{ field: 'logo', filename: 'logo', mimetype: 'image/png', size: PNG.length }]);
    });

    it('leaves absent optional fields out, and still sends multipart without files (plain JSON GraphQL request)', async () => {
      const since = await stack.api.lastSeq();
      const input = base();
      await online(input);
      const [call] = await stack.api.requests('marking.online', since);
      expect(call).toMatchObject({ contentType: 'multipart', tokenIn: 'form', files: [] });
      expect(call.body).toEqual({
        token: expect.any(String),
        corporation: COMPANY,
        markNumber: input.number,
        markName: 'xx标记公司客服',
        orderType: '2',
        packageType: '2',
        type: '6',
        unitPrice: '1200.5',
        numberCost: '800',
      });
    });

    it('reads the status: JSON to /cmc/api/open/number/status with the token in the body; the new order and the ONLINE state', async () => {
      const input = base();
      await online(input);
      const since = await stack.api.lastSeq();
      const res = await status(COMPANY, input.number as string);
      expect(res.errors).toBeUndefined();
      expect(res.data!.numberMarkingStatus).toEqual({
        company: COMPANY,
        orderId: expect.stringMatching(/^1001\d{6}$/),
        number: input.number,
        status: 'ONLINE',
        platformStatus: '3',
        remark: null,
      });
      const [call, ...more] = await calls(since);
      expect(more).toHaveLength(0);
      expect(call).toMatchObject({
        endpoint: 'marking.status',
        host: 'cc',
        method: 'POST',
        path: '/cmc/api/open/number/status',
        contentType: 'json',
        tokenIn: 'body',
        files: [],
      });
      expect(call.body).toEqual({ token: expect.any(String), corporation: COMPANY, markNumber: input.number });
    });

    it('takes a number offline: JSON to /cmc/api/open/number/offline with the token in the body; online → offline → online → offline', async () => {
      const input = base({ orderId: MARKING_SEED.order });
      await online(input);
      const number = input.number as string;
      const since = await stack.api.lastSeq();
      const res = await stack.gql(OFFLINE, { input: { company: COMPANY, number, reason: '下线测试' } });
      expect(res.errors).toBeUndefined();
      expect(res.data!.markNumberOffline).toEqual({ company: COMPANY, number });
      const [call] = await calls(since);
      expect(call).toMatchObject({
        endpoint: 'marking.offline',
        host: 'cc',
        method: 'POST',
        path: '/cmc/api/open/number/offline',
        contentType: 'json',
        tokenIn: 'body',
      });
      expect(call.body).toEqual({ token: expect.any(String), corporation: COMPANY, markNumber: number, reason: '下线测试' });

      const off = await status(COMPANY, number);
      expect(off.data!.numberMarkingStatus).toMatchObject({
        orderId: MARKING_SEED.order,
        status: 'OFFLINE',
        platformStatus: '5',
        remark: '下线测试',
      });

      await online(input);
      expect((await status(COMPANY, number)).data!.numberMarkingStatus.status).toBe('ONLINE');
      const again = await stack.gql(OFFLINE, { input: { company: COMPANY, number } });
      expect(again.errors).toBeUndefined();
      const offlines = await stack.api.requests('marking.offline', since);
      expect(offlines).toHaveLength(2);
      expect(offlines[1].body).toEqual({ token: expect.any(String), corporation: COMPANY, markNumber: number });
    });

    it.each([
      [0, 'OTHER', '品牌费未审核通过'],
      [1, 'PENDING_ONLINE', ''],
      [2, 'GOING_ONLINE', ''],
      [4, 'GOING_OFFLINE', ''],
      [9, 'UNKNOWN', '未知状态'],
    ])('maps platform status %s to %s', async (code, state, remark) => {
      const input = base();
      await online(input);
      await stack.api.post('/marking/status', { corporation: COMPANY, markNumber: input.number, status: code, remark });
      const res = await status(COMPANY, input.number as string);
      expect(res.data!.numberMarkingStatus).toMatchObject({ status: state, platformStatus: String(code), remark: remark || null });
    });

    it('sends the national form of the number: separators and +86 are dropped', async () => {
      const since = await stack.api.lastSeq();
      const input = base({ number: '955-80999' });
      expect(await online(input)).toEqual({ company: COMPANY, number: '95580999' });
      const st = await status(COMPANY, '9558 0999');
      expect(st.data!.numberMarkingStatus).toMatchObject({ number: '95580999', status: 'ONLINE' });
      const off = await stack.gql(OFFLINE, { input: { company: COMPANY, number: '9558-0999' } });
      expect(off.errors).toBeUndefined();
      const mobile = await stack.gql(STATUS, { company: COMPANY, number: '+86 138-0013-8000' });
      expect(mobile.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamCode: '1006' });
      expect((await calls(since)).map((c) => [c.endpoint, c.body.markNumber])).toEqual([
        ['marking.online', '95580999'],
        ['marking.status', '95580999'],
        ['marking.offline', '95580999'],
        ['marking.status', '13800138000'],
      ]);
    });
  });

  describe('documented platform codes reach the client as UPSTREAM_ERROR with an English message', () => {
    async function expectCode(
      res: { errors?: { message: string; extensions?: Record<string, any> }[]; data?: unknown },
      endpoint: string,
      code: string,
      msg: string,
      meaning: string,
    ) {
      // A mutation answers data null; a (nullable) root query field answers null beside its error.
      expect(Object.values((res.data ?? {}) as Record<string, unknown>).filter((v) => v !== null)).toEqual([]);
      expect(res.errors![0].extensions).toEqual({
        code: 'UPSTREAM_ERROR',
        endpoint,
        upstreamCode: code,
        upstreamMessage: msg,
        requestId: expect.any(String),
      });
      expect(res.errors![0].message).toBe(`${meaning}.`);
    }

    it('1001: an order that does not exist', async () =>
      expectCode(
        await stack.gql(ONLINE, { input: base({ orderId: '1009999999' }) }),
        'marking.online',
        '1001',
        '订单信息不存在',
        'Order information does not exist: no order found for orderId',
      ));

    it("1002: another company's order", async () =>
      expectCode(
        await stack.gql(ONLINE, { input: base({ orderId: MARKING_SEED.expiredCompanyOrder }) }),
        'marking.online',
        '1002',
        '公司名称和订单号不匹配',
        'Company name and order number do not match',
      ));

    it('1004: a company the platform does not know, without brand fees; with them the company is opened', async () => {
      const company = '新标记公司';
      const number = nextNumber();
      await expectCode(
        await stack.gql(ONLINE, { input: base({ company, number, brandFee: 300 }) }),
        'marking.online',
        '1004',
        '品牌费和品牌费成本不能为空',
        'Brand fee and brand fee cost cannot be empty: required when the company does not exist',
      );
      await online(base({ company, number, brandFee: 300, brandFeeCost: 100 }));
      expect((await status(company, number)).data!.numberMarkingStatus).toMatchObject({ company, number, status: 'ONLINE' });
    });

    it.each([
      [
        'online',
        () => stack.gql(ONLINE, { input: base({ company: MARKING_SEED.expiredCompany, brandFee: 1, brandFeeCost: 1 }) }),
        'marking.online',
      ],
      ['offline', () => stack.gql(OFFLINE, { input: { company: MARKING_SEED.expiredCompany, number: '95000' } }), 'marking.offline'],
      ['status', () => status(MARKING_SEED.expiredCompany, '95000'), 'marking.status'],
      ['status of an unknown company', () => status('无此公司', '95000'), 'marking.status'],
    ])('1005: an expired company (%s)', async (_n, send, endpoint) =>
      expectCode(await send(), endpoint, '1005', '公司不存在或已过期', 'Company does not exist or has expired'),
    );

    it.each([
      ['status', () => status(COMPANY, '95999999'), 'marking.status'],
      ['offline', () => stack.gql(OFFLINE, { input: { company: COMPANY, number: '95999999' } }), 'marking.offline'],
    ])('1006: a number never marked (%s)', async (_n, send, endpoint) =>
      expectCode(await send(), endpoint, '1006', '号码不存在', 'Number does not exist'),
    );

    it('1006: a number marked for another company', async () => {
      const input = base();
      await online(input);
      await online(base({ company: '另一标记公司', number: nextNumber(), brandFee: 1, brandFeeCost: 1 }));
      await expectCode(
        await status('另一标记公司', input.number as string),
        'marking.status',
        '1006',
        '号码不存在',
        'Number does not exist',
      );
    });

    it('1007: taking offline a number that is not online (already offline, or still pending)', async () => {
      const input = base();
      await online(input);
      const offline = () => stack.gql(OFFLINE, { input: { company: COMPANY, number: input.number } });
      expect((await offline()).errors).toBeUndefined();
      const meaning = 'Number is not in the online state, so it cannot be taken offline';
      await expectCode(await offline(), 'marking.offline', '1007', '号码非已上线状态', meaning);
      await stack.api.post('/marking/status', { corporation: COMPANY, markNumber: input.number, status: 1 });
      await expectCode(await offline(), 'marking.offline', '1007', '号码非已上线状态', meaning);
    });

    it('1003 (injected: the gateway refuses a project order without a period itself)', async () => {
      await stack.api.fault({ endpoint: 'marking.online', kind: 'envelope', code: 1003, msg: '项目周期不能为空' });
      await expectCode(
        await stack.gql(ONLINE, { input: base() }),
        'marking.online',
        '1003',
        '项目周期不能为空',
        'Project period cannot be empty: required when the order type is a project order',
      );
    });

    it('-1 (injected: the gateway checks required fields itself) names the field in English, by its GraphQL name', async () => {
      await stack.api.fault({ endpoint: 'marking.online', kind: 'envelope', code: -1, msg: 'corporation不能为空' });
      await expectCode(
        await stack.gql(ONLINE, { input: base() }),
        'marking.online',
        '-1',
        'corporation不能为空',
        'Request failed: company cannot be empty',
      );
      await stack.api.fault({ endpoint: 'marking.status', kind: 'envelope', code: -1, msg: '系统异常' });
      await expectCode(
        await status(COMPANY, '95000'),
        'marking.status',
        '-1',
        '系统异常',
        'Request failed because a required parameter is missing; msg gives the reason',
      );
    });

    it('403: a refused token is renewed and the request retried once; refused again, the client gets 403', async () => {
      const input = base();
      await online(input);
      await stack.api.revokeTokens();
      const since = await stack.api.lastSeq();
      const ok = await status(COMPANY, input.number as string);
      expect(ok.errors).toBeUndefined();
      expect((await stack.api.requests('marking.status', since)).map((r) => r.answered)).toEqual([403, 0]);

      await stack.api.fault({ endpoint: 'marking.offline', kind: 'envelope', code: 403, msg: 'no auth', times: 2 });
      await expectCode(
        await stack.gql(OFFLINE, { input: { company: COMPANY, number: input.number } }),
        'marking.offline',
        '403',
        'no auth',
        'Token invalid/expired, obtain a new one',
      );
    });
  });

  describe('the sandbox platform enforces the rules for callers that bypass the gateway', () => {
    async function direct(path: string, body: Record<string, string>, json = false) {
      const token = await stack.gateway.services.tokens.cc.get();
      if (json) {
        const res = await fetch(`${stack.sandbox.urls.cc}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token, ...body }),
        });
        return res.json();
      }
      const form = new FormData();
      form.append('token', token);
      for (const [k, v] of Object.entries(body)) form.append(k, v);
      const res = await fetch(`${stack.sandbox.urls.cc}${path}`, { method: 'POST', body: form });
      return res.json();
    }
    const fields = {
      corporation: COMPANY,
      markNumber: '95777',
      markName: 'm',
      orderType: '3',
      packageType: '1',
      type: '7',
      unitPrice: '1',
      numberCost: '1',
    };

    it('-1 "xxx不能为空" for a missing required parameter', async () => {
      const { markName: _m, ...rest } = fields;
      expect(await direct('/cmc/api/open/number/online', rest)).toEqual({ msg: 'markName不能为空', code: -1 });
      expect(await direct('/cmc/api/open/number/status', { corporation: COMPANY }, true)).toEqual({ msg: 'markNumber不能为空', code: -1 });
      expect(await direct('/cmc/api/open/number/offline', { markNumber: '95777' }, true)).toEqual({ msg: 'corporation不能为空', code: -1 });
    });

    it('1003 for a project order without its period', async () => {
      expect(await direct('/cmc/api/open/number/online', { ...fields, projectStartTime: '1709222400000' })).toEqual({
        msg: '项目周期不能为空',
        code: 1003,
      });
    });

    it('answers success with the number 0 and the marked number as data', async () => {
      const period = { projectStartTime: '1709222400000', projectEndTime: '1735660799999' };
      expect(await direct('/cmc/api/open/number/online', { ...fields, ...period })).toEqual({ msg: 'success', code: 0, data: '95777' });
    });
  });

  describe('inputs the gateway refuses before any platform call', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['an empty company', { company: ' ' }, 'company'],
      ['an empty display name', { displayName: '' }, 'displayName'],
      ['an empty order id', { orderId: '' }, 'orderId'],
      ['a negative price', { numberPrice: -1 }, 'numberPrice'],
      ['a negative cost', { numberCost: -0.01 }, 'numberCost'],
      ['a negative brand fee', { brandFee: -5 }, 'brandFee'],
      ['a negative brand fee cost', { brandFeeCost: -5 }, 'brandFeeCost'],
      ['a project order without a start', { orderType: 'PROJECT', projectEndsAt: '2024-12-31T00:00:00Z' }, 'projectStartsAt'],
      ['a project order without an end', { orderType: 'PROJECT', projectStartsAt: '2024-01-01T00:00:00Z' }, 'projectEndsAt'],
      ['a project order without a period', { orderType: 'PROJECT' }, 'projectStartsAt'],
      [
        'a period that ends before it starts',
        { orderType: 'PROJECT', projectStartsAt: '2024-12-31T00:00:00Z', projectEndsAt: '2024-01-01T00:00:00Z' },
        'projectEndsAt',
      ],
      ['half a period on another order type', { projectStartsAt: '2024-01-01T00:00:00Z' }, 'projectEndsAt'],
      [
        'a time that is not a 13-digit epoch ms',
        { orderType: 'PROJECT', projectStartsAt: '1999-01-01T00:00:00Z', projectEndsAt: '2024-01-01T00:00:00Z' },
        'projectStartsAt',
      ],
      ['empty project information', { projectDescription: ' ' }, 'projectDescription'],
      ['empty remarks', { remarks: '' }, 'remarks'],
    ];
    it.each(cases)('go online: refuses %s', async (_n, patch, field) => {
      const since = await stack.api.lastSeq();
      const res = await stack.gql(ONLINE, { input: base(patch) });
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(await calls(since)).toHaveLength(0);
    });

    it.each([
      ['go online', () => stack.gql(ONLINE, { input: base({ number: '95-1' }) }), '"95-1"'],
      ['go offline', () => stack.gql(OFFLINE, { input: { company: COMPANY, number: 'abc' } }), '"abc"'],
      ['status', () => status(COMPANY, '95 0'), '"95 0"'],
    ])(
      '%s: refuses a number that is not a phone number with BAD_USER_INPUT naming it, before any platform call',
      async (_n, send, value) => {
        const since = await stack.api.lastSeq();
        const res = await send();
        expect(res.data).toBeUndefined();
        expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
        expect(res.errors![0].message).toContain(value);
        expect(await calls(since)).toHaveLength(0);
      },
    );

    it.each([
      ['an unknown order type', { orderType: 'WEEKLY' }],
      ['a missing plan', { plan: undefined }],
      ['a number type as its platform code', { numberType: 7 }],
    ])('go online: refuses %s at the GraphQL layer', async (_n, patch) => {
      const since = await stack.api.lastSeq();
      const res = await stack.gql(ONLINE, { input: base(patch) });
      expect(res.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
      expect(await calls(since)).toHaveLength(0);
    });

    it.each([
      [
        'a logo that is not an image (by its bytes)',
        { logo: { data: mp3Bytes(), filename: 'logo.png', type: 'image/png' } },
        'logo',
        /PNG, JPEG/,
      ],
      [
        'a logo over the size limit',
        { logo: { data: Buffer.concat([PNG, Buffer.alloc(LIMIT)]), filename: 'big.png', type: 'image/png' } },
        'logo',
        /larger than the 65536-byte limit/,
      ],
      ['an empty logo', { logo: { data: Buffer.alloc(0), filename: 'logo.png' } }, 'logo', /empty/],
      [
        'an attachment over the size limit',
        {
          attachments: [
            { data: PNG, filename: 'a.png' },
            { data: Buffer.alloc(LIMIT + 1, 1), filename: 'big.xlsx' },
          ],
        },
        'attachments[1]',
        /larger than/,
      ],
      ['an empty attachment', { attachments: [{ data: Buffer.alloc(0), filename: 'empty.pdf' }] }, 'attachments[0]', /empty/],
    ])('go online: refuses %s', async (_n, files, field, message) => {
      const since = await stack.api.lastSeq();
      const res = await uploadMarking(stack, base(), files);
      expect(res.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(res.body.errors![0].message).toMatch(message);
      expect(await calls(since)).toHaveLength(0);
    });

    it('accepts a logo of exactly the size limit', async () => {
      const logo = Buffer.concat([PNG, Buffer.alloc(LIMIT - PNG.length)]);
      const res = await uploadMarking(stack, base(), { logo: { data: logo, filename: 'edge.png' } });
      expect(res.body.errors).toBeUndefined();
    });

    it.each([
      ['an empty company', { company: '' }, 'company'],
      ['an empty reason', { reason: '  ' }, 'reason'],
    ])('go offline: refuses %s', async (_n, patch, field) => {
      const since = await stack.api.lastSeq();
      const res = await stack.gql(OFFLINE, { input: { company: COMPANY, number: '95000', ...patch } });
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(await calls(since)).toHaveLength(0);
    });

    it.each([['an empty company', '', '95000', 'company']])('status: refuses %s', async (_n, company, number, field) => {
      const since = await stack.api.lastSeq();
      const res = await status(company, number);
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(await calls(since)).toHaveLength(0);
    });
  });

  describe('roles', () => {
    it('lets a viewer read the status', async () => {
      const input = base();
      await online(input);
      const viewer = await stack.token(['viewer']);
      const res = await stack.gql(STATUS, { company: COMPANY, number: input.number }, viewer);
      expect(res.errors).toBeUndefined();
      expect(res.data!.numberMarkingStatus.status).toBe('ONLINE');
    });

    it.each([['viewer'], ['agent'], ['supervisor']] as const)('refuses marking changes to a %s, before any platform call', async (role) => {
      const token = await stack.token([role], '1001');
      const since = await stack.api.lastSeq();
      const on = await stack.gql(ONLINE, { input: base() }, token);
      expect(on.errors![0].extensions!.code).toBe('FORBIDDEN');
      const off = await stack.gql(OFFLINE, { input: { company: COMPANY, number: '95000' } }, token);
      expect(off.errors![0].extensions!.code).toBe('FORBIDDEN');
      const upload = await uploadMarking(stack, base(), { logo: { data: PNG, filename: 'logo.png' } }, token);
      expect(upload.body.errors![0].extensions!.code).toBe('FORBIDDEN');
      expect(await calls(since)).toHaveLength(0);
    });

    it('refuses the status to an agent (viewer rights are not implied by agent)', async () => {
      const res = await stack.gql(STATUS, { company: COMPANY, number: '95000' }, await stack.token(['agent'], '1001'));
      expect(res.errors![0].extensions!.code).toBe('FORBIDDEN');
    });

    it('refuses requests without a bearer token', async () => {
      const res = await stack.gql(STATUS, { company: COMPANY, number: '95000' }, null);
      expect(res.status).toBe(401);
    });
  });
});
