import codes from '../spec/codes.json';
import { waitForCallbacks } from './fixtures/uploads';
import { startStack, type Stack } from './support/stack';

const PLACE = `mutation($input: PlaceCallbackInput!) { placeCallback(input: $input) { id callId } }`;

describe('two-way callback (makecall)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('posts a JSON body with the token on the cc host, answers the callId, and the platform pushes BidirectionalCallEnd', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(PLACE, {
      input: { caller: '13800000002', called: '15800000002', displayNumber: '95001', mode: 'CLICK_TO_DIAL', userData: 'order-42' },
    });
    expect(res.errors).toBeUndefined();
    const callId = res.data!.placeCallback.callId as string;
    expect(res.data!.placeCallback.id).toBe(callId);
    const [call] = await stack.api.requests('makecall.create', since);
    expect(call).toMatchObject({ host: 'cc', method: 'POST', path: '/api/sip/makecall', contentType: 'json', tokenIn: 'body' });
    const { token, ...body } = call.body;
    expect(stack.sandbox.tokens.cc.isValid(token as string)).toBe(true);
    expect(body).toEqual({ caller: '13800000002', called: '15800000002', callnum: '95001', type: 'click', userData: 'order-42' });

    const [push] = await waitForCallbacks(stack, (p) => p.kind === 'BidirectionalCallEnd' && p.body.callId === callId, 1);
    expect(push.encoding).toBe('json');
    expect(push.body).toMatchObject({
      event: 'BidirectionalCallEnd',
      type: 'click',
      displayCaller: '95001',
      telA: '13800000002',
      telB: '15800000002',
      hangupGcode: 0,
      hangupGname: '正常结束',
      hangupDirection: 2,
      userData: 'order-42',
    });
  });

  it('sends only the required fields when nothing optional is given; each mode maps to its platform literal', async () => {
    for (const [mode, literal] of [
      ['DEFAULT', 'default'],
      ['CARRIER_TWO_WAY', 'cmccbid'],
    ] as const) {
      const since = await stack.api.lastSeq();
      const res = await stack.gql(PLACE, { input: { caller: '13800000002', called: '15800000003', mode } });
      expect(res.errors).toBeUndefined();
      const [call] = await stack.api.requests('makecall.create', since);
      expect(call.body).toEqual({ token: expect.any(String), caller: '13800000002', called: '15800000003', type: literal });
    }
    const since = await stack.api.lastSeq();
    await stack.gql(PLACE, { input: { caller: '13800000002', called: '15800000003' } });
    const [call] = await stack.api.requests('makecall.create', since);
    expect(Object.keys(call.body).sort()).toEqual(['called', 'caller', 'token']);
    expect(codes.makecallType.map((t) => t.code).sort()).toEqual(['click', 'cmccbid', 'default']);
  });

  // caller, called and displayNumber are the Phone scalar: refused while the variables are coerced, naming the value.
  it.each([
    ['caller', { caller: '13x', called: '15800000002' }, '13x'],
    ['called', { caller: '13800000002', called: '' }, ''],
    ['displayNumber', { caller: '13800000002', called: '15800000002', displayNumber: 'abc' }, 'abc'],
  ])('refuses a bad %s before any platform call', async (field, input, value) => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(PLACE, { input });
    expect(res.data ?? null).toBeNull();
    expect(res.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0].message).toContain(`"${value}"`);
    expect(await stack.api.requests('makecall.create', since)).toHaveLength(0);
  });

  it('refuses a called number equal to the caller, also when written differently', async () => {
    const since = await stack.api.lastSeq();
    for (const called of ['13800000002', '+86 138-0000-0002']) {
      const res = await stack.gql(PLACE, { input: { caller: '13800000002', called } });
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'called' });
    }
    expect(await stack.api.requests('makecall.create', since)).toHaveLength(0);
  });

  it('sends the platform the national form of each number', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(PLACE, {
      input: { caller: '+86 138 0000 0002', called: '0086-158-0000-0004', displayNumber: '(0755) 8376-5432' },
    });
    expect(res.errors).toBeUndefined();
    const [call] = await stack.api.requests('makecall.create', since);
    expect(call.body).toMatchObject({ caller: '13800000002', called: '15800000004', callnum: '075583765432' });
  });

  it('surfaces the platform failure -1 with its English meaning', async () => {
    await stack.api.fault({ endpoint: 'makecall.create', kind: 'envelope', code: '-1', msg: '发起呼叫失败' });
    const res = await stack.gql(PLACE, { input: { caller: '13800000002', called: '15800000002' } });
    expect(res.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamCode: '-1', upstreamMessage: '发起呼叫失败' });
    expect(res.errors![0].message).toMatch(/Failed to initiate the call/);
  });

  it('needs an authenticated agent', async () => {
    const viewer = await stack.token(['viewer']);
    const res = await stack.gql(PLACE, { input: { caller: '13800000002', called: '15800000002' } }, viewer);
    expect(res.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN' });
  });
});
