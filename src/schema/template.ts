import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageOf } from './page';
import { PhoneScalar } from './phone';
import { NotPersonal } from './sensitivity';

/** Review state of a template (voice notice, SMS, flash SMS); the values are the platform's status numbers. */
export enum TemplateStatus {
  DRAFT = 1,
  PENDING_REVIEW = 2,
  APPROVED = 3,
  REJECTED = 4,
}
registerEnumType(TemplateStatus, { name: 'TemplateStatus', description: 'Review state of a template (voice notice, SMS, flash SMS)' });

@InputType({ description: 'A parameter filled per contact into a text template' })
export class TemplateParamInput {
  @Field(() => Int, { description: 'Order of the parameter (unique within the template)' })
  index!: number;

  @Field({ description: 'Display name of the parameter' })
  name!: string;

  @Field({ description: 'The placeholder as it is written in the template content' })
  variable!: string;
}

@InputType({ description: 'A text-to-speech voice-notice template' })
export class CreateTextTemplateInput {
  @Field({ description: 'Template name' })
  name!: string;

  @Field(() => PhoneScalar, { description: 'Calling number (主叫号码, given by the platform operator)' })
  caller!: string;

  @Field({ description: 'Text to speak; every parameter variable must appear in it' })
  content!: string;

  @Field(() => Int, {
    defaultValue: 1,
    description: 'How many times the message is played (platform `playNum`; 1 or more, the spec states no maximum)',
  })
  playCount!: number;

  @Field(() => Int, { nullable: true, description: 'Volume 0–100 (platform default 100; range stated by the spec)' })
  volume?: number;

  @Field(() => Int, { nullable: true, description: 'Pitch −500–500 (platform default 0; range stated by the spec)' })
  pitch?: number;

  @Field(() => Int, { nullable: true, description: 'Speaking rate −500–500 (platform `speech`, default 0; range stated by the spec)' })
  speed?: number;

  @Field(() => [TemplateParamInput], { nullable: true, description: 'Parameters used in the content' })
  params?: TemplateParamInput[];
}

@InputType({ description: 'A voice-notice template that plays an uploaded WAV recording' })
export class CreateFileTemplateInput {
  @Field({ description: 'Template name' })
  name!: string;

  @Field(() => PhoneScalar, { description: 'Calling number (主叫号码, given by the platform operator)' })
  caller!: string;

  @Field(() => Int, {
    defaultValue: 1,
    description: 'How many times the message is played (platform `playNum`; 1 or more, the spec states no maximum)',
  })
  playCount!: number;
}

@ObjectType({
  description: 'A created template; it waits for review, whose result arrives as a template review event with this templateSn',
})
export class CreatedTemplate {
  @Field(() => ID, { description: 'The template sn (cache identity)' })
  id!: string;

  @Field(() => ID, { description: 'Template sn: use it as templateSn of NOTICE tasks and to match review events' })
  templateSn!: string;

  @Field(() => TemplateStatus, { description: 'PENDING_REVIEW right after creation' })
  status!: TemplateStatus;
}

@ObjectType({ description: 'A parameter of a text template' })
export class TemplateParam {
  @Field(() => Int, { nullable: true })
  index?: number;

  @Field({ nullable: true })
  name?: string;

  @Field({ nullable: true })
  variable?: string;
}

@ObjectType({ description: 'A voice-notice template' })
export class VoiceTemplate {
  @Field(() => ID, { description: 'The template sn (cache identity)' })
  id!: string;

  @Field(() => ID)
  templateSn!: string;

  @Field()
  name!: string;

  @Field(() => TemplateStatus, {
    nullable: true,
    description: 'Null when the platform sent a status the spec does not list (see platformStatus)',
  })
  status?: TemplateStatus;

  @Field({ nullable: true, description: 'The status as the platform sent it, when it is not one the spec lists' })
  platformStatus?: string;

  @Field({ nullable: true, description: "The platform's description of the status or review note (Chinese)" })
  statusDescription?: string;

  @NotPersonal("template text; the recipients' values are filled in by the platform")
  @Field({ nullable: true, description: 'Text of a text template' })
  content?: string;

  @NotPersonal('the enterprise number the notice calls from')
  @Field({ nullable: true })
  caller?: string;

  @Field(() => Int, { nullable: true })
  volume?: number;

  @Field(() => Int, { nullable: true })
  pitch?: number;

  @Field(() => Int, { nullable: true })
  speed?: number;

  @Field(() => [TemplateParam])
  params!: TemplateParam[];

  @Field({ nullable: true, description: 'Platform path of the audio file' })
  audioPath?: string;
}

@ObjectType({ description: 'One page of voice-notice templates' })
export class VoiceTemplatePage extends PageOf(VoiceTemplate) {}
