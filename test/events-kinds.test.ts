import { randomUUID } from 'node:crypto';
import { isInterfaceType, isObjectType } from 'graphql';
import callbacks from '../spec/callbacks.json';
import { buildGatewaySchema } from '../src/build-schema';
import { EVENT_KIND_VALUES, EVENT_KINDS, EventKind, recognise, type CallbackKindName } from '../src/events/kinds';
import { normalizeCallback } from '../src/hooks/receiver';
import { collect } from './support/subscriptions';
import { startStack, type Stack } from './support/stack';

/** What each kind must become: its GraphQL type, a selection, the fields to emit and what to expect. */
interface KindCase {
  typename: string;
  selection: string;
  fields: (id: string) => Record<string, unknown>;
  expected: (id: string) => Record<string, unknown>;
}

const HANGUP = 'hangup { code platformName meaning }';

/** One case per kind the platform pushes: a kind added to the map without a case here does not compile. */
const CASES: Record<CallbackKindName, KindCase> = {
  taskStatus: {
    typename: 'TaskStatusChangedEvent',
    selection: 'taskSn status description changedAt',
    fields: (id) => ({ taskSn: id, status: '3', changeTime: '2021-6-15 10:42:39' }),
    expected: (id) => ({ taskSn: id, status: 'FINISHED', description: '任务超时', changedAt: '2021-06-15T02:42:39.000Z' }),
  },
  CallEnd: {
    typename: 'CallEndedEvent',
    selection: `callId taskSn called durationMs startedAt answeredAt ${HANGUP} output turns { speaker content }`,
    fields: (id) => ({ callId: id, hangupGcode: '0', duration: '50000', startTime: '2019-6-15 10:41:00' }),
    expected: (id) => ({
      callId: id,
      durationMs: 50000,
      startedAt: '2019-06-15T02:41:00.000Z',
      hangup: expect.objectContaining({ code: 0 }),
      turns: expect.any(Array),
    }),
  },
  TemplateReviewEvent: {
    typename: 'TemplateReviewedEvent',
    selection: 'templateSn legacy status remark',
    fields: (id) => ({ template_sn: id, status: '4' }),
    expected: (id) => ({ templateSn: id, legacy: false, status: 'REJECTED' }),
  },
  template: {
    typename: 'TemplateReviewedEvent',
    selection: 'templateSn legacy status',
    fields: (id) => ({ template_sn: id, status: 3 }),
    expected: (id) => ({ templateSn: id, legacy: true, status: 'APPROVED' }),
  },
  AgentCallEnd: {
    typename: 'AgentCallEndedEvent',
    selection: `callId agentNumber startedAt durationSeconds hungUpBy platformHungUpBy ${HANGUP}`,
    fields: (id) => ({ callId: id, beginTime: 1626710400000, hangupGcode: '0', hangupDirection: '2' }),
    expected: (id) => ({
      callId: id,
      agentNumber: '1001',
      startedAt: '2021-07-19T16:00:00.000Z',
      hungUpBy: 'AGENT',
      platformHungUpBy: '2',
      hangup: expect.objectContaining({ code: 0 }),
    }),
  },
  agentEvent: {
    typename: 'AgentToolbarEvent',
    selection: 'event platformEvent agentNumber nowState platformState occurredAt sequence rawData',
    fields: (id) => ({ eventTime: String(1689127936928), sequence: id.length, agentNumber: `ag-${id}` }),
    expected: (id) => ({
      event: 'LOGIN',
      platformEvent: 'Login',
      agentNumber: `ag-${id}`,
      nowState: 'LOGGED_IN',
      platformState: 'Login',
      occurredAt: '2023-07-12T02:12:16.928Z',
      sequence: String(id.length),
    }),
  },
  BidirectionalCallEnd: {
    typename: 'BidirectionalCallEndedEvent',
    selection: `callId mode platformMode displayNumber telA telB aCalledAt durationMs hungUpBy platformHungUpBy ${HANGUP}`,
    fields: (id) => ({ callId: id, aCallTime: '2021-6-15 10:42:39', hangupDirection: 2, type: 'click' }),
    expected: (id) => ({
      callId: id,
      mode: 'CLICK_TO_DIAL',
      platformMode: 'click',
      displayNumber: '95xxxx',
      aCalledAt: '2021-06-15T02:42:39.000Z',
      durationMs: 21539,
      hungUpBy: 'TEL_B',
      platformHungUpBy: '2',
    }),
  },
  PnsCallEnd: {
    typename: 'PrivacyCallEndedEvent',
    selection: `callId bindId bindType callingRole telX durationSeconds hungUpBy ${HANGUP}`,
    fields: (id) => ({ callId: id, bindId: `bind-${id}`, duration: '12', releaseDir: '1' }),
    expected: (id) => ({
      callId: id,
      bindId: `bind-${id}`,
      bindType: 'AXB',
      callingRole: 'TEL_A',
      durationSeconds: 12,
      hungUpBy: 'CALLER',
    }),
  },
  DirectCallEnd: {
    typename: 'DirectCallEndedEvent',
    selection: `callId type callingType source hungUpBy startedAt ${HANGUP}`,
    fields: (id) => ({ callId: id, beginTime: '1626710400000' }),
    expected: (id) => ({ callId: id, type: 'TEL_A', callingType: 'TEL_A', hungUpBy: 'TEL_A', startedAt: '2021-07-19T16:00:00.000Z' }),
  },
  HangupCauseEvent: {
    typename: 'HangupCauseDetectedEvent',
    selection: `callId caller called calledAt ringingAt ${HANGUP}`,
    fields: (id) => ({ callId: id, ringingTime: '0' }),
    expected: (id) => ({ callId: id, ringingAt: null, calledAt: expect.stringMatching(/^2023-02-16T/) }),
  },
  SipDockingCallEnd: {
    typename: 'SipCallEndedEvent',
    selection: `callId caller displayNumber called durationMs ${HANGUP}`,
    fields: (id) => ({ callId: id, duration: '3000' }),
    expected: (id) => ({ callId: id, displayNumber: '95xxxx', durationMs: 3000 }),
  },
  recordpackage: {
    typename: 'RecordPackageReadyEvent',
    selection: 'downloadUrls',
    fields: (id) => ({ downloadurls: `http://files.test/${id}/a.zip, http://files.test/${id}/b.zip` }),
    expected: (id) => ({ downloadUrls: [`http://files.test/${id}/a.zip`, `http://files.test/${id}/b.zip`] }),
  },
  tasklog: {
    typename: 'LegacyTaskLogEvent',
    selection: 'callId taskSn orderId displayNumber durationMs hangupCause { code meaning }',
    fields: (id) => ({ callUUID: id, hangup_cause: 'NORMAL_CLEARING', duration: '4200', callerIdNumber: '95001' }),
    expected: (id) => ({
      callId: id,
      displayNumber: '95001',
      durationMs: 4200,
      hangupCause: { code: 'NORMAL_CLEARING', meaning: expect.any(String) },
    }),
  },
  sms: {
    typename: 'SmsReportEvent',
    selection: 'msgId phone reply delivered sentAt',
    fields: (id) => ({ msgId: id, status: '2' }),
    expected: (id) => ({ msgId: id, reply: false, delivered: false, sentAt: expect.stringMatching(/^2022-07-11T/) }),
  },
  smsUplink: {
    typename: 'SmsReportEvent',
    selection: 'msgId reply replyContent repliedAt',
    fields: (id) => ({ msgId: id }),
    expected: (id) => ({ msgId: id, reply: true, replyContent: '回复内容', repliedAt: expect.any(String) }),
  },
  flash: {
    typename: 'FlashReportEvent',
    selection: 'msgId phone delivered',
    fields: (id) => ({ msgId: id, status: 1 }),
    expected: (id) => ({ msgId: id, delivered: true }),
  },
};

