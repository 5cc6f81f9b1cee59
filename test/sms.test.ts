import { EXAMPLE_TEMPLATE_ID, sandboxTemplates } from '../sandbox/families/sms';
import { waitForCallbacks } from './fixtures/uploads';
import { collect, until } from './support/subscriptions';
import { startStack, type Stack } from './support/stack';

const SEND = `mutation($t: ID!, $m: [OutgoingMessageInput!]!) { sendSms(templateId: $t, messages: $m) {
  totalCount taskIds accepted { index msgId phone userData taskId } rejected { index phone userData code reason } } }`;

describe('SMS send', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('sends with a JSON body on the open host, params as an object keyed by placeholder', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(SEND, {
      t: 'tpl-1',
      m: [
        {
          phone: '13300000001',
          userData: 'u1',
          params: [
            { name: 'userName', value: '张三' },
            { name: 'verifyCode', value: '901524' },
          ],
        },
      ],
    });
    expect(res.errors).toBeUndefined();
    const [call] = await stack.api.requests('sms.send', since);
    expect(call).toMatchObject({ host: 'open', method: 'POST', path: '/openapi/message/sms/send', contentType: 'json', tokenIn: 'body' });
    expect(call.body).toEqual({
      token: expect.any(String),
      templateId: 'tpl-1',
      msgs: [{ phone: '13300000001', userData: 'u1', params: { userName: '张三', verifyCode: '901524' } }],
    });
    expect(res.data!.sendSms).toMatchObject({
      totalCount: 1,
      rejected: [],
      accepted: [{ index: 0, phone: '13300000001', userData: 'u1', msgId: expect.any(String) }],
    });
  });

  it('a 1,234-message send becomes 3 platform requests of fewer than 500 (the spec recommends < 500), merged into one result', async () => {
    const since = await stack.api.lastSeq();
    const msgs = Array.from({ length: 1234 }, (_, i) => ({ phone: `138${String(i).padStart(8, '0')}`, userData: `u${i}` }));
    const res = await stack.gql(SEND, { t: 'tpl-1', m: msgs });
    expect(res.errors).toBeUndefined();
    const calls = await stack.api.requests('sms.send', since);
    expect(calls.map((c) => (c.body.msgs as unknown[]).length).sort((a, b) => b - a)).toEqual([499, 499, 236]);
    const result = res.data!.sendSms;
    expect(result.totalCount).toBe(1234);
    expect(result.taskIds).toHaveLength(3);
    expect(result.accepted).toHaveLength(1234);
    expect(result.accepted.map((a: { index: number }) => a.index)).toEqual(msgs.map((_, i) => i));
    expect(result.accepted[777]).toMatchObject({ phone: msgs[777].phone, userData: 'u777' });
  });

  it('when the platform rejects some messages, the result lists both, with the platform reason', async () => {
    // Chunk 1: mixed; chunk 2: every message refused (outer code -1) — still a normal result.
    // Fixed lines are Phone values the platform refuses for SMS (手机号码错误).
    const msgs = Array.from({ length: 502 }, (_, i) => ({
      phone: i % 100 === 5 || i >= 499 ? `0106${String(i).padStart(7, '0')}` : `139${String(i).padStart(8, '0')}`,
      userData: `u${i}`,
    }));
    const res = await stack.gql(SEND, { t: 'tpl-1', m: msgs });
    expect(res.errors).toBeUndefined();
    const { accepted, rejected } = res.data!.sendSms;
    const rejectedIdx = [5, 105, 205, 305, 405, 499, 500, 501];
    expect(rejected.map((r: { index: number }) => r.index)).toEqual(rejectedIdx);
    expect(rejected[0]).toEqual({ index: 5, phone: '01060000005', userData: 'u5', code: '-1', reason: '手机号码错误' });
    expect(accepted).toHaveLength(502 - rejectedIdx.length);
    expect(accepted.some((a: { index: number }) => rejectedIdx.includes(a.index))).toBe(false);
  });

  it('sends the national form of a "+86 …" number', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(SEND, {
      t: 'tpl-1',
      m: [{ phone: '+86 133-0000-0002', userData: 'u2' }, { phone: '0086 (133) 0000 0003' }],
    });
    expect(res.errors).toBeUndefined();
    const [call] = await stack.api.requests('sms.send', since);
    expect(call.body.msgs).toEqual([{ phone: '13300000002', userData: 'u2' }, { phone: '13300000003' }]);
    expect(res.data!.sendSms.accepted.map((a: { index: number; phone: string }) => [a.index, a.phone])).toEqual([
      [0, '13300000002'],
      [1, '13300000003'],
    ]);
  });

  it('refuses a message whose phone is not a phone number with BAD_USER_INPUT naming it, before any platform call', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(SEND, { t: 'tpl-1', m: [{ phone: '13300000001' }, { phone: 'abc' }] });
    expect(res.data).toBeUndefined();
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(res.errors![0].message).toContain('"abc"');
    expect(await stack.api.requests(undefined, since).then((r) => r.filter((c) => c.endpoint?.startsWith('sms.')))).toHaveLength(0);
  });

  it('refuses bad input before any platform call', async () => {
    const since = await stack.api.lastSeq();
    for (const [m, field] of [
      [[], 'messages'],
      [[{ phone: '13300000001', userData: 'x'.repeat(101) }], 'messages[0].userData'],
      [
        [
          {
            phone: '13300000001',
            params: [
              { name: 'a', value: '1' },
              { name: 'a', value: '2' },
            ],
          },
        ],
        'messages[0].params[1].name',
      ],
    ] as const) {
      const res = await stack.gql(SEND, { t: 'tpl-1', m });
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(await stack.api.requests('sms.send', since)).toHaveLength(0);
  });
});

