import type { GraphQLInterfaceType, GraphQLObjectType } from 'graphql';
import spec from '../spec/agent-control.json';
import { buildGatewaySchema } from '../src/build-schema';
import { agentEventFields, agentEventName, toAgentEvent } from '../src/datasources/agentcontrol';
import { AgentCallType, AgentEvent, AgentEventName, CallDirection, LoginType, ToolbarAgentType } from '../src/schema/agentcontrol';
import { CallParty } from '../src/schema/call';
import { agentEventKey, isAgentEventBody, normalizeAgentEvent } from '../src/subscriptions/agent-event';
import { AgentActivity, agentEventParts, eventVersion } from '../src/subscriptions/live-state';

describe('normalizeAgentEvent', () => {
  test('the spec example body (eventTime as a number) → the fixed shape', () => {
    const e = normalizeAgentEvent({
      type: 'event',
      event: 'Login',
      nowState: 'Login',
      eventTime: 1689127936928,
      sequence: 1689131708674,
      companyId: '74722c42eea35272d005c2c731f17c46',
      agentNumber: '1001',
      agentId: 'a1',
      ivrParam: '',
      data: { sipId: '8001' },
    });
    expect(e).toEqual({
      event: 'Login',
      agentNumber: '1001',
      agentId: 'a1',
      companyId: '74722c42eea35272d005c2c731f17c46',
      nowState: 'Login',
      eventTime: new Date(1689127936928),
      sequence: 1689131708674,
      userData: null,
      ivrParam: null,
      data: { sipId: '8001' },
    });
    expect(isAgentEventBody({ type: 'event', event: 'Login' })).toBe(true);
    expect(isAgentEventBody({ event: 'CallEnd' })).toBe(false);
    expect(agentEventKey(e)).toBe('1001:Login:1689127936928:1689131708674');
  });

  test('eventTime as text, no sequence (0), data as JSON text', () => {
    const e = normalizeAgentEvent({
      type: 'event',
      event: 'Busy',
      eventTime: '1689127936928',
      agentNumber: 1002,
      data: '{"currentBusyType":"x"}',
    });
    expect(e).toMatchObject({ agentNumber: '1002', sequence: 0, eventTime: new Date(1689127936928), data: { currentBusyType: 'x' } });
  });

  test('a body without agent, event or time is refused', () => {
    expect(() => normalizeAgentEvent({ type: 'event', event: 'Idle', eventTime: 1 })).toThrow(/agentNumber/);
    expect(() => normalizeAgentEvent({ type: 'event', agentNumber: '1', eventTime: 1 })).toThrow(/event name/);
    expect(() => normalizeAgentEvent({ type: 'event', event: 'Idle', agentNumber: '1' })).toThrow(/eventTime/);
  });
});

describe('live state parts', () => {
  const at = (event: string, eventTime: number, sequence = 0, data: Record<string, unknown> | null = null) =>
    normalizeAgentEvent({ type: 'event', event, agentNumber: '1', eventTime, sequence, ...(data ? { data } : {}) });

  test('versions order by time, then sequence, then place in the call flow', () => {
    expect(eventVersion(at('Idle', 2)) > eventVersion(at('Busy', 1, 99))).toBe(true);
    expect(eventVersion(at('Conversation', 5, 7)) > eventVersion(at('AgentRinging', 5, 7))).toBe(true);
    expect(eventVersion(at('Idle', 5, 8)) > eventVersion(at('After', 5, 7))).toBe(true);
  });

  test('every event of the spec is either mapped or deliberately ignored', () => {
    for (const ev of spec.events) expect(() => agentEventParts(at(ev.type, 10))).not.toThrow();
    expect(agentEventParts(at('Mute', 10))).toBeNull();
    expect(agentEventParts(at('After', 10, 0, { cause: 1017 }))!.parts.state.fields.activity).toBe('AFTER_CALL');
  });
});

