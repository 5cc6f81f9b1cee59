import net from 'node:net';
import { request } from 'undici';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { mintToken } from '../src/auth/jwt';
import { collect } from './support/subscriptions';
import { JWT_SECRET, stackWithOwnRedis, startStack, twoInstances, type Stack } from './support/stack';
import { TEST_REDIS_MODES } from './support/redis';

const mobile = (i: number) => `139${String(i).padStart(8, '0')}`;
const numbers = (n: number, from = 0) => Array.from({ length: n }, (_, i) => mobile(from + i));
const PHONES = `query($n: [Phone!]!) { phones(numbers: $n) { location { province } state } }`;

/** Runs `op` and returns what the sandbox logged meanwhile (every platform request it caused). */
async function platformRequestsDuring<T>(stack: Stack, op: () => Promise<T>): Promise<{ result: T; requests: unknown[] }> {
  const since = await stack.api.lastSeq();
  const result = await op();
  return { result, requests: await stack.api.requests(undefined, since) };
}

/** A valid query `levels` deep: __type's ofType chain is the schema's deepest path. */
function deep(levels: number): string {
  let q = 'name';
  for (let i = 0; i < levels - 3; i++) q = `ofType { ${q} }`;
  return `{ __type(name: "Query") { fields { type { ${q} } } } }`;
}

