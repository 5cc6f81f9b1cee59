import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';
import { HangupCause, TaskCallRecord, TaskStatus } from './task';
import { TemplateStatus } from './template';

/** What every delivered event carries: where it sits in the log, and when the gateway received it. */
@InterfaceType('PlatformEvent', {
  description: 'An event pushed by the platform, as kept in the event log',
  resolveType: (value: { kind?: string }) => EVENT_TYPE_NAMES[value.kind ?? ''],
})
export abstract class PlatformEvent {
  @Field(() => ID, { description: 'Position in the event log: pass it as `after` to resume without gap or duplicate' })
  cursor!: string;

  @Field(() => Date, { description: 'When the gateway received the callback' })
  receivedAt!: Date;

  @Field({ description: "The platform's callback kind (its discriminator value)" })
  kind!: string;
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

  @Field()
  kind!: string;

  @Field({ nullable: true, description: 'Keys pressed, comma-separated (IVR tasks)' })
  keys?: string;

  @Field({ nullable: true, description: 'The last key pressed (IVR tasks)' })
  pressKey?: string;
}

@ObjectType({ implements: PlatformEvent, description: 'A voice-notice template was reviewed (v2 TemplateReviewEvent or legacy `template`)' })
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

export enum AgentCallHangupBy {
  SYSTEM = 'SYSTEM',
  CUSTOMER = 'CUSTOMER',
  AGENT = 'AGENT',
}
registerEnumType(AgentCallHangupBy, { name: 'AgentCallHangupBy' });

@ObjectType({ implements: PlatformEvent, description: 'An agent-toolbar event pushed by the platform (Login, Idle, AgentRinging, …)' })
export class AgentToolbarEvent extends PlatformEvent {
  @Field({ description: 'Event name, e.g. Login, Idle, AgentRinging, After' })
  event!: string;
  @Field()
  agentNumber!: string;
  @Field({ nullable: true })
  agentId?: string;
  @Field({ nullable: true })
  companyId?: string;
  @Field({ nullable: true, description: "The agent's state after the event" })
  nowState?: string;
  @Field(() => Date)
  eventTime!: Date;
  @Field(() => Float, { description: 'The sequence of the request this event answers (0 when none)' })
  sequence!: number;
  @Field({ nullable: true })
  userData?: string;
  @Field({ nullable: true })
  ivrParam?: string;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Event data (registration data, call data, …); secrets only for the agent itself' })
  data?: Record<string, unknown>;
}

@ObjectType({ implements: PlatformEvent, description: 'A two-way callback call ended (BidirectionalCallEnd callback)' })
export class BidirectionalCallEndedEvent extends PlatformEvent {
  @Field(() => ID)
  callId!: string;
  @Field({ nullable: true, description: 'Callback mode as the platform sent it' })
  mode?: string;
  @Field({ nullable: true })
  displayCaller?: string;
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
  @Field(() => Int, { nullable: true, description: 'Talk duration (unit not documented; the example suggests ms)' })
  duration?: number;
  @Field({ nullable: true, description: 'A or B: the leg that hung up' })
  hungUpBy?: string;
  @Field({ nullable: true })
  recordingUrl?: string;
  @Field({ nullable: true })
  userData?: string;
}

@InterfaceType('CallDetailRecord', {
  implements: PlatformEvent,
  description: 'A call detail record of an agent, privacy-number or direct call',
  resolveType: (value: { kind?: string }) => EVENT_TYPE_NAMES[value.kind ?? ''],
})
export abstract class CallDetailRecord extends PlatformEvent {
  @Field(() => ID)
  callId!: string;
  @Field({ nullable: true })
  callingNumber?: string;
  @Field({ nullable: true })
  calledNumber?: string;
  @Field(() => Date, { nullable: true })
  beganAt?: Date;
  @Field(() => Date, { nullable: true })
  ringingAt?: Date;
  @Field(() => Date, { nullable: true })
  answeredAt?: Date;
  @Field(() => Date, { nullable: true })
  endedAt?: Date;
  @Field(() => Int, { nullable: true })
  durationSeconds?: number;
  @Field({ nullable: true })
  userData?: string;
  @Field({ nullable: true })
  recordingUrl?: string;
  @Field(() => HangupCause, { nullable: true })
  hangup?: HangupCause;
}

@ObjectType({ implements: [PlatformEvent, CallDetailRecord], description: 'A click-to-call of an agent ended (AgentCallEnd callback)' })
export class AgentCallEndedEvent extends CallDetailRecord {
  @Field({ nullable: true })
  agentNumber?: string;
  @Field({ nullable: true })
  agentName?: string;
  @Field({ nullable: true })
  groupName?: string;
  @Field(() => AgentCallHangupBy, { nullable: true })
  hangupBy?: AgentCallHangupBy;
}

