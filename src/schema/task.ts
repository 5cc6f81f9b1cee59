import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

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

/** Task status as "Query task status" and the taskStatus callback report it (there is no 3). */
export enum TaskStatus {
  CREATING = 0,
  RUNNING = 1,
  PAUSED = 2,
  FINISHED = 4,
  CANCELLED = 5,
  CREATION_FAILED = 6,
}
registerEnumType(TaskStatus, { name: 'TaskStatus', description: 'Lifecycle state of an outbound task' });

/** What setTaskStatus asks the platform to do; the values are the platform's control numbers. */
export enum TaskAction {
  START = 1,
  PAUSE = 3,
  CANCEL = 5,
}
registerEnumType(TaskAction, { name: 'TaskAction', description: 'Start, pause or cancel a task' });

@ObjectType({ description: 'Current status of an outbound task' })
export class TaskState {
  @Field(() => ID)
  taskSn!: string;

  @Field(() => TaskType)
  type!: TaskType;

  @Field(() => TaskStatus)
  status!: TaskStatus;

  @Field({ description: "The platform's own description of the status (Chinese)" })
  platformDescription!: string;
}

@ObjectType({ description: 'Result of a task status change' })
export class TaskStatusChange {
  @Field(() => ID)
  taskSn!: string;

  @Field(() => TaskStatus, { description: 'The status the task is in after the change' })
  status!: TaskStatus;
}
