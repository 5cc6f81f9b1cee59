import { Field, InputType, Int, ObjectType } from 'type-graphql';

@InputType({ description: 'A template parameter value: `${name}` in the template' })
export class MessageParamInput {
  @Field()
  name!: string;

  @Field()
  value!: string;
}

@InputType({ description: 'One message of a send' })
export class OutgoingMessageInput {
  @Field({ description: 'Destination phone number' })
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

  @Field({ description: 'Platform message id; delivery reports carry it' })
  msgId!: string;

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
