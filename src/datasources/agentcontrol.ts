import spec from '../../spec/agent-control.json';
import { hasAnyRole } from '../auth/principal';
import { BadInputError, ForbiddenError, TimeoutError, UpstreamUnavailableError } from '../errors';
import { CallParty } from '../schema/call';
import {
  AgentCallData,
  AgentCallType,
  AgentEvent,
  AgentEventName,
  AgentRegistration,
  CallDirection,
  LoginType,
  ToolbarAgentType,
  type ToolbarAck,
  type ToolbarArgs,
  type ToolbarRequest,
} from '../schema/agentcontrol';
import type { AgentEventData } from '../subscriptions/agent-event';
import type { DeliveredEvent } from '../subscriptions/bus';
import { activityOf, AgentActivity } from '../subscriptions/live-state';
import { fromEpochMs, toInt, toOptionalString } from '../upstream/convert';
import { DataSource } from './datasource';

const REQUESTS = new Map(spec.requests.map((r) => [r.request, r]));

/** After / MakeCallFail cause code → name and meaning (agent-control.json causeCodes; several names share a code: the first wins). */
const CAUSES: ReadonlyMap<number, { name: string; meaning: string }> = (() => {
  const map = new Map<number, { name: string; meaning: string }>();
  for (const c of spec.causeCodes) if (!map.has(c.cause)) map.set(c.cause, { name: c.name, meaning: c.meaning });
  return map;
})();
/** Cause name → code and meaning: MakeCallFail's data.cause is the reason's name (a string) in the spec. */
const CAUSES_BY_NAME: ReadonlyMap<string, { cause: number; meaning: string }> = new Map(
  spec.causeCodes.map((c) => [c.name.toUpperCase(), { cause: c.cause, meaning: c.meaning }] as const).reverse(),
);

const EVENT_NAMES: ReadonlySet<string> = new Set(Object.values(AgentEventName).filter((v) => v !== AgentEventName.OTHER));
const CALL_TYPES: ReadonlySet<string> = new Set(Object.values(AgentCallType).filter((v) => v !== AgentCallType.OTHER));
/** Events whose data is a call (the spec's call-data tables, and After). */
const CALL_EVENTS: ReadonlySet<string> = new Set([
  'AgentOriginate',
  'AgentRinging',
  'AgentAnswer',
  'CalledRinging',
  'CalledAnswer',
  'Conversation',
  'After',
]);
const AGENT_TYPES: ReadonlyMap<number, ToolbarAgentType> = new Map([
  [0, ToolbarAgentType.AGENT],
  [1, ToolbarAgentType.SUPERVISOR],
  [2, ToolbarAgentType.EXTENSION],
]);
/** After hangupDirection: 0 this side (the agent), 1 the other side (the customer / called party). */
const HUNG_UP_BY: ReadonlyMap<string, CallParty> = new Map([
  ['0', CallParty.AGENT],
  ['1', CallParty.CUSTOMER],
]);
const LOGIN_TYPES: ReadonlySet<string> = new Set(Object.values(LoginType));

const MIN_WAIT_MS = 100;
const MAX_WAIT_MS = 30_000;

/** A platform event name → its enum value (OTHER for a name the spec does not list). */
export function agentEventName(platformName: unknown): AgentEventName {
  const name = String(platformName ?? '');
  return EVENT_NAMES.has(name) ? (name as AgentEventName) : AgentEventName.OTHER;
}

const text = (v: unknown) => toOptionalString(v) ?? undefined;
/** A secret the visibility rules may have masked (null): kept null, never "". */
const secret = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
const raw = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v));

function registration(data: Record<string, unknown>): AgentRegistration {
  const type = toInt(data.agentType);
  const loginType = raw(data.loginType);
  return Object.assign(new AgentRegistration(), {
    domain: text(data.domain) ?? '',
    sipId: text(data.sipId) ?? '',
    sipPassword: secret(data.sipPassword),
    webrtcDomain: text(data.webrtcDomain) ?? '',
    webrtcSipId: text(data.webrtcSipId) ?? '',
    webrtcSipPassword: secret(data.webrtcSipPassword),
    registered: toInt(data.registered) === 1,
    canMakeCalls: toInt(data.agentMakeCall) === 1,
    agentType: type === undefined ? undefined : (AGENT_TYPES.get(type) ?? ToolbarAgentType.OTHER),
    platformAgentType: type !== undefined && !AGENT_TYPES.has(type) ? type : undefined,
    loginType: loginType !== undefined && LOGIN_TYPES.has(loginType) ? (loginType as LoginType) : undefined,
    groupIds: Array.isArray(data.groupIdList) ? data.groupIdList.map(String) : [],
    token: secret(data.token),
  });
}

