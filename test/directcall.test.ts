import { waitForCallbacks } from './fixtures/uploads';
import { collect } from './support/subscriptions';
import { startStack, type Stack } from './support/stack';

const BIND = `mutation($input: DirectCallBindInput!) { bindDirectCall(input: $input) {
  overwritten sipId sipPassword sipHost sipPort webSocketUrl domain autoSwitch
  serviceParams { openStun openIce tcp stunServer codec sendLog uploadLog uploadLogUrl } } }`;
const UNBIND = `mutation($input: DirectCallUnbindInput!) { unbindDirectCall(input: $input) { telA orderId delaySeconds } }`;
const TERMINAL = JSON.stringify({ appVersion: '1.3', sysType: 'Android', sdkVersion: '1.0.5' });

describe('direct call (sdk/dc on the open host)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  const bindings = () => stack.api.get<{ telA: string; orderId: string }[]>('/directcall/bindings');

  it('binds with a JSON body on the open host and answers the SIP/WebSocket registration as typed fields', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(BIND, {
      input: {
        telA: '13800000001',
        telB: '13900000001',
        orderId: '1235',
        displayNumber: '95001',
        expiresInSeconds: 72000,
        userData: 'u1',
        source: 'app',
        areaCode: '010',
        terminalInfo: TERMINAL,
      },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.bindDirectCall).toEqual({
      overwritten: false,
      sipId: expect.stringMatching(/^\d+$/),
      sipPassword: expect.any(String),
      sipHost: '120.30.40.50',
      sipPort: 5060,
      webSocketUrl: 'wss://120.30.40.50:8443',
      domain: '120.30.40.50:5060',
      autoSwitch: 0,
      serviceParams: {
        openStun: false,
        openIce: true,
        tcp: false,
        stunServer: '120.30.40.50',
        codec: 'OPUS',
        sendLog: false,
        uploadLog: true,
        uploadLogUrl: 'http://120.30.40.50:8084',
      },
    });
    const [call] = await stack.api.requests('directcall.bind', since);
    expect(call).toMatchObject({ host: 'open', method: 'POST', path: '/api/sdk/dc/bind', contentType: 'json', tokenIn: 'body' });
    expect(call.body).toEqual({
      token: expect.any(String),
      telA: '13800000001',
      telB: '13900000001',
      orderId: '1235',
      callnum: '95001',
      expiration: 72000,
      userData: 'u1',
      source: 'app',
      areaCode: 10, // spec: areaCode is an Integer; "010" → 10
      terminalInfo: TERMINAL,
    });
    const again = await stack.gql(BIND, { input: { telA: '13800000001', telB: '13900000009', orderId: '1235' } });
    expect(again.data!.bindDirectCall).toMatchObject({ overwritten: true, sipId: res.data!.bindDirectCall.sipId });
  });

  it('unbinds now, or after a delay (the binding stays until then); an unknown binding is 4003', async () => {
    await stack.gql(BIND, { input: { telA: '13800000002', telB: '13900000002', orderId: '7' } });
    await stack.gql(BIND, { input: { telA: '13800000003', telB: '13900000003', orderId: '8' } });
    const since = await stack.api.lastSeq();
    const later = await stack.gql(UNBIND, { input: { telA: '13800000002', orderId: '7', delaySeconds: 3600, terminalInfo: TERMINAL } });
    expect(later.data!.unbindDirectCall).toEqual({ telA: '13800000002', orderId: '7', delaySeconds: 3600 });
    const now = await stack.gql(UNBIND, { input: { telA: '13800000003', orderId: '8' } });
    expect(now.data!.unbindDirectCall.delaySeconds).toBe(0);
    const calls = await stack.api.requests('directcall.unbind', since);
    expect(calls[0]).toMatchObject({ host: 'open', path: '/api/sdk/dc/unbind', contentType: 'json', tokenIn: 'body' });
    expect(calls[0].body).toEqual({
      token: expect.any(String),
      telA: '13800000002',
      orderId: '7',
      expiration: 3600,
      terminalInfo: TERMINAL,
    });
    expect(calls[1].body).toEqual({ token: expect.any(String), telA: '13800000003', orderId: '8' });
    const left = (await bindings()).map((b) => `${b.telA}:${b.orderId}`);
    expect(left).toContain('13800000002:7');
    expect(left).not.toContain('13800000003:8');
    const gone = await stack.gql(UNBIND, { input: { telA: '13800000003', orderId: '8' } });
    expect(gone.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamCode: '4003' });
  });

  it('numbers reach the platform in national form; an area code written "0755" reaches it as the Integer the spec types it (755)', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(BIND, {
      input: { telA: '+86 138-0000-0031', telB: '0086 139 0000 0031', orderId: '31', displayNumber: '+86 755 8376 5432', areaCode: '0755' },
    });
    expect(res.errors).toBeUndefined();
    const [call] = await stack.api.requests('directcall.bind', since);
    expect(call.body).toEqual({
      token: expect.any(String),
      telA: '13800000031',
      telB: '13900000031',
      orderId: '31',
      callnum: '075583765432',
      areaCode: 755,
    });
    const un = await stack.gql(UNBIND, { input: { telA: '+86 138 0000 0031', orderId: '31' } });
    expect(un.data!.unbindDirectCall).toEqual({ telA: '13800000031', orderId: '31', delaySeconds: 0 });
    const [unbind] = await stack.api.requests('directcall.unbind', since);
    expect(unbind.body).toEqual({ token: expect.any(String), telA: '13800000031', orderId: '31' });
  });

  it.each([
    ['telA', BIND, { telA: '1380000000', telB: '13900000004', orderId: '1' }],
    ['telB', BIND, { telA: '13800000004', telB: 'b', orderId: '1' }],
    ['displayNumber', BIND, { telA: '13800000004', telB: '13900000004', orderId: '1', displayNumber: '+44 20 7946 0958' }],
    ['telA', UNBIND, { telA: '12', orderId: '1' }],
  ])('refuses a %s that is not a phone number with BAD_USER_INPUT naming it, before any platform call', async (field, query, input) => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(query, { input });
    expect(res.data).toBeUndefined();
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(res.errors![0].message).toContain(JSON.stringify((input as Record<string, string>)[field]));
    expect(await stack.api.requests('directcall.bind', since)).toHaveLength(0);
    expect(await stack.api.requests('directcall.unbind', since)).toHaveLength(0);
  });

  it.each([
    ['orderId', BIND, { telA: '13800000004', telB: '13900000004', orderId: ' ' }],
    ['terminalInfo', BIND, { telA: '13800000004', telB: '13900000004', orderId: '1', terminalInfo: '{not json' }],
    ['expiresInSeconds', BIND, { telA: '13800000004', telB: '13900000004', orderId: '1', expiresInSeconds: -5 }],
    ['areaCode', BIND, { telA: '13800000004', telB: '13900000004', orderId: '1', areaCode: '07-55' }],
    ['areaCode', BIND, { telA: '13800000004', telB: '13900000004', orderId: '1', areaCode: '000' }],
    ['delaySeconds', UNBIND, { telA: '13800000004', orderId: '1', delaySeconds: -1 }],
  ])('refuses a bad %s before any platform call', async (field, query, input) => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(query, { input });
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await stack.api.requests('directcall.bind', since)).toHaveLength(0);
    expect(await stack.api.requests('directcall.unbind', since)).toHaveLength(0);
  });

  it('a call of a binding ends with a direct-call PnsCallEnd push (no bindId) that arrives through directCallEnded', async () => {
    const ENDED = `subscription($n: Phone) { directCallEnded(callingNumber: $n) {
      __typename kind platformKind callId type callingType source hungUpBy platformHungUpBy callingNumber calledNumber answeredAt durationSeconds userData recordingUrl hangup { code name } } }`;
    await stack.gql(BIND, { input: { telA: '13800000021', telB: '13900000024', orderId: '21', userData: 'parcel-21' } });
    const fromA = await collect(stack.ws(), ENDED, { n: '13800000021' });
    const fromB = await collect(stack.ws(), ENDED, { n: '13900000024' });
    const a = await stack.api.post<{ callId: string }>('/directcall/call', { telA: '13800000021', orderId: '21' });
    const b = await stack.api.post<{ callId: string }>('/directcall/call', {
      telA: '13800000021',
      orderId: '21',
      from: 'telB',
      source: '手机直拨',
    });

    const [push] = await waitForCallbacks(stack, (p) => p.body.callId === a.callId, 1);
    expect(push.kind).toBe('DirectCallEnd');
    expect(Object.keys(push.body)).toEqual([
      'event',
      'callId',
      'type',
      'callingType',
      'callingNumber',
      'calledNumber',
      'beginTime',
      'ringTime',
      'startTime',
      'stopTime',
      'duration',
      'userData',
      'recordUrl',
      'source',
      'hangupGcode',
      'hangupGname',
      'hangupDirection',
    ]);
    expect(push.body).toMatchObject({
      event: 'PnsCallEnd',
      type: 'telA',
      callingType: 'telA',
      callingNumber: '13800000021',
      calledNumber: '13900000024',
      duration: 14,
      source: 'sdk',
      hangupGcode: '0',
      hangupDirection: 'telA',
    });

    const [ea] = await fromA.waitFor(1);
    expect(ea).toMatchObject({
      __typename: 'DirectCallEndedEvent',
      kind: 'DIRECT_CALL_END',
      platformKind: 'DirectCallEnd',
      callId: a.callId,
      type: 'TEL_A',
      callingType: 'TEL_A',
      source: 'sdk',
      hungUpBy: 'TEL_A',
      platformHungUpBy: 'telA',
      calledNumber: '13900000024',
      durationSeconds: 14,
      userData: 'parcel-21',
      recordingUrl: `http://record.v-call.cn/${a.callId}.wav`,
      hangup: { code: 0, name: 'Normal end' },
    });
    const [eb] = await fromB.waitFor(1);
    expect(eb).toMatchObject({
      callId: b.callId,
      type: 'TEL_B',
      callingType: 'TEL_B',
      source: '手机直拨',
      callingNumber: '13900000024',
      calledNumber: '13800000021',
      durationSeconds: 11,
      hungUpBy: 'TEL_A',
    });
    fromA.stop();
    fromB.stop();
    await expect(stack.api.post('/directcall/call', { telA: '13800000021', orderId: '99' })).rejects.toThrow(/no binding/);
  });
});