const pushedKinds = EVENT_KIND_VALUES.filter((k): k is CallbackKindName => 'discriminators' in EVENT_KINDS[k]);

/** A body of a callback of spec/callbacks.json: its example, or (the legacy template review has none) its discriminator. */
function specBody(c: (typeof callbacks)[number]): Record<string, unknown> {
  if (c.example) return c.example as Record<string, unknown>;
  return { [c.discriminator!.field]: c.discriminator!.value };
}

describe('the kind map (src/events/kinds.ts)', () => {
  it('recognises every callback of spec/callbacks.json as one of its kinds, and covers them all', () => {
    const recognised = callbacks.filter((c) => c.event !== 'ivrTransfer').map((c) => [c, recognise(specBody(c))] as const);
    for (const [c, kind] of recognised)
      expect({ event: c.event, family: c.family, kind }).toEqual({ event: c.event, family: c.family, kind: expect.any(String) });
    expect(new Set(recognised.map(([, kind]) => kind))).toEqual(new Set(pushedKinds));
    expect(recognise(callbacks.find((c) => c.event === 'ivrTransfer')!.example as Record<string, unknown>)).toBeUndefined();
  });

  it("identifies each kind's callbacks by the spec's idFields (agent events by agent, name, time and request)", () => {
    for (const c of callbacks.filter((x) => x.event !== 'ivrTransfer')) {
      const kind = recognise(specBody(c))!;
      const { idFields } = EVENT_KINDS[kind];
      if (kind === 'agentEvent') expect(typeof idFields).toBe('function');
      else expect({ kind, idFields }).toEqual({ kind, idFields: c.idFields });
    }
  });

  it('tells apart the kinds that share a discriminator value, and refuses look-alikes', () => {
    expect(recognise({ event: 'PnsCallEnd', bindId: 'b' })).toBe('PnsCallEnd');
    expect(recognise({ event: 'PnsCallEnd', type: 'telA' })).toBe('DirectCallEnd');
    expect(recognise({ event: 'sms', msgType: 2 })).toBe('smsUplink');
    expect(recognise({ event: 'sms', msgType: '1' })).toBe('sms');
    expect(recognise({ msgType: 2, msgId: 'm' })).toBe('smsUplink');
    expect(recognise({ msgType: 0, msgId: 'm' })).toBe('sms');
    expect(recognise({ type: 'event', event: 'CallEnd' })).toBe('agentEvent');
    for (const body of [
      { event: 'Bogus', msgType: 1, msgId: 'm' },
      { event: ['CallEnd'] },
      { event: 'constructor' },
      { event: '__proto__' },
      { msgType: 1 },
      {},
    ]) {
      expect(recognise(body)).toBeUndefined();
    }
  });

  it('gives the schema its EventKind enum and the GraphQL type of every event', async () => {
    const schema = await buildGatewaySchema();
    const enumType = schema.getType('EventKind');
    expect(enumType && 'getValues' in enumType ? enumType.getValues().map((v) => [v.name, v.value]) : []).toEqual(
      EVENT_KIND_VALUES.map((k) => [EVENT_KINDS[k].name, k]),
    );
    expect(Object.entries(EventKind).map(([name, kind]) => [name, kind])).toEqual(EVENT_KIND_VALUES.map((k) => [EVENT_KINDS[k].name, k]));
    const platformEvent = schema.getType('PlatformEvent');
    if (!isInterfaceType(platformEvent)) throw new Error('PlatformEvent is not an interface');
    const implementing = schema.getPossibleTypes(platformEvent).map((t) => t.name);
    for (const k of EVENT_KIND_VALUES) {
      const type = schema.getType(EVENT_KINDS[k].graphqlType);
      expect({ k, implements: isObjectType(type) && type.getInterfaces().includes(platformEvent) }).toEqual({ k, implements: true });
    }
    // No event type without a kind.
    expect(new Set(implementing)).toEqual(new Set(EVENT_KIND_VALUES.map((k) => EVENT_KINDS[k].graphqlType)));
  });
});

