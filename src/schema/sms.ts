import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageOf } from './page';
import { PhoneScalar } from './phone';
import { TemplateStatus } from './template';
import { NotPersonal, Sensitive, Sensitivity } from './sensitivity';

@InputType({ description: 'A template parameter value: `${name}` in the template' })
export class MessageParamInput {
  @Field()
  name!: string;

  @Field()
  value!: string;
}

@InputType({ description: 'One message of a send' })
export class OutgoingMessageInput {
  @Field(() => PhoneScalar, { description: 'Destination phone number (the platform gets its national form)' })
  phone!: string;

  @Field({ nullable: true, description: 'Your data (max 100 chars), echoed in the delivery report' })
  userData?: string;

  @Field(() => [MessageParamInput], { nullable: true, description: "Values of the template's ${…} placeholders" })
  params?: MessageParamInput[];
}

@ObjectType({ description: 'A message the platform accepted' })
export class AcceptedMessage {
  @Field(() => Int, { description: 'Position of the message in the input list' })
  index!: number;

  @Field(() => ID, { description: 'Platform message id; delivery reports and SentSms / SentFlashSms carry it' })
  msgId!: string;

  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field()
  phone!: string;

  @Field({ nullable: true })
  userData?: string;

  @Field({ description: 'Platform task id of the request that carried it' })
  taskId!: string;
}

@ObjectType({ description: 'A message the platform refused, with its reason' })
export class RejectedMessage {
  @Field(() => Int, { description: 'Position of the message in the input list' })
  index!: number;

  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field()
  phone!: string;

  @Field({ nullable: true })
  userData?: string;

  @Field({ description: 'Platform per-message code' })
  code!: string;

  @Field({ description: 'Platform reason, as given (e.g. 手机号码错误)' })
  reason!: string;
}

@ObjectType({ description: 'Result of a send: partial failure is a normal result' })
export class MessageSendResult {
  @Field(() => Int)
  totalCount!: number;

  @Field(() => [String], { description: 'Platform task ids, one per platform request (at most 500 messages each)' })
  taskIds!: string[];

  @Field(() => [AcceptedMessage])
  accepted!: AcceptedMessage[];

  @Field(() => [RejectedMessage])
  rejected!: RejectedMessage[];
}

/** `msgType` of SMS templates and sent SMS (codes.json `smsMsgType`); flash SMS has none. */
export enum SmsMessageType {
  NOTIFICATION = 1,
  PROMOTIONAL = 2,
}
registerEnumType(SmsMessageType, { name: 'SmsMessageType', description: 'Kind of SMS: notification or promotional (marketing)' });

/**
 * `status` of the sent-message lists (codes.json `messageSendStatus`; not the callbacks' 1 success / 2 failure).
 * UNKNOWN (never sent to the platform) stands for a value the spec does not list.
 */
export enum MessageSendStatus {
  UNKNOWN = -1,
  OTHER = 0,
  NOT_SENT = 1,
  SENT = 2,
  FAILED = 3,
}
registerEnumType(MessageSendStatus, {
  name: 'MessageSendStatus',
  description: 'Send state of one SMS or flash message',
  valuesConfig: {
    UNKNOWN: { description: 'A state the platform answered that the spec does not list (see platformStatus); not a filter value' },
    OTHER: { description: 'Other (platform 0)' },
    NOT_SENT: { description: 'Not sent yet' },
    SENT: { description: 'Sent successfully' },
    FAILED: { description: 'Sending failed' },
  },
});

@InputType({ description: 'Filter of message templates (all given conditions apply)' })
export class MessageTemplateFilter {
  @Field({ nullable: true, description: 'Template name, as the platform matches it' })
  name?: string;

  @Field(() => Date, { nullable: true, description: 'Created at or after' })
  createdFrom?: Date;

  @Field(() => Date, { nullable: true, description: 'Created at or before' })
  createdTo?: Date;

  @Field(() => TemplateStatus, { nullable: true })
  status?: TemplateStatus;
}

@InputType({ description: 'Filter of flash SMS templates' })
export class FlashTemplateFilter extends MessageTemplateFilter {}

@InputType({ description: 'Filter of SMS templates' })
export class SmsTemplateFilter extends MessageTemplateFilter {
  @Field(() => SmsMessageType, { nullable: true })
  messageType?: SmsMessageType;
}

