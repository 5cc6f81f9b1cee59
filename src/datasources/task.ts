import { UpstreamUnavailableError } from '../errors';
import { TaskAction, TaskStatus, type TaskState, type TaskStatusChange, type TaskType } from '../schema/task';
import { DataSource } from './datasource';

/** A control number of updateTaskStatus → the status the task is then in. */
const STATUS_AFTER: Record<TaskAction, TaskStatus> = {
  [TaskAction.START]: TaskStatus.RUNNING,
  [TaskAction.PAUSE]: TaskStatus.PAUSED,
  [TaskAction.CANCEL]: TaskStatus.CANCELLED,
};

function toTaskStatus(endpoint: string, value: unknown): TaskStatus {
  const n = Number(value);
  if (!(n in TaskStatus)) throw new UpstreamUnavailableError(endpoint, `unknown task status ${String(value)}`);
  return n as TaskStatus;
}

/** Outbound call tasks (family `task`). */
export class TaskDataSource extends DataSource {
  async status(taskSn: string, type: TaskType): Promise<TaskState> {
    const { data } = await this.ctx.call<{ taskSn: string; status: number | string; description?: string }>('task.status', {
      query: { taskType: type, taskSn },
    });
    return {
      taskSn: String(data.taskSn ?? taskSn),
      type,
      status: toTaskStatus('task.status', data.status),
      platformDescription: data.description ?? '',
    };
  }

  async setStatus(taskSn: string, action: TaskAction): Promise<TaskStatusChange> {
    const { data } = await this.ctx.call<{ taskSn: string; status: number | string }>('task.updateStatus', {
      params: { taskSn, status: action },
    });
    const echoed = Number(data?.status ?? action) as TaskAction;
    return { taskSn: String(data?.taskSn ?? taskSn), status: STATUS_AFTER[echoed] ?? STATUS_AFTER[action] };
  }
}