describe('CallParty: who hung up, per callback kind', () => {
  const hungUp = (body: Record<string, unknown>) => {
    const { kind, data } = normalizeCallback({ callId: randomUUID(), ...body });
    const d = data as { hungUpBy?: unknown; platformHungUpBy?: unknown };
    return [kind, d.hungUpBy, d.platformHungUpBy];
  };

  it.each([
    // AgentCallEnd hangupDirection: 0 系统, 1 用户, 2 坐席
    [{ event: 'AgentCallEnd', hangupDirection: '0' }, ['AgentCallEnd', 'PLATFORM', '0']],
    [{ event: 'AgentCallEnd', hangupDirection: 1 }, ['AgentCallEnd', 'CUSTOMER', '1']],
    [{ event: 'AgentCallEnd', hangupDirection: '2' }, ['AgentCallEnd', 'AGENT', '2']],
    [{ event: 'AgentCallEnd', hangupDirection: '7' }, ['AgentCallEnd', 'OTHER', '7']],
    [{ event: 'AgentCallEnd' }, ['AgentCallEnd', null, null]],
    // BidirectionalCallEnd hangupDirection: 1 A路, 2 B路
    [{ event: 'BidirectionalCallEnd', hangupDirection: 1 }, ['BidirectionalCallEnd', 'TEL_A', '1']],
    [{ event: 'BidirectionalCallEnd', hangupDirection: '2' }, ['BidirectionalCallEnd', 'TEL_B', '2']],
    [{ event: 'BidirectionalCallEnd', hangupDirection: 0 }, ['BidirectionalCallEnd', 'OTHER', '0']],
    // PnsCallEnd with bindId, releaseDir: 0 未知, 1 主叫结束, 2 被叫结束, 3 平台结束
    [{ event: 'PnsCallEnd', bindId: 'b', releaseDir: 0 }, ['PnsCallEnd', 'UNKNOWN', '0']],
    [{ event: 'PnsCallEnd', bindId: 'b', releaseDir: '1' }, ['PnsCallEnd', 'CALLER', '1']],
    [{ event: 'PnsCallEnd', bindId: 'b', releaseDir: 2 }, ['PnsCallEnd', 'CALLEE', '2']],
    [{ event: 'PnsCallEnd', bindId: 'b', releaseDir: 3 }, ['PnsCallEnd', 'PLATFORM', '3']],
    [{ event: 'PnsCallEnd', bindId: 'b', releaseDir: 4, hangupDirection: 'telA' }, ['PnsCallEnd', 'OTHER', '4']],
    // PnsCallEnd without bindId (direct call), hangupDirection: telA / telB
    [{ event: 'PnsCallEnd', hangupDirection: 'telA' }, ['DirectCallEnd', 'TEL_A', 'telA']],
    [{ event: 'PnsCallEnd', hangupDirection: 'telB' }, ['DirectCallEnd', 'TEL_B', 'telB']],
    [{ event: 'PnsCallEnd', hangupDirection: 'telC' }, ['DirectCallEnd', 'OTHER', 'telC']],
  ])('%j → %j', (body, expected) => {
    expect(hungUp(body)).toEqual(expected);
  });

  it('maps the privacy-number calling role and the direct-call leg to the same parties', () => {
    const role = (callingRole: unknown) =>
      (normalizeCallback({ event: 'PnsCallEnd', callId: 'c', bindId: 'b', callingRole }).data as { callingRole: unknown }).callingRole;
    expect([role(0), role(1), role('2'), role(5), role(undefined)]).toEqual(['UNKNOWN', 'TEL_A', 'TEL_B', 'OTHER', null]);
    const direct = normalizeCallback({ event: 'PnsCallEnd', callId: 'c', type: 'telB', callingType: 'telA' }).data as Record<
      string,
      unknown
    >;
    expect(direct).toMatchObject({ type: 'TEL_B', platformType: 'telB', callingType: 'TEL_A', platformCallingType: 'telA' });
  });
});

