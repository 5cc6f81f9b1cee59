import { startStack, type Stack } from './support/stack';
import { AgentEventRelay, eventually } from './support/agent-events';
import { collect } from './support/subscriptions';

let stack: Stack;
let relay: AgentEventRelay;
let admin: string;

const ACK =
  'request sequence agentNumber event { event platformEvent agentNumber sequence nowState platformState occurredAt rawData cause causeName causeMeaning platformBusyType ' +
  'call { callId direction caller called } registration { sipId sipPassword domain webrtcSipId webrtcDomain agentType loginType groupIds registered canMakeCalls token } }';

beforeAll(async () => {
  stack = await startStack();
  relay = new AgentEventRelay([stack.gateway]);
  await relay.start(stack.sandbox);
  admin = await stack.token(['admin']);
});
afterAll(async () => {
  await relay.close();
  await stack.close();
});
beforeEach(async () => {
  await stack.api.reset();
  await stack.api.post('/agents/config', { stepMs: 5 });
});

async function lastRequest(since: number) {
  const reqs = await stack.api.requests('agentcontrol.request', since);
  expect(reqs).toHaveLength(1);
  return reqs[0];
}

async function run(mutation: string, vars: Record<string, unknown>, token = admin) {
  const res = await stack.gql(mutation, vars, token);
  return res;
}

async function waitState(agentNumber: string, state: string) {
  await eventually(async () => {
    const events = relay.received.filter((e) => e.agentNumber === agentNumber);
    expect(events.at(-1)?.nowState).toBe(state);
  });
}

async function loginIdle(agentNumber: string) {
  const token = await stack.token(['agent'], agentNumber);
  const login = await run(`mutation { agentLogin(password: "123456", loginType: SIP_PHONE, waitForEvent: true) { ${ACK} } }`, {}, token);
  expect(login.errors).toBeUndefined();
  const idle = await run(`mutation { agentIdle(waitForEvent: true) { ${ACK} } }`, {}, token);
  expect(idle.errors).toBeUndefined();
  return token;
}

async function inCall(agentNumber: string) {
  const token = await loginIdle(agentNumber);
  await run(`mutation { agentMakeCall(called: "13800001111") { request } }`, {}, token);
  await waitState(agentNumber, 'Conversation');
  return token;
}

