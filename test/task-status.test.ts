import { startStack, type Stack } from './support/stack';

describe('task status through GraphQL (the first platform read)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('answers the status of a task with the exact upstream request', async () => {
    const { taskSn } = await stack.api.post<{ taskSn: string }>('/tasks', { taskType: 'notice', status: 1 });
    const since = await stack.api.lastSeq();
    const res = await stack.gql(`query($sn: ID!) { task(taskSn: $sn, type: NOTICE) { taskSn type status platformDescription } }`, { sn: taskSn });
    expect(res.errors).toBeUndefined();
    expect(res.data!.task).toEqual({ taskSn, type: 'NOTICE', status: 'RUNNING', platformDescription: '任务进行中' });
    const [call] = await stack.api.requests('task.status', since);
    expect(call).toMatchObject({ host: 'cc', method: 'GET', path: '/obc/api/task/open/status', tokenIn: 'query' });
    expect(call.query).toMatchObject({ taskSn, taskType: 'notice' });
  });

  it('maps a platform error to UPSTREAM_ERROR with the code and message', async () => {
    const res = await stack.gql(`{ task(taskSn: "nope", type: ROBOT) { status } }`);
    expect(res.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamCode: '-1', upstreamMessage: '任务不存在' });
  });

  it('starts, pauses and cancels a task', async () => {
    const { taskSn } = await stack.api.post<{ taskSn: string }>('/tasks', { taskType: 'flow', status: 0 });
    const since = await stack.api.lastSeq();
    for (const [action, status] of [['START', 'RUNNING'], ['PAUSE', 'PAUSED'], ['CANCEL', 'CANCELLED']]) {
      const res = await stack.gql(`mutation($sn: ID!) { setTaskStatus(taskSn: $sn, action: ${action}) { taskSn status } }`, { sn: taskSn });
      expect(res.data!.setTaskStatus).toEqual({ taskSn, status });
    }
    const calls = await stack.api.requests('task.updateStatus', since);
    expect(calls.map((c) => c.path)).toEqual([1, 3, 5].map((s) => `/task/updateTaskStatus/${taskSn}/${s}`));
    expect(calls.every((c) => c.contentType === 'json' && c.tokenIn === 'body' && c.method === 'POST')).toBe(true);
  });
});