/** callDirection (0/1 in the HTTP tables; a number, or a string as the sandbox sends it) → direction. */
function direction(v: unknown): CallDirection | undefined {
  const r = raw(v);
  if (r === undefined) return undefined;
  return r === '0' ? CallDirection.INBOUND : r === '1' ? CallDirection.OUTBOUND : CallDirection.OTHER;
}

function callData(data: Record<string, unknown>): AgentCallData {
  const type = raw(data.callType);
  const hungUp = raw(data.hangupDirection);
  const predictive = toInt(data.isPredictive);
  const time = (v: unknown) => (toInt(v) === 0 ? undefined : fromEpochMs(v)); // 0: no time (the sandbox's inQueueTime outside a queue)
  return Object.assign(new AgentCallData(), {
    callId: text(data.occCallId),
    direction: direction(data.callDirection),
    platformDirection: raw(data.callDirection),
    caller: text(data.caller),
    called: text(data.called),
    originalCaller: text(data.origCaller),
    originalCalled: text(data.origCalled),
    queuedAt: time(data.inQueueTime),
    callType: type === undefined ? undefined : CALL_TYPES.has(type) ? (type as AgentCallType) : AgentCallType.OTHER,
    platformCallType: type,
    predictive: predictive === undefined ? undefined : predictive === 1,
    startedAt: time(data.beginTime),
    ringingAt: time(data.ringTime),
    answeredAt: time(data.answerTime),
    endedAt: time(data.endTime),
    hungUpBy: hungUp === undefined ? undefined : (HUNG_UP_BY.get(hungUp) ?? CallParty.OTHER),
    platformHungUpBy: hungUp,
    recordingUrl: text(data.recordPath),
    autoIdleSeconds: toInt(data.agentAutoIdleTime),
  });
}

/** The cause of After (data.cause: a code; data.data: its explanation) and MakeCallFail (data.cause: the reason, a name in the spec, a code from the sandbox). */
function cause(data: Record<string, unknown>): Pick<AgentEvent, 'cause' | 'causeName' | 'causeMeaning'> {
  const code = toInt(data.cause);
  if (code !== undefined) {
    const known = CAUSES.get(code);
    return { cause: code, causeName: known?.name ?? text(data.data), causeMeaning: known?.meaning };
  }
  const name = text(data.cause);
  if (name === undefined) return {};
  const known = CAUSES_BY_NAME.get(name.toUpperCase());
  return { cause: known?.cause, causeName: name, causeMeaning: known?.meaning };
}

/** The typed fields of an agent event (AgentEvent and AgentToolbarEvent), from the normalised event. */
export type AgentEventFields = Omit<AgentEvent, never>;

/**
 * THE mapping of one normalised agent event to its typed GraphQL fields, for both AgentEvent (the
 * event a toolbar mutation waited for) and AgentToolbarEvent (the subscriptions'): event name and
 * state enums with the platform's raw values beside them, call data, registration data, the named
 * cause, and the raw data. Accepts the event as the bus hands it over (a time as a Date, epoch ms
 * or ISO text; a sequence as a number or text).
 */
export function agentEventFields(e: AgentEventData): AgentEventFields {
  const data = e.data && typeof e.data === 'object' && !Array.isArray(e.data) ? e.data : undefined;
  const nowState = text(e.nowState);
  const occurredAt = e.eventTime instanceof Date ? e.eventTime : new Date(e.eventTime as unknown as string | number);
  const out: AgentEventFields = {
    event: agentEventName(e.event),
    platformEvent: String(e.event),
    agentNumber: String(e.agentNumber),
    agentId: text(e.agentId),
    companyId: text(e.companyId),
    nowState: nowState === undefined ? undefined : (activityOf(nowState, raw(data?.callDirection) === '1') ?? AgentActivity.OTHER),
    platformState: nowState,
    occurredAt,
    sequence: String(e.sequence ?? 0),
    userData: text(e.userData),
    ivrParam: text(e.ivrParam),
    rawData: data,
  };
  if (!data) return out;
  if (e.event === 'Login' || e.event === 'Reconnect') out.registration = registration(data);
  if (CALL_EVENTS.has(String(e.event))) out.call = callData(data);
  if (e.event === 'After' || e.event === 'MakeCallFail') Object.assign(out, cause(data));
  if (e.event === 'Busy' || e.event === 'Login' || e.event === 'Reconnect') out.platformBusyType = text(data.currentBusyType);
  return out;
}

const fieldsOf = new WeakMap<object, AgentEventFields>();

/** agentEventFields of a delivered payload, computed once per payload (every subscriber of an event shares its payload object). */
export function agentEventFieldsOf(payload: AgentEventData): AgentEventFields {
  let fields = fieldsOf.get(payload);
  if (!fields) {
    fields = agentEventFields(payload);
    fieldsOf.set(payload, fields);
  }
  return fields;
}