describe('operation limits (HTTP and WebSocket)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('admits the documented maximum, phones(500) with location and state', async () => {
    const res = await stack.gql(PHONES, { n: numbers(500) });
    expect(res.errors).toBeUndefined();
    expect(res.data!.phones).toHaveLength(500);
  });

  it.each([
    [
      'cost',
      `{ ${Array.from(
        { length: 2 },
        (_, i) =>
          `p${i}: phones(numbers: [${numbers(500, i * 500)
            .map((n) => `"${n}"`)
            .join(',')}]) { location { province } state }`,
      ).join(' ')} }`,
      5000,
    ],
    [
      'aliases',
      `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: phone(number: "${mobile(i)}") { location { province } }`).join(' ')} }`,
      15,
    ],
    ['tokens', `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(' ')} }`, 2000],
    ['depth', deep(10), 8],
  ])('refuses an operation over the %s limit before any platform request', async (limit, query, maximum) => {
    const { result, requests } = await platformRequestsDuring(stack, () => stack.gql(query));
    expect(result.status).toBe(400);
    expect(result.data ?? null).toBeNull();
    expect(result.errors![0]).toMatchObject({ extensions: { code: 'OPERATION_LIMIT', limit, maximum } });
    expect(result.errors![0].extensions!.value).toBeGreaterThan(maximum);
    expect(requests).toEqual([]);
  });

  it('counts the variables: 20 aliases of phones(500) through variables are over the cost limit', async () => {
    const vars = Array.from({ length: 2 }, (_, i) => `$n${i}: [Phone!]!`).join(', ');
    const fields = Array.from({ length: 2 }, (_, i) => `p${i}: phones(numbers: $n${i}) { location { province } state }`).join(' ');
    const variables = Object.fromEntries(Array.from({ length: 2 }, (_, i) => [`n${i}`, numbers(500, i * 500)]));
    const { result, requests } = await platformRequestsDuring(stack, () => stack.gql(`query(${vars}) { ${fields} }`, variables));
    expect(result.errors![0].extensions).toMatchObject({ code: 'OPERATION_LIMIT', limit: 'cost', maximum: 5000 });
    expect(requests).toEqual([]);
  });

  it('applies the same limits to operations sent over the WebSocket', async () => {
    const client = stack.ws();
    const query = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: phone(number: "${mobile(i)}") { kind }`).join(' ')} }`;
    const errors = await new Promise<any[]>((resolve) => {
      client.subscribe({ query }, { next: () => undefined, error: (e) => resolve(e as any[]), complete: () => resolve([]) });
    });
    expect(errors[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT', limit: 'aliases', maximum: 15 });
    const sub = await collect(client, deep(10));
    await sub.ended();
    expect((sub.errors[0] as any[])[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT', limit: 'depth', maximum: 8 });
  });

  it('answers a subscription sent over HTTP with BAD_REQUEST naming the WebSocket endpoint', async () => {
    const res = await stack.gql(`subscription { callEnded { callId } }`);
    expect(res.status).toBe(400);
    expect(res.errors![0].extensions!.code).toBe('BAD_REQUEST');
    expect(res.errors![0].message).toMatch(/WebSocket/);
  });
});

describe('platform-call budget per operation', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { LIMIT_COST: '0' } });
  });
  afterAll(() => stack.close());

  it('an operation that would make 2,000 lookups makes at most the budget and answers OPERATION_LIMIT on the rest', async () => {
    const query = `query($n: [Phone!]!) { phones(numbers: $n) { location { province } state portability marks { count } } }`;
    const { result, requests } = await platformRequestsDuring(stack, () => stack.gql(query, { n: numbers(500, 10_000) }));
    const lookups = (requests as { endpoint: string }[]).filter((r) => r.endpoint?.startsWith('lookup.'));
    expect(lookups.length).toBeLessThanOrEqual(1200);
    expect(lookups.length).toBeGreaterThan(1000);
    const refused = result.errors!.filter((e) => e.extensions?.code === 'OPERATION_LIMIT');
    expect(refused.length).toBe(2000 - lookups.length);
    expect(refused[0].extensions).toMatchObject({ limit: 'upstreamCalls', maximum: 1200 });
    // The calls within the budget were answered.
    const answered = result
      .data!.phones.flatMap((p: Record<string, unknown>) => [p.location, p.state, p.portability, p.marks])
      .filter((v: unknown) => v);
    expect(answered.length).toBe(lookups.length);
  });
});

describe.each(TEST_REDIS_MODES)('rate limits per principal, shared by instances (%s)', (mode) => {
  const two = twoInstances({ RATE_LIMIT_OPERATIONS_PER_MINUTE: '5', RATE_LIMIT_BILLED_PER_MINUTE: '3' }, mode);

  it('counts operations on both instances and answers RATE_LIMITED with Retry-After', async () => {
    const token = await two.a.token(['viewer']);
    const q = `{ phone(number: "13900000001") { kind } }`;
    for (const s of [two.a, two.b, two.a, two.b, two.a]) expect((await s.gql(q, {}, token)).errors).toBeUndefined();
    const res = await request(`${two.b.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: q }),
    });
    const body = (await res.body.json()) as any;
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'operations' });
    expect(body.errors[0].extensions.retryAfterSeconds).toBeGreaterThan(0);
    // Another principal has its own budget.
    expect((await two.b.gql(q, {}, await mintToken(JWT_SECRET, { sub: 'someone-else', roles: ['viewer'] }))).errors).toBeUndefined();
  });

  it('counts billed platform calls: lookups beyond the budget are refused without a platform request', async () => {
    const token = await mintToken(JWT_SECRET, { sub: 'billed-user', roles: ['viewer'] });
    const since = await two.a.api.lastSeq();
    const res = await two.a.gql(`query($n: [Phone!]!) { phones(numbers: $n) { location { province } } }`, { n: numbers(5, 20_000) }, token);
    const lookups = (await two.a.api.requests(undefined, since)).filter((r) => r.endpoint?.startsWith('lookup.'));
    expect(lookups).toHaveLength(3);
    const limited = res.errors!.filter((e) => e.extensions?.code === 'RATE_LIMITED');
    expect(limited).toHaveLength(2);
    expect(limited[0].extensions).toMatchObject({ limit: 'billedCalls' });
  });

  it('a supervisor sending SMS to more recipients than the budget is refused before the platform POST', async () => {
    const token = await mintToken(JWT_SECRET, { sub: 'sms-user', roles: ['supervisor'] });
    const since = await two.a.api.lastSeq();
    const res = await two.b.gql(
      `mutation($m: [OutgoingMessageInput!]!) { sendSms(templateId: "T1", messages: $m) { __typename } }`,
      { m: numbers(4, 30_000).map((phone) => ({ phone })) },
      token,
    );
    expect(res.errors![0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'billedCalls' });
    expect((await two.a.api.requests('sms.send', since)).length).toBe(0);
  });
});

