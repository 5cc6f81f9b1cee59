import { randomUUID } from 'node:crypto';
import { collect } from './support/subscriptions';
import { startStack, type Stack } from './support/stack';

/** What each kind must become: its GraphQL type, a selection, the fields to emit and what to expect. */
interface KindCase {
  kind: string;
  typename: string;
  selection: string;
  fields: (id: string) => Record<string, unknown>;
  expected: (id: string) => Record<string, unknown>;
}

const HANGUP = 'hangup { code platformName meaning }';

const CASES: KindCase[] = [
  {
    kind: 'taskStatus',
    typename: 'TaskStatusChangedEvent',
    selection: 'taskSn status description changedAt',
    fields: (id) => ({ taskSn: id, status: '3', changeTime: '2021-6-15 10:42:39' }),
    expected: (id) => ({ taskSn: id, status: 'FINISHED', description: '任务超时', changedAt: '2021-06-15T02:42:39.000Z' }),
  },
  {
    kind: 'CallEnd',
    typename: 'CallEndedEvent',
    selection: `callId taskSn called durationMs startTime answerTime ${HANGUP} output turns { speaker content }`,
    fields: (id) => ({ callId: id, hangupGcode: '0', duration: '50000', startTime: '2019-6-15 10:41:00' }),
    expected: (id) => ({
      callId: id,
      durationMs: 50000,
      startTime: '2019-06-15T02:41:00.000Z',
      hangup: expect.objectContaining({ code: 0 }),
      turns: expect.any(Array),
    }),
  },
  {
    kind: 'TemplateReviewEvent',
    typename: 'TemplateReviewedEvent',
    selection: 'templateSn legacy status remark',
    fields: (id) => ({ template_sn: id, status: '4' }),
    expected: (id) => ({ templateSn: id, legacy: false, status: 'REJECTED' }),
  },
  {
    kind: 'template',
    typename: 'TemplateReviewedEvent',
    selection: 'templateSn legacy status',
    fields: (id) => ({ template_sn: id, status: 3 }),
    expected: (id) => ({ templateSn: id, legacy: true, status: 'APPROVED' }),
  },
  {
    kind: 'AgentCallEnd',
    typename: 'AgentCallEndedEvent',
    selection: `callId agentNumber beganAt durationSeconds hangupBy ${HANGUP}`,
    fields: (id) => ({ callId: id, beginTime: 1626710400000, hangupGcode: '0', hangupDirection: '2' }),
    expected: (id) => ({ callId: id, agentNumber: '1001', beganAt: '2021-07-19T16:00:00.000Z', hangupBy: 'AGENT', hangup: expect.objectContaining({ code: 0 }) }),
  },
  {
    kind: 'agentEvent',
    typename: 'AgentToolbarEvent',
    selection: 'event agentNumber nowState eventTime sequence data',
    fields: (id) => ({ eventTime: String(1689127936928), sequence: id.length, agentNumber: `ag-${id}` }),
    expected: (id) => ({ event: 'Login', agentNumber: `ag-${id}`, nowState: 'Login', eventTime: '2023-07-12T02:12:16.928Z', sequence: id.length }),
  },
  {
    kind: 'BidirectionalCallEnd',
    typename: 'BidirectionalCallEndedEvent',
    selection: `callId telA telB aCalledAt hungUpBy ${HANGUP}`,
    fields: (id) => ({ callId: id, aCallTime: '2021-6-15 10:42:39', hangupDirection: 2 }),
    expected: (id) => ({ callId: id, aCalledAt: '2021-06-15T02:42:39.000Z', hungUpBy: 'B' }),
  },
  {
    kind: 'PnsCallEnd',
    typename: 'PrivacyCallEndedEvent',
    selection: `callId bindId bindType telX durationSeconds releasedBy ${HANGUP}`,
    fields: (id) => ({ callId: id, bindId: `bind-${id}`, duration: '12', releaseDir: '1' }),
    expected: (id) => ({ callId: id, bindId: `bind-${id}`, bindType: 'axb', durationSeconds: 12, releasedBy: 'CALLER' }),
  },
  {
    kind: 'DirectCallEnd',
    typename: 'DirectCallEndedEvent',
    selection: `callId callingType source hungUpBy beganAt ${HANGUP}`,
    fields: (id) => ({ callId: id, beginTime: '1626710400000' }),
    expected: (id) => ({ callId: id, callingType: 'telA', beganAt: '2021-07-19T16:00:00.000Z' }),
  },
  {
    kind: 'HangupCauseEvent',
    typename: 'HangupCauseDetectedEvent',
    selection: `callId caller called calledAt ringingAt ${HANGUP}`,
    fields: (id) => ({ callId: id, ringingTime: '0' }),
    expected: (id) => ({ callId: id, ringingAt: null, calledAt: expect.stringMatching(/^2023-02-16T/) }),
  },
  {
    kind: 'SipDockingCallEnd',
    typename: 'SipCallEndedEvent',
    selection: `callId caller called durationMs ${HANGUP}`,
    fields: (id) => ({ callId: id, duration: '3000' }),
    expected: (id) => ({ callId: id, durationMs: 3000 }),
  },
  {
    kind: 'recordpackage',
    typename: 'RecordPackageReadyEvent',
    selection: 'downloadUrls',
    fields: (id) => ({ downloadurls: `http://files.test/${id}/a.zip, http://files.test/${id}/b.zip` }),
    expected: (id) => ({ downloadUrls: [`http://files.test/${id}/a.zip`, `http://files.test/${id}/b.zip`] }),
  },
  {
    kind: 'tasklog',
    typename: 'LegacyTaskLogEvent',
    selection: 'callId taskSn orderId durationMs hangupCause { code meaning }',
    fields: (id) => ({ callUUID: id, hangup_cause: 'NORMAL_CLEARING', duration: '4200' }),
    expected: (id) => ({ callId: id, durationMs: 4200, hangupCause: { code: 'NORMAL_CLEARING', meaning: expect.any(String) } }),
  },
  {
    kind: 'sms',
    typename: 'SmsReportEvent',
    selection: 'msgId phone reply delivered sentAt',
    fields: (id) => ({ msgId: id, status: '2' }),
    expected: (id) => ({ msgId: id, reply: false, delivered: false, sentAt: expect.stringMatching(/^2022-07-11T/) }),
  },
  {
    kind: 'smsUplink',
    typename: 'SmsReportEvent',
    selection: 'msgId reply replyContent repliedAt',
    fields: (id) => ({ msgId: id }),
    expected: (id) => ({ msgId: id, reply: true, replyContent: '回复内容', repliedAt: expect.any(String) }),
  },
  {
    kind: 'flash',
    typename: 'FlashReportEvent',
    selection: 'msgId phone delivered',
    fields: (id) => ({ msgId: id, status: 1 }),
    expected: (id) => ({ msgId: id, delivered: true }),
  },
];

