import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { mintToken } from '../src/auth/jwt';
import { JWT_SECRET, startStack, type Stack } from './support/stack';

const STATUS = `query($sn: ID!) { task(taskSn: $sn, type: ROBOT) { status } }`;

function wsClose(url: string, init: object | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'graphql-transport-ws');
    ws.on('open', () => {
      if (init) ws.send(JSON.stringify(init));
    });
    ws.on('close', (code) => resolve(code));
    ws.on('error', reject);
  });
}

describe('client authentication and roles', () => {
  let stack: Stack;
  let taskSn: string;
  beforeAll(async () => {
    stack = await startStack();
    taskSn = (await stack.api.post<{ taskSn: string }>('/tasks', { taskType: 'flow', status: 1 })).taskSn;
  });
  afterAll(() => stack.close());

  it('refuses a request without a bearer token, with no platform call', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(STATUS, { sn: taskSn }, null);
    expect(res.status).toBe(401);
    expect(res.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    expect(await stack.api.requests(undefined, since)).toHaveLength(0);
  });

  it.each([
    ['garbage', async () => 'not-a-jwt'],
    ['wrong signature', () => mintToken('another-secret-another-secret-another-secret', { sub: 'x', roles: ['admin'] })],
    ['expired', () => mintToken(JWT_SECRET, { sub: 'x', roles: ['admin'] }, Math.floor(Date.now() / 1000) - 60)],
    [
      'no known role',
      () =>
        new SignJWT({ roles: ['root'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').sign(new TextEncoder().encode(JWT_SECRET)),
    ],
    [
      'alg none',
      async () =>
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","roles":["admin"]}').toString('base64url')}.`,
    ],
  ])('refuses a %s token with UNAUTHENTICATED', async (_name, make) => {
    const res = await stack.gql(STATUS, { sn: taskSn }, await make());
    expect(res.status).toBe(401);
    expect(res.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('lets a viewer read and forbids it to change a task', async () => {
    const viewer = await stack.token(['viewer']);
    expect((await stack.gql(STATUS, { sn: taskSn }, viewer)).data!.task.status).toBe('RUNNING');
    const since = await stack.api.lastSeq();
    const res = await stack.gql(`mutation($sn: ID!) { setTaskStatus(taskSn: $sn, action: PAUSE) { status } }`, { sn: taskSn }, viewer);
    expect(res.errors![0].extensions!.code).toBe('FORBIDDEN');
    expect(await stack.api.requests('task.updateStatus', since)).toHaveLength(0);
  });

  it('closes a WebSocket whose connection_init carries no valid token with 4403', async () => {
    const url = `${stack.url.replace('http', 'ws')}/graphql`;
    expect(await wsClose(url, { type: 'connection_init' })).toBe(4403);
    expect(await wsClose(url, { type: 'connection_init', payload: { authorization: 'Bearer nope' } })).toBe(4403);
  });

  it('accepts a WebSocket with a valid token in connection_init', async () => {
    const url = `${stack.url.replace('http', 'ws')}/graphql`;
    const token = await stack.token(['viewer']);
    const ack = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(url, 'graphql-transport-ws');
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      ws.on('message', (m) => {
        resolve(JSON.parse(m.toString()).type);
        ws.close();
      });
      ws.on('error', reject);
    });
    expect(ack).toBe('connection_ack');
  });

  it('gives BAD_USER_INPUT for a bad enum value', async () => {
    const res = await stack.gql(`{ task(taskSn: "x", type: ROBOTS) { status } }`);
    expect(res.errors![0].extensions!.code).toMatch(/GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT/);
    const vars = await stack.gql(`query($t: TaskType!) { task(taskSn: "x", type: $t) { status } }`, { t: 'nope' });
    expect(vars.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  });
});