describe.each(TEST_REDIS_MODES)('rate limits counted in chunks (%s)', (mode) => {
  const two = twoInstances({ RATE_LIMIT_OPERATIONS_PER_MINUTE: '120' }, mode);

  it('admits exactly the budget across instances when operations are taken in chunks (120 a minute: chunks of 2)', async () => {
    const token = await mintToken(JWT_SECRET, { sub: 'chunked', roles: ['viewer'] });
    const q = `{ phone(number: "13900000001") { kind } }`;
    let admitted = 0;
    for (let i = 0; i < 120; i++) if (!(await (i % 2 ? two.b : two.a).gql(q, {}, token)).errors) admitted++;
    expect(admitted).toBe(120);
    const over = await two.a.gql(q, {}, token);
    expect(over.errors![0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'operations' });
    // Concurrent operations of one principal share one chunk request and still stop at the budget.
    const other = await mintToken(JWT_SECRET, { sub: 'chunked-concurrent', roles: ['viewer'] });
    const answers = await Promise.all(Array.from({ length: 150 }, (_, i) => (i % 2 ? two.b : two.a).gql(q, {}, other)));
    expect(answers.filter((a) => !a.errors).length).toBe(120);
  });
});

describe('rate limits: exemptions and Redis down', () => {
  it('exempts a role only when configured', async () => {
    const stack = await startStack({ env: { RATE_LIMIT_OPERATIONS_PER_MINUTE: '1', RATE_LIMIT_EXEMPT_ROLES: 'admin' } });
    try {
      const q = `{ phone(number: "13900000001") { kind } }`;
      for (let i = 0; i < 3; i++) expect((await stack.gql(q)).errors).toBeUndefined();
      const viewer = await stack.token(['viewer']);
      expect((await stack.gql(q, {}, viewer)).errors).toBeUndefined();
      expect((await stack.gql(q, {}, viewer)).errors![0].extensions!.code).toBe('RATE_LIMITED');
    } finally {
      await stack.close();
    }
  });

  describe('with Redis stopped', () => {
    const own = stackWithOwnRedis({ env: { LOOKUP_NEAR_CACHE_MS: '0' } });
    it('lets reads through and refuses billed calls (fail closed)', async () => {
      await own.redis.stop();
      try {
        const read = await own.stack.gql(`{ skillGroups(page: 1, pageSize: 1) { total } }`);
        expect(read.errors).toBeUndefined();
        const since = await own.stack.api.lastSeq();
        const billed = await own.stack.gql(`{ phone(number: "13900099999") { location { province } } }`);
        expect(billed.errors![0].extensions!.code).toBe('UNAVAILABLE');
        expect((await own.stack.api.requests(undefined, since)).filter((r) => r.endpoint?.startsWith('lookup.'))).toEqual([]);
      } finally {
        await own.restartRedis();
      }
    });
  });
});

describe('requests without a valid token, per client address', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '3', TRUST_PROXY: '1' } });
  });
  afterAll(() => stack.close());

  const post = async (from: string, token: string) => {
    const res = await request(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-forwarded-for': from },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    const body = (await res.body.json()) as any;
    return { status: res.statusCode, code: body.errors?.[0]?.extensions?.code, retryAfter: res.headers['retry-after'] };
  };

  it('answers 429 once an address (as TRUST_PROXY sees it) sent too many bad tokens; good tokens and other addresses pass', async () => {
    for (let i = 0; i < 3; i++) expect(await post('10.0.0.1', 'not-a-jwt')).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    const limited = await post('10.0.0.1', 'not-a-jwt');
    expect(limited).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    expect(await post('10.0.0.2', 'not-a-jwt')).toMatchObject({ status: 401 });
    expect((await post('10.0.0.1', await stack.token(['viewer']))).status).toBe(200);
  });
});

