import { fromAnyPlatformTime, toInt, toOptionalString } from '../upstream/convert';
import { noticeHangupMeaning } from '../datasources/notice';
import { hangupCause, toCallRecord, type PlatformRecord } from '../datasources/task';
import { CallParty } from '../schema/call';
import { CallbackMode } from '../schema/makecall';
import { PrivacyBindingModel } from '../schema/pns';
import { TaskStatus } from '../schema/task';
import { TemplateStatus } from '../schema/template';
import { normalizeAgentEvent, type AgentEventData } from '../subscriptions/agent-event';

/**
 * The normalisers of the platform's callbacks: a callback body → the event's data (English camelCase
 * names, Dates, numbers, enums). Which body is which kind, and which normaliser it takes, is the
 * kind map's (src/events/kinds.ts); the receiver (src/hooks/receiver.ts) runs them.
 */

/** A callback body the receiver could not turn into an event (it goes to the dead letters). */
export class UnusableCallback extends Error {}

export type Body = Record<string, unknown>;

const str = (v: unknown) => toOptionalString(v) ?? null;
/** An Int field: null when absent or beyond what a 32-bit Int carries. */
const int = (v: unknown) => (fitsInt(v) ? (toInt(v) ?? null) : null);
const time = (v: unknown) => fromAnyPlatformTime(v) ?? null;
const hangup = (b: Body) => hangupCause(b.hangupGcode, b.hangupGname) ?? null;

/**
 * What a callback body may hold; beyond it the body is refused with a reason (a dead letter). Well
 * above what the platform sends: its deepest callback (agent events' data.agentList[].groupList[])
 * nests 6 levels, its longest field name has 17 characters, its longest lists (an agent's groups,
 * a call's dialogue turns, a record package's URLs) hold dozens to hundreds of entries. The body
 * itself is at most 1 MiB (the receiver's limit, 413 beyond).
 */
export const BODY_LIMITS = {
  /** Levels of objects and arrays, the body itself the first, JSON text in string fields included. */
  depth: 32,
  /** Characters of one string. */
  stringChars: 256 * 1024,
  /** Characters of one field name. */
  keyChars: 128,
  /** Items of one array, or fields of one object. */
  entries: 10_000,
  /** Values in the whole body (objects, arrays, strings, numbers, …), JSON text in strings included. */
  values: 100_000,
} as const;

/** A refusal's reason, with the bound it broke. */
const tooDeep = () => `body nested deeper than ${BODY_LIMITS.depth} levels`;

/**
 * How deep JSON text nests, brackets inside string literals not counted; one pass over the text,
 * no recursion, stopping as soon as it is past the bound (so `[[[[…` a million levels deep costs
 * one scan up to level 33).
 */
function textNesting(text: string): number {
  let depth = 0;
  let most = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      most = Math.max(most, ++depth);
      if (most > BODY_LIMITS.depth) return most;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return most;
}

/**
 * Refuses JSON text nested deeper than the bound before it is parsed: JSON.parse would build the
 * structure (a million levels is a few bytes each), and every recursive walk over it afterwards
 * would overflow the stack.
 */
export function checkJsonText(text: string): void {
  if (textNesting(text) > BODY_LIMITS.depth) throw new UnusableCallback(tooDeep());
}

/** JSON text in a string field (form bodies carry objects and lists as JSON), parsed, or undefined. */
function embeddedJson(value: string, depth: number): unknown {
  const t = value.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  if (depth + textNesting(t) > BODY_LIMITS.depth) throw new UnusableCallback(tooDeep());
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined; // text that merely starts with a bracket
  }
}

/**
 * Why a parsed body is beyond BODY_LIMITS, or undefined when it is within them. Walked with an
 * explicit stack, never recursively, JSON text in its strings included: a body nested thousands of
 * levels deep would overflow the stack of the conversions below (a RangeError instead of a reason,
 * and a result that depends on how deep the caller's stack already is).
 */
