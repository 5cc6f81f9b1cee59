import callbacks from '../../spec/callbacks.json';
import {
  normalizeAgentCallEnd,
  normalizeBidirectionalCallEnd,
  normalizeCallEnd,
  normalizeDirectCallEnd,
  normalizeHangupCause,
  normalizeLegacyTaskLog,
  normalizeLegacyTemplateReview,
  normalizeMessageReport,
  normalizePrivacyCallEnd,
  normalizeRecordPackage,
  normalizeSipCallEnd,
  normalizeTaskStatus,
  normalizeTemplateReview,
  normalizeToolbarEvent,
  type Body,
} from '../hooks/normalize';
import type { IvrOutcome } from '../ivr/rules';
import { agentEventKey } from '../subscriptions/agent-event';
import type { DeliveredEvent, EventPayload } from '../subscriptions/bus';

/**
 * THE list of event kinds. Each entry says, for one kind of event the log keeps: its EventKind
 * value, its GraphQL type, how the receiver recognises its callbacks, what identifies one
 * occurrence, and its normaliser, whose return type is the kind's payload type (EventData<K>): the
 * type the subscriptions' filters read and their resolvers return. Everything else is derived:
 * the EventKind enum and PlatformEvent's resolveType (src/schema/events.ts), the receiver's
 * recognition and keys (src/hooks/receiver.ts), the streams of the log (src/app.ts gives
 * EVENT_KIND_VALUES to the StreamEventBus), and the subscriptions' typing (src/resolvers/events.ts).
 *
 * The key of an entry is the kind as the log stores it (its stream is `events:<kind>`) and as
 * `platformKind` shows it: the platform's discriminator value, except where one value covers two
 * kinds (`DirectCallEnd`: PnsCallEnd without bindId; `smsUplink`: sms with msgType 2) and for the
 * gateway's own kinds (`ivrDecision`).
 *
 * This module sits above the bus (src/subscriptions/bus.ts and stream-bus.ts never import it): its
 * normalisers reach the datasources, which reach the context, which holds the bus.
 */

/** The body fields that name a callback's kind, in the order they decide (a body with `type: "event"` is an agent event whatever its `event`). */
export const DISCRIMINATOR_FIELDS = ['type', 'event', 'msgType'] as const;

/** How the receiver recognises a callback of a kind (spec/callbacks.json `discriminator`). */
export interface Discriminator {
  field: (typeof DISCRIMINATOR_FIELDS)[number];
  /** The field's (string) value; absent: any value of the field, `when` decides. */
  value?: string;
  /** Whether a body with that value is this kind, when the value names more than one (PnsCallEnd, sms). */
  when?: (body: Body) => boolean;
}

interface KindCommon {
  /** The value's name in the EventKind enum (SCREAMING_CASE). */
  name: string;
  /** The GraphQL object type of the event (implements PlatformEvent). */
  graphqlType: string;
  /** EventKind value description. */
  description: string;
}

/** A kind the platform pushes to POST /hooks/<HOOK_SECRET>. */
export interface CallbackKind<D extends object = object> extends KindCommon {
  discriminators: readonly Discriminator[];
  /** The body's identifying fields (spec/callbacks.json `idFields`), or the key computed from the normalised data. */
  idFields: readonly string[] | ((data: D) => string);
  /** Body (made readable) → the event's data; throws UnusableCallback for a body it cannot use. */
  normalize: (body: Body) => D;
}

/** A kind the gateway publishes itself; `publishes` carries (and checks, when called) its data type. */
export interface GatewayKind<D extends object = object> extends KindCommon {
  publishes: (data: D) => D;
}

/** Binds an entry's payload type to its normaliser's return type (and keeps its name a literal). */
const pushed = <const N extends string, D extends object>(kind: CallbackKind<D> & { name: N }) => kind;
const own =
  <D extends object>() =>
  <const N extends string>(kind: Omit<GatewayKind<D>, 'publishes'> & { name: N }): GatewayKind<D> & { name: N } => ({
    ...kind,
    publishes: (data) => data,
  });