describe('every callback kind arrives as its typed event', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('covers every kind of spec/callbacks.json that the platform pushes', () => {
    const covered = new Set(CASES.map((c) => c.kind));
    for (const k of ['taskStatus', 'CallEnd', 'TemplateReviewEvent', 'AgentCallEnd', 'agentEvent', 'BidirectionalCallEnd', 'PnsCallEnd', 'DirectCallEnd', 'HangupCauseEvent', 'SipDockingCallEnd', 'template', 'recordpackage', 'tasklog', 'sms', 'smsUplink', 'flash']) {
      expect(covered).toContain(k);
    }
  });

  describe.each(['json', 'form'] as const)('%s-encoded', (encoding) => {
    it.each(CASES.map((c) => [c.kind, c] as const))('%s', async (_kind, c) => {
      const id = randomUUID();
      const sub = await collect(stack.ws(), `subscription { platformEvents { __typename cursor receivedAt kind ... on ${c.typename} { ${c.selection} } } }`);
      await stack.api.post('/emit', { kind: c.kind, fields: c.fields(id), encoding });
      const [event] = await sub.waitFor(1);
      sub.stop();
      expect(sub.errors).toEqual([]);
      expect(event).toMatchObject({ __typename: c.typename, cursor: expect.stringMatching(/^\d+$/), ...c.expected(id) });
      expect(Number.isNaN(Date.parse(event.receivedAt))).toBe(false);
    });
  });
});
