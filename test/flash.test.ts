import { EXAMPLE_TEMPLATE_ID, sandboxTemplates } from '../sandbox/families/sms';
import { waitForCallbacks } from './fixtures/uploads';
import { collect, until } from './support/subscriptions';
import { startStack, type Stack } from './support/stack';

const SEND = `mutation($t: ID!, $m: [OutgoingMessageInput!]!) { sendFlashSms(templateId: $t, messages: $m) {
  totalCount taskIds accepted { index phone } rejected { index phone code reason } } }`;

describe('flash SMS send', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('posts to the flash path with the token in the body and merges accepted and rejected messages', async () => {
    const since = await stack.api.lastSeq();
    // 95555 is a Phone value (a service number) the platform refuses for flash SMS.
    const res = await stack.gql(SEND, {
      t: 'flash-1',
      m: [{ phone: '+86 133 0000 0001', params: [{ name: 'code', value: '42' }] }, { phone: '95555' }],
    });
    expect(res.errors).toBeUndefined();
    const [call] = await stack.api.requests('flash.send', since);
    expect(call).toMatchObject({ host: 'open', method: 'POST', path: '/openapi/message/flash/send', contentType: 'json', tokenIn: 'body' });
    expect(call.body).toEqual({
      token: expect.any(String),
      templateId: 'flash-1',
      msgs: [{ phone: '13300000001', params: { code: '42' } }, { phone: '95555' }],
    });
    expect(await stack.api.requests('sms.send', since)).toHaveLength(0);
    expect(res.data!.sendFlashSms).toMatchObject({
      totalCount: 2,
      accepted: [{ index: 0, phone: '13300000001' }],
      rejected: [{ index: 1, phone: '95555', code: '-1', reason: '手机号码错误' }],
    });
  });

  it('refuses a message whose phone is not a phone number with BAD_USER_INPUT naming it, before any platform call', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(SEND, { t: 'flash-1', m: [{ phone: '13300000001' }, { phone: '55555' }] });
    expect(res.data).toBeUndefined();
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(res.errors![0].message).toContain('"55555"');
    expect((await stack.api.requests(undefined, since)).filter((c) => c.endpoint?.startsWith('flash.'))).toHaveLength(0);
  });
});

const TEMPLATES = `query($f: FlashTemplateFilter, $p: Int, $s: Int) { flashTemplates(filter: $f, page: $p, pageSize: $s) {
  page pageSize total pages items { id templateId name content placeholders createdAt updatedAt status } } }`;
const SENT = `query($f: SentFlashSmsFilter, $p: Int, $s: Int) { sentFlashSms(filter: $f, page: $p, pageSize: $s) {
  page pageSize total pages items { id msgId phone content status sentAt taskId } } }`;
const params = (userName: string) => [
  { name: 'userName', value: userName },
  { name: 'caller', value: '0510-110' },
];