/** The idFields of a callback of spec/callbacks.json (by its `event`, and `family` where two share one). */
function specIdFields(event: string, family?: string): readonly string[] {
  const spec = callbacks.find((c) => c.event === event && (family === undefined || c.family === family));
  if (!spec) throw new Error(`spec/callbacks.json has no callback ${event}${family ? ` of ${family}` : ''}`);
  return spec.idFields;
}

const event = (value: string, when?: (body: Body) => boolean): Discriminator => ({ field: 'event', value, when });
/** PnsCallEnd of a privacy-number binding (the direct-call record has neither field). */
const bound = (b: Body) => b.bindId !== undefined || b.bindType !== undefined;
const isReply = (b: Body) => Number(b.msgType) === 2;
/** SMS reports are also recognised without an `event` field, by msgType and msgId. */
const smsWithoutEvent = (reply: boolean): Discriminator => ({
  field: 'msgType',
  when: (b) => typeof b.event !== 'string' && b.msgId !== undefined && isReply(b) === reply,
});

/** The data of an ivrDecision event, as src/hooks/ivr.ts publishes it (GraphQL type IvrDecisionEvent). */
export interface IvrDecisionData {
  occCallId?: string;
  caller: string;
  called: string;
  dtmf: string;
  outcome: IvrOutcome;
  transferTo?: string;
  ruleId?: string;
  reason?: string;
  decidedAt: Date;
}