describe('size limits before work', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('answers an unauthenticated 20 MB body with 401 without reading it', async () => {
    const url = new URL(stack.url);
    const size = 20 * 1024 * 1024;
    const { status, sent } = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname);
      let sent = 0;
      let answer = '';
      const chunk = Buffer.alloc(64 * 1024, 'a');
      socket.on('connect', () => {
        socket.write(`POST /graphql HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\ncontent-length: ${size}\r\n\r\n`);
        // Send slowly: the answer must come long before the body could have been read.
        const timer = setInterval(() => {
          if (sent >= size || socket.destroyed) return clearInterval(timer);
          socket.write(chunk);
          sent += chunk.length;
        }, 20);
        socket.on('close', () => clearInterval(timer));
      });
      socket.on('data', (d) => {
        answer += d.toString();
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
        if (status) {
          resolve({ status, sent });
          socket.destroy();
        }
      });
      socket.on('error', reject);
    });
    expect(status).toBe(401);
    expect(sent).toBeLessThan(2 * 1024 * 1024);
  });

  it('refuses a JSON body over HTTP_MAX_BODY_BYTES with 413 OPERATION_LIMIT, and bad JSON with 400 BAD_REQUEST', async () => {
    const token = await stack.token(['admin']);
    const post = async (body: string) => {
      const res = await request(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      return { status: res.statusCode, body: (await res.body.json()) as any };
    };
    const big = await post(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1024 * 1024) } }));
    expect(big.status).toBe(413);
    expect(big.body.errors[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT', limit: 'bodyBytes', maximum: 1024 * 1024 });
    const bad = await post('{"query": ');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(JSON.stringify(bad.body)).not.toMatch(/ at |node_modules/);
  });
});

/** A raw graphql-transport-ws socket (no client library), to see close codes and to send what a library would not. */
function rawSocket(stack: Stack, options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(`${stack.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', options);
  const messages: any[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(String(d))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve());
    ws.on('error', reject);
  });
  return { ws, messages, closed, opened };
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(TEST_REDIS_MODES)('WebSocket limits (%s)', (mode) => {
  const two = twoInstances({ WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '2', WS_MAX_SOCKETS_PER_PRINCIPAL: '2', WS_KEEPALIVE_MS: '300' }, mode);

  it('closes a socket whose frame is over 64 KiB', async () => {
    const s = rawSocket(two.a);
    await s.opened;
    s.ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'x'.repeat(100 * 1024) } }));
    expect((await s.closed).code).toBe(1009);
  });

  it('refuses a subscription over WS_MAX_SUBSCRIPTIONS_PER_SOCKET and keeps the socket', async () => {
    const client = two.a.ws(await two.a.token(['admin']));
    const q = `subscription { callEnded { callId } }`;
    const first = await collect(client, q);
    const second = await collect(client, q);
    const third = await collect(client, q);
    await third.ended();
    expect((third.errors[0] as any[])[0].extensions).toMatchObject({
      code: 'OPERATION_LIMIT',
      limit: 'subscriptionsPerSocket',
      maximum: 2,
    });
    expect(first.errors).toEqual([]);
    second.stop();
    await new Promise((r) => setTimeout(r, 100));
    const fourth = await collect(client, q);
    await new Promise((r) => setTimeout(r, 100));
    expect(fourth.errors).toEqual([]);
    first.stop();
    fourth.stop();
  });

  it("closes a principal's socket over WS_MAX_SOCKETS_PER_PRINCIPAL with 4429, counted across instances", async () => {
    const token = await mintToken(JWT_SECRET, { sub: 'many-sockets', roles: ['viewer'] });
    const open = async (stack: Stack) => {
      const s = rawSocket(stack);
      await s.opened;
      s.ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
      return s;
    };
    const a1 = await open(two.a);
    await until(() => a1.messages.some((m) => m.type === 'connection_ack'));
    const b1 = await open(two.b);
    await until(() => b1.messages.some((m) => m.type === 'connection_ack'));
    const b2 = await open(two.b);
    expect((await b2.closed).code).toBe(4429);
    a1.ws.close();
    await a1.closed;
    await new Promise((r) => setTimeout(r, 100));
    const a2 = await open(two.a);
    await until(() => a2.messages.some((m) => m.type === 'connection_ack'));
    b1.ws.close();
    a2.ws.close();
  });

  it('closes a socket that stops answering pings', async () => {
    const s = rawSocket(two.a, { autoPong: false });
    await s.opened;
    s.ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${await two.a.token(['viewer'])}` } }));
    await until(() => s.messages.some((m) => m.type === 'connection_ack'));
    const { code } = await s.closed;
    expect(code).not.toBe(1000);
  });

  it('closes a socket without connection_init within 3 s with 4408', async () => {
    const s = rawSocket(two.b);
    await s.opened;
    expect((await s.closed).code).toBe(4408);
  });
});

