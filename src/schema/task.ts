import { GraphQLJSONObject } from 'graphql-scalars';
import { PhoneInfo } from './lookup';
import { PhoneScalar } from './phone';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Sensitive, Sensitivity } from './sensitivity';

/** Task types; the values are the platform's `taskType` strings. */
export enum TaskType {
  ROBOT = 'flow',
  NOTICE = 'notice',
  IVR = 'ivr',
  PREVIEW = 'preview',
}
registerEnumType(TaskType, {
  name: 'TaskType',
  description: 'Kind of outbound task',
  valuesConfig: {
    ROBOT: { description: 'Robot (bot) flow task (platform `flow`)' },
    NOTICE: { description: 'Voice notice task' },
    IVR: { description: 'IVR task' },
    PREVIEW: { description: 'Preview dialling task' },
  },
});

/**
 * Task status as "Query task status" and the taskStatus callback report it (there is no 3).
 * UNKNOWN (-1, never sent by the platform) stands for a value the spec does not list; the raw value is
 * then in `platformStatus`.
 */
export enum TaskStatus {
  UNKNOWN = -1,
  CREATING = 0,
  RUNNING = 1,
  PAUSED = 2,
  FINISHED = 4,
  CANCELLED = 5,
  CREATION_FAILED = 6,
}
registerEnumType(TaskStatus, {
  name: 'TaskStatus',
  description: 'Lifecycle state of an outbound task',
  valuesConfig: { UNKNOWN: { description: 'A status the spec does not list (the raw value is in platformStatus)' } },
});

/** What setTaskStatus asks the platform to do; the values are the platform's control numbers. */
export enum TaskAction {
  START = 1,
  PAUSE = 3,
  CANCEL = 5,
}
registerEnumType(TaskAction, { name: 'TaskAction', description: 'Start, pause or cancel a task' });

/** What a redial step redials; the platform supports only the phone number. */
export enum RecallTarget {
  PHONE = 'phone',
}
registerEnumType(RecallTarget, { name: 'RecallTarget', description: 'What a redial step calls again' });

/** Who spoke in a dialogue turn; the values are the platform's `talker` strings (UNKNOWN: any other). */
export enum DialogueSpeaker {
  CUSTOMER = 'customer',
  BOT = 'agent',
  UNKNOWN = 'unknown',
}
registerEnumType(DialogueSpeaker, {
  name: 'DialogueSpeaker',
  description: 'Speaker of a dialogue turn',
  valuesConfig: {
    CUSTOMER: { description: 'The called person (platform `customer`)' },
    BOT: { description: 'The robot (platform `agent`)' },
    UNKNOWN: { description: 'A talker the spec does not list (the raw value is in platformSpeaker)' },
  },
});

@ObjectType({ description: 'Current status of an outbound task' })
export class TaskState {
  @Field(() => ID, { description: 'The task sn (cache identity)' })
  id!: string;

  @Field(() => ID)
  taskSn!: string;

  @Field(() => TaskType)
  type!: TaskType;

  @Field(() => TaskStatus)
  status!: TaskStatus;

  @Field({ nullable: true, description: 'The status value as the platform sent it, when it is not one the spec lists (status UNKNOWN)' })
  platformStatus?: string;

  @Field({ description: "The platform's own description of the status (Chinese)" })
  platformDescription!: string;
}

@ObjectType({ description: 'Result of a task status change' })
export class TaskStatusChange {
  @Field(() => ID, { description: 'The task sn (cache identity)' })
  id!: string;

  @Field(() => ID)
  taskSn!: string;

  @Field(() => TaskStatus, { description: 'The status the task is in after the change' })
  status!: TaskStatus;
}

@InputType({ description: 'One person a task calls' })
export class TaskContactInput {
  @Field(() => PhoneScalar, { description: 'Number to call' })
  phone!: string;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'Input parameters of the flow or template for this contact, e.g. {"name": "Zhang San"}; flat string/number/boolean values',
  })
  params?: Record<string, unknown>;

  @Field({ nullable: true, description: 'Your own data, returned with every call result of this contact' })
  userData?: string;
}

@InputType({ description: 'A daily time window in which calls may be placed (UTC+08:00 wall clock)' })
export class DialingWindowInput {
  @Field({ description: 'Start, HH:mm (e.g. "09:00")' })
  start!: string;

  @Field({ description: 'End, HH:mm, after start (e.g. "12:00")' })
  end!: string;
}

@InputType({ description: 'One redial attempt after an unsuccessful call' })
export class RecallStepInput {
  @Field(() => Int, { description: 'Seconds to wait before this redial' })
  delaySeconds!: number;

  @Field(() => Int, { description: 'Which redial this is: 1 for the first, 2 for the second, …' })
  attempt!: number;

  @Field(() => RecallTarget, { defaultValue: RecallTarget.PHONE })
  target!: RecallTarget;
}

@InputType({ description: 'A new outbound task' })
export class CreateTaskInput {
  @Field({ description: 'Task name' })
  name!: string;

  @Field(() => TaskType, { defaultValue: TaskType.ROBOT })
  type!: TaskType;

  @Field(() => ID, { nullable: true, description: 'Robot flow id (ROBOT tasks; the platform `groupId`)' })
  flowId?: string;

  @Field(() => ID, { nullable: true, description: 'Voice notice template sn (NOTICE tasks)' })
  templateSn?: string;

  @Field(() => ID, { nullable: true, description: 'IVR flow id (IVR tasks)' })
  ivrId?: string;

