import { randomBytes } from 'node:crypto';
import { PlatformFault } from '../envelope';
import type { SandboxContext } from '../server';

const TASK_TYPES = new Set(['flow', 'notice', 'ivr', 'preview']);
/** Status descriptions exactly as the platform writes them (Query task status). */
export const TASK_STATUS_TEXT: Record<number, string> = {
  0: '创建中',
  1: '任务进行中',
  2: '任务暂停',
  4: '任务完成',
  5: '任务取消',
  6: '创建失败',
};
/** Control values of updateTaskStatus → the status the task is then in. */
const CONTROL_TO_STATUS: Record<number, number> = { 1: 1, 3: 2, 5: 5 };

export interface SandboxTask {
  taskSn: string;
  taskType: string;
  name: string;
  status: number;
  contacts: { phone: string; params?: Record<string, unknown>; userData?: string }[];
  createdAt: number;
}

export function registerTask(ctx: SandboxContext): void {
  const tasks = new Map<string, SandboxTask>();
  ctx.onReset(() => tasks.clear());

  ctx.route('task.create', ({ body }) => {
    const taskType = body.taskType === undefined ? 'flow' : String(body.taskType);
    if (!TASK_TYPES.has(taskType)) throw new PlatformFault(-1, 'taskType错误');
    if (!Array.isArray(body.contactsList) || body.contactsList.length === 0) throw new PlatformFault(-1, 'contactsList不能为空');
    const taskSn = randomBytes(16).toString('hex');
    tasks.set(taskSn, {
      taskSn,
      taskType,
      name: String(body.name),
      status: 0,
      contacts: body.contactsList as SandboxTask['contacts'],
      createdAt: ctx.clock.now(),
    });
    return { taskSn };
  });

  ctx.route('task.updateStatus', ({ params }) => {
    const task = tasks.get(params.taskSn);
    if (!task) throw new PlatformFault(-1, '任务不存在');
    const control = Number(params.status);
    const next = CONTROL_TO_STATUS[control];
    if (next === undefined) throw new PlatformFault(-1, 'status错误');
    if (task.status === 5 || task.status === 4) throw new PlatformFault(-1, '任务已结束');
    task.status = next;
    return { taskSn: task.taskSn, status: control };
  });

  ctx.route('task.status', ({ input }) => {
    const task = tasks.get(String(input.taskSn));
    if (!task || task.taskType !== input.taskType) throw new PlatformFault(-1, '任务不存在');
    return { taskSn: task.taskSn, status: task.status, description: TASK_STATUS_TEXT[task.status] };
  });

  ctx.route('task.logPage', ({ input }) => {
    const task = tasks.get(String(input.taskSn));
    if (!task || task.taskType !== input.taskType) throw new PlatformFault(-1, '任务不存在');
    return { records: [], total: 0.0 };
  });

  // Tests seed tasks in a given state without going through creation.
  ctx.control('post', '/tasks', (req) => {
    const { taskType = 'flow', status = 0, name = 'seeded' } = req.body ?? {};
    const taskSn = randomBytes(16).toString('hex');
    tasks.set(taskSn, { taskSn, taskType, name, status, contacts: [], createdAt: ctx.clock.now() });
    return { taskSn };
  });
}