const TEMPLATES = `query($f: SmsTemplateFilter, $p: Int, $s: Int) { smsTemplates(filter: $f, page: $p, pageSize: $s) {
  page pageSize total pages items { id templateId name content placeholders createdAt updatedAt status platformStatus messageType } } }`;
const SENT = `query($f: SentSmsFilter, $p: Int, $s: Int) { sentSms(filter: $f, page: $p, pageSize: $s) {
  page pageSize total pages items { id msgId phone content status platformStatus sentAt taskId messageType } } }`;
const REPORTS = `subscription { smsReport { msgId taskId phone delivered userData sentAt reply replyContent repliedAt } }`;
const verify = (userName: string, verifyCode: string) => [
  { name: 'userName', value: userName },
  { name: 'verifyCode', value: verifyCode },
];
const byName = (name: string) => sandboxTemplates('sms').find((t) => t.templateName === name)!;

describe('SMS templates', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('lists with a GET on the open host, token and filters in the query: name, creation range as epoch ms, status and type numbers', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(TEMPLATES, {
      f: {
        name: '无锡',
        createdFrom: '2022-06-30T16:00:00.000Z',
        createdTo: '2022-07-01T15:59:59.000Z',
        status: 'APPROVED',
        messageType: 'NOTIFICATION',
      },
      p: 1,
      s: 10,
    });
    expect(res.errors).toBeUndefined();
    const [call] = await stack.api.requests('sms.template.list', since);
    expect(call).toMatchObject({
      host: 'open',
      method: 'GET',
      path: '/openapi/message/sms/template/list',
      contentType: 'none',
      tokenIn: 'query',
    });
    expect(stack.sandbox.tokens.cc.isValid(call.query.token as string)).toBe(true);
    // The source example: 1656604800000 = 2022-07-01 00:00:00 +08:00, 1656691199000 = 23:59:59 that day.
    expect(call.query).toEqual({
      token: expect.any(String),
      templateName: '无锡',
      startTime: '1656604800000',
      endTime: '1656691199000',
      status: '3',
      msgType: '1',
      pageNo: '1',
      pageSize: '10',
    });
    expect(res.data!.smsTemplates).toEqual({
      page: 1,
      pageSize: 10,
      total: 1,
      pages: 1,
      items: [
        {
          id: EXAMPLE_TEMPLATE_ID,
          templateId: EXAMPLE_TEMPLATE_ID,
          name: '无锡xxxx',
          content: '${userName}, 您的验证码为：${verifyCode}',
          placeholders: ['userName', 'verifyCode'],
          createdAt: '2022-06-30T16:00:00.000Z',
          updatedAt: '2022-06-30T17:00:00.000Z',
          status: 'APPROVED',
          platformStatus: '3',
          messageType: 'NOTIFICATION',
        },
      ],
    });
  });

  it('pages through every template with only paging in the query; maps the other statuses and the promotional type', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(TEMPLATES, { p: 3, s: 50 });
    expect(res.errors).toBeUndefined();
    const [call] = await stack.api.requests('sms.template.list', since);
    expect(call.query).toEqual({ token: expect.any(String), pageNo: '3', pageSize: '50' });
    expect(res.data!.smsTemplates).toMatchObject({ page: 3, pageSize: 50, total: 105, pages: 3 });
    expect(res.data!.smsTemplates.items).toHaveLength(5);

    const all = (await stack.gql(TEMPLATES, { s: 6 })).data!.smsTemplates.items as {
      name: string;
      status: string;
      messageType: string;
      placeholders: string[];
    }[];
    expect(all.map((t) => [t.name, t.status, t.messageType, t.placeholders])).toEqual([
      ['无锡xxxx', 'APPROVED', 'NOTIFICATION', ['userName', 'verifyCode']],
      ['物流取件通知', 'APPROVED', 'NOTIFICATION', ['orderNo', 'station', 'pickupCode']],
      ['会员日活动', 'APPROVED', 'PROMOTIONAL', ['userName']],
      ['还款提醒', 'PENDING_REVIEW', 'NOTIFICATION', ['userName', 'amount', 'dueDate']],
      ['节日问候', 'DRAFT', 'PROMOTIONAL', []],
      ['限时抢购', 'REJECTED', 'PROMOTIONAL', ['userName', 'product', 'link']],
    ]);
    const since2 = await stack.api.lastSeq();
    const rejected = await stack.gql(TEMPLATES, { f: { status: 'REJECTED', messageType: 'PROMOTIONAL' } });
    expect(rejected.data!.smsTemplates.items.map((t: { name: string }) => t.name)).toEqual(['限时抢购']);
    const [call2] = await stack.api.requests('sms.template.list', since2);
    expect(call2.query).toEqual({ token: expect.any(String), status: '4', msgType: '2', pageNo: '1', pageSize: '10' });
  });

  it.each([
    ['filter.createdTo', { f: { createdFrom: '2022-07-01T00:00:00Z', createdTo: '2022-06-30T00:00:00Z' } }],
    ['filter.name', { f: { name: '  ' } }],
    ['pageSize', { s: 0 }],
    ['page', { p: 0 }],
  ])('refuses a bad %s before any platform call', async (field, variables) => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(TEMPLATES, variables);
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await stack.api.requests('sms.template.list', since)).toHaveLength(0);
  });
});

