import { waitForCallbacks } from './fixtures/uploads';
import { collect } from './support/subscriptions';
import { startStack, type Stack } from './support/stack';

const BIND = `mutation($model: PrivacyBindingModel!, $input: PrivacyBindingInput!) { bindPrivacyNumber(model: $model, input: $input) { id model bindId telX requestId overwritten } }`;
const UNBIND = `mutation($model: PrivacyBindingModel!, $bindId: ID!, $requestId: String) { unbindPrivacyNumber(model: $model, bindId: $bindId, requestId: $requestId) { bindId requestId } }`;

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
      input: {
        telA: '13800000001',
        telB: '13900000001',
        areaCode: '010',
        expiresInSeconds: 72000,
        userData: 'order-1',
        callerDisplay: 'SHOW_BOTH',
      },
    });
    expect(res.errors).toBeUndefined();
    const binding = res.data!.bindPrivacyNumber;
    expect(binding).toMatchObject({ model: 'AXB', bindId: expect.any(String), telX: expect.stringMatching(/^\d+$/), overwritten: false });
    expect(binding.id).toBe(binding.bindId);
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
    expect(gone.errors![0].extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      upstreamCode: '4003',
      upstreamMessage: '解绑失败，未找到绑定关系',
    });
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
    const input = {
      telA: '13800000004',
      telX: '010-5390-0099',
      callerDisplay: 'SHOW_A',
      identityNumber: '110327******1212',
      identityName: '张三',
    };
    const res = await stack.gql(BIND, { model: 'AX', input });
    expect(res.errors).toBeUndefined();
    expect(res.data!.bindPrivacyNumber).toMatchObject({ model: 'AX', telX: '01053900099', overwritten: false });
    const [call] = await stack.api.requests('pns.ax.bind', since);
    expect(call).toMatchObject({ host: 'cc', path: '/pns/ax/bind', contentType: 'json', tokenIn: 'body' });
    expect(call.body).toEqual({
      token: expect.any(String),
      requestId: expect.any(String),
      telA: '13800000004',
      telX: '01053900099',
      callDisplay: 1,
      identityNumber: '110327******1212',
      identityName: '张三',
    });
    const again = await stack.gql(BIND, { model: 'AX', input: { telA: '13800000004' } });
    expect(again.data!.bindPrivacyNumber).toMatchObject({ overwritten: true, bindId: res.data!.bindPrivacyNumber.bindId });
  });

  it('numbers reach the platform in national form: "+86 …", spaces and dashes are dropped', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(BIND, {
      model: 'AXB',
      input: { telA: '+86 138-0000-0006', telB: '0086 139 0000 0006', telX: '+86 10 5390 0006' },
    });
    expect(res.errors).toBeUndefined();
    const [call] = await stack.api.requests('pns.axb.bind', since);
    expect(call.body).toMatchObject({ telA: '13800000006', telB: '13900000006', telX: '01053900006' });
  });

  it.each([
    ['telA', 'AXB', { telA: 'x', telB: '13900000005' }],
    ['telB', 'AXG', { telA: '13800000005', telB: '1390000000' }],
    ['telX', 'AX', { telA: '13800000005', telX: '+1 415 555 0100' }],
  ])(
    'refuses a %s that is not a phone number (%s) with BAD_USER_INPUT naming it, before any platform call',
    async (field, model, input) => {
      const since = await stack.api.lastSeq();
      const res = await stack.gql(BIND, { model, input });
      expect(res.data).toBeUndefined();
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(res.errors![0].message).toContain(JSON.stringify((input as Record<string, string>)[field]));
      expect(await stack.api.requests(`pns.${String(model).toLowerCase()}.bind`, since)).toHaveLength(0);
    },
  );

  it.each([
    ['telB', 'AXB', { telA: '13800000005' }],
    ['telB', 'AX', { telA: '13800000005', telB: '13900000005' }],
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

  describe('calls through a binding end with a PnsCallEnd push', () => {
    const ENDED = `subscription($bindId: ID) { privacyCallEnded(bindId: $bindId) {
      __typename kind platformKind callId bindId bindType platformBindType callingRole platformCallingRole telX callingNumber calledNumber startedAt ringingAt answeredAt endedAt
      durationSeconds userData recordingUrl hungUpBy platformHungUpBy hangup { code platformName name } } }`;
    const PNS_KEYS = [
      'event',
      'callId',
      'bindId',
      'bindType',
      'callingNumber',
      'calledNumber',
      'callingRole',
      'telX',
      'beginTime',
      'ringTime',
      'startTime',
      'stopTime',
      'duration',
      'userData',
      'recordUrl',
      'hangupGcode',
      'hangupGname',
      'releaseDir',
    ];

    it('AXB: B calls X, reaches A; the record arrives through privacyCallEnded(bindId)', async () => {
      const bound = await stack.gql(BIND, { model: 'AXB', input: { telA: '13800000011', telB: '13900000012', userData: 'order-11' } });
      const { bindId, telX } = bound.data!.bindPrivacyNumber;
      const sub = await collect(stack.ws(), ENDED, { bindId });
      const { callId } = await stack.api.post<{ callId: string }>('/pns/call', { bindId, caller: '13900000012' });

      const [push] = await waitForCallbacks(stack, (p) => p.kind === 'PnsCallEnd' && p.body.callId === callId, 1);
      expect(push.encoding).toBe('json');
      expect(Object.keys(push.body)).toEqual(PNS_KEYS);
      const b = push.body as Record<string, number | string>;
      expect(b).toMatchObject({
        event: 'PnsCallEnd',
        bindId,
        bindType: 'axb',
        callingNumber: '13900000012',
        calledNumber: '13800000011',
        callingRole: 2,
        telX,
      });
      expect(b).toMatchObject({ duration: 11, hangupGcode: '0', hangupGname: '正常结束', releaseDir: 2, userData: 'order-11' });
      expect(Number(b.stopTime) - Number(b.startTime)).toBe(11_000);

      const [event] = await sub.waitFor(1);
      sub.stop();
      expect(event).toEqual({
        __typename: 'PrivacyCallEndedEvent',
        kind: 'PRIVACY_CALL_END',
        platformKind: 'PnsCallEnd',
        callId,
        bindId,
        bindType: 'AXB',
        platformBindType: 'axb',
        callingRole: 'TEL_B',
        platformCallingRole: '2',
        telX,
        callingNumber: '13900000012',
        calledNumber: '13800000011',
        startedAt: new Date(Number(b.beginTime)).toISOString(),
        ringingAt: new Date(Number(b.ringTime)).toISOString(),
        answeredAt: new Date(Number(b.startTime)).toISOString(),
        endedAt: new Date(Number(b.stopTime)).toISOString(),
        durationSeconds: 11,
        userData: 'order-11',
        recordingUrl: `http://record.v-call.cn/${callId}.wav`,
        hungUpBy: 'CALLEE',
        platformHungUpBy: '2',
        hangup: { code: 0, platformName: '正常结束', name: 'Normal end' },
      });
    });

    it('AX: anybody calling the X number reaches A (no caller role); an unanswered call has its hang-up cause', async () => {
      const bound = await stack.gql(BIND, { model: 'AX', input: { telA: '13800000018' } });
      const { bindId, telX } = bound.data!.bindPrivacyNumber;
      const sub = await collect(stack.ws(), ENDED, { bindId });
      const { callId } = await stack.api.post<{ callId: string }>('/pns/call', { telX, caller: '15000000001' });
      const [event] = await sub.waitFor(1);
      sub.stop();
      expect(event).toMatchObject({
        callId,
        bindId,
        bindType: 'AX',
        callingRole: null,
        callingNumber: '15000000001',
        calledNumber: '13800000018',
        durationSeconds: 0,
        hungUpBy: 'CALLER',
        recordingUrl: null,
      });
      expect(event.hangup).toEqual({ code: 2102, platformName: '无人接听', name: 'No answer' });
      const [push] = await waitForCallbacks(stack, (p) => p.body.callId === callId, 1);
      expect(push.body).not.toHaveProperty('callingRole');
    });

    it('the simulated call needs a binding and, for AXB, one of its numbers as the caller', async () => {
      await expect(stack.api.post('/pns/call', { bindId: 'no-such', caller: '13800000001' })).rejects.toThrow(/400/);
      const { bindId } = (await stack.gql(BIND, { model: 'AXB', input: { telA: '13800000013', telB: '13900000013' } })).data!
        .bindPrivacyNumber;
      await expect(stack.api.post('/pns/call', { bindId, caller: '15000000001' })).rejects.toThrow(/neither telA nor telB/);
    });
  });
});