function bodyProblem(body: Body): string | undefined {
  const L = BODY_LIMITS;
  let values = 0;
  // [value, depth of the container holding it]; the body is at depth 0, so it is level 1.
  const pending: [unknown, number][] = [[body, 0]];
  try {
    while (pending.length > 0) {
      const [value, depth] = pending.pop()!;
      if (++values > L.values) return `body with more than ${L.values} values`;
      if (typeof value === 'string') {
        if (value.length > L.stringChars) return `body with a string longer than ${L.stringChars} characters`;
        const parsed = embeddedJson(value, depth);
        // The JSON text takes the string's place: its top level is one level below the string's container.
        if (parsed !== undefined && parsed !== null && typeof parsed === 'object') pending.push([parsed, depth]);
        continue;
      }
      if (!value || typeof value !== 'object') continue;
      if (depth + 1 > L.depth) return tooDeep();
      if (Array.isArray(value)) {
        if (value.length > L.entries) return `body with an array of more than ${L.entries} items`;
        for (const v of value) pending.push([v, depth + 1]);
        continue;
      }
      const keys = Object.keys(value);
      if (keys.length > L.entries) return `body with an object of more than ${L.entries} fields`;
      for (const k of keys) {
        if (k.length > L.keyChars) return `body with a field name longer than ${L.keyChars} characters`;
        pending.push([(value as Record<string, unknown>)[k], depth + 1]);
      }
    }
  } catch (err) {
    if (err instanceof UnusableCallback) return err.message;
    throw err;
  }
  return undefined;
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
  const usable = turns
    .filter((t): t is Body => !!t && typeof t === 'object' && !Array.isArray(t))
    .map((t) => convertible(t, new Set(), ['talkDuration']));
  return { ...out, turnInfos: usable };
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

/** taskStatus callback numbering (1 resumed, 2 paused, 3 completed, 4 cancelled) → TaskStatus. */
const CALLBACK_TASK_STATUS: Record<string, TaskStatus> = {
  1: TaskStatus.RUNNING,
  2: TaskStatus.PAUSED,
  3: TaskStatus.FINISHED,
  4: TaskStatus.CANCELLED,
};

/** Template review results: 3 approved, 4 rejected (no other value is a review result). */
const REVIEW_STATUS: Record<string, TemplateStatus> = { 3: TemplateStatus.APPROVED, 4: TemplateStatus.REJECTED };

/** A value of a platform table, or OTHER for one the spec does not list (null when absent). */
function party(table: Record<string, CallParty>, v: unknown): CallParty | null {
  const raw = str(v);
  if (raw === null) return null;
  return Object.hasOwn(table, raw) ? table[raw] : CallParty.OTHER;
}

/** One of an enum's values (the platform's literal), or null for an absent or unlisted one (the platform… field keeps it). */
function oneOf<E extends string>(values: Record<string, E>, v: unknown): E | null {
  const raw = str(v);
  return raw !== null && (Object.values(values) as string[]).includes(raw) ? (raw as E) : null;
}

/** AgentCallEnd hangupDirection (挂机方): 0 系统, 1 用户, 2 坐席. */
const AGENT_CALL_HUNG_UP_BY: Record<string, CallParty> = { 0: CallParty.PLATFORM, 1: CallParty.CUSTOMER, 2: CallParty.AGENT };
/** BidirectionalCallEnd hangupDirection (挂机方): 1 A路, 2 B路. */
const BIDIRECTIONAL_HUNG_UP_BY: Record<string, CallParty> = { 1: CallParty.TEL_A, 2: CallParty.TEL_B };
/** PnsCallEnd with bindId, releaseDir (释放方向): 0 未知, 1 主叫结束, 2 被叫结束, 3 平台结束. */
const PRIVACY_HUNG_UP_BY: Record<string, CallParty> = {
  0: CallParty.UNKNOWN,
  1: CallParty.CALLER,
  2: CallParty.CALLEE,
  3: CallParty.PLATFORM,
};
/** PnsCallEnd with bindId, callingRole (主叫角色, AXB only): 0 未知, 1 telA, 2 telB. */
const PRIVACY_CALLING_ROLE: Record<string, CallParty> = { 0: CallParty.UNKNOWN, 1: CallParty.TEL_A, 2: CallParty.TEL_B };
/** PnsCallEnd without bindId (direct call): type, callingType and hangupDirection are telA or telB. */
const DIRECT_CALL_PARTY: Record<string, CallParty> = { telA: CallParty.TEL_A, telB: CallParty.TEL_B };

export function normalizeTaskStatus(b: Body) {
  const code = String(Number(b.status));
  if (!Object.hasOwn(CALLBACK_TASK_STATUS, code)) throw new UnusableCallback(`taskStatus with unknown status ${String(b.status)}`);
  return { taskSn: String(b.taskSn), status: CALLBACK_TASK_STATUS[code], description: str(b.desc), changedAt: time(b.changeTime) };
}

export function normalizeCallEnd(b: Body) {
  return {
    ...toCallRecord(
      { ...b, output: object(b.output) ?? undefined, turnInfos: array(b.turnInfos) } as PlatformRecord,
      String(b.taskSn ?? ''),
    ),
    keys: str(b.keys),
    pressKey: str(b.pressKey),
  };
}

export const normalizeTemplateReview = (b: Body) => templateReview(b, false);
export const normalizeLegacyTemplateReview = (b: Body) => templateReview(b, true);

/** Agent events: one normaliser, shared with live agent state (src/subscriptions/agent-event.ts). */
export function normalizeToolbarEvent(b: Body): AgentEventData {
  try {
    return normalizeAgentEvent(b);
  } catch (err) {
    throw new UnusableCallback((err as Error).message);
  }
}

export function normalizeAgentCallEnd(b: Body) {
  return {
    ...callLegs(b),
    hungUpBy: party(AGENT_CALL_HUNG_UP_BY, b.hangupDirection),
    platformHungUpBy: str(b.hangupDirection),
    agentNumber: str(b.agentNumber),
    agentName: str(b.agentName),
    groupName: str(b.groupName),
  };
}

export function normalizeBidirectionalCallEnd(b: Body) {
  return {
    callId: String(b.callId),
    mode: oneOf(CallbackMode, b.type),
    platformMode: str(b.type),
    displayNumber: str(b.displayCaller),
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
    // The table gives no unit; its example (21539 for a 22 s talk) is in milliseconds.
    durationMs: int(b.duration),
    hungUpBy: party(BIDIRECTIONAL_HUNG_UP_BY, b.hangupDirection),
    platformHungUpBy: str(b.hangupDirection),
    recordingUrl: str(b.recordPath),
    userData: str(b.userData),
  };
}

export function normalizePrivacyCallEnd(b: Body) {
  return {
    ...callLegs(b),
    hungUpBy: party(PRIVACY_HUNG_UP_BY, b.releaseDir),
    platformHungUpBy: str(b.releaseDir),
    bindId: String(b.bindId ?? ''),
    bindType: oneOf(PrivacyBindingModel, b.bindType),
    platformBindType: str(b.bindType),
    callingRole: party(PRIVACY_CALLING_ROLE, b.callingRole),
    platformCallingRole: str(b.callingRole),
    telX: str(b.telX),
  };
}

export function normalizeDirectCallEnd(b: Body) {
  return {
    ...callLegs(b),
    hungUpBy: party(DIRECT_CALL_PARTY, b.hangupDirection),
    platformHungUpBy: str(b.hangupDirection),
    type: party(DIRECT_CALL_PARTY, b.type),
    platformType: str(b.type),
    callingType: party(DIRECT_CALL_PARTY, b.callingType),
    platformCallingType: str(b.callingType),
    source: str(b.source),
  };
}

export function normalizeHangupCause(b: Body) {
  return {
    callId: String(b.callId),
    caller: str(b.caller),
    called: str(b.called),
    calledAt: time(b.callTime),
    ringingAt: Number(b.ringingTime) === 0 ? null : time(b.ringingTime),
    hungUpAt: time(b.hangupTime),
    hangup: hangup(b),
    userData: str(b.userData),
  };
}

export function normalizeSipCallEnd(b: Body) {
  return {
    callId: String(b.callId),
    caller: str(b.caller),
    displayNumber: str(b.displayCaller),
    called: str(b.called),
    // The table names callTime; the example sends startTime.
    calledAt: time(b.callTime ?? b.startTime),
    ringingAt: time(b.ringingTime),
    answeredAt: time(b.answerTime),
    hungUpAt: time(b.hangupTime),
    durationMs: int(b.duration),
    hangup: hangup(b),
    recordingUrl: str(b.recordUrl),
  };
}

export function normalizeRecordPackage(b: Body) {
  return {
    downloadUrls: String(b.downloadurls ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean),
  };
}

export function normalizeLegacyTaskLog(b: Body) {
  const cause = str(b.hangup_cause);
  return {
    callId: String(b.callUUID),
    taskSn: str(b.taskSn),
    orderId: str(b.orderid),
    called: str(b.called),
    caller: str(b.caller),
    displayNumber: str(b.callerIdNumber),
    hangupCause: cause ? noticeHangupMeaning(cause) : null,
    startedAt: time(b.startTime),
    ringingAt: time(b.startRingTime),
    answeredAt: time(b.answerTime),
    endedAt: time(b.endCallTime),
    durationMs: int(b.duration),
    keys: str(b.keys ?? b.pressKey),
    recordingUrl: str(b.recordPath),
  };
}

/** SMS delivery reports and replies (msgType 2), flash SMS reports. */
export function normalizeMessageReport(b: Body) {
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

function templateReview(b: Body, legacy: boolean) {
  const code = String(int(b.status));
  if (!Object.hasOwn(REVIEW_STATUS, code)) throw new UnusableCallback(`template review with unknown status ${String(b.status)}`);
  return {
    templateSn: String(b.template_sn),
    name: str(b.name),
    legacy,
    status: REVIEW_STATUS[code],
    remark: str(b.desc),
    reviewedAt: time(b.review_time),
  };
}

/** The fields the agent-call, privacy-number and direct-call records share (CallDetailRecord). */
function callLegs(b: Body) {
  return {
    callId: String(b.callId),
    callingNumber: str(b.callingNumber),
    calledNumber: str(b.calledNumber),
    startedAt: time(b.beginTime),
    ringingAt: time(b.ringTime),
    answeredAt: time(b.startTime),
    endedAt: time(b.stopTime),
    durationSeconds: int(b.duration),
    userData: str(b.userData),
    recordingUrl: str(b.recordUrl),
    hangup: hangup(b),
  };
}

/**
 * A parsed callback body made safe to recognise and normalise: refused (UnusableCallback, with the
 * bound it broke) when it is beyond BODY_LIMITS, its scalar fields made convertible, its dialogue
 * turns objects.
 */
export function readableBody(parsed: Body): Body {
  const problem = bodyProblem(parsed);
  if (problem !== undefined) throw new UnusableCallback(problem);
  return usableBody(parsed);
}