describe('SMS template parameters are checked before sending', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('looks the template up in the template list (pages of 100, unfiltered), then sends when every message gives exactly its placeholders', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(SEND, { t: EXAMPLE_TEMPLATE_ID, m: [{ phone: '13300000001', params: verify('张三', '901524') }] });
    expect(res.errors).toBeUndefined();
    const calls = (await stack.api.requests(undefined, since)).filter((c) => c.endpoint !== 'auth.token');
    expect(calls.map((c) => c.endpoint)).toEqual(['sms.template.list', 'sms.send']);
    expect(calls[0]).toMatchObject({ method: 'GET', path: '/openapi/message/sms/template/list', tokenIn: 'query' });
    expect(calls[0].query).toEqual({ token: expect.any(String), pageNo: '1', pageSize: '100' });
  });

  it.each([
    [
      'a missing placeholder',
      [
        { phone: '13300000001', params: verify('张三', '1') },
        { phone: '13300000002', params: [{ name: 'userName', value: '李四' }] },
      ],
      'messages[1].params',
      /\$\{verifyCode\}/,
    ],
    ['no params at all', [{ phone: '13300000001' }], 'messages[0].params', /\$\{userName\}/],
    [
      'an unknown param',
      [{ phone: '13300000001', params: [...verify('张三', '1'), { name: 'verifyCod', value: '2' }] }],
      'messages[0].params[2].name',
      /"verifyCod" is not a placeholder.*\$\{userName\}, \$\{verifyCode\}/,
    ],
  ])('refuses %s, naming the message and the placeholder, with no send request', async (_case, m, field, message) => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(SEND, { t: EXAMPLE_TEMPLATE_ID, m });
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(res.errors![0].message).toMatch(message);
    expect(await stack.api.requests('sms.send', since)).toHaveLength(0);
  });

  it('a template without placeholders takes no params', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(SEND, {
      t: byName('节日问候').templateId,
      m: [{ phone: '13300000001', params: [{ name: 'userName', value: '张三' }] }],
    });
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'messages[0].params[0].name' });
    expect(res.errors![0].message).toMatch(/placeholders: none/);
    expect(await stack.api.requests('sms.send', since)).toHaveLength(0);
  });

  it('finds a template on the second page of the list', async () => {
    const oldest = sandboxTemplates('sms').at(-1)!;
    const since = await stack.api.lastSeq();
    const refused = await stack.gql(SEND, { t: oldest.templateId, m: [{ phone: '13300000001' }] });
    expect(refused.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'messages[0].params' });
    const lookups = await stack.api.requests('sms.template.list', since);
    expect(lookups.map((c) => c.query.pageNo)).toEqual(['1', '2']);
    expect(await stack.api.requests('sms.send', since)).toHaveLength(0);
    const ok = await stack.gql(SEND, { t: oldest.templateId, m: [{ phone: '13300000001', params: [{ name: 'code', value: 'A7' }] }] });
    expect(ok.errors).toBeUndefined();
  });

  it('sends anyway when the template is not in the list (the platform decides), and when the list cannot be read', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(SEND, { t: 'not-listed', m: [{ phone: '13300000001', params: [{ name: 'x', value: '1' }] }] });
    expect(res.errors).toBeUndefined();
    const calls = (await stack.api.requests(undefined, since)).filter((c) => c.endpoint !== 'auth.token');
    expect(calls.map((c) => [c.endpoint, c.query.pageNo])).toEqual([
      ['sms.template.list', '1'],
      ['sms.template.list', '2'],
      ['sms.send', undefined],
    ]);
    await stack.api.fault({ endpoint: 'sms.template.list', kind: 'http', status: 502, times: 5 });
    const blind = await stack.gql(SEND, { t: EXAMPLE_TEMPLATE_ID, m: [{ phone: '13300000001' }] });
    await stack.api.clearFaults();
    expect(blind.errors).toBeUndefined();
    expect(blind.data!.sendSms.accepted).toHaveLength(1);
  });

  it('looks a template up once per request, however many sends use it', async () => {
    const since = await stack.api.lastSeq();
    const twice = `mutation($m: [OutgoingMessageInput!]!) {
      a: sendSms(templateId: "${EXAMPLE_TEMPLATE_ID}", messages: $m) { totalCount }
      b: sendSms(templateId: "${EXAMPLE_TEMPLATE_ID}", messages: $m) { totalCount } }`;
    const res = await stack.gql(twice, { m: [{ phone: '13300000001', params: verify('张三', '1') }] });
    expect(res.errors).toBeUndefined();
    expect(await stack.api.requests('sms.template.list', since)).toHaveLength(1);
    expect(await stack.api.requests('sms.send', since)).toHaveLength(2);
  });
});

