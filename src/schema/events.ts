import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';
import { EVENT_KIND_VALUES, EVENT_KINDS, EventKind, graphqlTypeOf } from '../events/kinds';
import { CallParty } from './call';
import { AgentCallData, AgentEventName, AgentRegistration } from './agentcontrol';
import { AgentActivity } from '../subscriptions/live-state';
import { CallbackMode } from './makecall';
import { PrivacyBindingModel } from './pns';
import { HangupCause, TaskCallRecord, TaskStatus } from './task';
import { TemplateStatus } from './template';
import { NotPersonal, Sensitive, Sensitivity } from './sensitivity';

/** The kinds a client may ask platformEvents for, and the `kind` of every event: derived from the kind map (src/events/kinds.ts). */
export { EventKind };
registerEnumType(EventKind, {
  name: 'EventKind',
  description: 'Kinds of platform event: what the `kinds` filter of platformEvents takes and what `kind` of each event says',
  valuesConfig: Object.fromEntries(EVENT_KIND_VALUES.map((k) => [EVENT_KINDS[k].name, { description: EVENT_KINDS[k].description }])),
});

/** resolveType of PlatformEvent and its sub-interfaces: the GraphQL type the kind map names for the event's kind. */
const typeOfEvent = (value: { kind?: string }) => graphqlTypeOf(value.kind);

/** What every delivered event carries: where it sits in the log, when the gateway received it, and its kind. */
@InterfaceType('PlatformEvent', {
  description: 'An event pushed by the platform, as kept in the event log',
  resolveType: typeOfEvent,
})
export abstract class PlatformEvent {
  @Field(() => ID, { description: 'Position in the event log: pass it as `after` to resume without gap or duplicate' })
  cursor!: string;

  @Field(() => Date, { description: 'When the gateway received the callback' })
  receivedAt!: Date;

  @Field(() => EventKind, { description: 'The kind of event: the value the `kinds` filter of platformEvents takes' })
  kind!: EventKind;

  @Field({
    description:
      "The platform's discriminator of the callback: its `event` value (CallEnd, taskStatus, …); DirectCallEnd for a PnsCallEnd without bindId, " +
      "smsUplink for an sms reply (msgType 2), ivrDecision for the gateway's own events",
  })
  platformKind!: string;
}

@ObjectType({ implements: PlatformEvent, description: 'An outbound task changed status (taskStatus callback)' })
export class TaskStatusChangedEvent extends PlatformEvent {
  @Field(() => ID)
  taskSn!: string;

  @Field(() => TaskStatus)
  status!: TaskStatus;

  @Field({ nullable: true, description: "The platform's description of the change" })
  description?: string;

  @Field(() => Date, { nullable: true })
  changedAt?: Date;
}

@ObjectType({ implements: PlatformEvent, description: 'A call of an outbound task ended (CallEnd callback)' })
export class CallEndedEvent extends TaskCallRecord implements PlatformEvent {
  @Field(() => ID)
  cursor!: string;

  @Field(() => Date)
  receivedAt!: Date;

  @Field(() => EventKind)
  kind!: EventKind;

  @Field()
  platformKind!: string;

  @Sensitive(Sensitivity.DIALOGUE)
  @Field({ nullable: true, description: 'Keys pressed, comma-separated (IVR tasks)' })
  keys?: string;

  @Sensitive(Sensitivity.DIALOGUE)
  @Field({ nullable: true, description: 'The last key pressed (IVR tasks)' })
  pressKey?: string;
}

@ObjectType({
  implements: PlatformEvent,
  description: 'A voice-notice template was reviewed (v2 TemplateReviewEvent or legacy `template`)',
})
export class TemplateReviewedEvent extends PlatformEvent {
  @Field(() => ID)
  templateSn!: string;

  @Field({ nullable: true })
  name?: string;

  @Field({ description: 'True for a template of the legacy voice-notice platform (v1)' })
  legacy!: boolean;

  @Field(() => TemplateStatus, { description: 'APPROVED or REJECTED' })
  status!: TemplateStatus;

  @Field({ nullable: true, description: 'Review remark' })
  remark?: string;

  @Field(() => Date, { nullable: true })
  reviewedAt?: Date;
}

