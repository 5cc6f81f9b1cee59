import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { PhoneScalar } from './phone';

@InputType({ description: 'One person a legacy voice notice calls' })
export class NoticeContactInput {
  @Field(() => PhoneScalar, { description: 'Number to call' })
  phone!: string;

  @Field(() => [String], { nullable: true, description: "Values of the template's parameters, in the template's parameter order" })
  params?: string[];

  @Field({ nullable: true, description: 'Your order id, returned with the call result (tasklog event `orderId`)' })
  orderId?: string;
}

@InputType({ description: 'A legacy voice notice to one number (task_one)' })
export class SendVoiceNoticeInput {
  @Field(() => ID, { description: 'An approved legacy template sn' })
  templateSn!: string;

  @Field(() => NoticeContactInput)
  contact!: NoticeContactInput;

  @Field(() => [String], {
    nullable: true,
    description: 'Uploaded voice files (uploadLegacyVoiceFile) to play after the call connects, in order',
  })
  voiceFiles?: string[];
}

@InputType({ description: 'A legacy voice notice to many numbers (task_batch)' })
export class SendVoiceNoticeBatchInput {
  @Field(() => ID, { description: 'An approved legacy template sn' })
  templateSn!: string;

  @Field(() => [NoticeContactInput], { description: 'People to call (at least one)' })
  contacts!: NoticeContactInput[];

  @Field(() => [String], { nullable: true, description: 'Uploaded voice files to play after the call connects, in order' })
  voiceFiles?: string[];

  @Field(() => Int, {
    nullable: true,
    description: 'Redials after a failed call (platform `call_num`; 0 or more, the spec states no maximum)',
  })
  redialCount?: number;
}

@ObjectType({ description: 'A legacy voice notice placed to one number; its tasklog event carries this callId and orderId' })
export class SentVoiceNotice {
  @Field(() => ID, { description: 'The call id (cache identity)' })
  id!: string;

  @Field(() => ID, { description: 'Call id (platform callUUID), as in the tasklog event' })
  callId!: string;

  @Field({ nullable: true, description: 'The order id sent with the contact' })
  orderId?: string;

  @Field(() => ID)
  templateSn!: string;
}

@ObjectType({ description: 'A legacy voice-notice batch; its tasklog events carry this taskSn and the order ids' })
export class SentVoiceNoticeBatch {
  @Field(() => ID, { description: 'The task sn (cache identity)' })
  id!: string;

  @Field(() => ID, { description: 'Task sn of the batch, as in its tasklog events' })
  taskSn!: string;

  @Field(() => Int)
  contactCount!: number;

  @Field(() => [String], { description: 'The order ids sent, in contact order (contacts without one are skipped)' })
  orderIds!: string[];

  @Field(() => ID)
  templateSn!: string;
}

@ObjectType({ description: 'A voice file uploaded to the legacy notice host' })
export class UploadedVoiceFile {
  @Field(() => ID, { description: 'The file name (cache identity)' })
  id!: string;

  @Field({ description: 'Name to pass in voiceFiles of a voice notice' })
  fileName!: string;
}
