import { request } from 'undici';
import { startStack, type GqlResult, type Stack } from './support/stack';

const STATUS = `query($sn: ID!) { task(taskSn: $sn, type: ROBOT) { status } }`;
const START = `mutation($sn: ID!) { setTaskStatus(taskSn: $sn, action: START) { status } }`;
const GROUPS = `{ skillGroups { total } }`;
const SMS_TEMPLATES = `{ smsTemplates { total } }`;
const NOTICE_TEMPLATES = `{ legacyVoiceTemplates { total } }`;
const HOUR = 3600_000;

async function seedTask(stack: Stack): Promise<string> {
  return (await stack.api.post<{ taskSn: string }>('/tasks', { taskType: 'flow', status: 0 })).taskSn;
}

function code(res: GqlResult): string | undefined {
  return res.errors?.[0]?.extensions?.code as string | undefined;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Requests the sandbox saw after `since` on one platform host. */
async function hostRequests(stack: Stack, host: string, since: number) {
  return (await stack.api.requests(undefined, since)).filter((r) => r.host === host);
}

describe('circuit breaker per platform host', () => {
  let stack: Stack;
  let taskSn: string;
  const breaker = (host: 'cc' | 'notice' | 'open') => stack.gateway.services.upstream.breakerState(host);

  beforeAll(async () => {
    stack = await startStack({ env: { UPSTREAM_BREAKER_FAILURES: '3', UPSTREAM_BREAKER_OPEN_MS: '600', UPSTREAM_TIMEOUT_MS: '300' } });
  });
  beforeEach(async () => {
    await stack.api.clearFaults();
    // Every test starts on a closed breaker and a warm token.
    await waitFor(() => breaker('cc') !== 'open');
    taskSn = await seedTask(stack);
    await waitFor(async () => (await stack.gql(STATUS, { sn: taskSn })).errors === undefined);
    expect(breaker('cc')).toBe('closed');
  });
  afterAll(() => stack.close());

  it('opens after N consecutive 5xx answers of a host, then fails its calls fast without a request, while other hosts answer; a good probe closes it', async () => {
    await stack.api.fault({ endpoint: 'task.updateStatus', kind: 'http', status: 502, times: -1 });
    for (let i = 0; i < 3; i++) {
      const res = await stack.gql(START, { sn: taskSn });
      expect(res.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', endpoint: 'task.updateStatus' });
      expect(res.errors![0].message).toMatch(/HTTP 502/);
    }
    expect(breaker('cc')).toBe('open');

    // Another family on the same host: refused at once, and the platform never sees it.
    const since = await stack.api.lastSeq();
    const refused = await timed(() => stack.gql(STATUS, { sn: taskSn }));
    expect(refused.value.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', endpoint: 'task.status' });
    expect(refused.value.errors![0].message).toMatch(/circuit open for host cc .*next probe goes through in \d+ ms/);
    expect(refused.ms).toBeLessThan(250);
    expect(await hostRequests(stack, 'cc', since)).toEqual([]);

    // The open host (SMS) has its own breaker and still answers.
    const sms = await stack.gql(SMS_TEMPLATES);
    expect(sms.errors).toBeUndefined();
    expect(breaker('open')).toBe('closed');

    // The platform recovers; after the open time one probe goes through and closes the breaker.
    await stack.api.clearFaults();
    await waitFor(() => breaker('cc') === 'halfOpen');
    const probeSince = await stack.api.lastSeq();
    const probe = await stack.gql(START, { sn: taskSn });
    expect(probe.errors).toBeUndefined();
    expect(probe.data!.setTaskStatus.status).toBe('RUNNING');
    expect((await hostRequests(stack, 'cc', probeSince)).map((r) => r.endpoint)).toEqual(['task.updateStatus']);
    expect(breaker('cc')).toBe('closed');
    expect((await stack.gql(STATUS, { sn: taskSn })).errors).toBeUndefined();
  });

  it('a host that does not answer opens it too; a failed probe opens it again after one request', async () => {
    await stack.api.fault({ endpoint: 'task.status', kind: 'delay', ms: 1000, times: -1 });
    for (let i = 0; i < 3; i++) {
      const res = await stack.gql(STATUS, { sn: taskSn });
      expect(res.errors![0].message).toMatch(/no answer within 300 ms/);
    }
    expect(breaker('cc')).toBe('open');

    await waitFor(() => breaker('cc') === 'halfOpen');
    const since = await stack.api.lastSeq();
    const probe = await stack.gql(STATUS, { sn: taskSn });
    expect(probe.errors![0].message).toMatch(/no answer within 300 ms/);
    expect(breaker('cc')).toBe('open');
    const again = await stack.gql(STATUS, { sn: taskSn });
    expect(again.errors![0].extensions!.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(again.errors![0].message).toMatch(/circuit open for host cc \(the probe request failed/);
    expect((await hostRequests(stack, 'cc', since)).map((r) => r.endpoint)).toEqual(['task.status']);

    await stack.api.clearFaults();
    await waitFor(() => breaker('cc') === 'halfOpen');
    expect((await stack.gql(STATUS, { sn: taskSn })).errors).toBeUndefined();
    expect(breaker('cc')).toBe('closed');
  });

  it('counts every attempt of a retried GET, and an answered attempt resets the count', async () => {
    // Two failed attempts, then an answer: the query succeeds and the count starts again.
    await stack.api.fault({ endpoint: 'task.status', kind: 'http', status: 503, times: 2 });
    expect((await stack.gql(STATUS, { sn: taskSn })).errors).toBeUndefined();
    await stack.api.fault({ endpoint: 'task.updateStatus', kind: 'http', status: 502, times: 2 });
    await stack.gql(START, { sn: taskSn });
    await stack.gql(START, { sn: taskSn });
    expect(breaker('cc')).toBe('closed');

    // One GET failing on all its attempts is 3 consecutive failures: the breaker opens on the third
    // attempt, and nothing more is sent.
    await stack.api.clearFaults();
    expect((await stack.gql(STATUS, { sn: taskSn })).errors).toBeUndefined();
    const since = await stack.api.lastSeq();
    await stack.api.fault({ endpoint: 'task.status', kind: 'http', status: 500, times: -1 });
    const res = await stack.gql(STATUS, { sn: taskSn });
    expect(res.errors![0].message).toMatch(/HTTP 500/);
    expect(breaker('cc')).toBe('open');
    expect(await stack.api.requests('task.status', since)).toHaveLength(3);
    expect((await stack.gql(STATUS, { sn: taskSn })).errors![0].message).toMatch(/circuit open/);
    expect(await stack.api.requests('task.status', since)).toHaveLength(3);
  });

  it('platform error codes are answers, not failures: they never open it', async () => {
    await stack.api.fault({ endpoint: 'task.status', kind: 'envelope', code: '1005009', msg: '坐席不存在', times: 5 });
    for (let i = 0; i < 5; i++) {
      const res = await stack.gql(STATUS, { sn: taskSn });
      expect(res.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamCode: '1005009' });
    }
    expect(breaker('cc')).toBe('closed');
    expect((await stack.gql(STATUS, { sn: taskSn })).errors).toBeUndefined();
  });
});

it('UPSTREAM_BREAKER_FAILURES=0: no breaker, every call reaches the platform', async () => {
  const stack = await startStack({ env: { UPSTREAM_BREAKER_FAILURES: '0' } });
  try {
    const taskSn = await seedTask(stack);
    expect((await stack.gql(STATUS, { sn: taskSn })).errors).toBeUndefined();
    await stack.api.fault({ endpoint: 'task.updateStatus', kind: 'http', status: 502, times: -1 });
    const since = await stack.api.lastSeq();
    for (let i = 0; i < 8; i++) expect(code(await stack.gql(START, { sn: taskSn }))).toBe('UPSTREAM_UNAVAILABLE');
    expect(await stack.api.requests('task.updateStatus', since)).toHaveLength(8);
    expect(stack.gateway.services.upstream.breakerState('cc')).toBe('closed');
  } finally {
    await stack.close();
  }
});

describe('token fetch backoff', () => {
  let stack: Stack;
  let taskSn: string;
  beforeEach(async () => {
    // No breaker here: this is about the token provider alone.
    stack = await startStack({ env: { TOKEN_BACKOFF_MAX_MS: '1000', UPSTREAM_BREAKER_FAILURES: '0' } });
    taskSn = await seedTask(stack);
  });
  afterEach(() => stack.close());

  it('with the token endpoint failing, 20 sequential queries make one token request and fail at once; after recovery and the backoff, queries succeed', async () => {
    await stack.api.fault({ endpoint: 'auth.token', kind: 'http', status: 502, times: -1 });
    const started = performance.now();
    for (let i = 0; i < 20; i++) {
      const res = await stack.gql(STATUS, { sn: taskSn });
      expect(res.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', endpoint: 'auth.token' });
    }
    const elapsed = performance.now() - started;
    // One request, or one more per backoff window that passed (windows are ≥ 375 ms here).
    expect(await stack.api.count('auth.token')).toBeLessThanOrEqual(1 + Math.floor(elapsed / 375));
    expect(await stack.api.count('auth.token')).toBeLessThanOrEqual(3);
    expect(await stack.api.requests('task.status')).toEqual([]);

    // /readyz answers quickly as not ready during the backoff.
    const ready = await timed(async () => {
      const res = await request(`${stack.url}/readyz`);
      return { status: res.statusCode, body: (await res.body.json()) as Record<string, string> };
    });
    expect(ready.value.status).toBe(503);
    expect(ready.value.body.platformToken).toMatch(/^unavailable: .*auth\.token: HTTP 502/);
    expect(ready.ms).toBeLessThan(1000);

    await stack.api.clearFaults();
    await waitFor(async () => (await stack.gql(STATUS, { sn: taskSn })).errors === undefined);
    const answers = await Promise.all(Array.from({ length: 10 }, () => stack.gql(STATUS, { sn: taskSn })));
    expect(answers.filter((r) => r.errors)).toEqual([]);
    const tokenCalls = await stack.api.requests('auth.token');
    expect(tokenCalls.at(-1)!.answered).not.toBe(502);
    expect(tokenCalls.length).toBeLessThanOrEqual(6);
  });

  it('a token request the platform refuses with an error code is backed off too and reaches clients as that error', async () => {
    await stack.api.fault({ endpoint: 'auth.token', kind: 'envelope', code: '-1', msg: 'accessKey无效', times: -1 });
    for (let i = 0; i < 10; i++) {
      const res = await stack.gql(STATUS, { sn: taskSn });
      expect(res.errors![0].extensions).toMatchObject({
        code: 'UPSTREAM_ERROR',
        endpoint: 'auth.token',
        upstreamCode: '-1',
        upstreamMessage: 'accessKey无效',
      });
    }
    expect(await stack.api.count('auth.token')).toBeLessThanOrEqual(2);
    await stack.api.clearFaults();
    await waitFor(async () => (await stack.gql(STATUS, { sn: taskSn })).errors === undefined);
  });
});

describe('bulkhead per REST family', () => {
  let stack: Stack;
  let taskSn: string;
  beforeAll(async () => {
    stack = await startStack({ env: { UPSTREAM_MAX_CONCURRENCY_PER_FAMILY: '2', UPSTREAM_QUEUE_PER_FAMILY: '1' } });
    taskSn = await seedTask(stack);
  });
  beforeEach(async () => {
    await stack.api.clearFaults();
    expect((await stack.gql(STATUS, { sn: taskSn })).errors).toBeUndefined(); // warm token
  });
  afterAll(() => stack.close());

  it('calls beyond concurrency + queue fail at once with UPSTREAM_UNAVAILABLE while another family still answers', async () => {
    await stack.api.fault({ endpoint: 'task.status', kind: 'delay', ms: 800, times: -1 });
    const since = await stack.api.lastSeq();
    const finished: string[] = [];
    const slow = Array.from({ length: 6 }, () =>
      stack.gql(STATUS, { sn: taskSn }).then((res) => {
        finished.push(res.errors ? 'refused' : 'answered');
        return res;
      }),
    );
    // While the task family is full, the group family (same host) answers.
    await waitFor(async () => (await stack.api.requests('task.status', since)).length === 2);
    const other = await timed(() => stack.gql(GROUPS));
    expect(other.value.errors).toBeUndefined();
    expect(other.ms).toBeLessThan(700);

    const results = await Promise.all(slow);
    const refused = results.filter((r) => r.errors);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      expect(r.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', endpoint: 'task.status' });
      expect(r.errors![0].message).toMatch(/too many concurrent platform calls for family task/);
    }
    expect(results.filter((r) => !r.errors)).toHaveLength(3);
    // The refused ones answered before any slow one did, and never reached the platform.
    expect(finished.slice(0, 3)).toEqual(['refused', 'refused', 'refused']);
    expect(await stack.api.requests('task.status', since)).toHaveLength(3);
  });

  it("a token fetch does not wait behind its host's busy family", async () => {
    // notice.token and notice.* share the family name; the token keeps a bulkhead of its own.
    expect((await stack.gql(NOTICE_TEMPLATES)).errors).toBeUndefined();
    const firstToken = (await stack.api.requests('notice.template.list')).at(-1)!.token;
    // Into the last 4 h of the token's life: the next use refreshes it in the background.
    await stack.api.advanceClock(21 * HOUR);
    expect((await stack.gql(NOTICE_TEMPLATES)).errors).toBeUndefined(); // the gateway sees the platform clock
    const tokensBefore = await stack.api.count('notice.token');

    await stack.api.fault({ endpoint: 'notice.template.list', kind: 'delay', ms: 800, times: 3 });
    const busy = Array.from({ length: 4 }, () => stack.gql(NOTICE_TEMPLATES));
    await waitFor(async () => (await stack.api.count('notice.token')) > tokensBefore, 700);
    const results = await Promise.all(busy);
    expect(results.filter((r) => r.errors)).toHaveLength(1); // the family was full: 2 in flight, 1 waiting
    const [refresh] = (await stack.api.requests('notice.token')).slice(tokensBefore);
    expect(refresh.answered).toBe((await stack.api.requests('notice.token'))[0].answered);

    expect((await stack.gql(NOTICE_TEMPLATES)).errors).toBeUndefined();
    expect((await stack.api.requests('notice.template.list')).at(-1)!.token).not.toBe(firstToken);
  });
});
