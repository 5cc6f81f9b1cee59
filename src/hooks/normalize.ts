import callbacks from '../../spec/callbacks.json';
import { fromAnyPlatformTime, toInt, toNumber, toOptionalString } from '../datasources/convert';
import { noticeHangupMeaning } from '../datasources/notice';
import { hangupCause, toCallRecord, type PlatformRecord } from '../datasources/task';
import { agentEventKey, normalizeAgentEvent } from '../subscriptions/agent-event';

/** A callback body the receiver could not turn into an event (it goes to the dead letters). */
export class UnusableCallback extends Error {}

export interface NormalizedEvent {
  kind: string;
  key: string;
  data: Record<string, unknown>;
}

type Body = Record<string, unknown>;

const str = (v: unknown) => toOptionalString(v) ?? null;
const num = (v: unknown) => toNumber(v) ?? null;
const int = (v: unknown) => toInt(v) ?? null;
const time = (v: unknown) => fromAnyPlatformTime(v) ?? null;
const hangup = (b: Body) => hangupCause(b.hangupGcode, b.hangupGname) ?? null;

/** Fields that identify one occurrence, per kind (spec/callbacks.json `idFields`). */
const ID_FIELDS: Record<string, string[]> = {
  ...Object.fromEntries(callbacks.map((c) => [c.event, c.idFields])),
  // The pns and directcall records share the event value PnsCallEnd; both are identified by callId.
  DirectCallEnd: ['callId'],
  smsUplink: callbacks.find((c) => c.event === 'sms.uplink')!.idFields,
};

function idempotencyKey(kind: string, body: Body): string {
  return ID_FIELDS[kind]
    .map((f) => {
      const v = body[f];
      if (v === undefined || v === null || v === '') throw new UnusableCallback(`${kind} without its identifying field ${f}`);
      return String(v);
    })
    .join('|');
}

/** Which kind a body is, from its discriminator (`event`, `type: "event"`, `msgType`). */
export function recognise(body: Body): string {
  if (body.type === 'event' && typeof body.event === 'string') return 'agentEvent';
  const event = typeof body.event === 'string' ? body.event : undefined;
  if (event === 'PnsCallEnd') return body.bindId !== undefined || body.bindType !== undefined ? 'PnsCallEnd' : 'DirectCallEnd';
  if (event === 'sms' || (event === undefined && body.msgType !== undefined && body.msgId !== undefined)) {
    return Number(body.msgType) === 2 ? 'smsUplink' : 'sms';
  }
  if (event && NORMALIZERS[event]) return event;
  throw new UnusableCallback(event ? `unknown callback event "${event}"` : 'no event, type or msgType field to recognise the callback by');
}

/** Object fields may arrive as JSON text (form-encoded bodies). */
function object(v: unknown): Record<string, unknown> | null {
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  if (typeof v === 'string' && v.trim().startsWith('{')) {
    try {
      return JSON.parse(v) as Record<string, unknown>;
    } catch {
      return null;
    }
  }
  return null;
}