describe('SMS delivery reports, replies and the sent list', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('pushes a delivery report per accepted message and a reply for some numbers; both arrive through smsReport', async () => {
    const sub = await collect(stack.ws(), REPORTS);
    const before = Date.now();
    const res = await stack.gql(SEND, {
      t: EXAMPLE_TEMPLATE_ID,
      m: [
        { phone: '13300000011', userData: 'u11', params: verify('张三', '901524') },
        { phone: '13300000019', userData: 'u19', params: verify('李四', '900975') },
        { phone: '13300000018', params: verify('王五', '123456') },
        { phone: '12345', params: verify('赵六', '1') },
      ],
    });
    expect(res.errors).toBeUndefined();
    const [taskId] = res.data!.sendSms.taskIds as string[];
    const msgId = (phone: string) => res.data!.sendSms.accepted.find((a: { phone: string }) => a.phone === phone).msgId as string;

    // What the platform pushed: the spec's shapes, field for field.
    const pushes = await waitForCallbacks(stack, (p) => p.body.taskId === taskId, 4);
    const reports = pushes.filter((p) => p.kind === 'sms');
    expect(reports).toHaveLength(3);
    for (const p of reports)
      expect(Object.keys(p.body)).toEqual(['msgId', 'msgType', 'phone', 'status', 'userData', 'sendTime', 'taskId', 'event']);
    expect(reports.find((p) => p.body.phone === '13300000011')!.body).toMatchObject({
      msgId: msgId('13300000011'),
      msgType: 1,
      status: 1,
      userData: 'u11',
      event: 'sms',
    });
    expect(reports.find((p) => p.body.phone === '13300000019')!.body).toMatchObject({ msgType: 1, status: 2, userData: 'u19' });
    const [uplink] = pushes.filter((p) => p.kind === 'smsUplink');
    expect(Object.keys(uplink.body)).toEqual([
      'msgId',
      'msgType',
      'phone',
      'status',
      'userData',
      'replyContent',
      'replyTime',
      'taskId',
      'event',
    ]);
    expect(uplink.body).toMatchObject({ msgId: msgId('13300000018'), msgType: 2, phone: '13300000018', status: 1, event: 'sms' });

    // What subscribers see.
    await until(() => sub.events.filter((e) => e.taskId === taskId).length >= 4, 10_000);
    const events = sub.events.filter((e) => e.taskId === taskId);
    sub.stop();
    const report = (phone: string) => events.find((e) => e.phone === phone && !e.reply)!;
    expect(report('13300000011')).toMatchObject({
      msgId: msgId('13300000011'),
      delivered: true,
      userData: 'u11',
      reply: false,
      replyContent: null,
      repliedAt: null,
    });
    expect(Date.parse(report('13300000011').sentAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(report('13300000019')).toMatchObject({ delivered: false, userData: 'u19' });
    expect(report('13300000018')).toMatchObject({ delivered: true, userData: null });
    expect(events.find((e) => e.reply)).toMatchObject({
      msgId: msgId('13300000018'),
      phone: '13300000018',
      reply: true,
      delivered: null,
      replyContent: '收到，谢谢',
      repliedAt: expect.any(String),
    });
  });

  it('lists what was sent, filled in, with its final state; filters go to the query', async () => {
    const res = await stack.gql(SEND, {
      t: byName('会员日活动').templateId,
      m: ['13400000001', '13400000009'].map((phone) => ({ phone, params: [{ name: 'userName', value: `用户${phone.slice(-1)}` }] })),
    });
    const [taskId] = res.data!.sendSms.taskIds as string[];
    await waitForCallbacks(stack, (p) => p.kind === 'sms' && p.body.taskId === taskId, 2);

    const since = await stack.api.lastSeq();
    const page = await stack.gql(SENT, { f: { taskId } });
    expect(page.errors).toBeUndefined();
    const [call] = await stack.api.requests('sms.list', since);
    expect(call).toMatchObject({ host: 'open', method: 'GET', path: '/openapi/message/sms/list', contentType: 'none', tokenIn: 'query' });
    expect(call.query).toEqual({ token: expect.any(String), taskId, pageNo: '1', pageSize: '10' });
    expect(page.data!.sentSms).toMatchObject({ page: 1, pageSize: 10, total: 2, pages: 1 });
    const items = page.data!.sentSms.items as Record<string, unknown>[];
    expect(items.find((i) => i.phone === '13400000001')).toEqual({
      id: res.data!.sendSms.accepted[0].msgId,
      msgId: res.data!.sendSms.accepted[0].msgId,
      phone: '13400000001',
      content: '尊敬的用户1，会员日全场8折，退订回T',
      status: 'SENT',
      platformStatus: '2',
      sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      taskId,
      messageType: 'PROMOTIONAL',
    });
    expect(items.find((i) => i.phone === '13400000009')).toMatchObject({ status: 'FAILED' });

    const sentAt = new Date(items[0].sentAt as string).getTime();
    const since2 = await stack.api.lastSeq();
    const failed = await stack.gql(SENT, {
      f: {
        sentFrom: new Date(sentAt - 1000).toISOString(),
        sentTo: new Date(sentAt + 1000).toISOString(),
        status: 'FAILED',
        messageType: 'PROMOTIONAL',
        phone: '+86 134 0000 0009',
      },
      p: 1,
      s: 5,
    });
    expect(failed.data!.sentSms.items.map((i: { phone: string }) => i.phone)).toEqual(['13400000009']);
    const [call2] = await stack.api.requests('sms.list', since2);
    expect(call2.query).toEqual({
      token: expect.any(String),
      startTime: String(sentAt - 1000),
      endTime: String(sentAt + 1000),
      status: '3',
      msgType: '2',
      phone: '13400000009',
      pageNo: '1',
      pageSize: '5',
    });
  });

  it('refuses a filter phone that is not a phone number with BAD_USER_INPUT naming it, before any platform call', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(SENT, { f: { phone: '13x' } });
    expect(res.data).toBeUndefined();
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(res.errors![0].message).toContain('"13x"');
    expect(await stack.api.requests('sms.list', since)).toHaveLength(0);
  });

  it.each([
    ['filter.sentTo', { sentFrom: '2022-07-01T00:00:00Z', sentTo: '2022-06-01T00:00:00Z' }],
    ['filter.status', { status: 'UNKNOWN' }],
    ['filter.taskId', { taskId: '' }],
  ])('refuses a bad %s before any platform call', async (field, f) => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(SENT, { f });
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await stack.api.requests('sms.list', since)).toHaveLength(0);
  });
});
