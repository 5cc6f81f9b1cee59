import spec from '../spec/agent-control.json';
import { agentEventKey, isAgentEventBody, normalizeAgentEvent } from '../src/subscriptions/agent-event';
import { agentEventParts, eventVersion } from '../src/subscriptions/live-state';

describe('normalizeAgentEvent', () => {
  test('the spec example body (eventTime as a number) → the fixed shape', () => {
    const e = normalizeAgentEvent({
      type: 'event', event: 'Login', nowState: 'Login', eventTime: 1689127936928, sequence: 1689131708674,
      companyId: '74722c42eea35272d005c2c731f17c46', agentNumber: '1001', agentId: 'a1', ivrParam: '', data: { sipId: '8001' },
    });
    expect(e).toEqual({
      event: 'Login', agentNumber: '1001', agentId: 'a1', companyId: '74722c42eea35272d005c2c731f17c46', nowState: 'Login',
      eventTime: new Date(1689127936928), sequence: 1689131708674, userData: null, ivrParam: null, data: { sipId: '8001' },
    });
    expect(isAgentEventBody({ type: 'event', event: 'Login' })).toBe(true);
    expect(isAgentEventBody({ event: 'CallEnd' })).toBe(false);
    expect(agentEventKey(e)).toBe('1001:Login:1689127936928:1689131708674');
  });

  test('eventTime as text, no sequence (0), data as JSON text', () => {
    const e = normalizeAgentEvent({ type: 'event', event: 'Busy', eventTime: '1689127936928', agentNumber: 1002, data: '{"currentBusyType":"x"}' });
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