export const EVENT_KINDS = {
  taskStatus: pushed({
    name: 'TASK_STATUS',
    graphqlType: 'TaskStatusChangedEvent',
    description: 'An outbound task changed status (taskStatus)',
    discriminators: [event('taskStatus')],
    idFields: specIdFields('taskStatus'),
    normalize: normalizeTaskStatus,
  }),
  CallEnd: pushed({
    name: 'CALL_END',
    graphqlType: 'CallEndedEvent',
    description: 'A call of an outbound task ended (CallEnd)',
    discriminators: [event('CallEnd')],
    idFields: specIdFields('CallEnd'),
    normalize: normalizeCallEnd,
  }),
  TemplateReviewEvent: pushed({
    name: 'TEMPLATE_REVIEW',
    graphqlType: 'TemplateReviewedEvent',
    description: 'A voice-notice template was reviewed (TemplateReviewEvent)',
    discriminators: [event('TemplateReviewEvent')],
    idFields: specIdFields('TemplateReviewEvent'),
    normalize: normalizeTemplateReview,
  }),
  template: pushed({
    name: 'LEGACY_TEMPLATE_REVIEW',
    graphqlType: 'TemplateReviewedEvent',
    description: 'A template of the legacy voice-notice platform was reviewed (template)',
    discriminators: [event('template')],
    idFields: specIdFields('template'),
    normalize: normalizeLegacyTemplateReview,
  }),
  AgentCallEnd: pushed({
    name: 'AGENT_CALL_END',
    graphqlType: 'AgentCallEndedEvent',
    description: 'A call of an agent ended (AgentCallEnd)',
    discriminators: [event('AgentCallEnd')],
    idFields: specIdFields('AgentCallEnd'),
    normalize: normalizeAgentCallEnd,
  }),
  agentEvent: pushed({
    name: 'AGENT_EVENT',
    graphqlType: 'AgentToolbarEvent',
    description: 'An agent-toolbar event (type "event": Login, Idle, AgentRinging, …)',
    discriminators: [{ field: 'type', value: 'event', when: (b) => typeof b.event === 'string' }],
    // One agent, one event name, one time, one request (the spec's idFields leave out the request's sequence).
    idFields: agentEventKey,
    normalize: normalizeToolbarEvent,
  }),
  BidirectionalCallEnd: pushed({
    name: 'BIDIRECTIONAL_CALL_END',
    graphqlType: 'BidirectionalCallEndedEvent',
    description: 'A two-way callback call ended (BidirectionalCallEnd)',
    discriminators: [event('BidirectionalCallEnd')],
    idFields: specIdFields('BidirectionalCallEnd'),
    normalize: normalizeBidirectionalCallEnd,
  }),
  PnsCallEnd: pushed({
    name: 'PRIVACY_CALL_END',
    graphqlType: 'PrivacyCallEndedEvent',
    description: 'A privacy-number call ended (PnsCallEnd with bindId)',
    discriminators: [event('PnsCallEnd', bound)],
    idFields: specIdFields('PnsCallEnd', 'pns'),
    normalize: normalizePrivacyCallEnd,
  }),
  DirectCallEnd: pushed({
    name: 'DIRECT_CALL_END',
    graphqlType: 'DirectCallEndedEvent',
    description: 'A direct (SDK) call ended (PnsCallEnd without bindId)',
    discriminators: [event('PnsCallEnd', (b) => !bound(b))],
    idFields: specIdFields('PnsCallEnd', 'directcall'),
    normalize: normalizeDirectCallEnd,
  }),
  HangupCauseEvent: pushed({
    name: 'HANGUP_CAUSE',
    graphqlType: 'HangupCauseDetectedEvent',
    description: 'The cause of an unanswered SIP call was recognised (HangupCauseEvent)',
    discriminators: [event('HangupCauseEvent')],
    idFields: specIdFields('HangupCauseEvent'),
    normalize: normalizeHangupCause,
  }),
  SipDockingCallEnd: pushed({
    name: 'SIP_CALL_END',
    graphqlType: 'SipCallEndedEvent',
    description: 'A SIP-trunk call ended (SipDockingCallEnd)',
    discriminators: [event('SipDockingCallEnd')],
    idFields: specIdFields('SipDockingCallEnd'),
    normalize: normalizeSipCallEnd,
  }),
  recordpackage: pushed({
    name: 'RECORD_PACKAGE',
    graphqlType: 'RecordPackageReadyEvent',
    description: "The legacy voice-notice platform's daily recording package is ready (recordpackage)",
    discriminators: [event('recordpackage')],
    idFields: specIdFields('recordpackage'),
    normalize: normalizeRecordPackage,
  }),
  tasklog: pushed({
    name: 'LEGACY_TASK_LOG',
    graphqlType: 'LegacyTaskLogEvent',
    description: 'A call of the legacy voice-notice platform ended (tasklog)',
    discriminators: [event('tasklog')],
    idFields: specIdFields('tasklog'),
    normalize: normalizeLegacyTaskLog,
  }),
  sms: pushed({
    name: 'SMS_REPORT',
    graphqlType: 'SmsReportEvent',
    description: 'An SMS delivery report (sms, msgType 0 or 1)',
    discriminators: [event('sms', (b) => !isReply(b)), smsWithoutEvent(false)],
    idFields: specIdFields('sms'),
    normalize: normalizeMessageReport,
  }),
  smsUplink: pushed({
    name: 'SMS_REPLY',
    graphqlType: 'SmsReportEvent',
    description: 'A reply to an SMS (sms, msgType 2)',
    discriminators: [event('sms', isReply), smsWithoutEvent(true)],
    idFields: specIdFields('sms.uplink'),
    normalize: normalizeMessageReport,
  }),
  flash: pushed({
    name: 'FLASH_REPORT',
    graphqlType: 'FlashReportEvent',
    description: 'A flash SMS delivery report (flash)',
    discriminators: [event('flash')],
    idFields: specIdFields('flash'),
    normalize: normalizeMessageReport,
  }),
  ivrDecision: own<IvrDecisionData>()({
    name: 'IVR_DECISION',
    graphqlType: 'IvrDecisionEvent',
    description: "The gateway's answer to one of the platform's IVR transfer requests (the gateway's own)",
  }),
  // `any`: each entry's own payload type was checked by pushed()/own(); this only checks that every entry is one.
} satisfies Record<string, CallbackKind<any> | GatewayKind<any>>;

