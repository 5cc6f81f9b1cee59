/**
 * Issue #12: random and malformed GraphQL requests and platform callbacks, well over 10,000 of
 * them, each answered cleanly, and the gateway still serving afterwards.
 *
 * Deterministic: every property runs in LANES parallel lanes (a few requests in flight), lane i
 * with seed FUZZ_SEED + i; a failure names its lane's seed, path and shrunk counterexample.
 * FUZZ_SEED=<n> replays another seed, FUZZ_SCALE=<x> multiplies the numbers of runs.
 */
import { randomUUID } from 'node:crypto';
import * as fc from 'fast-check';
import { getNamedType, isLeafType, isObjectType, type GraphQLObjectType } from 'graphql';
import { SignJWT } from 'jose';
import { request } from 'undici';
import { mintToken } from '../src/auth/jwt';
import type { Role } from '../src/auth/principal';
import { bytes, clip, expectCleanGraphqlAnswer, expectCleanHookAnswer, send } from './support/fuzz-check';
import { schema } from './support/fuzz-graphql';
import { hookRequest, type HookRequest } from './support/fuzz-hooks';
import { documentRequest, otherRequest, variablesRequest, type GraphqlRequest } from './support/fuzz-requests';
import { collect, until, type Collected } from './support/subscriptions';
import { JWT_SECRET, startStack, type Stack } from './support/stack';

const SEED = Number(process.env.FUZZ_SEED ?? 1_206_2025);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const LANES = 8;
const runs = (n: number) => Math.max(2 * LANES, Math.round(n * SCALE));

/**
 * Shrink candidates per failure (fc.limitShrink), and checks run once a lane has failed (past it,
 * every input passes and the smallest failure so far is reported). Unbounded, shrinking a document
 * built from hundreds of draws takes minutes, and its synchronous bursts stall the other lanes.
 */
const SHRINK_BUDGET = 100;

/** Runs a property in LANES parallel lanes (seeds SEED + lane); throws one report naming every failing lane's seed and shrunk input. */
async function fuzz<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  numRuns: number,
  check: (input: T) => Promise<void>,
  lanes = LANES,
): Promise<number> {
  const perLane = Math.ceil(numRuns / lanes);
  const results = await Promise.all(
    Array.from({ length: lanes }, (_, lane) => {
      let shrinking = -1;
      const bounded = async (input: T) => {
        if (shrinking >= SHRINK_BUDGET) return;
        if (shrinking >= 0) shrinking++;
        try {
          await check(input);
        } catch (err) {
          if (shrinking < 0) shrinking = 0;
          throw err;
        }
      };
      return fc.check(fc.asyncProperty(fc.limitShrink(arb, SHRINK_BUDGET), bounded), { seed: SEED + lane, numRuns: perLane });
    }),
  );
  const failures = results.filter((r) => r.failed);
  if (failures.length > 0) {
    const reports = failures.map(
      (r) =>
        `${name}: failed after ${r.numRuns} runs and ${r.numShrinks} shrinks — seed ${r.seed}, path "${r.counterexamplePath}" (replay with FUZZ_SEED=${SEED})\n` +
        `${r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance)}\n` +
        `counterexample: ${clip(fc.stringify(r.counterexample), 3000)}`,
    );
    throw new Error(reports.join('\n\n'));
  }
  return results.reduce((n, r) => n + r.numRuns, 0);
}

/**
 * All leaf fields of an object type, nested objects included, a few levels down (a subscription that
 * reads every field of an event). Of a phone's lookups only what needs no platform call: every
 * fuzzed CallEnd would otherwise cost several lookups of a random number.
 */
function everyField(type: GraphQLObjectType, depth = 0): string {
  if (type.name === 'PhoneInfo') return '{ number kind }';
  const parts = Object.values(type.getFields()).flatMap((f) => {
    const named = getNamedType(f.type);
    if (f.args.some((a) => a.type.toString().endsWith('!'))) return [];
    if (isLeafType(named)) return [f.name];
    if (isObjectType(named) && depth < 3) return [`${f.name} ${everyField(named, depth + 1)}`];
    return [];
  });
  return `{ ${parts.join(' ')} }`;
}