function array(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string' && v.trim().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(v);
      return Array.isArray(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** taskStatus callback numbering (1 resumed, 2 paused, 3 completed, 4 cancelled) → TaskStatus values. */
const CALLBACK_TASK_STATUS: Record<number, number> = { 1: 1, 2: 2, 3: 4, 4: 5 };

const NORMALIZERS: Record<string, (b: Body) => Record<string, unknown>> = {
  taskStatus: (b) => {
    const status = CALLBACK_TASK_STATUS[Number(b.status)];
    if (status === undefined) throw new UnusableCallback(`taskStatus with unknown status ${String(b.status)}`);
    return { taskSn: String(b.taskSn), status, description: str(b.desc), changedAt: time(b.changeTime) };
  },
  CallEnd: (b) => ({
    ...toCallRecord({ ...b, output: object(b.output) ?? undefined, turnInfos: array(b.turnInfos) } as PlatformRecord, String(b.taskSn ?? '')),
    keys: str(b.keys),
    pressKey: str(b.pressKey),
  }),
  TemplateReviewEvent: (b) => templateReview(b, false),
  template: (b) => templateReview(b, true),
  AgentCallEnd: (b) => ({
    ...callLegs(b),
    agentNumber: str(b.agentNumber),
    agentName: str(b.agentName),
    groupName: str(b.groupName),
    hangupBy: ({ 0: 'SYSTEM', 1: 'CUSTOMER', 2: 'AGENT' } as Record<string, string>)[String(b.hangupDirection)] ?? null,
  }),
  BidirectionalCallEnd: (b) => ({
    callId: String(b.callId),
    mode: str(b.type),
    displayCaller: str(b.displayCaller),
    telA: str(b.telA),
    aCalledAt: time(b.aCallTime),
    aRingingAt: time(b.aRingingTime),
    aAnsweredAt: time(b.aAnswerTime),
    aHungUpAt: time(b.aHangupTime),
    telB: str(b.telB),
    bCalledAt: time(b.bCallTime),
    bRingingAt: time(b.bRingingTime),
    bAnsweredAt: time(b.bAnswerTime),
    bHungUpAt: time(b.bHangupTime),
    hangup: hangup(b),
    duration: int(b.duration),
    hungUpBy: ({ 1: 'A', 2: 'B' } as Record<string, string>)[String(b.hangupDirection)] ?? null,
    recordingUrl: str(b.recordPath),
    userData: str(b.userData),
  }),
  PnsCallEnd: (b) => ({
    ...callLegs(b),
    bindId: String(b.bindId ?? ''),
    bindType: str(b.bindType),
    callingRole: ({ 0: 'UNKNOWN', 1: 'A', 2: 'B' } as Record<string, string>)[String(b.callingRole)] ?? null,
    telX: str(b.telX),
    releasedBy: ({ 0: 'UNKNOWN', 1: 'CALLER', 2: 'CALLEE', 3: 'PLATFORM' } as Record<string, string>)[String(b.releaseDir)] ?? null,
  }),
  DirectCallEnd: (b) => ({
    ...callLegs(b),
    type: str(b.type),
    callingType: str(b.callingType),
    source: str(b.source),
    hungUpBy: str(b.hangupDirection),
  }),
  HangupCauseEvent: (b) => ({
    callId: String(b.callId),
    caller: str(b.caller),
    called: str(b.called),
    calledAt: time(b.callTime),
    ringingAt: Number(b.ringingTime) === 0 ? null : time(b.ringingTime),
    hungUpAt: time(b.hangupTime),
    hangup: hangup(b),
    userData: str(b.userData),
  }),
  SipDockingCallEnd: (b) => ({
    callId: String(b.callId),
    caller: str(b.caller),
    displayCaller: str(b.displayCaller),
    called: str(b.called),
    // The table names callTime; the example sends startTime.
    calledAt: time(b.callTime ?? b.startTime),
    ringingAt: time(b.ringingTime),
    answeredAt: time(b.answerTime),
    hungUpAt: time(b.hangupTime),
    durationMs: int(b.duration),
    hangup: hangup(b),
    recordingUrl: str(b.recordUrl),
  }),
  recordpackage: (b) => ({
    downloadUrls: String(b.downloadurls ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean),
  }),
  tasklog: (b) => {
    const cause = str(b.hangup_cause);
    return {
      callId: String(b.callUUID),
      taskSn: str(b.taskSn),
      orderId: str(b.orderid),
      called: str(b.called),
      caller: str(b.caller),
      displayCaller: str(b.callerIdNumber),
      hangupCause: cause ? noticeHangupMeaning(cause) : null,
      startedAt: time(b.startTime),
      ringingAt: time(b.startRingTime),
      answeredAt: time(b.answerTime),
      endedAt: time(b.endCallTime),
      durationMs: int(b.duration),
      keys: str(b.keys ?? b.pressKey),
      recordingUrl: str(b.recordPath),
    };
  },
  sms: (b) => messageReport(b),
  smsUplink: (b) => messageReport(b),
  flash: (b) => messageReport(b),
};

function templateReview(b: Body, legacy: boolean): Record<string, unknown> {
  const status = int(b.status);
  if (status !== 3 && status !== 4) throw new UnusableCallback(`template review with unknown status ${String(b.status)}`);
  return { templateSn: String(b.template_sn), name: str(b.name), legacy, status, remark: str(b.desc), reviewedAt: time(b.review_time) };
}

/** The fields the agent-call, privacy-number and direct-call records share. */
function callLegs(b: Body): Record<string, unknown> {
  return {
    callId: String(b.callId),
    callingNumber: str(b.callingNumber),
    calledNumber: str(b.calledNumber),
    beganAt: time(b.beginTime),
    ringingAt: time(b.ringTime),
    answeredAt: time(b.startTime),
    endedAt: time(b.stopTime),
    durationSeconds: int(b.duration),
    userData: str(b.userData),
    recordingUrl: str(b.recordUrl),
    hangup: hangup(b),
  };
}

function messageReport(b: Body): Record<string, unknown> {
  const reply = Number(b.msgType) === 2;
  return {
    msgId: String(b.msgId),
    taskId: str(b.taskId),
    phone: str(b.phone),
    reply,
    delivered: reply ? null : Number(b.status) === 1,
    userData: str(b.userData),
    sentAt: time(b.sendTime),
    replyContent: reply ? str(b.replyContent) : null,
    repliedAt: reply ? time(b.replyTime) : null,
  };
}

/** A parsed callback body → its kind, idempotency key and typed data. Throws UnusableCallback. */
export function normalizeCallback(body: Body): NormalizedEvent {
  const kind = recognise(body);
  if (kind === 'agentEvent') {
    // One normaliser for agent events, shared with live agent state (src/subscriptions/agent-event.ts).
    let data;
    try {
      data = normalizeAgentEvent(body);
    } catch (err) {
      throw new UnusableCallback((err as Error).message);
    }
    return { kind, key: agentEventKey(data), data };
  }
  const key = idempotencyKey(kind, body);
  return { kind, key, data: NORMALIZERS[kind](body) };
}
