import { startStack, type Stack } from './support/stack';

const BIND = `mutation($model: PrivacyBindingModel!, $input: PrivacyBindingInput!) { bindPrivacyNumber(model: $model, input: $input) { model bindId telX requestId overwritten } }`;
const UNBIND = `mutation($model: PrivacyBindingModel!, $bindId: String!, $requestId: String) { unbindPrivacyNumber(model: $model, bindId: $bindId, requestId: $requestId) { bindId requestId } }`;

describe('privacy numbers (pns)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('binds AXB with a JSON body on the cc host, a generated requestId, and the caller display as its integer', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(BIND, {
      model: 'AXB',
      input: { telA: '13800000001', telB: '13900000001', areaCode: '010', expiresInSeconds: 72000, userData: 'order-1', callerDisplay: 'SHOW_BOTH' },
    });
    expect(res.errors).toBeUndefined();
    const binding = res.data!.bindPrivacyNumber;
    expect(binding).toMatchObject({ model: 'AXB', bindId: expect.any(String), telX: expect.stringMatching(/^\d+$/), overwritten: false });
    expect(binding.requestId).toMatch(/^[0-9a-f]{32}$/);
    const [call] = await stack.api.requests('pns.axb.bind', since);
    expect(call).toMatchObject({ host: 'cc', method: 'POST', path: '/pns/axb/bind', contentType: 'json', tokenIn: 'body' });
    const { token, ...body } = call.body;
    expect(stack.sandbox.tokens.cc.isValid(token as string)).toBe(true);
    expect(body).toEqual({
      requestId: binding.requestId,
      telA: '13800000001',
      telB: '13900000001',
      areaCode: '010',
      expiration: 72000,
      userData: 'order-1',
      callDisplay: 3,
    });
  });

  it('a retry with the same client request id does not create a second binding', async () => {
    const input = { requestId: 'retry-1', telA: '13800000002', telB: '13900000002' };
    const first = (await stack.gql(BIND, { model: 'AXB', input })).data!.bindPrivacyNumber;
    const again = (await stack.gql(BIND, { model: 'AXB', input })).data!.bindPrivacyNumber;
    expect(again).toEqual(first);
    expect(first.requestId).toBe('retry-1');
    // The binding exists once: unbinding it works, then it is gone.
    const un = await stack.gql(UNBIND, { model: 'AXB', bindId: first.bindId, requestId: 'un-1' });
    expect(un.errors).toBeUndefined();
    const since = await stack.api.lastSeq();
    const gone = await stack.gql(UNBIND, { model: 'AXB', bindId: first.bindId });
    expect(gone.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamCode: '4003', upstreamMessage: '解绑失败，未找到绑定关系' });
    const [call] = await stack.api.requests('pns.axb.unbind', since);
    expect(call).toMatchObject({ host: 'cc', path: '/pns/axb/unbind', contentType: 'json', tokenIn: 'body' });
    expect(call.body).toEqual({ token: expect.any(String), bindId: first.bindId, requestId: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it('binding the same A and B again is a success that says the binding was overwritten (0001)', async () => {
    const input = { telA: '13800000003', telB: '13900000003' };
    const first = (await stack.gql(BIND, { model: 'AXG', input })).data!.bindPrivacyNumber;
    const res = await stack.gql(BIND, { model: 'AXG', input });
    expect(res.errors).toBeUndefined();
    expect(res.data!.bindPrivacyNumber).toMatchObject({ model: 'AXG', bindId: first.bindId, telX: first.telX, overwritten: true });
    expect(res.data!.bindPrivacyNumber.requestId).not.toBe(first.requestId);
  });

  it('binds AX with the identity fields and a given X number; an existing AX binding answers 0001', async () => {
    const since = await stack.api.lastSeq();
    const input = { telA: '13800000004', telX: '95790000099', callerDisplay: 'SHOW_A', identityNumber: '110327******1212', identityName: '张三' };
    const res = await stack.gql(BIND, { model: 'AX', input });
    expect(res.errors).toBeUndefined();
    expect(res.data!.bindPrivacyNumber).toMatchObject({ model: 'AX', telX: '95790000099', overwritten: false });
    const [call] = await stack.api.requests('pns.ax.bind', since);
    expect(call).toMatchObject({ host: 'cc', path: '/pns/ax/bind', contentType: 'json', tokenIn: 'body' });
    expect(call.body).toEqual({
      token: expect.any(String),
      requestId: expect.any(String),
      telA: '13800000004',
      telX: '95790000099',
      callDisplay: 1,
      identityNumber: '110327******1212',
      identityName: '张三',
    });
    const again = await stack.gql(BIND, { model: 'AX', input: { telA: '13800000004' } });
    expect(again.data!.bindPrivacyNumber).toMatchObject({ overwritten: true, bindId: res.data!.bindPrivacyNumber.bindId });
  });

  it.each([
    ['telB', 'AXB', { telA: '13800000005' }],
    ['telB', 'AX', { telA: '13800000005', telB: '13900000005' }],
    ['telA', 'AXB', { telA: 'x', telB: '13900000005' }],
    ['callerDisplay', 'AX', { telA: '13800000005', callerDisplay: 'SHOW_B' }],
    ['callerDisplay', 'AXG', { telA: '13800000005', telB: '13900000005', callerDisplay: 'HIDDEN' }],
    ['identityName', 'AXB', { telA: '13800000005', telB: '13900000005', identityName: 'x' }],
    ['expiresInSeconds', 'AXB', { telA: '13800000005', telB: '13900000005', expiresInSeconds: 0 }],
    ['requestId', 'AXB', { telA: '13800000005', telB: '13900000005', requestId: 'r'.repeat(51) }],
    ['areaCode', 'AXB', { telA: '13800000005', telB: '13900000005', areaCode: '0101010' }],
  ])('refuses a bad %s (%s) before any platform call', async (field, model, input) => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(BIND, { model, input });
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await stack.api.requests(`pns.${String(model).toLowerCase()}.bind`, since)).toHaveLength(0);
  });
});