/** The per-principal and per-address rate limits, off (0). */
const NO_LIMITS = { RATE_LIMIT_OPERATIONS_PER_MINUTE: '0', RATE_LIMIT_BILLED_PER_MINUTE: '0', RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '0' };

describe('fuzzing the gateway (issue #12)', () => {
  let stack: Stack;
  let graphqlUrl: string;
  const tokens: Record<string, string> = {};
  const counts: Record<string, number> = {};

  beforeAll(async () => {
    // The rate limits would throttle the fuzzer (0: off). The circuit breaker is off too: one over-long argument
    // opens it for every client (a known failure with its own case below), and every later answer would then be
    // UPSTREAM_UNAVAILABLE, hiding whatever else the run finds.
    stack = await startStack({ env: { ...NO_LIMITS, UPSTREAM_BREAKER_FAILURES: '0' } });
    graphqlUrl = `${stack.url}/graphql`;
    const roles: [string, Role[], string?][] = [
      ['admin', ['admin']],
      ['supervisor', ['supervisor'], '1002'],
      ['agent', ['agent'], '1001'],
      ['viewer', ['viewer']],
    ];
    for (const [name, r, agent] of roles) tokens[name] = await stack.token(r, agent);
    const now = Math.floor(Date.now() / 1000);
    tokens.expired = await mintToken(JWT_SECRET, { sub: 'fuzz', roles: ['admin'] }, now - 60);
    tokens.otherSecret = await mintToken('another-secret-another-secret-another-1234', { sub: 'fuzz', roles: ['admin'] });
    const key = new TextEncoder().encode(JWT_SECRET);
    tokens.rolesString = await new SignJWT({ roles: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('fuzz')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    tokens.rolesOdd = await new SignJWT({ roles: ['root', 7, null, { admin: true }], agentNumber: { x: 1 } })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    tokens.noExpiry = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('fuzz').sign(key);
    tokens.longLived = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('fuzz')
      .setIssuedAt()
      .setExpirationTime('3650d')
      .sign(key);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    tokens.algNone = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'fuzz', roles: ['admin'], exp: now + 3600 })}.`;
  });

  afterAll(async () => {
    await stack?.close();
    // The numbers of requests per property, for the run's record.
    if (process.env.FUZZ_VERBOSE) console.log(JSON.stringify(counts));
  });

  /** The gateway still answers its liveness check and a plain query. */
  async function expectServing(): Promise<void> {
    const health = await request(`${stack.url}/healthz`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();
    const res = await stack.gql('{ skillGroups(page: 1, pageSize: 1) { total } }');
    expect(res.errors).toBeUndefined();
    expect(typeof res.data!.skillGroups.total).toBe('number');
  }

  /** Sends one fuzzed request to /graphql and checks its answer. */
  async function sendGraphql({ method, search, headers, body }: GraphqlRequest): Promise<void> {
    const answer = await send(`${graphqlUrl}${search}`, method, headers, body);
    // A browser (Accept: text/html) asking GET /graphql gets Apollo's landing page, not an API answer.
    if (method === 'GET' && (headers.accept ?? '').includes('text/html') && answer.status === 200 && answer.type.startsWith('text/html'))
      return;
    expectCleanGraphqlAnswer(answer, bytes(body));
  }

  /** Runs a property, then checks the gateway still serves, whether the property held or not (both failures reported). */
  async function fuzzThenServe<T>(
    name: string,
    arb: fc.Arbitrary<T>,
    numRuns: number,
    check: (input: T) => Promise<void>,
    lanes = LANES,
  ): Promise<void> {
    const failures: unknown[] = [];
    try {
      counts[name] = await fuzz(name, arb, numRuns, check, lanes);
    } catch (err) {
      failures.push(err);
    }
    try {
      await expectServing();
    } catch (err) {
      failures.push(err);
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1)
      throw new Error(failures.map((e) => (e instanceof Error ? e.message : String(e))).join('\n\nand after the property: '));
  }

  it('answers random and malformed documents cleanly', async () => {
    await fuzzThenServe(
      'documents',
      fc.gen().map((g) => documentRequest(g, tokens)),
      runs(2600),
      sendGraphql,
    );
  }, 240_000);

  it('answers random and malformed variables and operation names cleanly', async () => {
    await fuzzThenServe(
      'variables',
      fc.gen().map((g) => variablesRequest(g, tokens)),
      runs(1400),
      sendGraphql,
    );
  }, 240_000);

  it('answers bodies that are not GraphQL requests, odd content types and bad tokens cleanly', async () => {
    await fuzzThenServe(
      'bodies',
      fc.gen().map((g) => otherRequest(g, tokens)),
      runs(2800),
      sendGraphql,
    );
  }, 240_000);

  it('answers random, malformed and near-valid platform callbacks with the platform ack or a 4xx, and keeps delivering events', async () => {
    // Subscribers to every event kind, reading every field: what the fuzzer gets into the log is delivered too.
    const client = stack.ws();
    const subscriptions: [string, Collected][] = [];
    for (const field of Object.values(schema.getSubscriptionType()!.getFields())) {
      if (field.args.some((a) => a.type.toString().endsWith('!'))) continue; // wallboardUpdates wants a cursor
      const type = getNamedType(field.type);
      // platformEvents (an interface): its own fields; the kinds' own subscriptions read the rest.
      const selection = isObjectType(type) ? everyField(type) : '{ cursor kind receivedAt __typename }';
      subscriptions.push([field.name, await collect(client, `subscription { ${field.name} ${selection} }`)]);
    }
    // More lanes: a callback is answered once Redis has it, so this property waits more than it computes.
    await fuzzThenServe(
      'callbacks',
      fc.gen().map((g) => hookRequest(g)),
      runs(3200),
      async ({ body, headers }: HookRequest) => {
        const answer = await send(stack.hookUrl, 'POST', headers, body);
        expectCleanHookAnswer(answer, bytes(body));
      },
      2 * LANES,
    );

    // The event log still takes a valid callback and delivers it.
    const callId = `after-fuzz-${randomUUID()}`;
    const ack = await send(
      stack.hookUrl,
      'POST',
      { 'content-type': 'application/json' },
      JSON.stringify({ event: 'CallEnd', callId, taskSn: 'fuzz', called: '13800000000', caller: '95001', hangupGcode: 0, duration: 1000 }),
    );
    expect({ status: ack.status, body: JSON.parse(ack.text) }).toEqual({ status: 200, body: { code: 0, msg: 'success' } });
    const callEnded = subscriptions.find(([name]) => name === 'callEnded')![1];
    await until(() => callEnded.events.some((e) => e.callId === callId) || callEnded.errors.length > 0, 10_000);
    // Every subscription is still open and got no error (no INTERNAL for a fuzzed event, no stack trace).
    const problems = subscriptions
      .filter(([, s]) => s.errors.length > 0 || s.completed)
      .map(([name, s]) => ({ name, completed: s.completed, errors: s.errors.slice(0, 3) }));
    expect(problems).toEqual([]);
    expect(callEnded.events.some((e) => e.callId === callId)).toBe(true);
    for (const [, s] of subscriptions) s.stop();
  }, 240_000);

  it('still serves after all of it: /healthz, a plain query, and the dead letters', async () => {
    await expectServing();
    const dead = await stack.gql('{ deadLetters(limit: 5) { cursor reason contentType receivedAt } }');
    expect(dead.errors).toBeUndefined();
    expect(dead.data!.deadLetters.length).toBeGreaterThan(0);
    for (const d of dead.data!.deadLetters) expect(typeof d.reason).toBe('string');
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    if (Object.keys(counts).length === 4) expect(total).toBeGreaterThanOrEqual(10_000 * Math.min(1, SCALE));
  });
});

/** Failures the fuzzer found, each at its smallest input, kept as regression tests. */
describe('failures found by the fuzzer', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: NO_LIMITS });
  });
  afterAll(() => stack?.close());

  const post = async (body: unknown) => {
    const token = await stack.token(['admin']);
    return send(
      `${stack.url}/graphql`,
      'POST',
      { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      JSON.stringify(body),
    );
  };

  it('answers deadLetters(after:) with a string that is not a cursor as BAD_USER_INPUT, not INTERNAL', async () => {
    // Was: 200 INTERNAL (Redis: ERR Invalid stream ID).
    const answer = await post({ query: '{ deadLetters(after: "x") { cursor } }' });
    expectCleanGraphqlAnswer(answer, 0);
    expect(JSON.parse(answer.text).errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('answers a subscription cursor past 2^64 (after: "18446744073709551616") as BAD_USER_INPUT, not INTERNAL', async () => {
    // Was: the subscription ended with INTERNAL (Redis: ERR Invalid stream ID).
    const sub = await collect(stack.ws(), 'subscription($a: ID) { callEnded(after: $a) { cursor } }', { a: '18446744073709551616' });
    await sub.ended(5000);
    expect(JSON.stringify(sub.errors)).not.toContain('INTERNAL');
    expect(JSON.stringify(sub.errors)).toContain('BAD_USER_INPUT');
  });

  it('answers null for an argument with a default (query($p: Int) { skillGroups(page: $p) }, {p: null}) as BAD_USER_INPUT, not INTERNAL', async () => {
    // Was: 200 {"errors":[{"message":"Internal error","path":["skillGroups"],"extensions":{"code":"INTERNAL"}}]}
    // (graphql-js: 'Argument "page" of non-null type "Int!" must not be null.', a GraphQLError with a path, which formatError maps to INTERNAL).
    expectCleanGraphqlAnswer(await post({ query: 'query($p: Int) { skillGroups(page: $p) { total } }', variables: { p: null } }), 0);
  });

  it('answers a subscription over HTTP with @skip/@include on its root field with a 400, not a 500', async () => {
    // Was: 500 {"errors":[{"message":"Internal error","extensions":{"code":"INTERNAL"}}]}: graphql-js's SingleFieldSubscriptionsRule
    // evaluates @skip/@include with no variables during validation and throws (a missing or non-Boolean `if`, or any variable).
    for (const query of [
      'subscription($s: Boolean!) { callEnded @skip(if: $s) { cursor } }',
      'subscription { callEnded @skip { cursor } }',
    ]) {
      expectCleanGraphqlAnswer(await post({ query, variables: { s: false } }), 0);
    }
  });

  it('refuses a subscription with @skip/@include on its root field over WebSocket with an error, and keeps the socket', async () => {
    // Was: the whole socket closed with 4500. The GraphQL spec (Single Root Field) forbids a conditional subscription root.
    const client = stack.ws();
    const sub = await collect(client, 'subscription($s: Boolean!) { callEnded @skip(if: $s) { cursor } }', { s: false });
    await sub.ended(5000);
    expect(JSON.stringify(sub.errors)).toMatch(/@skip or @include/);
    const next = await collect(client, 'subscription { callEnded { cursor } }');
    await new Promise((r) => setTimeout(r, 200));
    expect(next.errors).toEqual([]);
    next.stop();
  });

  /** Posts a callback and answers the dead letter it became (by a marker in its raw body), or undefined. */
  async function deadLetterOf(body: string, marker: string): Promise<{ reason: string } | undefined> {
    const ack = await send(stack.hookUrl, 'POST', { 'content-type': 'application/json' }, body);
    expect({ status: ack.status, body: JSON.parse(ack.text) }).toEqual({ status: 200, body: { code: 0, msg: expect.any(String) } });
    const res = await stack.gql('{ deadLetters(limit: 1000) { reason rawBody } }');
    return res.data!.deadLetters.find((d: { rawBody: string }) => d.rawBody.includes(marker));
  }

  // Fixed in src/hooks/normalize.ts; each was a TypeError or RangeError, kept as "normalisation failed" and logged as a gateway error.
  it('keeps a callback whose event names an Object.prototype member as an unknown event', async () => {
    const marker = randomUUID();
    for (const event of ['constructor', '__proto__', 'toString']) {
      const dead = await deadLetterOf(JSON.stringify({ event, callId: marker, marker: `${marker}-${event}` }), `${marker}-${event}`);
      expect(dead?.reason).toBe(`unknown callback event "${event}"`);
    }
  });

  it('keeps a callback whose identifying field is an object as a dead letter, not as "[object Object]" (a false duplicate of any other)', async () => {
    const marker = randomUUID();
    const dead = await deadLetterOf(JSON.stringify({ event: 'CallEnd', callId: { a: marker } }), marker);
    expect(dead?.reason).toBe('CallEnd with a non-scalar identifying field callId');
  });

  it('keeps a callback nested 10,000 levels deep as a dead letter with its reason', async () => {
    const marker = randomUUID();
    const dead = await deadLetterOf(
      `{"event":"CallEnd","callId":"${marker}","output":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`,
      marker,
    );
    expect(dead?.reason).toBe('body nested deeper than 32 levels');
  });

  it('keeps a callback nested 1,000,000 levels deep ([[[[…, unclosed) as a dead letter with the same reason, not a syntax error', async () => {
    // Refused from one scan of the text before JSON.parse: the depth is the reason, whatever follows.
    const marker = randomUUID();
    const dead = await deadLetterOf(`{"event":"CallEnd","callId":"${marker}","output":${'['.repeat(1_000_000)}`, marker);
    expect(dead?.reason).toBe('body nested deeper than 32 levels');
    const closed = randomUUID();
    const half = 499_950; // {"output": and the brackets within 1 MiB
    const deadClosed = await deadLetterOf(`{"callId":"${closed}","output":${'['.repeat(half)}${']'.repeat(half)}}`, closed);
    expect(deadClosed?.reason).toBe('body nested deeper than 32 levels');
  });

  it('delivers a CallEnd with inconvertible or out-of-range fields to its subscribers without an error', async () => {
    const taskSn = randomUUID();
    const sub = await collect(
      stack.ws(),
      'subscription($t: ID) { callEnded(taskSn: $t) { callId caller durationMs hangup { code } turns { content durationMs } } }',
      { t: taskSn },
    );
    const body = `{"event":"CallEnd","callId":"c-${taskSn}","taskSn":"${taskSn}","caller":{"toString":1},"duration":1e308,"hangupGcode":2147483648,"turnInfos":[null,{"content":{"toString":1,"valueOf":"x"},"talkDuration":1e21}]}`;
    const ack = await send(stack.hookUrl, 'POST', { 'content-type': 'application/json' }, body);
    expect(JSON.parse(ack.text)).toEqual({ code: 0, msg: 'success' });
    await sub.waitFor(1);
    expect(sub.errors).toEqual([]);
    expect(sub.events[0]).toEqual({
      callId: `c-${taskSn}`,
      caller: '{"toString":1}',
      durationMs: 0,
      hangup: null,
      turns: [{ content: '{"toString":1,"valueOf":"x"}', durationMs: null }],
    });
  });

  it('refuses an argument too long for the platform before calling it, as BAD_USER_INPUT', async () => {
    // Was: the 20,000-character taskSn went into the platform's URL; the sandbox answered HTTP 431 and the client got
    // 200 {"errors":[{"message":"The platform is unavailable (task.status: HTTP 431 without a platform envelope)","extensions":{"code":"UPSTREAM_UNAVAILABLE"}}]}.
    const answer = await post({ query: `{ task(type: ROBOT, taskSn: "${'x'.repeat(20_000)}") { status } }` });
    expectCleanGraphqlAnswer(answer, 0);
    expect(JSON.parse(answer.text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it("does not open the circuit breaker for every client after one client's over-long requests", async () => {
    // Was: five 431s opened the breaker of host cc: every platform call of every client failed fast with UPSTREAM_UNAVAILABLE
    // ("circuit open for host cc (5 consecutive failures, the last: HTTP 431 without a platform envelope)") for UPSTREAM_BREAKER_OPEN_MS.
    for (let i = 0; i < 6; i++) await post({ query: `{ task(type: ROBOT, taskSn: "${'x'.repeat(20_000)}") { status } }` });
    const res = await stack.gql('{ skillGroups(page: 1, pageSize: 1) { total } }');
    expect(res.errors).toBeUndefined();
  });

  it('refuses a list variable of 5,000 invalid items in well under a second', async () => {
    // Was: OperationGuard.cost (graphql-query-complexity's getVariableValues, without maxErrors) coerced every item and
    // built an error for each: ~0.16 ms per item in production (35,000 items, a 140 KB body: ~6 s of blocked event loop).
    const started = Date.now();
    const answer = await post({ query: 'query($v: [Phone!]!) { phones(numbers: $v) { number } }', variables: { v: Array(5000).fill([]) } });
    expectCleanGraphqlAnswer(answer, 0);
    expect(Date.now() - started).toBeLessThan(1000);
  }, 60_000);
});