describe('toolbar requests', () => {
  test('login: exact upstream request, companyId and unique sequence; waits for the Login event with registration data', async () => {
    const token = await stack.token(['agent'], '1001');
    const since = await stack.api.lastSeq();
    const res = await run(
      `mutation { agentLogin(password: "123456", loginType: WEBRTC, waitForEvent: true, userData: "u-1") { ${ACK} } }`,
      {},
      token,
    );
    expect(res.errors).toBeUndefined();
    const ack = res.data!.agentLogin;
    const req = await lastRequest(since);
    expect(req).toMatchObject({ method: 'POST', path: '/ccs/api/agent/control', contentType: 'json', tokenIn: 'none' });
    expect(req.body).toEqual({
      companyId: stack.sandbox.companyId,
      agentNumber: '1001',
      sequence: Number(ack.sequence),
      request: 'login',
      password: '123456',
      loginType: '3',
      userData: 'u-1',
    });
    expect(ack.request).toBe('LOGIN');
    expect(ack.event).toMatchObject({ event: 'LOGIN', platformEvent: 'Login', nowState: 'LOGGED_IN', platformState: 'Login', call: null });
    expect(ack.event.sequence).toBe(ack.sequence);
    expect(typeof ack.sequence).toBe('string');
    expect(new Date(ack.event.occurredAt).getTime()).toBeGreaterThan(0);
    // Typed registration data, from the Login event's data (kept raw in rawData).
    expect(ack.event.registration).toMatchObject({
      sipId: '81001',
      sipPassword: expect.any(String),
      token: expect.any(String),
      domain: 'sip.sandbox.local',
      webrtcDomain: 'webrtc.sandbox.local',
      agentType: 'AGENT',
      loginType: 'WEBRTC',
      groupIds: ['1'],
      registered: true,
      canMakeCalls: true,
    });
    expect(ack.event.rawData).toMatchObject({ sipId: '81001', agentType: 0, loginType: '3' });
    // Another request gets another sequence.
    const again = await run(`mutation { agentHeartbeat { sequence } }`, {}, token);
    expect(again.data!.agentHeartbeat.sequence).not.toBe(ack.sequence);
  });

  const simple: [string, string, string, string | null, (n: string) => Promise<string>][] = [
    ['agentLogout', 'logout', 'LOGOUT', 'LOGOUT', loginIdle],
    ['agentReconnect', 'reconnect', 'RECONNECT', 'RECONNECT', loginIdle],
    ['agentIdle', 'idle', 'IDLE', 'IDLE', loginIdle],
    ['agentHangUp', 'cancelCall', 'CANCEL_CALL', 'CANCEL_CALL', inCall],
    ['agentHold', 'hold', 'HOLD', null, inCall],
    ['agentUnhold', 'unHold', 'UNHOLD', null, inCall],
    ['agentCancelConsult', 'consultCancel', 'CONSULT_CANCEL', 'CONSULT_CANCEL', inCall],
    ['agentThreeWay', 'tripartiteTalk', 'TRIPARTITE_TALK', 'TRIPARTITE_TALK', inCall],
    ['agentCancelTransfer', 'transferCancel', 'TRANSFER_CANCEL', 'TRANSFER_CANCEL', inCall],
    ['agentMute', 'mute', 'MUTE', 'MUTE', inCall],
    ['agentUnmute', 'unmute', 'UNMUTE', 'UNMUTE', inCall],
    ['agentHeartbeat', 'heartbeat', 'HEARTBEAT', null, loginIdle],
  ];
  test.each(simple)('%s sends request %s (ToolbarRequest %s)', async (field, request, requestName, answer, setup) => {
    const token = await setup('1002');
    const since = await stack.api.lastSeq();
    const res = await run(`mutation { ${field}(waitForEvent: ${answer !== null}) { ${ACK} } }`, {}, token);
    expect(res.errors).toBeUndefined();
    const req = await lastRequest(since);
    expect(req.body).toEqual({
      companyId: stack.sandbox.companyId,
      agentNumber: '1002',
      sequence: Number(res.data![field].sequence),
      request,
    });
    expect(res.data![field].request).toBe(requestName);
    if (answer) expect(res.data![field].event).toMatchObject({ event: answer, agentNumber: '1002' });
  });

  test('busy with a busy type', async () => {
    const token = await loginIdle('1003');
    const since = await stack.api.lastSeq();
    const res = await run(`mutation { agentBusy(platformBusyType: "lunch", waitForEvent: true) { ${ACK} } }`, {}, token);
    expect((await lastRequest(since)).body).toMatchObject({ request: 'busy', busyType: 'lunch', agentNumber: '1003' });
    expect(res.data!.agentBusy.event).toMatchObject({
      event: 'BUSY',
      nowState: 'BUSY',
      platformBusyType: 'lunch',
      rawData: { currentBusyType: 'lunch' },
    });
  });

  test('makeCall with enums; a failing call answers MakeCallFail with a named cause', async () => {
    const token = await loginIdle('1004');
    let since = await stack.api.lastSeq();
    const ok = await run(
      `mutation { agentMakeCall(called: "+86 138-0000-2222", displayNumber: "95001", callId: "c-1", answerMode: SIP, waitForEvent: true) { ${ACK} } }`,
      {},
      token,
    );
    expect(ok.errors).toBeUndefined();
    // The Phone is sent in its national form; displayNumber is the platform's caller, answerMode its callAgentType.
    expect((await lastRequest(since)).body).toMatchObject({
      request: 'makeCall',
      called: '13800002222',
      caller: '95001',
      callId: 'c-1',
      callAgentType: 'sip',
    });
    expect(ok.data!.agentMakeCall.event.event).toBe('MAKE_CALL');
    await waitState('1004', 'Conversation');
    await run(`mutation { agentHangUp { request } }`, {}, token);
    await waitState('1004', 'Idle');
    since = await stack.api.lastSeq();
    // An agent number that is none (the sandbox's platform answers MakeCallFail for it).
    const fail = await run(`mutation { agentMakeCall(calledAgentNumber: "8*8", waitForEvent: true) { ${ACK} } }`, {}, token);
    expect((await lastRequest(since)).body).toMatchObject({ request: 'makeCall', called: '8*8' });
    expect(fail.data!.agentMakeCall.event).toMatchObject({
      event: 'MAKE_CALL_FAIL',
      cause: 1028,
      causeName: 'INVALID_NUMBER_FORMAT',
      causeMeaning: expect.any(String),
    });
  });

  test.each([
    ['a bad called phone', 'agentMakeCall(called: "abc")'],
    ['a bad display number', 'agentMakeCall(called: "13800002222", displayNumber: "12")'],
    ['neither called nor calledAgentNumber', 'agentMakeCall'],
    ['both called and calledAgentNumber', 'agentMakeCall(called: "13800002222", calledAgentNumber: "1005")'],
    ['a bad phone consult target', 'agentConsult(targetType: PHONE, targetId: "abc")'],
    ['a bad phone transfer target', 'agentTransfer(targetType: PHONE, targetId: "0000")'],
  ])('%s is refused with BAD_USER_INPUT before any platform call', async (_what, call) => {
    const token = await stack.token(['agent'], '1004');
    const before = await stack.api.count('agentcontrol.request');
    const res = await run(`mutation { ${call} { request } }`, {}, token);
    expect(res.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect(await stack.api.count('agentcontrol.request')).toBe(before);
  });

  test('consult and transfer (blind and consult) with target types', async () => {
    const token = await inCall('1005');
    await loginIdle('1006');
    let since = await stack.api.lastSeq();
    const consult = await run(`mutation { agentConsult(targetType: AGENT, targetId: "1006", waitForEvent: true) { ${ACK} } }`, {}, token);
    expect((await lastRequest(since)).body).toMatchObject({ request: 'consultCall', consultType: '1', consultId: '1006' });
    expect(consult.data!.agentConsult.event.event).toBe('CONSULT_CALL');
    since = await stack.api.lastSeq();
    const transfer = await run(
      `mutation { agentTransfer(targetType: AGENT, targetId: "1006", mode: CONSULT, waitForEvent: true) { ${ACK} } }`,
      {},
      token,
    );
    expect((await lastRequest(since)).body).toMatchObject({
      request: 'transferCall',
      transferType: '1',
      transferId: '1006',
      transferMode: 1,
    });
    expect(transfer.data!.agentTransfer.event.event).toBe('TRANSFER_CALL');
    await waitState('1006', 'Conversation');
    await waitState('1005', 'Idle');
    const blind = await run(
      `mutation { agentTransfer(targetType: PHONE, targetId: "139 0000 0000", mode: BLIND) { request } }`,
      {},
      await stack.token(['agent'], '1006'),
    );
    expect(blind.errors).toBeUndefined();
    expect((await stack.api.requests('agentcontrol.request')).at(-1)!.body).toMatchObject({
      transferType: '2',
      transferId: '13900000000',
      transferMode: 0,
    });
  });

  describe('supervisor operations', () => {
    const ops: [string, string, string][] = [
      ['supervisorForceIdle', 'forceIdle', 'IDLE'],
      ['supervisorForceLogout', 'forceLogout', 'KICK'],
      ['supervisorListen', 'listen', 'LISTEN'],
      ['supervisorForceBreak', 'forceBreak', 'FORCE_BREAK'],
      ['supervisorBargeIn', 'forceInsert', 'FORCE_INSERT'],
      ['supervisorIntercept', 'intercept', 'INTERCEPT'],
    ];
    test.each(ops)('%s sends %s with beAgentNumber', async (field, request, answer) => {
      await stack.api.post('/agents/1010/type', { type: 1 });
      const sup = await loginIdle('1010');
      const supToken = await stack.token(['supervisor'], '1010');
      if (request === 'forceIdle') {
        const t = await loginIdle('1007');
        await run(`mutation { agentBusy(waitForEvent: true) { request } }`, {}, t);
      } else await inCall('1007');
      expect(sup).toBeTruthy();
      const since = await stack.api.lastSeq();
      const res = await run(`mutation { ${field}(targetAgentNumber: "1007", waitForEvent: true) { ${ACK} } }`, {}, supToken);
      expect(res.errors).toBeUndefined();
      expect((await lastRequest(since)).body).toEqual({
        companyId: stack.sandbox.companyId,
        agentNumber: '1010',
        sequence: Number(res.data![field].sequence),
        request,
        beAgentNumber: '1007',
      });
      expect(res.data![field].event.event).toBe(answer);
    });

    test('surveillance and idle agents', async () => {
      await stack.api.post('/agents/1010/type', { type: 1 });
      await loginIdle('1010');
      await loginIdle('1008');
      const supToken = await stack.token(['supervisor'], '1010');
      let since = await stack.api.lastSeq();
      const s = await run(
        `mutation { supervisorSurveillance(groupId: "1", callDirection: INBOUND, platformState: "Idle", waitForEvent: true) { ${ACK} } }`,
        {},
        supToken,
      );
      expect((await lastRequest(since)).body).toMatchObject({
        request: 'surveillance',
        groupId: '1',
        callDirection: '0',
        agentState: 'Idle',
        agentNumber: '1010',
      });
      expect(s.data!.supervisorSurveillance.event.event).toBe('SURVEILLANCE');
      expect((s.data!.supervisorSurveillance.event.rawData.agentList as { agentNumber: string }[]).map((a) => a.agentNumber)).toContain(
        '1008',
      );
      since = await stack.api.lastSeq();
      const idle = await run(`mutation { supervisorIdleAgents(groupId: "1", waitForEvent: true) { ${ACK} } }`, {}, supToken);
      expect((await lastRequest(since)).body).toMatchObject({ request: 'idleAgent', groupId: '1' });
      expect(idle.data!.supervisorIdleAgents.event.event).toBe('IDLE_AGENT');
    });
  });
});

describe('role rules', () => {
  test('an agent acting for another agent is FORBIDDEN, with no platform call', async () => {
    const token = await stack.token(['agent'], '1001');
    const since = await stack.api.lastSeq();
    const res = await run(`mutation { agentIdle(agentNumber: "1002") { request } }`, {}, token);
    expect(res.errors![0].extensions!.code).toBe('FORBIDDEN');
    expect(await stack.api.requests('agentcontrol.request', since)).toHaveLength(0);
  });

  test('a supervisor operation as an agent is FORBIDDEN', async () => {
    const token = await stack.token(['agent'], '1001');
    const res = await run(`mutation { supervisorListen(targetAgentNumber: "1002") { request } }`, {}, token);
    expect(res.errors![0].extensions!.code).toBe('FORBIDDEN');
  });

  test('an admin may act for any agent', async () => {
    const since = await stack.api.lastSeq();
    const res = await run(`mutation { agentLogin(agentNumber: "1009", password: "123456", loginType: MOBILE) { agentNumber } }`, {});
    expect(res.data!.agentLogin.agentNumber).toBe('1009');
    expect((await lastRequest(since)).body).toMatchObject({ agentNumber: '1009', loginType: '2' });
  });

  test('a platform refusal is an UPSTREAM_ERROR with the platform message', async () => {
    const res = await run(`mutation { agentLogin(agentNumber: "1009", password: "wrong", loginType: SIP_PHONE) { agentNumber } }`, {});
    expect(res.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamCode: '-1', upstreamMessage: '密码错误' });
  });
});