@ObjectType({ implements: [PlatformEvent, CallDetailRecord], description: 'A privacy-number (AXB/AX/AXG) call ended (PnsCallEnd with bindId)' })
export class PrivacyCallEndedEvent extends CallDetailRecord {
  @Field(() => ID)
  bindId!: string;
  @Field({ nullable: true, description: 'ax or axb' })
  bindType?: string;
  @Field({ nullable: true, description: 'UNKNOWN, A or B (axb)' })
  callingRole?: string;
  @Field({ nullable: true })
  telX?: string;
  @Field({ nullable: true, description: 'UNKNOWN, CALLER, CALLEE or PLATFORM' })
  releasedBy?: string;
}

@ObjectType({ implements: [PlatformEvent, CallDetailRecord], description: 'A direct (SDK) call ended (PnsCallEnd without bindId)' })
export class DirectCallEndedEvent extends CallDetailRecord {
  @Field({ nullable: true, description: 'telA or telB' })
  type?: string;
  @Field({ nullable: true, description: 'telA: A dialled; telB: B called back' })
  callingType?: string;
  @Field({ nullable: true })
  source?: string;
  @Field({ nullable: true, description: 'telA or telB' })
  hungUpBy?: string;
}

@ObjectType({ implements: PlatformEvent, description: 'The cause of an unanswered SIP call was recognised (HangupCauseEvent)' })
export class HangupCauseDetectedEvent extends PlatformEvent {
  @Field(() => ID)
  callId!: string;
  @Field({ nullable: true })
  caller?: string;
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
  @Field({ nullable: true })
  caller?: string;
  @Field({ nullable: true })
  displayCaller?: string;
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
  @Field({ nullable: true })
  recordingUrl?: string;
}

@ObjectType({ implements: PlatformEvent, description: "The legacy voice-notice platform's daily recording package is ready (recordpackage)" })
export class RecordPackageReadyEvent extends PlatformEvent {
  @Field(() => [String])
  downloadUrls!: string[];
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
  @Field({ nullable: true })
  taskSn?: string;
  @Field({ nullable: true })
  orderId?: string;
  @Field({ nullable: true })
  called?: string;
  @Field({ nullable: true })
  caller?: string;
  @Field({ nullable: true })
  displayCaller?: string;
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
  @Field({ nullable: true })
  keys?: string;
  @Field({ nullable: true })
  recordingUrl?: string;
}

@InterfaceType('MessageReport', {
  implements: PlatformEvent,
  description: 'A report about one SMS or flash message',
  resolveType: (value: { kind?: string }) => EVENT_TYPE_NAMES[value.kind ?? ''],
})
export abstract class MessageReport extends PlatformEvent {
  @Field(() => ID)
  msgId!: string;
  @Field({ nullable: true })
  taskId?: string;
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
  @Field({ nullable: true })
  replyContent?: string;
  @Field(() => Date, { nullable: true })
  repliedAt?: Date;
}

@ObjectType({ implements: [PlatformEvent, MessageReport], description: 'A flash SMS delivery report' })
export class FlashReportEvent extends MessageReport {}

/** Event kind → GraphQL type name (resolveType of PlatformEvent). */
export const EVENT_TYPE_NAMES: Record<string, string> = {
  taskStatus: 'TaskStatusChangedEvent',
  CallEnd: 'CallEndedEvent',
  TemplateReviewEvent: 'TemplateReviewedEvent',
  template: 'TemplateReviewedEvent',
  AgentCallEnd: 'AgentCallEndedEvent',
  agentEvent: 'AgentToolbarEvent',
  BidirectionalCallEnd: 'BidirectionalCallEndedEvent',
  PnsCallEnd: 'PrivacyCallEndedEvent',
  DirectCallEnd: 'DirectCallEndedEvent',
  HangupCauseEvent: 'HangupCauseDetectedEvent',
  SipDockingCallEnd: 'SipCallEndedEvent',
  recordpackage: 'RecordPackageReadyEvent',
  tasklog: 'LegacyTaskLogEvent',
  sms: 'SmsReportEvent',
  smsUplink: 'SmsReportEvent',
  flash: 'FlashReportEvent',
  ivrDecision: 'IvrDecisionEvent',
};

/** The kinds a client may ask platformEvents for. */
export enum EventKind {
  TASK_STATUS = 'taskStatus',
  CALL_END = 'CallEnd',
  TEMPLATE_REVIEW = 'TemplateReviewEvent',
  LEGACY_TEMPLATE_REVIEW = 'template',
  AGENT_CALL_END = 'AgentCallEnd',
  AGENT_EVENT = 'agentEvent',
  BIDIRECTIONAL_CALL_END = 'BidirectionalCallEnd',
  PRIVACY_CALL_END = 'PnsCallEnd',
  DIRECT_CALL_END = 'DirectCallEnd',
  HANGUP_CAUSE = 'HangupCauseEvent',
  SIP_CALL_END = 'SipDockingCallEnd',
  RECORD_PACKAGE = 'recordpackage',
  LEGACY_TASK_LOG = 'tasklog',
  SMS_REPORT = 'sms',
  SMS_REPLY = 'smsUplink',
  FLASH_REPORT = 'flash',
  /** The gateway's own: its answers to the platform's IVR transfer requests. */
  IVR_DECISION = 'ivrDecision',
}
registerEnumType(EventKind, { name: 'EventKind', description: 'Kinds of platform event' });

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
  @Field()
  rawBody!: string;
}