@ObjectType({ implements: PlatformEvent, description: 'An agent-toolbar event pushed by the platform (Login, Idle, AgentRinging, …)' })
export class AgentToolbarEvent extends PlatformEvent {
  // The same typed fields as AgentEvent (src/schema/agentcontrol.ts), filled by the one mapping
  // agentEventFields (src/datasources/agentcontrol.ts) through AgentToolbarEventFieldsResolver.
  @Field(() => AgentEventName, { description: 'The event (OTHER for a name the spec does not list)' })
  event!: AgentEventName;
  @Field({ description: 'The event name as the platform wrote it (Login, AgentRinging, …)' })
  platformEvent!: string;
  @Field(() => ID)
  agentNumber!: string;
  @Field(() => ID, { nullable: true })
  agentId?: string;
  @Field({ nullable: true })
  companyId?: string;
  @Field(() => AgentActivity, {
    nullable: true,
    description: "The agent's state in the platform after the event, as an activity (OTHER when it maps to none)",
  })
  nowState?: AgentActivity;
  @Field({ nullable: true, description: "The platform's own state name (nowState) as sent" })
  platformState?: string;
  @Field(() => Date, { description: 'When the platform pushed the event (eventTime)' })
  occurredAt!: Date;
  @Field(() => ID, { description: 'The request sequence the event answers ("0" when none)' })
  sequence!: string;
  @Field({ nullable: true })
  userData?: string;
  @Field({ nullable: true, description: 'IVR parameters (a JSON string; AgentRinging, AgentAnswer, Conversation, After)' })
  ivrParam?: string;
  @Field(() => AgentCallData, { nullable: true, description: 'The call (call events and After)' })
  call?: AgentCallData;
  @Field(() => AgentRegistration, {
    nullable: true,
    description: 'Registration data (Login and Reconnect only); credentials only for the agent itself',
  })
  registration?: AgentRegistration;
  @Field(() => Int, { nullable: true, description: 'After-call / failure cause code (After, MakeCallFail)' })
  cause?: number;
  @Field({ nullable: true, description: 'Name of the cause (e.g. NORMAL_CLEARING, USER_BUSY)' })
  causeName?: string;
  @Field({ nullable: true, description: 'Meaning of the cause (the after-call cause code table)' })
  causeMeaning?: string;
  @Field({
    nullable: true,
    description:
      "The busy type the agent is in (Busy, Login, Reconnect: currentBusyType): one its enterprise configures on the platform, so the platform's free text",
  })
  platformBusyType?: string;
  @Sensitive(Sensitivity.RAW)
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The event data as pushed (credentials only for the agent itself)' })
  rawData?: Record<string, unknown>;
}

@ObjectType({ implements: PlatformEvent, description: 'A two-way callback call ended (BidirectionalCallEnd callback)' })
export class BidirectionalCallEndedEvent extends PlatformEvent {
  @Field(() => ID)
  callId!: string;
  @Field(() => CallbackMode, {
    nullable: true,
    description: 'Callback mode (type); null when absent or a value the spec does not list (see platformMode)',
  })
  mode?: CallbackMode;
  @Field({ nullable: true, description: "The platform's type value as sent" })
  platformMode?: string;
  @NotPersonal('the enterprise number shown to both parties')
  @Field({ nullable: true, description: 'The number shown to the parties (displayCaller)' })
  displayNumber?: string;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true })
  telA?: string;
  @Field(() => Date, { nullable: true })
  aCalledAt?: Date;
  @Field(() => Date, { nullable: true })
  aRingingAt?: Date;
  @Field(() => Date, { nullable: true })
  aAnsweredAt?: Date;
  @Field(() => Date, { nullable: true })
  aHungUpAt?: Date;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true })
  telB?: string;
  @Field(() => Date, { nullable: true })
  bCalledAt?: Date;
  @Field(() => Date, { nullable: true })
  bRingingAt?: Date;
  @Field(() => Date, { nullable: true })
  bAnsweredAt?: Date;
  @Field(() => Date, { nullable: true })
  bHungUpAt?: Date;
  @Field(() => HangupCause, { nullable: true })
  hangup?: HangupCause;
  @Field(() => Int, {
    nullable: true,
    description: 'Talk duration in milliseconds (the table gives no unit; its example, 21539 for a 22 s talk, is in ms)',
  })
  durationMs?: number;
  @Field(() => CallParty, { nullable: true, description: 'The leg that hung up: TEL_A or TEL_B (hangupDirection 1 or 2)' })
  hungUpBy?: CallParty;
  @Field({ nullable: true, description: "The platform's hangupDirection as sent" })
  platformHungUpBy?: string;
  @Sensitive(Sensitivity.RECORDING)
  @Field({ nullable: true })
  recordingUrl?: string;
  @Field({ nullable: true })
  userData?: string;
}

