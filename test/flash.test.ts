import { startStack, type Stack } from './support/stack';

const SEND = `mutation($t: String!, $m: [OutgoingMessageInput!]!) { sendFlashSms(templateId: $t, messages: $m) {
  totalCount taskIds accepted { index phone } rejected { index phone code reason } } }`;

describe('flash SMS send', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('posts to the flash path with the token in the body and merges accepted and rejected messages', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(SEND, { t: 'flash-1', m: [{ phone: '13300000001', params: [{ name: 'code', value: '42' }] }, { phone: '55555' }] });
    expect(res.errors).toBeUndefined();
    const [call] = await stack.api.requests('flash.send', since);
    expect(call).toMatchObject({ host: 'open', method: 'POST', path: '/openapi/message/flash/send', contentType: 'json', tokenIn: 'body' });
    expect(call.body).toEqual({ token: expect.any(String), templateId: 'flash-1', msgs: [{ phone: '13300000001', params: { code: '42' } }, { phone: '55555' }] });
    expect(await stack.api.requests('sms.send', since)).toHaveLength(0);
    expect(res.data!.sendFlashSms).toMatchObject({
      totalCount: 2,
      accepted: [{ index: 0, phone: '13300000001' }],
      rejected: [{ index: 1, phone: '55555', code: '-1', reason: '手机号码错误' }],
    });
  });
});