/** A normalised agent event → the AgentEvent of a toolbar answer. */
export function toAgentEvent(e: AgentEventData): AgentEvent {
  return Object.assign(new AgentEvent(), agentEventFields(e));
}

/** Per-instance counter that keeps sequences unique within one millisecond. */
let localCounter = 0;

/**
 * The agent toolbar (agentcontrol.request): one endpoint, `request` names the operation. The
 * platform only acknowledges; the outcome is a pushed event, which this source can wait for.
 */
export class AgentControlDataSource extends DataSource {
  /** The agent number the caller may act as: its own; admins any. */
  private actingAgent(requested: string | undefined): string {
    const principal = this.ctx.principal;
    const own = principal.agentNumber;
    const agentNumber = requested ?? own;
    if (!agentNumber) throw new BadInputError('agentNumber', 'required (the token carries no agent number)');
    if (agentNumber !== own && !principal.roles.includes('admin')) {
      throw new ForbiddenError(`An agent may act only as itself (token agent ${own ?? 'none'}, requested ${agentNumber})`);
    }
    return agentNumber;
  }

  /** A sequence unique across instances: epoch ms × 1000 + a counter shared through the store. */
  private async nextSequence(): Promise<number> {
    let n: number;
    try {
      n = await this.ctx.services.store.incrBy('agentcontrol:sequence');
    } catch {
      n = ++localCounter; // the store is down: unique within this instance still
    }
    return Date.now() * 1000 + (n % 1000);
  }

  /**
   * Sends one toolbar request. `params` are the request's own fields (already platform-typed);
   * `targets` are the agents whose events may answer it (the acting agent, or the monitored agent).
   */
  async send(
    request: ToolbarRequest,
    args: ToolbarArgs,
    params: Record<string, unknown> = {},
    beAgentNumber?: string,
  ): Promise<ToolbarAck> {
    const def = REQUESTS.get(request);
    if (!def) throw new Error(`unknown toolbar request ${request}`);
    if (def.supervisor && !hasAnyRole(this.ctx.principal, ['supervisor'])) {
      throw new ForbiddenError(`${request} is a supervisor operation`);
    }
    const agentNumber = this.actingAgent(args.agentNumber);
    const companyId = this.ctx.services.config.companyId;
    if (!companyId) throw new UpstreamUnavailableError('agentcontrol.request', 'VCALL_COMPANY_ID is not configured');
    if (args.waitForEvent) {
      if (def.resultEvents.length === 0) throw new BadInputError('waitForEvent', `the platform pushes no event for ${request}`);
      if (!Number.isInteger(args.timeoutMs) || args.timeoutMs < MIN_WAIT_MS || args.timeoutMs > MAX_WAIT_MS) {
        throw new BadInputError('timeoutMs', `must be an integer from ${MIN_WAIT_MS} to ${MAX_WAIT_MS}`);
      }
    }
    const sequence = await this.nextSequence();
    const body: Record<string, unknown> = { companyId, agentNumber, sequence, request, ...params };
    if (beAgentNumber !== undefined) body.beAgentNumber = beAgentNumber;
    if (args.userData !== undefined) body.userData = args.userData;

    const answers = new Set(def.resultEvents);
    const from = new Set([agentNumber, ...(beAgentNumber ? [beAgentNumber] : [])]);
    const waiter = args.waitForEvent
      ? this.waitFor((e) => e.sequence === sequence && from.has(e.agentNumber) && answers.has(e.event), args.timeoutMs, request)
      : undefined;
    try {
      await this.ctx.call('agentcontrol.request', { body });
    } catch (err) {
      waiter?.cancel();
      throw err;
    }
    const event = waiter ? toAgentEvent(await waiter.promise) : undefined;
    return { request, sequence: String(sequence), agentNumber, event };
  }

  /** Listens (before the request goes out, so a fast event is not missed) for the first matching agent event. */
  private waitFor(match: (e: AgentEventData) => boolean, timeoutMs: number, request: string) {
    let unsubscribe = () => {};
    let timer: NodeJS.Timeout | undefined;
    let rejectWait: (e: Error) => void = () => {};
    const promise = new Promise<AgentEventData>((resolve, reject) => {
      rejectWait = reject;
      unsubscribe = this.ctx.services.events.subscribe((delivered: DeliveredEvent) => {
        if (delivered.kind !== 'agentEvent') return;
        const e = delivered.data as unknown as AgentEventData;
        if (!match(e)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(e);
      });
      timer = setTimeout(() => {
        unsubscribe();
        reject(new TimeoutError(`No event answered ${request} within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    promise.catch(() => {});
    return {
      promise,
      cancel: () => {
        clearTimeout(timer);
        unsubscribe();
        rejectWait(new Error('cancelled'));
      },
    };
  }
}