@InterfaceType('CallDetailRecord', {
  implements: PlatformEvent,
  description: 'A call detail record of an agent, privacy-number or direct call',
  resolveType: typeOfEvent,
})
export abstract class CallDetailRecord extends PlatformEvent {
  @Field(() => ID)
  callId!: string;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true })
  callingNumber?: string;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true })
  calledNumber?: string;
  @Field(() => Date, { nullable: true, description: 'When the call was placed (beginTime)' })
  startedAt?: Date;
  @Field(() => Date, { nullable: true })
  ringingAt?: Date;
  @Field(() => Date, { nullable: true, description: 'When the talk began (startTime)' })
  answeredAt?: Date;
  @Field(() => Date, { nullable: true })
  endedAt?: Date;
  @Field(() => Int, { nullable: true, description: 'Talk duration in seconds (单位：秒)' })
  durationSeconds?: number;
  @Field({ nullable: true })
  userData?: string;
  @Sensitive(Sensitivity.RECORDING)
  @Field({ nullable: true })
  recordingUrl?: string;
  @Field(() => HangupCause, { nullable: true })
  hangup?: HangupCause;
  @Field(() => CallParty, { nullable: true, description: 'Who hung up (OTHER for a value the spec does not list)' })
  hungUpBy?: CallParty;
  @Field({ nullable: true, description: "The platform's value as sent (hangupDirection; releaseDir for privacy-number calls)" })
  platformHungUpBy?: string;
}

@ObjectType({
  implements: [PlatformEvent, CallDetailRecord],
  description: 'A click-to-call of an agent ended (AgentCallEnd callback); hungUpBy is PLATFORM, CUSTOMER or AGENT',
})
export class AgentCallEndedEvent extends CallDetailRecord {
  @Field(() => ID, { nullable: true })
  agentNumber?: string;
  @Field({ nullable: true })
  agentName?: string;
  @Field({ nullable: true })
  groupName?: string;
}

@ObjectType({
  implements: [PlatformEvent, CallDetailRecord],
  description:
    'A privacy-number (AXB/AX/AXG) call ended (PnsCallEnd with bindId); hungUpBy is CALLER, CALLEE, PLATFORM or UNKNOWN (releaseDir)',
})
export class PrivacyCallEndedEvent extends CallDetailRecord {
  @Field(() => ID)
  bindId!: string;
  @Field(() => PrivacyBindingModel, {
    nullable: true,
    description: 'The binding model (bindType: ax or axb); null for a value the spec does not list',
  })
  bindType?: PrivacyBindingModel;
  @Field({ nullable: true, description: "The platform's bindType as sent" })
  platformBindType?: string;
  @Field(() => CallParty, { nullable: true, description: 'Who called (AXB only): TEL_A, TEL_B or UNKNOWN' })
  callingRole?: CallParty;
  @Field({ nullable: true, description: "The platform's callingRole as sent" })
  platformCallingRole?: string;
  @NotPersonal('the enterprise privacy number (X) that stands between the parties')
  @Field({ nullable: true })
  telX?: string;
}

@ObjectType({
  implements: [PlatformEvent, CallDetailRecord],
  description: 'A direct (SDK) call ended (PnsCallEnd without bindId); hungUpBy is TEL_A or TEL_B',
})
export class DirectCallEndedEvent extends CallDetailRecord {
  @Field(() => CallParty, { nullable: true, description: 'The leg of the record (type): TEL_A or TEL_B' })
  type?: CallParty;
  @Field({ nullable: true, description: "The platform's type as sent" })
  platformType?: string;
  @Field(() => CallParty, { nullable: true, description: 'Who placed the call (callingType): TEL_A dialled, TEL_B called back' })
  callingType?: CallParty;
  @Field({ nullable: true, description: "The platform's callingType as sent" })
  platformCallingType?: string;
  @Field({ nullable: true, description: 'Where the call came from, e.g. sdk or 手机直拨 (free text)' })
  source?: string;
}

@ObjectType({ implements: PlatformEvent, description: 'The cause of an unanswered SIP call was recognised (HangupCauseEvent)' })
export class HangupCauseDetectedEvent extends PlatformEvent {
  @Field(() => ID)
  callId!: string;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true })
  caller?: string;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true })
  called?: string;
  @Field(() => Date, { nullable: true })
  calledAt?: Date;
  @Field(() => Date, { nullable: true })
  ringingAt?: Date;
  @Field(() => Date, { nullable: true })
  hungUpAt?: Date;
  @Field(() => HangupCause, { nullable: true })
  hangup?: HangupCause;
  @Field({ nullable: true })
  userData?: string;
}