  @Field(() => PhoneScalar, {
    nullable: true,
    description:
      'Calling number (主叫号码), bound to the account; the called person sees the display number the platform binds to it ' +
      '(not bound: platform code 1004006; bound without a display number: 1004007)',
  })
  caller?: string;

  @Field(() => [TaskContactInput], { description: 'People to call (at least one)' })
  contacts!: TaskContactInput[];

  @Field(() => Date, {
    nullable: true,
    description: 'From when calls may be placed, within the dialling windows (platform `callStartDate`; default: today 00:00 UTC+08:00)',
  })
  dialingStartsAt?: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'Until when calls may be placed (platform `callEndDate`; default: today 23:59:59 UTC+08:00); not before dialingStartsAt',
  })
  dialingEndsAt?: Date;

  @Field(() => [DialingWindowInput], { nullable: true, description: 'Daily windows for calls (default 08:00–20:00); no overlaps' })
  dialingWindows?: DialingWindowInput[];

  @Field(() => [RecallStepInput], { nullable: true, description: 'Redial strategy, one step per redial' })
  recallStrategy?: RecallStepInput[];
}

@ObjectType({ description: 'A created task; subscribe to its status and call-end events by taskSn' })
export class CreatedTask {
  @Field(() => ID, { description: 'The task sn (cache identity)' })
  id!: string;

  @Field(() => ID, { description: 'The task sn, carried by the taskStatus and CallEnd events of this task' })
  taskSn!: string;

  @Field(() => TaskType)
  type!: TaskType;

  @Field(() => Int, { description: 'Number of contacts sent to the platform' })
  contactCount!: number;
}

@ObjectType({ description: 'One utterance of a robot dialogue' })
export class DialogueTurn {
  @Field(() => DialogueSpeaker, { nullable: true, description: 'Null when the platform names no speaker' })
  speaker?: DialogueSpeaker;

  @Field({ nullable: true, description: 'The talker as the platform sent it, when it is not one the spec lists (speaker UNKNOWN)' })
  platformSpeaker?: string;

  @Sensitive(Sensitivity.DIALOGUE)
  @Field({ nullable: true, description: 'What was said (null for viewers)' })
  content?: string;

  @Field(() => Date, { nullable: true, description: 'When it was said (platform `talkAt`)' })
  spokenAt?: Date;

  @Field(() => Int, {
    nullable: true,
    description:
      'How long it was said, in milliseconds (platform `talkDuration`; the spec states no unit — milliseconds like the ' +
      "record's duration and talkAt)",
  })
  durationMs?: number;

  @Sensitive(Sensitivity.RECORDING)
  @Field({ nullable: true, description: 'URL of the recording of this utterance (customer turns)' })
  recordingUrl?: string;

  @Sensitive(Sensitivity.DIALOGUE)
  @Field({ nullable: true, description: 'Label (tag) given to the turn, e.g. the intent heard' })
  label?: string;
}

@ObjectType({ description: 'Why a call ended (the platform hang-up cause)' })
export class HangupCause {
  @Field(() => Int, { description: 'Platform hang-up code (hangupGcode)' })
  code!: number;

  @Field({ description: 'Platform name of the cause, as sent (Chinese)' })
  platformName!: string;

  @Field({ nullable: true, description: 'English name of the cause, when the code is documented' })
  name?: string;

  @Field({ nullable: true, description: 'English meaning of the cause, when the code is documented' })
  meaning?: string;
}

@ObjectType({ description: 'One call placed by a task' })
export class TaskCallRecord {
  @Field(() => ID, { description: 'The call id (cache identity)' })
  id!: string;

  @Field(() => ID, { description: 'Call id (callID in the log, callId in CallEnd events)' })
  callId!: string;

  @Field(() => ID)
  taskSn!: string;

  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ description: 'Called number' })
  called!: string;

  @Field(() => PhoneInfo, {
    nullable: true,
    description: 'What is known about the called number (looked up on demand, batched and cached)',
  })
  calledInfo?: PhoneInfo | null;

  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ description: 'Calling number (主叫号码), as the platform reports it' })
  caller!: string;

  @Field(() => HangupCause, { nullable: true })
  hangup?: HangupCause;

  @Field(() => Date, { nullable: true })
  startedAt?: Date;

  @Field(() => Date, { nullable: true })
  ringingAt?: Date;

  @Field(() => Date, { nullable: true, description: 'Absent when the call was not answered' })
  answeredAt?: Date;

  @Field(() => Date, { nullable: true })
  endedAt?: Date;

  @Field(() => Int, { description: 'Talk duration in milliseconds' })
  durationMs!: number;

  @Field({ nullable: true, description: 'userData given with the contact' })
  userData?: string;

  @Sensitive(Sensitivity.DIALOGUE)
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Output parameters of the flow' })
  output?: Record<string, unknown>;

  @Sensitive(Sensitivity.RECORDING)
  @Field({ nullable: true, description: 'Recording download URL' })
  recordingUrl?: string;

  @Field(() => [DialogueTurn], { description: 'Dialogue turns (robot tasks)' })
  turns!: DialogueTurn[];
}

@ObjectType({ description: 'One page of the call records of a task' })
export class TaskCallLogPage {
  @Field(() => Int)
  page!: number;

  @Field(() => Int)
  pageSize!: number;

  @Field(() => Int, { description: 'Number of records over all pages' })
  total!: number;

  @Field(() => [TaskCallRecord])
  records!: TaskCallRecord[];
}
