import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { TaskDataSource } from '../datasources/task';
import { CreatedTask, CreateTaskInput, TaskAction, TaskCallLogPage, TaskState, TaskStatusChange, TaskType } from '../schema/task';

@Resolver()
export class TaskResolver {
  @Authorized('viewer')
  @Query(() => TaskState, { nullable: true, description: 'Status of an outbound task' })
  task(
    @Arg('taskSn', () => ID) taskSn: string,
    @Arg('type', () => TaskType) type: TaskType,
    @Ctx() ctx: GatewayContext,
  ): Promise<TaskState | null> {
    return ctx.dataSource(TaskDataSource).status(taskSn, type);
  }

  @Authorized('viewer')
  @Query(() => TaskCallLogPage, { nullable: true, description: 'One page of the call records of an outbound task' })
  taskCallLogs(
    @Arg('taskSn', () => ID) taskSn: string,
    @Arg('type', () => TaskType) type: TaskType,
    @Arg('page', () => Int, { defaultValue: 1 }) page: number,
    @Arg('pageSize', () => Int, { defaultValue: 20 }) pageSize: number,
    @Ctx() ctx: GatewayContext,
  ): Promise<TaskCallLogPage | null> {
    return ctx.dataSource(TaskDataSource).callLogs(taskSn, type, page, pageSize);
  }

  @Authorized('supervisor')
  @Mutation(() => CreatedTask, {
    description: 'Create an outbound task (robot, voice notice, IVR or preview); start it with setTaskStatus',
  })
  createTask(@Arg('input', () => CreateTaskInput) input: CreateTaskInput, @Ctx() ctx: GatewayContext): Promise<CreatedTask> {
    return ctx.dataSource(TaskDataSource).create(input);
  }

  @Authorized('supervisor')
  @Mutation(() => TaskStatusChange, { description: 'Start, pause or cancel an outbound task' })
  setTaskStatus(
    @Arg('taskSn', () => ID) taskSn: string,
    @Arg('action', () => TaskAction) action: TaskAction,
    @Ctx() ctx: GatewayContext,
  ): Promise<TaskStatusChange> {
    return ctx.dataSource(TaskDataSource).setStatus(taskSn, action);
  }
}