describe('every callback kind arrives as its typed event', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  describe.each(['json', 'form'] as const)('%s-encoded', (encoding) => {
    it.each(pushedKinds.map((k) => [k, CASES[k]] as const))('%s', async (kind, c) => {
      const id = randomUUID();
      const name = EVENT_KINDS[kind].name;
      const selection = `__typename cursor receivedAt kind platformKind ... on ${c.typename} { ${c.selection} }`;
      const sub = await collect(stack.ws(), `subscription { platformEvents { ${selection} } }`);
      // The kind an event says is the kind that filters it.
      const own = await collect(stack.ws(), `subscription($kinds: [EventKind!]) { platformEvents(kinds: $kinds) { kind platformKind } }`, {
        kinds: [name],
      });
      const other = await collect(stack.ws(), `subscription($kinds: [EventKind!]) { platformEvents(kinds: $kinds) { kind } }`, {
        kinds: EVENT_KIND_VALUES.filter((k) => k !== kind).map((k) => EVENT_KINDS[k].name),
      });
      await stack.api.post('/emit', { kind, fields: c.fields(id), encoding });
      const [event] = await sub.waitFor(1);
      const [filtered] = await own.waitFor(1);
      sub.stop();
      own.stop();
      expect(sub.errors).toEqual([]);
      expect(event).toMatchObject({
        __typename: c.typename,
        cursor: expect.stringMatching(/^[0-9a-z]{1,16}:\d+$/),
        kind: name,
        platformKind: kind,
        ...c.expected(id),
      });
      expect(filtered).toEqual({ kind: name, platformKind: kind });
      expect(Number.isNaN(Date.parse(event.receivedAt))).toBe(false);
      // Events of the other kinds only (none was emitted meanwhile): this one did not reach them.
      await new Promise((r) => setTimeout(r, 100));
      other.stop();
      expect(other.events).toEqual([]);
    });
  });
});
