import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { LEVEL, LogCapture } from './support/logs';
import { startStack, type Stack } from './support/stack';
import { callEnd } from './support/callbacks';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Answer {
  status: number;
  requestId: string | undefined;
  body: { data?: Record<string, unknown>; errors?: { extensions?: Record<string, unknown> }[] };
}

describe('request ids', () => {
  let stack: Stack;
  const logs = new LogCapture();
  beforeAll(async () => {
    stack = await startStack({ env: { LOG_LEVEL: 'debug' }, logs });
  });
  afterAll(() => stack.close());

  async function post(body: unknown, headers: Record<string, string> = {}, token: string | null = null): Promise<Answer> {
    const res = await request(`${stack.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token ?? (await stack.token())}`,
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const header = res.headers['x-request-id'];
    return {
      status: res.statusCode,
      requestId: typeof header === 'string' ? header : undefined,
      body: (await res.body.json()) as Answer['body'],
    };
  }

  it("flows from the client's x-request-id into the header, every error and the upstream-call log lines", async () => {
    const id = `client:${randomUUID()}`;
    // One field that calls the platform, one that fails (the platform refuses page size 0).
    const answer = await post(
      { query: `query Mixed { ok: skillGroups(page: 1, pageSize: 5) { total } bad: skillGroups(pageSize: 0) { total } }` },
      { 'x-request-id': id },
    );
    expect(answer.status).toBe(200);
    expect(answer.requestId).toBe(id);
    expect(answer.body.errors?.length).toBeGreaterThan(0);
    for (const e of answer.body.errors!) expect(e.extensions?.requestId).toBe(id);
    const lines = logs.of(id);
    const upstream = lines.filter((l) => l.msg === 'upstream call');
    expect(upstream.length).toBeGreaterThanOrEqual(1);
    expect(upstream.every((l) => l.level === LEVEL.debug && l.endpoint === 'group.page')).toBe(true);
    expect(lines.filter((l) => l.msg === 'graphql operation')).toEqual([
      expect.objectContaining({ level: LEVEL.info, operation: 'Mixed', requestId: id }),
    ]);
  });

  it('is generated when the client sends none, or one that is not 1–128 characters of [A-Za-z0-9._:-]', async () => {
    for (const given of [undefined, '', 'has space', 'x'.repeat(129), 'semi;colon', 'ünïcode']) {
      const answer = await post({ query: '{ nope }' }, given === undefined ? {} : { 'x-request-id': given });
      expect(answer.requestId).toMatch(UUID);
      expect(answer.body.errors?.[0].extensions?.requestId).toBe(answer.requestId);
    }
    const longest = 'a.b:c-d_'.repeat(16);
    expect((await post({ query: '{ __typename }' }, { 'x-request-id': longest })).requestId).toBe(longest);
  });

  it('is on the answers refused before Apollo: no valid token (401) and a body over the limit (413)', async () => {
    const unauthenticated = await post({ query: '{ __typename }' }, { 'x-request-id': 'no-token-1' }, 'not-a-jwt');
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.requestId).toBe('no-token-1');
    expect(unauthenticated.body.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', requestId: 'no-token-1' });
    const big = await post({ query: '{ __typename }', padding: 'x'.repeat(1024 * 1024 + 1) }, { 'x-request-id': 'too-big-1' });
    expect(big.status).toBe(413);
    expect(big.requestId).toBe('too-big-1');
    expect(big.body.errors?.[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT', limit: 'bodyBytes', requestId: 'too-big-1' });
  });

  it('is in the errors of an operation refused over WebSocket, and on its log line', async () => {
    const client = stack.ws();
    const errors = await new Promise<readonly { extensions?: Record<string, unknown> }[]>((resolve, reject) => {
      client.subscribe(
        { query: 'subscription Nope { nope }', operationName: 'Nope' },
        {
          next: () => reject(new Error('unexpected next')),
          error: (e) => resolve(e as never),
          complete: () => reject(new Error('no error')),
        },
      );
    });
    await client.dispose();
    const requestId = String(errors[0].extensions?.requestId);
    expect(requestId).toMatch(UUID);
    expect(logs.of(requestId)).toEqual([
      expect.objectContaining({ msg: 'graphql operation', operation: 'Nope', transport: 'ws', outcome: 'client_error', requestId }),
    ]);
  });

  it('is echoed by the callback URL and on its log line', async () => {
    const id = `hook-${randomUUID()}`;
    const res = await request(stack.hookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id },
      body: JSON.stringify(callEnd(id, id)),
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(res.headers['x-request-id']).toBe(id);
    expect(logs.of(id)).toEqual([expect.objectContaining({ msg: 'callback received', level: LEVEL.debug, kind: 'CallEnd' })]);
  });
});
