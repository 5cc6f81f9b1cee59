import { startStack, type Stack } from './support/stack';

const SEND = `mutation($t: String!, $m: [OutgoingMessageInput!]!) { sendSms(templateId: $t, messages: $m) {
  totalCount taskIds accepted { index msgId phone userData taskId } rejected { index phone userData code reason } } }`;

describe('SMS send', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('sends with a JSON body on the open host, params as an object keyed by placeholder', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(SEND, { t: 'tpl-1', m: [{ phone: '13300000001', userData: 'u1', params: [{ name: 'userName', value: '张三' }, { name: 'verifyCode', value: '901524' }] }] });
    expect(res.errors).toBeUndefined();
    const [call] = await stack.api.requests('sms.send', since);
    expect(call).toMatchObject({ host: 'open', method: 'POST', path: '/openapi/message/sms/send', contentType: 'json', tokenIn: 'body' });
    expect(call.body).toEqual({ token: expect.any(String), templateId: 'tpl-1', msgs: [{ phone: '13300000001', userData: 'u1', params: { userName: '张三', verifyCode: '901524' } }] });
    expect(res.data!.sendSms).toMatchObject({ totalCount: 1, rejected: [], accepted: [{ index: 0, phone: '13300000001', userData: 'u1', msgId: expect.any(String) }] });
  });

  it('a 1,234-message send becomes 3 platform requests of at most 500, merged into one result', async () => {
    const since = await stack.api.lastSeq();
    const msgs = Array.from({ length: 1234 }, (_, i) => ({ phone: `138${String(i).padStart(8, '0')}`, userData: `u${i}` }));
    const res = await stack.gql(SEND, { t: 'tpl-1', m: msgs });
    expect(res.errors).toBeUndefined();
    const calls = await stack.api.requests('sms.send', since);
    expect(calls.map((c) => (c.body.msgs as unknown[]).length).sort((a, b) => b - a)).toEqual([500, 500, 234]);
    const result = res.data!.sendSms;
    expect(result.totalCount).toBe(1234);
    expect(result.taskIds).toHaveLength(3);
    expect(result.accepted).toHaveLength(1234);
    expect(result.accepted.map((a: { index: number }) => a.index)).toEqual(msgs.map((_, i) => i));
    expect(result.accepted[777]).toMatchObject({ phone: msgs[777].phone, userData: 'u777' });
  });

  it('when the platform rejects some messages, the result lists both, with the platform reason', async () => {
    // Chunk 1: mixed; chunk 2: every message refused (outer code -1) — still a normal result.
    const msgs = Array.from({ length: 503 }, (_, i) => ({ phone: i % 100 === 5 || i >= 500 ? `12345${i}` : `139${String(i).padStart(8, '0')}`, userData: `u${i}` }));
    const res = await stack.gql(SEND, { t: 'tpl-1', m: msgs });
    expect(res.errors).toBeUndefined();
    const { accepted, rejected } = res.data!.sendSms;
    const rejectedIdx = [5, 105, 205, 305, 405, 500, 501, 502];
    expect(rejected.map((r: { index: number }) => r.index)).toEqual(rejectedIdx);
    expect(rejected[0]).toEqual({ index: 5, phone: '123455', userData: 'u5', code: '-1', reason: '手机号码错误' });
    expect(accepted).toHaveLength(503 - rejectedIdx.length);
    expect(accepted.some((a: { index: number }) => rejectedIdx.includes(a.index))).toBe(false);
  });

  it('refuses bad input before any platform call', async () => {
    const since = await stack.api.lastSeq();
    for (const [m, field] of [
      [[], 'messages'],
      [[{ phone: '13300000001' }, { phone: 'abc' }], 'messages[1].phone'],
      [[{ phone: '13300000001', userData: 'x'.repeat(101) }], 'messages[0].userData'],
      [[{ phone: '13300000001', params: [{ name: 'a', value: '1' }, { name: 'a', value: '2' }] }], 'messages[0].params[1].name'],
    ] as const) {
      const res = await stack.gql(SEND, { t: 'tpl-1', m });
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(await stack.api.requests('sms.send', since)).toHaveLength(0);
  });
});