type Kinds = typeof EVENT_KINDS;

/** An event kind as the log stores it and the EventKind enum's internal value ('CallEnd' ↔ CALL_END). */
export type EventKind = keyof Kinds;

/** The kinds the platform pushes (those with discriminators). */
export type CallbackKindName = { [K in EventKind]: Kinds[K] extends { discriminators: unknown } ? K : never }[EventKind];

/** The data of an event of kind K: its normaliser's return type (or what the gateway publishes). */
export type EventData<K extends EventKind> = Kinds[K] extends { normalize: (body: Body) => infer D extends object }
  ? D
  : Kinds[K] extends { publishes: (data: infer D extends object) => unknown }
    ? D
    : never;

/** A delivered event of kind K (a union over K: checking `kind` narrows `data`). */
export type KindEvent<K extends EventKind = EventKind> = K extends EventKind ? DeliveredEvent<K, EventData<K>> : never;

/** What a subscription's resolver receives for an event of kind K. */
export type KindPayload<K extends EventKind = EventKind> = EventPayload<KindEvent<K>>;

/** Every kind, in the map's order. */
export const EVENT_KIND_VALUES = Object.keys(EVENT_KINDS) as EventKind[];

/** The EventKind enum (value name → kind), for type-graphql's registerEnumType: `EventKind.CALL_END === 'CallEnd'`. */
export const EventKind = Object.fromEntries(EVENT_KIND_VALUES.map((k) => [EVENT_KINDS[k].name, k])) as {
  [K in EventKind as Kinds[K]['name']]: K;
};

export function isEventKind(kind: string): kind is EventKind {
  return Object.hasOwn(EVENT_KINDS, kind);
}

/** The GraphQL type of an event of this kind (resolveType of PlatformEvent and its sub-interfaces). */
export function graphqlTypeOf(kind: string | undefined): string | undefined {
  return kind !== undefined && isEventKind(kind) ? EVENT_KINDS[kind].graphqlType : undefined;
}

/** The map's entry of a kind the platform pushes, with its payload type. */
export function callbackKind<K extends CallbackKindName>(kind: K): CallbackKind<EventData<K>> {
  return EVENT_KINDS[kind] as unknown as CallbackKind<EventData<K>>;
}

interface Candidate {
  kind: CallbackKindName;
  when?: (body: Body) => boolean;
}

/** The discriminators of each field: by the value they name, and those for any value of it. */
const BY_DISCRIMINATOR = new Map<string, { byValue: Map<string, Candidate[]>; anyValue: Candidate[] }>();
for (const kind of EVENT_KIND_VALUES) {
  const { discriminators = [] } = EVENT_KINDS[kind] as { discriminators?: readonly Discriminator[] };
  for (const d of discriminators) {
    let ofField = BY_DISCRIMINATOR.get(d.field);
    if (!ofField) BY_DISCRIMINATOR.set(d.field, (ofField = { byValue: new Map(), anyValue: [] }));
    const candidate = { kind: kind as CallbackKindName, when: d.when };
    if (d.value === undefined) ofField.anyValue.push(candidate);
    else ofField.byValue.set(d.value, [...(ofField.byValue.get(d.value) ?? []), candidate]);
  }
}

/**
 * Which kind a callback body is, from its discriminators (fields in DISCRIMINATOR_FIELDS order;
 * a value must be a string to name a kind); undefined when it is none of the map's.
 */
export function recognise(body: Body): CallbackKindName | undefined {
  for (const field of DISCRIMINATOR_FIELDS) {
    const value = body[field];
    if (value === undefined) continue;
    const ofField = BY_DISCRIMINATOR.get(field);
    if (!ofField) continue;
    const named = typeof value === 'string' ? ofField.byValue.get(value) : undefined;
    const found = named?.find((c) => !c.when || c.when(body)) ?? ofField.anyValue.find((c) => !c.when || c.when(body));
    if (found) return found.kind;
  }
  return undefined;
}
