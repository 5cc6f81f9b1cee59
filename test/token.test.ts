import { request } from 'undici';
import { mintToken } from '../src/auth/jwt';
import { deleteKeysWithPrefix } from '../src/store/redis';
import { TEST_REDIS_MODES, testRedisConnection, testRedisEnv } from './support/redis';
import { platformEnv } from './support/sandbox';
import { JWT_SECRET, stackWithOwnRedis, startStack, type Stack } from './support/stack';
import { startGatewayProcess, type GatewayProcess } from './support/process';
import { startSandbox, type Sandbox } from '../sandbox/server';

const STATUS = `query($sn: ID!) { task(taskSn: $sn, type: ROBOT) { status } }`;
const HOUR = 3600_000;

async function seedTask(stack: Stack): Promise<string> {
  return (await stack.api.post<{ taskSn: string }>('/tasks', { taskType: 'flow', status: 1 })).taskSn;
}

describe('platform token', () => {
  describe('one stack', () => {
    let stack: Stack;
    let taskSn: string;
    beforeEach(async () => {
      // Bursts of one principal far above the per-minute budget (rate limits have tests of their own).
      stack = await startStack({ env: { RATE_LIMIT_OPERATIONS_PER_MINUTE: '0' } });
      taskSn = await seedTask(stack);
    });
    afterEach(() => stack.close());

    it('1,000 concurrent cold requests cause exactly one token request', async () => {
      const results = await Promise.all(Array.from({ length: 1000 }, () => stack.gql(STATUS, { sn: taskSn })));
      expect(results.filter((r) => r.errors)).toEqual([]);
      expect(results.every((r) => r.data!.task.status === 'RUNNING')).toBe(true);
      expect(await stack.api.count('auth.token')).toBe(1);
      const [tokenCall] = await stack.api.requests('auth.token');
      expect(tokenCall).toMatchObject({ host: 'cc', method: 'POST', path: '/api/token', contentType: 'json', tokenIn: 'none' });
      expect(Object.keys(tokenCall.body).sort()).toEqual(['accessKeyId', 'accessKeySecret']);
    });

    it('refreshes only inside the last 4 hours, and an expired token never reaches a client', async () => {
      const ok = async () => expect((await stack.gql(STATUS, { sn: taskSn })).errors).toBeUndefined();
      await ok();
      expect(await stack.api.count('auth.token')).toBe(1);

      // 19 h later: 5 h left, outside the window. Two queries (the first lets the gateway see the platform clock).
      await stack.api.advanceClock(19 * HOUR);
      await ok();
      await ok();
      expect(await stack.api.count('auth.token')).toBe(1);

      // 21 h: 3 h left, inside the window: one refresh, in the background, while queries keep answering.
      await stack.api.advanceClock(2 * HOUR);
      await ok();
      await ok();
      await waitFor(async () => (await stack.api.count('auth.token')) === 2);
      await ok();
      expect(await stack.api.count('auth.token')).toBe(2);
      const used = new Set((await stack.api.requests('task.status')).map((r) => r.token));
      expect(used.size).toBe(2);

      // Far past every expiry: the platform refuses the token; the client still gets its answer.
      await stack.api.advanceClock(60 * HOUR);
      await ok();
      expect(await stack.api.count('auth.token')).toBe(3);
    });

    it('a 403 in the middle of traffic causes one refresh, one retry, and success for every request', async () => {
      await stack.gql(STATUS, { sn: taskSn });
      let done = 0;
      let revoked = false;
      const failures: unknown[] = [];
      const worker = async () => {
        while (done < 600) {
          const r = await stack.gql(STATUS, { sn: taskSn });
          if (r.errors) failures.push(r.errors);
          done++;
          if (done >= 150 && !revoked) {
            revoked = true;
            await stack.api.revokeTokens();
          }
        }
      };
      await Promise.all(Array.from({ length: 40 }, worker));
      expect(revoked).toBe(true);
      expect(failures).toEqual([]);
      expect(await stack.api.count('auth.token')).toBe(2);
      const refused = (await stack.api.requests('task.status')).filter((r) => r.answered === '403');
      expect(refused.length).toBeGreaterThan(0);
    });
  });

  it.each(TEST_REDIS_MODES)(
    'two gateway processes sharing one Redis (%s) cause exactly one token request for 400 cold requests',
    async (mode) => {
      const sandbox: Sandbox = await startSandbox();
      const env = {
        ...platformEnv(sandbox),
        ...testRedisEnv(mode),
        REDIS_PREFIX: `test:${Date.now()}:${Math.random()}:`,
        HOOK_SECRET: 'hook-secret-for-two-processes',
        AUTH_JWT_SECRET: JWT_SECRET,
        RATE_LIMIT_OPERATIONS_PER_MINUTE: '0',
        LOG_LEVEL: 'debug', // upstream calls are logged at debug: the lines checked for secrets below
      };
      const procs: GatewayProcess[] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
      try {
        const seeded = await request(`${sandbox.url}/__sandbox/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ taskType: 'flow', status: 1 }),
        });
        const { taskSn } = (await seeded.body.json()) as { taskSn: string };
        const jwt = await mintToken(JWT_SECRET, { sub: 'two-procs', roles: ['viewer'] });
        const ask = async (url: string) => {
          const res = await request(`${url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
            body: JSON.stringify({ query: STATUS, variables: { sn: taskSn } }),
          });
          return (await res.body.json()) as { data?: { task: { status: string } }; errors?: unknown };
        };
        const results = await Promise.all(procs.flatMap((p) => Array.from({ length: 200 }, () => ask(p.url))));
        expect(results.filter((r) => r.errors)).toEqual([]);
        expect(sandbox.count('auth.token')).toBe(1);
        // Neither process logged the platform token, the access key secret or a client JWT.
        const token = sandbox.requests({ endpoint: 'task.status' })[0].token!;
        const logs = procs.flatMap((p) => p.output).join('\n');
        expect(logs).toContain('upstream call');
        expect(logs).not.toContain(token);
        expect(logs).not.toContain(sandbox.credentials.accessKeySecret);
        expect(logs).not.toContain(jwt);
      } finally {
        const codes = await Promise.all(procs.map((p) => p.stop('SIGTERM')));
        await deleteKeysWithPrefix(testRedisConnection(mode), env.REDIS_PREFIX);
        expect(codes).toEqual([0, 0]);
        await sandbox.close();
      }
    },
  );

  describe('Redis stopped while serving', () => {
    const own = stackWithOwnRedis();

    it('keeps answering with an in-process token and says so in /readyz', async () => {
      const taskSn = await seedTask(own.stack);
      expect((await own.stack.gql(STATUS, { sn: taskSn })).errors).toBeUndefined();
      let ready = await request(`${own.stack.url}/readyz`);
      expect(ready.statusCode).toBe(200);
      expect(await ready.body.json()).toMatchObject({ redis: 'up', platformToken: 'ok' });

      await own.redis.stop();
      const answers = await Promise.all(Array.from({ length: 20 }, () => own.stack.gql(STATUS, { sn: taskSn })));
      expect(answers.filter((r) => r.errors)).toEqual([]);

      // A refused token is refreshed without the store too.
      await own.stack.api.revokeTokens();
      expect((await own.stack.gql(STATUS, { sn: taskSn })).errors).toBeUndefined();

      ready = await request(`${own.stack.url}/readyz`);
      expect(ready.statusCode).toBe(503);
      expect(await ready.body.json()).toMatchObject({ status: 'not ready', redis: 'down', platformToken: 'ok' });
    });
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
