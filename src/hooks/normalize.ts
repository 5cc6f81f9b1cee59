import callbacks from '../../spec/callbacks.json';
import { fromAnyPlatformTime, toInt, toNumber, toOptionalString } from '../upstream/convert';
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
/** An Int field: null when absent or beyond what a 32-bit Int carries. */
const int = (v: unknown) => (fitsInt(v) ? (toInt(v) ?? null) : null);
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
      // An object would become "[object Object]": distinct callbacks taken for duplicates of each other.
      if (typeof v === 'object') throw new UnusableCallback(`${kind} with a non-scalar identifying field ${f}`);
      return String(v);
    })
    .join('|');
}

/** Deeper than any callback the platform sends (agent events' data.agentList[].groupList[] is the deepest, at 6). */
const MAX_NESTING = 32;

/** How deep JSON text nests, brackets inside string literals not counted (form fields may carry JSON). */
function textNesting(text: string): number {
  let depth = 0;
  let most = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      most = Math.max(most, ++depth);
      if (most > MAX_NESTING) return most;
    } else if (c === '}' || c === ']') depth--;
  }
  return most;
}

/**
 * How deep a body nests, JSON text in its strings included; walked without recursion. A body nested
 * thousands of levels deep would overflow the stack of the conversions below (a RangeError instead
 * of a reason, and a result that depends on how deep the caller's stack already is).
 */
function nesting(body: Body): number {
  let most = 0;
  const pending: [unknown, number][] = [[body, 0]];
  while (pending.length > 0) {
    const [value, depth] = pending.pop()!;
    if (typeof value === 'string') {
      const t = value.trimStart();
      if (t.startsWith('{') || t.startsWith('[')) most = Math.max(most, depth + textNesting(t));
    } else if (value && typeof value === 'object') {
      most = Math.max(most, depth + 1);
      if (most > MAX_NESTING) return most;
      for (const v of Object.values(value)) pending.push([v, depth + 1]);
    }
  }
  return most;
}

/** Fields that hold structured values (objects, arrays, JSON text); every other field is a scalar. */
const STRUCTURED_FIELDS = new Set(['output', 'turnInfos', 'data']);

const INT32 = 2 ** 31;

/** Whether a value converts to a whole number the schema's Int (32 bits) can carry; true when it is no number at all. */
function fitsInt(v: unknown): boolean {
  const n = toInt(v);
  return n === undefined || (n >= -INT32 && n < INT32);
}

/** Fields that become Int fields of the events (durations, the hang-up code): a larger number is as good as absent. */
const INT_FIELDS = ['duration', 'hangupGcode'];

/**
 * An object's scalar fields made convertible: an object or array that String() and Number()
 * cannot convert (an own `toString` or `valueOf` that is not a function, as JSON can carry)
 * becomes its JSON text, as toOptionalString writes objects, instead of throwing a TypeError in
 * the conversions; a number for an Int field that no Int can carry is dropped (GraphQL could not
 * serialise it: every subscriber of the event would get an error).
 */
function convertible(fields: Body, skip: Set<string>, ints: string[]): Body {
  let out = fields;
  const set = (k: string, v: unknown) => {
    if (out === fields) out = { ...fields };
    if (v === undefined) delete out[k];
    else out[k] = v;
  };
  for (const [k, v] of Object.entries(fields)) {
    if (!v || typeof v !== 'object' || skip.has(k)) continue;
    try {
      String(v);
      Number(v);
    } catch {
      set(k, JSON.stringify(v));
    }
  }
  for (const k of ints) if (!fitsInt(out[k])) set(k, undefined);
  return out;
}

/** A body whose fields the conversions below (and the shared ones of the datasources) can take without throwing. */
function usableBody(body: Body): Body {
  const out = convertible(body, STRUCTURED_FIELDS, INT_FIELDS);
  const turns = array(out.turnInfos);
  if (turns === undefined) return out;
  // Dialogue turns: objects only (a null turn has no talker to read), their fields convertible.
  const usable = turns.filter((t): t is Body => !!t && typeof t === 'object' && !Array.isArray(t)).map((t) => convertible(t, new Set(), ['talkDuration']));
  return { ...out, turnInfos: usable };
}

/** Which kind a body is, from its discriminator (`event`, `type: "event"`, `msgType`). */
export function recognise(body: Body): string {
  if (body.type === 'event' && typeof body.event === 'string') return 'agentEvent';
  const event = typeof body.event === 'string' ? body.event : undefined;
  if (event === 'PnsCallEnd') return body.bindId !== undefined || body.bindType !== undefined ? 'PnsCallEnd' : 'DirectCallEnd';
  if (event === 'sms' || (event === undefined && body.msgType !== undefined && body.msgId !== undefined)) {
    return Number(body.msgType) === 2 ? 'smsUplink' : 'sms';
  }
  // Own kinds only: "constructor" or "__proto__" are not callback kinds.
  if (event && Object.hasOwn(NORMALIZERS, event)) return event;
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
export function normalizeCallback(parsed: Body): NormalizedEvent {
  if (nesting(parsed) > MAX_NESTING) throw new UnusableCallback(`body nested more than ${MAX_NESTING} levels deep`);
  const body = usableBody(parsed);
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
