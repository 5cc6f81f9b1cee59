import { startStack, type Stack } from './support/stack';

const STATUS = `query($sn: ID!) { task(taskSn: $sn, type: ROBOT) { status } }`;
const START = `mutation($sn: ID!) { setTaskStatus(taskSn: $sn, action: START) { status } }`;

describe('upstream client behaviour', () => {
  let stack: Stack;
  let taskSn: string;
  beforeAll(async () => {
    stack = await startStack({ env: { UPSTREAM_TIMEOUT_MS: '400' } });
  });
  beforeEach(async () => {
    await stack.api.clearFaults();
    taskSn = (await stack.api.post<{ taskSn: string }>('/tasks', { taskType: 'flow', status: 0 })).taskSn;
    await stack.gql(STATUS, { sn: taskSn }); // warm token
  });
  afterAll(() => stack.close());

  it('a mutation whose upstream call times out is not retried and gives UPSTREAM_UNAVAILABLE', async () => {
    const since = await stack.api.lastSeq();
    await stack.api.fault({ endpoint: 'task.updateStatus', kind: 'delay', ms: 1200 });
    const res = await stack.gql(START, { sn: taskSn });
    expect(res.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', endpoint: 'task.updateStatus' });
    expect(res.errors![0].message).toMatch(/no answer within 400 ms/);
    await new Promise((r) => setTimeout(r, 1300));
    expect(await stack.api.requests('task.updateStatus', since)).toHaveLength(1);
  });

  it('a POST is not retried after a 5xx either', async () => {
    const since = await stack.api.lastSeq();
    await stack.api.fault({ endpoint: 'task.updateStatus', kind: 'http', status: 502 });
    const res = await stack.gql(START, { sn: taskSn });
    expect(res.errors![0].extensions!.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(await stack.api.requests('task.updateStatus', since)).toHaveLength(1);
  });

  it('a GET is retried after 5xx answers and a dropped connection', async () => {
    const since = await stack.api.lastSeq();
    await stack.api.fault({ endpoint: 'task.status', kind: 'http', status: 503 });
    await stack.api.fault({ endpoint: 'task.status', kind: 'reset' });
    const res = await stack.gql(STATUS, { sn: taskSn });
    expect(res.errors).toBeUndefined();
    expect(await stack.api.requests('task.status', since)).toHaveLength(3);
  });

  it('a GET that keeps failing gives UPSTREAM_UNAVAILABLE after a bounded number of attempts', async () => {
    const since = await stack.api.lastSeq();
    await stack.api.fault({ endpoint: 'task.status', kind: 'http', status: 500, times: -1 });
    const res = await stack.gql(STATUS, { sn: taskSn });
    expect(res.errors![0].extensions!.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(await stack.api.requests('task.status', since)).toHaveLength(3);
  });

  it('a platform error envelope becomes UPSTREAM_ERROR with code and message, without internals', async () => {
    await stack.api.fault({ endpoint: 'task.status', kind: 'envelope', code: '1005009', msg: '坐席不存在' });
    const res = await stack.gql(STATUS, { sn: taskSn });
    const error = res.errors![0];
    expect(error.extensions).toEqual({
      code: 'UPSTREAM_ERROR',
      endpoint: 'task.status',
      upstreamCode: '1005009',
      upstreamMessage: '坐席不存在',
      requestId: expect.any(String),
    });
    expect(JSON.stringify(res)).not.toMatch(/stacktrace|at .*\.ts:\d+/i);
  });
});