@ObjectType({ description: 'A message template' })
export class MessageTemplate {
  @Field(() => ID, { description: 'Stable id of the template (its templateId)' })
  id!: string;

  @Field(() => ID, { description: 'Template id: the templateId of sends' })
  templateId!: string;

  @Field()
  name!: string;

  @NotPersonal("template text; the recipients' values are filled in by the platform")
  @Field({ description: 'Template text; placeholders are written ${name}' })
  content!: string;

  @Field(() => [String], {
    description: 'Names of the ${…} placeholders in the content, in order of first use: every message of a send gives exactly these params',
  })
  placeholders!: string[];

  @Field(() => Date, { nullable: true })
  createdAt?: Date;

  @Field(() => Date, { nullable: true })
  updatedAt?: Date;

  @Field(() => TemplateStatus, {
    nullable: true,
    description: 'Review state; null when the platform sent none, or a value the spec does not list (see platformStatus)',
  })
  status?: TemplateStatus;

  @Field({ nullable: true, description: "The platform's status value as answered" })
  platformStatus?: string;
}

@ObjectType({ description: 'A flash SMS template' })
export class FlashTemplate extends MessageTemplate {}

@ObjectType({ description: 'An SMS template' })
export class SmsTemplate extends MessageTemplate {
  @Field(() => SmsMessageType, { nullable: true })
  messageType?: SmsMessageType;
}

@InputType({ description: 'Filter of sent messages (all given conditions apply)' })
export class SentMessageFilter {
  @Field(() => Date, { nullable: true, description: 'Sent at or after' })
  sentFrom?: Date;

  @Field(() => Date, { nullable: true, description: 'Sent at or before' })
  sentTo?: Date;

  @Field(() => MessageSendStatus, { nullable: true })
  status?: MessageSendStatus;

  @Field({ nullable: true, description: 'Platform task id of a send request (see MessageSendResult.taskIds)' })
  taskId?: string;

  @Field(() => PhoneScalar, { nullable: true, description: 'Destination phone number' })
  phone?: string;
}

@InputType({ description: 'Filter of sent flash SMS' })
export class SentFlashSmsFilter extends SentMessageFilter {}

@InputType({ description: 'Filter of sent SMS' })
export class SentSmsFilter extends SentMessageFilter {
  @Field(() => SmsMessageType, { nullable: true })
  messageType?: SmsMessageType;
}

@ObjectType({ description: 'One sent message and its state' })
export class SentMessage {
  @Field(() => ID, { description: 'Stable id of the message (its msgId)' })
  id!: string;

  @Field(() => ID, { description: 'Platform message id (delivery reports carry it)' })
  msgId!: string;

  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true })
  phone?: string;

  @Sensitive(Sensitivity.MESSAGE_TEXT)
  @Field({ nullable: true, description: 'The final text: the template with the params filled in' })
  content?: string;

  @Field(() => MessageSendStatus, {
    nullable: true,
    description: 'Send state; UNKNOWN for a value the spec does not list (see platformStatus), null when the platform sent none',
  })
  status?: MessageSendStatus;

  @Field({ nullable: true, description: "The platform's status value as answered" })
  platformStatus?: string;

  @Field(() => Date, { nullable: true })
  sentAt?: Date;

  @Field({ nullable: true })
  taskId?: string;
}

@ObjectType({ description: 'A sent flash SMS' })
export class SentFlashSms extends SentMessage {}

@ObjectType({ description: 'A sent SMS' })
export class SentSms extends SentMessage {
  @Field(() => SmsMessageType, { nullable: true })
  messageType?: SmsMessageType;
}

@ObjectType({ description: 'One page of SMS templates' })
export class SmsTemplatePage extends PageOf(SmsTemplate) {}

@ObjectType({ description: 'One page of flash SMS templates' })
export class FlashTemplatePage extends PageOf(FlashTemplate) {}

@ObjectType({ description: 'One page of sent SMS' })
export class SentSmsPage extends PageOf(SentSms) {}

@ObjectType({ description: 'One page of sent flash SMS' })
export class SentFlashSmsPage extends PageOf(SentFlashSms) {}