describe('typed agent events: one mapping for AgentEvent (ToolbarAck.event) and AgentToolbarEvent (agentEvent)', () => {
  const example = (type: string) => {
    const e = spec.events.find((x) => x.type === type) as unknown as { example: Record<string, unknown> };
    return normalizeAgentEvent({ type: 'event', ...e.example });
  };

  test('AgentRinging (spec example): call data with direction, numbers, call id, queue time, predictive', () => {
    const e = toAgentEvent(example('AgentRinging'));
    expect(e).toBeInstanceOf(AgentEvent);
    expect(e).toMatchObject({
      event: AgentEventName.AGENT_RINGING,
      platformEvent: 'AgentRinging',
      platformState: 'AgentRinging',
      sequence: '1689127936757',
    });
    // callDirection 1 (outbound): the agent's own phone rings first, so the agent is dialling.
    expect(e.nowState).toBe(AgentActivity.DIALING);
    expect(e.call).toMatchObject({
      direction: CallDirection.OUTBOUND,
      platformDirection: '1',
      caller: '02512345678',
      called: '138xxxxxxxx',
      callId: 'c0a8b1e2f3d4',
      queuedAt: new Date(1689127990000),
      predictive: false,
      originalCaller: '02512345678',
    });
    expect(e.registration).toBeUndefined();
    expect(e.rawData).toMatchObject({ occCallId: 'c0a8b1e2f3d4' });
  });

  test('After (spec example): the cause with its name and meaning, who hung up, the call times', () => {
    const e = toAgentEvent(example('After'));
    expect(e).toMatchObject({
      event: AgentEventName.AFTER,
      nowState: AgentActivity.AFTER_CALL,
      cause: 0,
      causeName: 'NORMAL_CLEARING',
      causeMeaning: 'Normal end',
    });
    expect(e.call).toMatchObject({
      direction: CallDirection.OUTBOUND,
      hungUpBy: CallParty.CUSTOMER,
      platformHungUpBy: '1',
      startedAt: new Date(1689127990000),
      ringingAt: new Date(1689127992000),
      answeredAt: new Date(1689127995000),
      endedAt: new Date(1689128055000),
      recordingUrl: 'http://xxxxxxxxxxxxx',
      callType: AgentCallType.NORMAL,
      autoIdleSeconds: 10,
    });
    const busy = agentEventFields({ ...example('After'), data: { cause: 1017, hangupDirection: 0 } });
    expect(busy).toMatchObject({ cause: 1017, causeName: 'USER_BUSY', call: { hungUpBy: CallParty.AGENT } });
    expect(busy.causeMeaning).toEqual(expect.any(String));
  });

  test('Login (spec example): registration data; MakeCallFail: a cause given by name', () => {
    const e = toAgentEvent(example('Login'));
    expect(e.registration).toMatchObject({
      sipId: '210000000',
      sipPassword: 'f3e7c1ea99c65af6eeb092ff95947d5a',
      domain: '120.xxx.xxx.xxx',
      agentType: ToolbarAgentType.SUPERVISOR,
      loginType: LoginType.SIP_PHONE,
      groupIds: ['486733bee28abcf923037b2b2ecf6312'],
      registered: true,
      canMakeCalls: true,
      token: '29223911278f4cb9831e42f972c58bbe',
      webrtcDomain: 'sip.dimld.com',
    });
    expect(e.nowState).toBe(AgentActivity.LOGGED_IN);
    expect(e.call).toBeUndefined();
    // Credentials masked (null) by the visibility rules stay null, never "".
    const masked = agentEventFields({
      ...example('Login'),
      data: { ...example('Login').data, sipPassword: null, webrtcSipPassword: null, token: null },
    });
    expect(masked.registration).toMatchObject({
      sipPassword: undefined,
      webrtcSipPassword: undefined,
      token: undefined,
      sipId: '210000000',
    });
    const fail = toAgentEvent(example('MakeCallFail'));
    expect(fail).toMatchObject({
      event: AgentEventName.MAKE_CALL_FAIL,
      causeName: 'NO_ANSWER',
      causeMeaning: expect.any(String),
      cause: expect.any(Number),
    });
  });

  test('every documented event name has its enum value; unknown names, states and values stay readable', () => {
    for (const ev of spec.events) expect(agentEventName(ev.type)).not.toBe(AgentEventName.OTHER);
    expect(Object.keys(AgentEventName)).toHaveLength(spec.events.length + 1);
    const odd = agentEventFields(
      normalizeAgentEvent({ type: 'event', event: 'Teleport', nowState: 'Hold', agentNumber: '1', eventTime: 5, data: { x: 1 } }),
    );
    expect(odd).toMatchObject({
      event: AgentEventName.OTHER,
      platformEvent: 'Teleport',
      nowState: AgentActivity.OTHER,
      platformState: 'Hold',
      sequence: '0',
    });
    const sdk = agentEventFields(
      normalizeAgentEvent({
        type: 'event',
        event: 'After',
        agentNumber: '1',
        eventTime: 5,
        data: { callDirection: 2, callType: 1, hangupDirection: 7, cause: 99999, data: 'WHATEVER' },
      }),
    );
    expect(sdk.call).toMatchObject({
      direction: CallDirection.OTHER,
      platformDirection: '2',
      callType: AgentCallType.OTHER,
      platformCallType: '1',
      hungUpBy: CallParty.OTHER,
      platformHungUpBy: '7',
    });
    expect(sdk).toMatchObject({ cause: 99999, causeName: 'WHATEVER', causeMeaning: undefined });
    const reg = agentEventFields(
      normalizeAgentEvent({ type: 'event', event: 'Reconnect', agentNumber: '1', eventTime: 5, data: { agentType: 7 } }),
    );
    expect(reg.registration).toMatchObject({ agentType: ToolbarAgentType.OTHER, platformAgentType: 7 });
    // The bus may hand the time over as text: still a Date.
    expect(agentEventFields({ ...example('Idle'), eventTime: '2023-07-12T02:12:16.928Z' as unknown as Date }).occurredAt).toEqual(
      new Date(1689127936928),
    );
  });

  test('AgentEvent and AgentToolbarEvent expose the same typed fields', async () => {
    const schema = await buildGatewaySchema();
    const fields = (name: string) => {
      const t = schema.getType(name) as GraphQLObjectType;
      return Object.fromEntries(Object.values(t.getFields()).map((f) => [f.name, String(f.type)]));
    };
    const toolbar = fields('AgentToolbarEvent');
    const platform = (schema.getType('PlatformEvent') as GraphQLInterfaceType).getFields();
    for (const name of Object.keys(platform)) delete toolbar[name];
    expect(toolbar).toEqual(fields('AgentEvent'));
    expect(fields('ToolbarAck')).toMatchObject({ request: 'ToolbarRequest!', sequence: 'ID!', agentNumber: 'ID!' });
  });
});
