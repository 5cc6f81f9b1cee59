import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { TaskDataSource } from '../datasources/task';
import { TaskAction, TaskState, TaskStatusChange, TaskType } from '../schema/task';

@Resolver()
export class TaskResolver {
  @Authorized('viewer')
  @Query(() => TaskState, { description: 'Status of an outbound task' })
  task(
    @Arg('taskSn', () => ID) taskSn: string,
    @Arg('type', () => TaskType) type: TaskType,
    @Ctx() ctx: GatewayContext,
  ): Promise<TaskState> {
    return ctx.dataSource(TaskDataSource).status(taskSn, type);
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