describe('waiting for the answering event', () => {
  test('a lost event gives a TIMEOUT error within the timeout', async () => {
    await stack.api.post('/agents/1011/silence', {});
    const token = await stack.token(['agent'], '1011');
    const started = Date.now();
    const res = await run(
      `mutation { agentLogin(password: "123456", loginType: SIP_PHONE, waitForEvent: true, timeoutMs: 300) { request } }`,
      {},
      token,
    );
    expect(res.errors![0].extensions!.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('waiting on a request no event answers is refused', async () => {
    const token = await stack.token(['agent'], '1011');
    const res = await run(`mutation { agentHold(waitForEvent: true) { request } }`, {}, token);
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'waitForEvent' });
  });
});

describe('typed toolbar events on the agentEvent subscription', () => {
  const TYPED =
    'event platformEvent agentNumber sequence nowState platformState occurredAt cause causeName causeMeaning rawData ' +
    'registration { sipId sipPassword token agentType loginType groupIds registered canMakeCalls } ' +
    'call { callId direction platformDirection caller called originalCaller callType predictive queuedAt endedAt hungUpBy platformHungUpBy autoIdleSeconds }';

  test('registration (Login), call data (AgentRinging) and the After cause with its meaning; credentials only for the agent itself', async () => {
    const own = await collect(
      stack.ws(await stack.token(['agent'], '1012')),
      `subscription { agentEvent(agentNumber: "1012", events: [LOGIN, AGENT_RINGING, AFTER]) { ${TYPED} } }`,
    );
    const wall = await collect(
      stack.ws(await stack.token(['viewer'])),
      `subscription { agentEvent(agentNumber: "1012", events: [LOGIN]) { registration { sipId sipPassword token } } }`,
    );
    await loginIdle('1012');
    await waitState('1012', 'Idle');
    await stack.api.post('/agents/1012/inbound', { caller: '13800003333' });
    await waitState('1012', 'Conversation');
    await stack.api.post('/agents/1012/hangup', { cause: 1017, causeName: 'USER_BUSY' });
    const [login, ringing, after] = await own.waitFor(3);
    expect(own.errors).toEqual([]);
    expect(login).toMatchObject({
      event: 'LOGIN',
      platformEvent: 'Login',
      agentNumber: '1012',
      nowState: 'LOGGED_IN',
      platformState: 'Login',
      call: null,
      registration: {
        sipId: '81012',
        sipPassword: expect.any(String),
        token: expect.any(String),
        agentType: 'AGENT',
        loginType: 'SIP_PHONE',
        groupIds: ['2'],
        registered: true,
        canMakeCalls: true,
      },
    });
    expect(typeof login.sequence).toBe('string');
    expect(ringing).toMatchObject({
      event: 'AGENT_RINGING',
      nowState: 'RINGING',
      registration: null,
      call: {
        direction: 'INBOUND',
        platformDirection: '0',
        caller: '13800003333',
        called: '1012',
        originalCaller: '13800003333',
        predictive: false,
        queuedAt: null,
      },
    });
    expect(ringing.call.callId).toEqual(expect.any(String));
    expect(ringing.sequence).toBe('0');
    expect(after).toMatchObject({
      event: 'AFTER',
      nowState: 'AFTER_CALL',
      cause: 1017,
      causeName: 'USER_BUSY',
      causeMeaning: expect.any(String),
      call: { direction: 'INBOUND', hungUpBy: 'CUSTOMER', platformHungUpBy: '1', caller: '13800003333', autoIdleSeconds: 0 },
      rawData: expect.objectContaining({ cause: 1017, data: 'USER_BUSY' }),
    });
    expect(new Date(after.call.endedAt).getTime()).toBeGreaterThan(0);
    await wall.waitFor(1);
    expect(wall.events[0].registration).toEqual({ sipId: '81012', sipPassword: null, token: null });
    own.stop();
    wall.stop();
  });
});
