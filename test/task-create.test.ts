import { startStack, type Stack } from './support/stack';

const CREATE = `mutation($input: CreateTaskInput!) { createTask(input: $input) { id taskSn type contactCount } }`;
const DAY = 86_400_000;
/** 00:00 UTC+08:00 of the day `days` after today, as epoch ms. */
function cstMidnight(days: number): number {
  const cst = Date.now() + 8 * 3600_000;
  return cst - (cst % DAY) - 8 * 3600_000 + days * DAY;
}

describe('createTask', () => {
  let stack: Stack;
  beforeAll(async () => {
    // The 100,000-contact task is a 5 MB request: above the 1 MiB default of HTTP_MAX_BODY_BYTES.
    stack = await startStack({ env: { HTTP_MAX_BODY_BYTES: String(16 * 1024 * 1024) } });
  });
  afterAll(() => stack.close());

  it('sends the exact JSON body of /task/create and answers the taskSn', async () => {
    const since = await stack.api.lastSeq();
    const start = cstMidnight(1);
    const end = cstMidnight(2) - 1000;
    const res = await stack.gql(CREATE, {
      input: {
        name: 'Renewal reminder',
        type: 'ROBOT',
        flowId: 'flow-123',
        caller: '10010',
        contacts: [{ phone: '13800000001', params: { name: 'Zhang San', age: '18' }, userData: 'crm-1' }, { phone: '13800000002' }],
        dialingStartsAt: new Date(start).toISOString(),
        dialingEndsAt: new Date(end).toISOString(),
        dialingWindows: [
          { start: '09:00', end: '12:00' },
          { start: '13:00', end: '18:00' },
        ],
        recallStrategy: [
          { delaySeconds: 300, attempt: 1 },
          { delaySeconds: 600, attempt: 2 },
        ],
      },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.createTask).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      taskSn: expect.stringMatching(/^[0-9a-f]{32}$/),
      type: 'ROBOT',
      contactCount: 2,
    });
    expect(res.data!.createTask.id).toBe(res.data!.createTask.taskSn);
    const [call] = await stack.api.requests('task.create', since);
    expect(call).toMatchObject({ host: 'cc', method: 'POST', path: '/task/create', contentType: 'json', tokenIn: 'body' });
    const { token, ...body } = call.body;
    expect(typeof token).toBe('string');
    expect(body).toEqual({
      name: 'Renewal reminder',
      taskType: 'flow',
      groupId: 'flow-123',
      caller: '10010',
      contactsList: [{ phone: '13800000001', params: { name: 'Zhang San', age: '18' }, userData: 'crm-1' }, { phone: '13800000002' }],
      callStartDate: start,
      callEndDate: end,
      dispatch: [
        { start: '09:00', end: '12:00' },
        { start: '13:00', end: '18:00' },
      ],
      recallStrategy: [
        { delay: 300, item: 'phone', recallTimes: 1 },
        { delay: 600, item: 'phone', recallTimes: 2 },
      ],
    });
  });

  it('maps each task type to its platform value and id field', async () => {
    const cases: { type: string; id: Record<string, string>; taskType: string; field?: string }[] = [
      { type: 'NOTICE', id: { templateSn: 'tpl-1' }, taskType: 'notice', field: 'templateSn' },
      { type: 'IVR', id: { ivrId: 'ivr-7' }, taskType: 'ivr', field: 'ivrId' },
      { type: 'PREVIEW', id: {}, taskType: 'preview', field: undefined },
    ];
    for (const c of cases) {
      const since = await stack.api.lastSeq();
      // A NOTICE task needs an approved template on the platform: seed one through the sandbox review route.
      if (c.type === 'NOTICE') {
        const tpl = await stack.gql(
          `mutation { createTextTemplate(input: {name: "n", caller: "95001", content: "hello"}) { templateSn } }`,
        );
        const sn = tpl.data!.createTextTemplate.templateSn;
        await stack.api.post('/templates/review', { templateSn: sn, status: 3 });
        c.id.templateSn = sn;
      }
      const res = await stack.gql(CREATE, { input: { name: 't', type: c.type, ...c.id, contacts: [{ phone: '13800000003' }] } });
      expect(res.errors).toBeUndefined();
      expect(res.data!.createTask.type).toBe(c.type);
      const [call] = await stack.api.requests('task.create', since);
      expect(call.body.taskType).toBe(c.taskType);
      for (const f of ['groupId', 'templateSn', 'ivrId']) {
        if (f === c.field) expect(call.body[f]).toBe(c.id[f]);
        else expect(call.body).not.toHaveProperty(f);
      }
    }
  });

  describe('validation (refused before any platform call)', () => {
    const base = { name: 't', type: 'ROBOT', flowId: 'f', contacts: [{ phone: '13800000001' }] };
    const cases: [string, Record<string, unknown>, string][] = [
      ['an empty name', { name: '  ' }, 'name'],
      ['no contacts', { contacts: [] }, 'contacts'],
      ['nested params', { contacts: [{ phone: '13800000001', params: { a: { b: 1 } } }] }, 'contacts[0].params.a'],
      ['a robot task without flow', { flowId: undefined }, 'flowId'],
      ['a template on a robot task', { templateSn: 'x' }, 'templateSn'],
      ['a notice task without template', { type: 'NOTICE', flowId: undefined }, 'templateSn'],
      ['an IVR task without IVR id', { type: 'IVR', flowId: undefined }, 'ivrId'],
      [
        'end date before start date',
        { dialingStartsAt: new Date(cstMidnight(2)).toISOString(), dialingEndsAt: new Date(cstMidnight(1)).toISOString() },
        'dialingEndsAt',
      ],
      ['a window not HH:mm', { dialingWindows: [{ start: '9:00', end: '12:00' }] }, 'dialingWindows[0].start'],
      ['a window hour 24', { dialingWindows: [{ start: '08:00', end: '24:00' }] }, 'dialingWindows[0].end'],
      ['a window ending before it starts', { dialingWindows: [{ start: '12:00', end: '09:00' }] }, 'dialingWindows[0].end'],
      ['an empty window', { dialingWindows: [{ start: '12:00', end: '12:00' }] }, 'dialingWindows[0].end'],
      [
        'overlapping windows',
        {
          dialingWindows: [
            { start: '13:00', end: '18:00' },
            { start: '09:00', end: '13:30' },
          ],
        },
        'dialingWindows[0]',
      ],
      ['a negative recall delay', { recallStrategy: [{ delaySeconds: -1, attempt: 1 }] }, 'recallStrategy[0].delaySeconds'],
      ['recall steps out of order', { recallStrategy: [{ delaySeconds: 60, attempt: 2 }] }, 'recallStrategy[0].attempt'],
    ];
    it.each(cases)('refuses %s', async (_name, patch, field) => {
      const before = await stack.api.count('task.create');
      const res = await stack.gql(CREATE, { input: { ...base, ...patch } });
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(await stack.api.count('task.create')).toBe(before);
    });

    // Phones are the Phone scalar: refused while the variables are coerced, naming the value.
    it.each([
      ['a bad contact phone', { contacts: [{ phone: '138-abc' }] }, '138-abc'],
      ['a short contact phone', { contacts: [{ phone: '13800000001' }, { phone: '1380000' }] }, '1380000'],
      ['a bad caller', { caller: 'abc' }, 'abc'],
    ])('refuses %s as BAD_USER_INPUT before any platform call', async (_name, patch, value) => {
      const before = await stack.api.count('task.create');
      const res = await stack.gql(CREATE, { input: { ...base, ...patch } });
      expect(res.data ?? null).toBeNull();
      expect(res.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
      expect(res.errors![0].message).toContain(`"${value}"`);
      expect(await stack.api.count('task.create')).toBe(before);
    });

    it('sends the platform the national form of every phone', async () => {
      const since = await stack.api.lastSeq();
      const res = await stack.gql(CREATE, {
        input: {
          ...base,
          caller: '10010',
          contacts: [{ phone: '+86 139-0013-9000' }, { phone: '0086 138 0000 0002' }, { phone: '(010) 6234-5678' }],
        },
      });
      expect(res.errors).toBeUndefined();
      const [call] = await stack.api.requests('task.create', since);
      expect(call.body.contactsList).toEqual([{ phone: '13900139000' }, { phone: '13800000002' }, { phone: '01062345678' }]);
      expect(call.body.caller).toBe('10010');
    });

    it('accepts adjacent windows', async () => {
      const res = await stack.gql(CREATE, {
        input: {
          ...base,
          dialingWindows: [
            { start: '13:00', end: '18:00' },
            { start: '09:00', end: '13:00' },
          ],
        },
      });
      expect(res.errors).toBeUndefined();
    });

    it('refuses an unknown task type at the GraphQL layer', async () => {
      const res = await stack.gql(CREATE, { input: { ...base, type: 'SMS' } });
      expect(res.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('documented platform error codes reach the client as UPSTREAM_ERROR', () => {
    const base = { name: 't', type: 'ROBOT', flowId: 'f', contacts: [{ phone: '13800000001' }] };
    async function expectUpstream(input: Record<string, unknown>, code: string, msg: string, meaning: string) {
      const res = await stack.gql(CREATE, { input: { ...base, ...input } });
      expect(res.data).toBeNull();
      expect(res.errors![0].extensions).toMatchObject({
        code: 'UPSTREAM_ERROR',
        endpoint: 'task.create',
        upstreamCode: code,
        upstreamMessage: msg,
      });
      expect(res.errors![0].message).toBe(`${meaning}.`);
    }

    it('1004006: the caller number is not bound', () =>
      expectUpstream({ caller: '95888' }, '1004006', '未绑定的主叫号码', 'Calling number is not bound'));

    it('1004007: the caller number has no display number', () =>
      expectUpstream(
        { caller: '95009' },
        '1004007',
        '当前主叫号未绑定外显号码',
        'Current calling number is not bound to a display number',
      ));

    it('1003022: the end date is already past (platform clock)', () =>
      expectUpstream(
        { dialingStartsAt: new Date(cstMidnight(-3)).toISOString(), dialingEndsAt: new Date(cstMidnight(-2)).toISOString() },
        '1003022',
        '结束时间不能早于当前时间',
        'End time must not be earlier than the current time',
      ));

    it('1003023: no dialling window falls inside the call dates', () =>
      expectUpstream(
        {
          // tomorrow 21:00–23:00 (UTC+08:00) with the default 08:00–20:00 window: nothing to schedule
          dialingStartsAt: new Date(cstMidnight(1) + 21 * 3600_000).toISOString(),
          dialingEndsAt: new Date(cstMidnight(1) + 23 * 3600_000).toISOString(),
        },
        '1003023',
        '调度时间校验未通过',
        'Scheduling-time validation failed',
      ));

    // The gateway refuses malformed windows and reversed dates itself, so no input through it can
    // make the platform answer these two: they are injected.
    it.each([
      ['1003010', '可外呼时间段格式错误', 'Call time-window (dispatch) format is wrong'],
      ['1003011', '结束时间不能早于开始时间', 'End time must not be earlier than start time'],
    ])('%s (injected)', async (code, msg, meaning) => {
      await stack.api.fault({ endpoint: 'task.create', kind: 'envelope', code, msg });
      await expectUpstream({}, code, msg, meaning);
    });

    it('-1 with the platform message for an unknown template', async () => {
      const res = await stack.gql(CREATE, { input: { ...base, type: 'NOTICE', flowId: undefined, templateSn: 'no-such' } });
      expect(res.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamCode: '-1', upstreamMessage: '模板不存在' });
    });
  });

  it('lets only supervisors create tasks', async () => {
    const before = await stack.api.count('task.create');
    for (const roles of [['viewer'], ['agent']] as const) {
      const token = await stack.token([...roles], '1001');
      const res = await stack.gql(CREATE, { input: { name: 't', flowId: 'f', contacts: [{ phone: '13800000001' }] } }, token);
      expect(res.errors![0].extensions!.code).toBe('FORBIDDEN');
    }
    const supervisor = await stack.token(['supervisor']);
    const ok = await stack.gql(CREATE, { input: { name: 't', flowId: 'f', contacts: [{ phone: '13800000001' }] } }, supervisor);
    expect(ok.errors).toBeUndefined();
    expect(await stack.api.count('task.create')).toBe(before + 1);
  });

  it('accepts a task of 100,000 contacts in one platform request', async () => {
    const n = 100_000;
    const contacts = Array.from({ length: n }, (_, i) => ({
      phone: String(13_000_000_000 + i),
      params: { name: `Customer ${i}` },
      userData: `u${i}`,
    }));
    const since = await stack.api.lastSeq();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const res = await stack.gql(CREATE, { input: { name: 'big', type: 'ROBOT', flowId: 'f', contacts } });
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    console.log(
      `100,000-contact task: peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB (before ${(rssBefore / 2 ** 20).toFixed(0)} MiB; gateway and sandbox in this process)`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.createTask.contactCount).toBe(n);
    const calls = await stack.api.requests('task.create', since);
    expect(calls).toHaveLength(1);
    expect(calls[0].body.contactsList as unknown[]).toHaveLength(n);
    const stored = await stack.api.get<{ contactCount: number }>(`/tasks/${res.data!.createTask.taskSn}`);
    expect(stored.contactCount).toBe(n);
    expect(peak).toBeLessThan(1.5 * 2 ** 30);
  });
});