@ObjectType({ implements: PlatformEvent, description: 'A SIP-trunk call ended (SipDockingCallEnd)' })
export class SipCallEndedEvent extends PlatformEvent {
  @Field(() => ID)
  callId!: string;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true })
  caller?: string;
  @NotPersonal('the enterprise number shown to the called party')
  @Field({ nullable: true, description: 'The number shown to the called party (displayCaller)' })
  displayNumber?: string;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true })
  called?: string;
  @Field(() => Date, { nullable: true })
  calledAt?: Date;
  @Field(() => Date, { nullable: true })
  ringingAt?: Date;
  @Field(() => Date, { nullable: true })
  answeredAt?: Date;
  @Field(() => Date, { nullable: true })
  hungUpAt?: Date;
  @Field(() => Int, { nullable: true })
  durationMs?: number;
  @Field(() => HangupCause, { nullable: true })
  hangup?: HangupCause;
  @Sensitive(Sensitivity.RECORDING)
  @Field({ nullable: true })
  recordingUrl?: string;
}

@ObjectType({
  implements: PlatformEvent,
  description: "The legacy voice-notice platform's daily recording package is ready (recordpackage)",
})
export class RecordPackageReadyEvent extends PlatformEvent {
  @Sensitive(Sensitivity.RECORDING)
  @Field(() => [String], { nullable: true, description: 'Links to the recordings (null for viewers)' })
  downloadUrls?: string[];
}

@ObjectType({ description: 'Hang-up cause of a legacy voice-notice call' })
export class LegacyHangupCause {
  @Field({ description: 'Platform cause, e.g. NORMAL_CLEARING' })
  code!: string;
  @Field({ nullable: true })
  meaning?: string;
  @Field({ nullable: true, description: "The platform's description (Chinese)" })
  platformDescription?: string;
}

@ObjectType({ implements: PlatformEvent, description: 'A legacy voice-notice call ended (tasklog)' })
export class LegacyTaskLogEvent extends PlatformEvent {
  @Field(() => ID)
  callId!: string;
  @Field(() => ID, { nullable: true })
  taskSn?: string;
  @Field({ nullable: true })
  orderId?: string;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true })
  called?: string;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true })
  caller?: string;
  @NotPersonal('the enterprise number shown to the called party')
  @Field({ nullable: true, description: 'The number shown to the called party (callerIdNumber)' })
  displayNumber?: string;
  @Field(() => LegacyHangupCause, { nullable: true })
  hangupCause?: LegacyHangupCause;
  @Field(() => Date, { nullable: true })
  startedAt?: Date;
  @Field(() => Date, { nullable: true })
  ringingAt?: Date;
  @Field(() => Date, { nullable: true })
  answeredAt?: Date;
  @Field(() => Date, { nullable: true })
  endedAt?: Date;
  @Field(() => Int, { nullable: true })
  durationMs?: number;
  @Sensitive(Sensitivity.DIALOGUE)
  @Field({ nullable: true })
  keys?: string;
  @Sensitive(Sensitivity.RECORDING)
  @Field({ nullable: true })
  recordingUrl?: string;
}

@InterfaceType('MessageReport', {
  implements: PlatformEvent,
  description: 'A report about one SMS or flash message',
  resolveType: typeOfEvent,
})
export abstract class MessageReport extends PlatformEvent {
  @Field(() => ID)
  msgId!: string;
  @Field(() => ID, { nullable: true })
  taskId?: string;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true })
  phone?: string;
  @Field({ nullable: true, description: 'Whether the message was delivered (absent for replies)' })
  delivered?: boolean;
  @Field({ nullable: true })
  userData?: string;
  @Field(() => Date, { nullable: true })
  sentAt?: Date;
}

@ObjectType({ implements: [PlatformEvent, MessageReport], description: 'An SMS delivery report, or a reply from the recipient (uplink)' })
export class SmsReportEvent extends MessageReport {
  @Field({ description: 'True for a reply from the recipient (uplink), false for a delivery report' })
  reply!: boolean;
  @Sensitive(Sensitivity.MESSAGE_TEXT)
  @Field({ nullable: true })
  replyContent?: string;
  @Field(() => Date, { nullable: true })
  repliedAt?: Date;
}

@ObjectType({ implements: [PlatformEvent, MessageReport], description: 'A flash SMS delivery report' })
export class FlashReportEvent extends MessageReport {}

@ObjectType({ description: 'A callback the gateway could not use, kept with its raw body' })
export class DeadLetter {
  @Field(() => ID)
  cursor!: string;
  @Field(() => Date)
  receivedAt!: Date;
  @Field()
  reason!: string;
  @Field()
  contentType!: string;
  @Sensitive(Sensitivity.RAW)
  @Field({ nullable: true, description: 'The body as received, credentials redacted' })
  rawBody?: string;
}
