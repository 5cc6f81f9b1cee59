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
    const res = await stack.gql(
      `query($sn: ID!) { task(taskSn: $sn, type: NOTICE) { id taskSn type status platformStatus platformDescription } }`,
      { sn: taskSn },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.task).toEqual({
      id: taskSn,
      taskSn,
      type: 'NOTICE',
      status: 'RUNNING',
      platformStatus: null,
      platformDescription: '任务进行中',
    });
    const [call] = await stack.api.requests('task.status', since);
    expect(call).toMatchObject({ host: 'cc', method: 'GET', path: '/obc/api/task/open/status', tokenIn: 'query' });
    expect(call.query).toMatchObject({ taskSn, taskType: 'notice' });
  });

  it('answers a status the spec does not list as UNKNOWN with the raw value, not an error', async () => {
    const { taskSn } = await stack.api.post<{ taskSn: string }>('/tasks', { taskType: 'flow', status: 7 });
    const res = await stack.gql(`query($sn: ID!) { task(taskSn: $sn, type: ROBOT) { id status platformStatus } }`, { sn: taskSn });
    expect(res.errors).toBeUndefined();
    expect(res.data!.task).toEqual({ id: taskSn, status: 'UNKNOWN', platformStatus: '7' });
  });

  it('maps a platform error to UPSTREAM_ERROR with the code and message; the root field is null, the others still answer', async () => {
    const { taskSn } = await stack.api.post<{ taskSn: string }>('/tasks', { taskType: 'flow', status: 1 });
    const res = await stack.gql(
      `query($sn: ID!) { missing: task(taskSn: "nope", type: ROBOT) { status } found: task(taskSn: $sn, type: ROBOT) { status } }`,
      { sn: taskSn },
    );
    expect(res.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamCode: '-1', upstreamMessage: '任务不存在' });
    expect(res.errors![0].path).toEqual(['missing']);
    expect(res.data).toEqual({ missing: null, found: { status: 'RUNNING' } });
  });

  it('starts, pauses and cancels a task', async () => {
    const { taskSn } = await stack.api.post<{ taskSn: string }>('/tasks', { taskType: 'flow', status: 0 });
    const since = await stack.api.lastSeq();
    for (const [action, status] of [
      ['START', 'RUNNING'],
      ['PAUSE', 'PAUSED'],
      ['CANCEL', 'CANCELLED'],
    ]) {
      const res = await stack.gql(`mutation($sn: ID!) { setTaskStatus(taskSn: $sn, action: ${action}) { id taskSn status } }`, {
        sn: taskSn,
      });
      expect(res.data!.setTaskStatus).toEqual({ id: taskSn, taskSn, status });
    }
    const calls = await stack.api.requests('task.updateStatus', since);
    expect(calls.map((c) => c.path)).toEqual([1, 3, 5].map((s) => `/task/updateTaskStatus/${taskSn}/${s}`));
    expect(calls.every((c) => c.contentType === 'json' && c.tokenIn === 'body' && c.method === 'POST')).toBe(true);
  });
});