describe('flash SMS templates, parameter check, reports and the sent list', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('lists templates with a GET on the flash path: name, creation range and status in the query (flash has no message type)', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(TEMPLATES, {
      f: { name: '无锡', createdFrom: '2022-06-30T16:00:00.000Z', createdTo: '2022-07-01T15:59:59.000Z', status: 'APPROVED' },
    });
    expect(res.errors).toBeUndefined();
    const [call] = await stack.api.requests('flash.template.list', since);
    expect(call).toMatchObject({
      host: 'open',
      method: 'GET',
      path: '/openapi/message/flash/template/list',
      contentType: 'none',
      tokenIn: 'query',
    });
    expect(call.query).toEqual({
      token: expect.any(String),
      templateName: '无锡',
      startTime: '1656604800000',
      endTime: '1656691199000',
      status: '3',
      pageNo: '1',
      pageSize: '10',
    });
    expect(await stack.api.requests('sms.template.list', since)).toHaveLength(0);
    expect(res.data!.flashTemplates).toEqual({
      page: 1,
      pageSize: 10,
      total: 1,
      pages: 1,
      items: [
        {
          id: EXAMPLE_TEMPLATE_ID,
          templateId: EXAMPLE_TEMPLATE_ID,
          name: '无锡xxxx',
          content: '${userName}, ${caller}流调电话，请您不要挂断',
          placeholders: ['userName', 'caller'],
          createdAt: '2022-06-30T16:00:00.000Z',
          updatedAt: '2022-06-30T17:00:00.000Z',
          status: 'APPROVED',
        },
      ],
    });
    const all = await stack.gql(TEMPLATES, { p: 1, s: 100 });
    expect(all.data!.flashTemplates.items.map((t: { status: string }) => t.status)).toEqual([
      'APPROVED',
      'APPROVED',
      'PENDING_REVIEW',
      'DRAFT',
      'REJECTED',
    ]);
  });

  it('checks params against the flash template before sending', async () => {
    const since = await stack.api.lastSeq();
    const missing = await stack.gql(SEND, {
      t: EXAMPLE_TEMPLATE_ID,
      m: [
        { phone: '13300000001', params: params('张三') },
        { phone: '13300000002', params: params('李四').slice(0, 1) },
      ],
    });
    expect(missing.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'messages[1].params' });
    expect(missing.errors![0].message).toMatch(/\$\{caller\}/);
    const extra = await stack.gql(SEND, {
      t: EXAMPLE_TEMPLATE_ID,
      m: [{ phone: '13300000001', params: [...params('张三'), { name: 'verifyCode', value: '1' }] }],
    });
    expect(extra.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'messages[0].params[2].name' });
    expect(await stack.api.requests('flash.send', since)).toHaveLength(0);
    const lookups = await stack.api.requests('flash.template.list', since);
    expect(lookups[0].query).toEqual({ token: expect.any(String), pageNo: '1', pageSize: '100' });
    expect(await stack.api.requests('sms.template.list', since)).toHaveLength(0);
  });

  it('pushes a flash report per accepted message (no replies); reports arrive through flashReport; the list shows the final state', async () => {
    const sub = await collect(stack.ws(), `subscription { flashReport { msgId taskId phone delivered userData sentAt } }`);
    const res = await stack.gql(SEND, {
      t: EXAMPLE_TEMPLATE_ID,
      m: [
        { phone: '13300000021', userData: 'u21', params: params('张三') },
        { phone: '13300000029', params: params('李四') },
        { phone: '13300000028', params: params('王五') },
      ],
    });
    expect(res.errors).toBeUndefined();
    const [taskId] = res.data!.sendFlashSms.taskIds as string[];
    const pushes = await waitForCallbacks(stack, (p) => p.body.taskId === taskId, 3);
    expect(pushes.map((p) => p.kind)).toEqual(['flash', 'flash', 'flash']);
    for (const p of pushes) expect(Object.keys(p.body)).toEqual(['msgId', 'phone', 'status', 'userData', 'sendTime', 'taskId', 'event']);
    expect(pushes.find((p) => p.body.phone === '13300000021')!.body).toMatchObject({ status: 1, userData: 'u21', event: 'flash' });
    expect(pushes.find((p) => p.body.phone === '13300000029')!.body).toMatchObject({ status: 2, userData: '' });

    await until(() => sub.events.filter((e) => e.taskId === taskId).length >= 3, 10_000);
    const events = sub.events.filter((e) => e.taskId === taskId);
    sub.stop();
    expect(events.find((e) => e.phone === '13300000021')).toMatchObject({ delivered: true, userData: 'u21', sentAt: expect.any(String) });
    expect(events.find((e) => e.phone === '13300000029')).toMatchObject({ delivered: false, userData: null });
    // No uplink for flash, even for a number that replies to SMS.
    expect(events.filter((e) => e.phone === '13300000028')).toHaveLength(1);

    const since = await stack.api.lastSeq();
    const page = await stack.gql(SENT, { f: { taskId, status: 'SENT', phone: '+86 133-0000-0021' }, s: 20 });
    expect(page.errors).toBeUndefined();
    const [call] = await stack.api.requests('flash.list', since);
    expect(call).toMatchObject({ host: 'open', method: 'GET', path: '/openapi/message/flash/list', contentType: 'none', tokenIn: 'query' });
    expect(call.query).toEqual({ token: expect.any(String), taskId, status: '2', phone: '13300000021', pageNo: '1', pageSize: '20' });
    expect(page.data!.sentFlashSms).toEqual({
      page: 1,
      pageSize: 20,
      total: 1,
      pages: 1,
      items: [
        {
          id: pushes.find((p) => p.body.phone === '13300000021')!.body.msgId,
          msgId: pushes.find((p) => p.body.phone === '13300000021')!.body.msgId,
          phone: '13300000021',
          content: '张三, 0510-110流调电话，请您不要挂断',
          status: 'SENT',
          sentAt: expect.any(String),
          taskId,
        },
      ],
    });
    const all = await stack.gql(SENT, { f: { taskId } });
    expect(all.data!.sentFlashSms.items.map((i: { phone: string; status: string }) => [i.phone, i.status])).toEqual([
      ['13300000028', 'SENT'],
      ['13300000029', 'FAILED'],
      ['13300000021', 'SENT'],
    ]);
    expect(sandboxTemplates('flash')).toHaveLength(5);
  });
});
