import { fastPlatform, waitForCallbacks } from './fixtures/uploads';
import { startStack, type Stack } from './support/stack';
import { collect } from './support/subscriptions';

const CREATE = `mutation($input: CreateTaskInput!) { createTask(input: $input) { taskSn } }`;
const LOGS = `query($sn: ID!, $type: TaskType!, $page: Int!, $size: Int!) {
  taskCallLogs(taskSn: $sn, type: $type, page: $page, pageSize: $size) {
    page pageSize total
    records {
      id callId taskSn called caller durationMs userData output recordingUrl
      hangup { code platformName name meaning }
      startedAt ringingAt answeredAt endedAt
      turns { speaker platformSpeaker content spokenAt durationMs recordingUrl label }
    }
  }
}`;

/** "2021-6-15 10:42:39" in UTC+08:00 → ISO string (what the DateTime scalar answers). */
function cstIso(text: string): string | null {
  if (!text) return null;
  const [d, t] = text.split(' ');
  const [y, mo, da] = d.split('-').map(Number);
  const [h, mi, s] = t.split(':').map(Number);
  return new Date(Date.UTC(y, mo - 1, da, h, mi, s) - 8 * 3600_000).toISOString();
}

describe('a task created and started', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    await fastPlatform(stack);
  });
  afterAll(() => stack.close());

  it('pushes CallEnd callbacks that match its call-log pages, then a completed taskStatus', async () => {
    // Last digits decide the simulated outcome: 0–6 answered, 7 busy, 8 no answer, 9 vacant.
    const phones = ['13900000001', '13900000007', '13900000008', '13900000009', '13900000002'];
    const created = await stack.gql(CREATE, {
      input: {
        name: 'run',
        type: 'ROBOT',
        flowId: 'flow-1',
        caller: '95002',
        contacts: phones.map((phone, i) => ({ phone, params: { name: `N${i}` }, userData: `ud-${i}` })),
      },
    });
    expect(created.errors).toBeUndefined();
    const taskSn = created.data!.createTask.taskSn as string;
    const start = await stack.gql(`mutation($sn: ID!) { setTaskStatus(taskSn: $sn, action: START) { status } }`, { sn: taskSn });
    expect(start.data!.setTaskStatus.status).toBe('RUNNING');

    const callEnds = await waitForCallbacks(stack, (p) => p.kind === 'CallEnd' && p.body.taskSn === taskSn, phones.length);
    const statuses = await waitForCallbacks(stack, (p) => p.kind === 'taskStatus' && p.body.taskSn === taskSn, 2);
    expect(statuses.map((s) => [s.body.status, s.body.desc])).toEqual([
      [1, '任务开始'],
      [3, '任务完成'],
    ]);
    expect(statuses[1].encoding).toBe('json');
    expect(Object.keys(statuses[1].body)).toEqual(['event', 'taskSn', 'status', 'desc', 'changeTime']);
    expect(statuses[1].body.changeTime).toMatch(/^\d{4}-\d{1,2}-\d{1,2} \d{2}:\d{2}:\d{2}$/);

    const state = await stack.gql(`query($sn: ID!) { task(taskSn: $sn, type: ROBOT) { status } }`, { sn: taskSn });
    expect(state.data!.task.status).toBe('FINISHED');

    // Two pages of 3: the records come in dialling order, as the callbacks were pushed.
    const since = await stack.api.lastSeq();
    const pages = [];
    for (const page of [1, 2]) {
      const res = await stack.gql(LOGS, { sn: taskSn, type: 'ROBOT', page, size: 3 });
      expect(res.errors).toBeUndefined();
      pages.push(res.data!.taskCallLogs);
    }
    expect(pages.map((p) => [p.page, p.pageSize, p.total, p.records.length])).toEqual([
      [1, 3, 5, 3],
      [2, 3, 5, 2],
    ]);
    const calls = await stack.api.requests('task.logPage', since);
    expect(calls.map((c) => ({ ...c.query, token: typeof c.query.token }))).toEqual([
      { taskType: 'flow', pageNo: '1', pageSize: '3', taskSn, token: 'string' },
      { taskType: 'flow', pageNo: '2', pageSize: '3', taskSn, token: 'string' },
    ]);
    expect(
      calls.every((c) => c.host === 'cc' && c.method === 'GET' && c.path === '/obc/api/task/open/log/page' && c.tokenIn === 'query'),
    ).toBe(true);

    const records = pages.flatMap((p) => p.records);
    expect(records.map((r: { called: string }) => r.called)).toEqual(phones);
    records.forEach((r: Record<string, any>, i: number) => {
      const cb = callEnds[i].body;
      expect(Object.keys(cb).slice(0, 7)).toEqual(['event', 'taskSn', 'hangupGcode', 'hangupGname', 'caller', 'called', 'callId']);
      expect(r).toMatchObject({
        id: cb.callId,
        callId: cb.callId,
        taskSn,
        called: cb.called,
        caller: cb.caller,
        durationMs: cb.duration,
        userData: `ud-${i}`,
        startedAt: cstIso(cb.startTime),
        ringingAt: cstIso(cb.ringingTime),
        answeredAt: cstIso(cb.answerTime),
        endedAt: cstIso(cb.endTime),
        output: cb.output,
        recordingUrl: cb.recordPath || null,
      });
      expect(r.hangup).toMatchObject({ code: cb.hangupGcode, platformName: cb.hangupGname });
      expect(
        r.turns.map((t: { speaker: string; content: string }) => ({
          talker: t.speaker === 'BOT' ? 'agent' : 'customer',
          content: t.content,
        })),
      ).toEqual(cb.turnInfos);
    });
    expect(records.map((r: Record<string, any>) => r.hangup.code)).toEqual([0, 1017, 2102, 2114, 0]);
    expect(records[0].hangup).toMatchObject({ platformName: '正常结束', name: 'Normal end' });
    expect(records[1].answeredAt).toBeNull();
    expect(records[1].durationMs).toBe(0);
    // 2102 is listed twice in the hang-up table: both meanings are kept.
    expect(records[2].hangup.meaning).toContain('nobody answered');
    expect(records[2].hangup.meaning).toContain('second row');
    expect(records[0].turns[0]).toMatchObject({ speaker: 'BOT', platformSpeaker: null, label: '开场白', durationMs: 3000 });
    expect(records[0].turns[0].spokenAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(records[0].turns[1].recordingUrl).toMatch(/^http/);
  });

  it('delivers its call ends and status changes on subscriptions, matching its call-log pages', async () => {
    const phones = ['13900000011', '13900000017', '13900000012'];
    const created = await stack.gql(CREATE, {
      input: { name: 'live', type: 'ROBOT', flowId: 'flow-1', caller: '95002', contacts: phones.map((phone) => ({ phone })) },
    });
    const taskSn = created.data!.createTask.taskSn as string;
    const viewer = await stack.token(['viewer']);
    const ends = await collect(
      stack.ws(viewer),
      `subscription($sn: ID) { callEnded(taskSn: $sn) { cursor id callId taskSn called durationMs answeredAt hangup { code meaning } } }`,
      { sn: taskSn },
    );
    const changes = await collect(stack.ws(viewer), `subscription($sn: ID) { taskStatusChanged(taskSn: $sn) { taskSn status } }`, {
      sn: taskSn,
    });
    await stack.gql(`mutation($sn: ID!) { setTaskStatus(taskSn: $sn, action: START) { status } }`, { sn: taskSn });
    await ends.waitFor(phones.length);
    await changes.waitFor(2);
    expect(changes.events.map((e) => e.status)).toEqual(['RUNNING', 'FINISHED']);
    const logs = await stack.gql(LOGS, { sn: taskSn, type: 'ROBOT', page: 1, size: 10 });
    const records = logs.data!.taskCallLogs.records as Record<string, any>[];
    expect(ends.events.map(({ cursor: _c, ...e }) => e)).toEqual(
      records.map((r) => ({
        id: r.callId,
        callId: r.callId,
        taskSn,
        // The viewer sees the customer's number masked; the call log (admin) in full.
        called: `${r.called.slice(0, 3)}****${r.called.slice(7)}`,
        durationMs: r.durationMs,
        answeredAt: r.answeredAt,
        hangup: { code: r.hangup.code, meaning: r.hangup.meaning },
      })),
    );
  });

  it("decorates call records and call-end events with the called number's info, looked up once per number", async () => {
    const phones = ['13900000021', '13900000022', '13900000021', '13900000023', '13900000022'];
    const created = await stack.gql(CREATE, {
      input: { name: 'info', type: 'ROBOT', flowId: 'flow-1', caller: '95002', contacts: phones.map((phone) => ({ phone })) },
    });
    const taskSn = created.data!.createTask.taskSn as string;
    const ends = await collect(
      stack.ws(),
      `subscription($sn: ID) { callEnded(taskSn: $sn) { called calledInfo { number location { province } } } }`,
      { sn: taskSn },
    );
    await stack.gql(`mutation($sn: ID!) { setTaskStatus(taskSn: $sn, action: START) { status } }`, { sn: taskSn });
    await ends.waitFor(phones.length);
    expect(ends.events.map((e) => e.calledInfo.number)).toEqual(phones);
    const looked = (await stack.api.requests('lookup.location')).filter((r) => phones.some((p) => r.path.endsWith(p)));
    expect(looked).toHaveLength(new Set(phones).size);
    const since = await stack.api.lastSeq();
    const query = `query($sn: ID!) { taskCallLogs(taskSn: $sn, type: ROBOT, page: 1, pageSize: 10) { records { called calledInfo { number location { province } } } } }`;
    const first = await stack.gql(query, { sn: taskSn });
    expect(first.errors).toBeUndefined();
    const records = first.data!.taskCallLogs.records as {
      called: string;
      calledInfo: { number: string; location: { province: string } };
    }[];
    expect(records.map((r) => r.calledInfo.number)).toEqual(phones);
    expect(records.every((r) => typeof r.calledInfo.location.province === 'string')).toBe(true);
    // The subscription already looked the numbers up: the page needs no lookup at all.
    expect(await stack.api.requests('lookup.location', since)).toHaveLength(0);
    expect(ends.events.map((e) => e.calledInfo.location.province)).toEqual(records.map((r) => r.calledInfo.location.province));
  });

  it('pauses, resumes and cancels with taskStatus pushes in the callback numbering', async () => {
    await fastPlatform(stack, 50);
    const created = await stack.gql(CREATE, {
      input: {
        name: 'ctl',
        type: 'IVR',
        ivrId: 'ivr-1',
        contacts: Array.from({ length: 50 }, (_, i) => ({ phone: `1370000${String(i).padStart(4, '0')}` })),
      },
    });
    const taskSn = created.data!.createTask.taskSn as string;
    for (const action of ['START', 'PAUSE', 'START', 'CANCEL']) {
      const res = await stack.gql(`mutation($sn: ID!) { setTaskStatus(taskSn: $sn, action: ${action}) { status } }`, { sn: taskSn });
      expect(res.errors).toBeUndefined();
    }
    const statuses = await waitForCallbacks(stack, (p) => p.kind === 'taskStatus' && p.body.taskSn === taskSn, 4);
    expect(statuses.map((s) => [s.body.status, s.body.desc])).toEqual([
      [1, '任务开始'],
      [2, '任务暂停'],
      [1, '任务继续'],
      [4, '任务取消'],
    ]);
    const state = await stack.gql(`query($sn: ID!) { task(taskSn: $sn, type: IVR) { status } }`, { sn: taskSn });
    expect(state.data!.task.status).toBe('CANCELLED');
    const again = await stack.gql(`mutation($sn: ID!) { setTaskStatus(taskSn: $sn, action: START) { status } }`, { sn: taskSn });
    expect(again.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamMessage: '任务已结束' });
    await fastPlatform(stack);
  });

  it('validates the page arguments before any platform call', async () => {
    const before = await stack.api.count('task.logPage');
    for (const [page, size, field] of [
      [0, 10, 'page'],
      [1, 0, 'pageSize'],
      [1, 1001, 'pageSize'],
    ] as const) {
      const res = await stack.gql(LOGS, { sn: 'x', type: 'ROBOT', page, size });
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(await stack.api.count('task.logPage')).toBe(before);
  });

  it('answers UPSTREAM_ERROR for the log of an unknown task', async () => {
    const res = await stack.gql(LOGS, { sn: 'nope', type: 'NOTICE', page: 1, size: 10 });
    expect(res.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamCode: '-1', upstreamMessage: '任务不存在' });
  });
});