describe('production hygiene', () => {
  let prod: Stack;
  beforeAll(async () => {
    prod = await startStack({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => prod.close());

  it('refuses introspection and hides field suggestions in production, over HTTP and WebSocket', async () => {
    const intro = await prod.gql(`{ __schema { types { name } } }`);
    expect(intro.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const typo = await prod.gql(`{ skillGroup { total } }`);
    expect(typo.errors![0].message).not.toMatch(/Did you mean/);
    const client = prod.ws();
    const errors = await new Promise<any[]>((resolve) => {
      client.subscribe(
        { query: `{ __schema { types { name } } skillGroup { total } }` },
        { next: () => undefined, error: (e) => resolve(e as any[]), complete: () => resolve([]) },
      );
    });
    expect(errors.length).toBeGreaterThan(0);
    expect(JSON.stringify(errors)).not.toMatch(/Did you mean/);
    expect(JSON.stringify(errors)).toMatch(/introspection/i);
  });

  it('allows introspection in production with ALLOW_INTROSPECTION=true, and by default outside production', async () => {
    const allowed = await startStack({ env: { NODE_ENV: 'production', ALLOW_INTROSPECTION: 'true' } });
    try {
      expect((await allowed.gql(`{ __schema { queryType { name } } }`)).data!.__schema.queryType.name).toBe('Query');
    } finally {
      await allowed.close();
    }
  });

  it('refuses a token without exp, or with a lifetime over AUTH_MAX_TOKEN_LIFETIME', async () => {
    const key = new TextEncoder().encode(JWT_SECRET);
    const noExp = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuedAt().sign(key);
    const long = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuedAt()
      .setExpirationTime('25h')
      .sign(key);
    for (const token of [noExp, long]) {
      const res = await prod.gql(`{ __typename }`, {}, token);
      expect(res.status).toBe(401);
      expect(res.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    }
    expect((await prod.gql(`{ __typename }`, {}, noExp)).errors![0].message).toMatch(/exp/);
    expect(
      (await prod.gql(`{ __typename }`, {}, await mintToken(JWT_SECRET, { sub: 'x', roles: ['viewer'] }, '23h'))).errors,
    ).toBeUndefined();
  });
});

describe('CORS', () => {
  let stack: Stack;
  const FRONTEND = 'https://ops.example.test';
  beforeAll(async () => {
    stack = await startStack({ env: { CORS_ORIGINS: `${FRONTEND},http://localhost:5173` } });
  });
  afterAll(() => stack.close());

  const preflight = (origin: string) =>
    request(`${stack.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });

  it("answers an allowed origin's preflight with 204 and the allowed headers, and its requests with the origin", async () => {
    const res = await preflight(FRONTEND);
    await res.body.dump();
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(FRONTEND);
    expect(String(res.headers['access-control-allow-headers'])).toEqual(expect.stringContaining('authorization'));
    expect(String(res.headers['access-control-allow-headers'])).toEqual(expect.stringContaining('apollo-require-preflight'));
    const post = await request(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { origin: FRONTEND, 'content-type': 'application/json', authorization: `Bearer ${await stack.token(['viewer'])}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(post.statusCode).toBe(200);
    expect(post.headers['access-control-allow-origin']).toBe(FRONTEND);
    await post.body.dump();
  });

  it("refuses another origin's preflight with 403 and no CORS headers", async () => {
    const res = await preflight('https://evil.example.test');
    await res.body.dump();
    expect(res.statusCode).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('keeps CSRF prevention for simple requests', async () => {
    const res = await request(`${stack.url}/graphql?query=%7B__typename%7D`, {
      method: 'GET',
      headers: { authorization: `Bearer ${await stack.token(['viewer'])}` },
    });
    const body = (await res.body.json()) as any;
    expect(res.statusCode).toBe(400);
    expect(body.errors[0].message).toMatch(/CSRF/i);
  });
});
