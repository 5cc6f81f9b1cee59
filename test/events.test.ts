import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { collect, until } from './support/subscriptions';
import { stackWithOwnRedis, startStack, twoInstances, type Stack } from './support/stack';
import { TEST_REDIS_MODES } from './support/redis';
import { callEnd, postHook } from './support/callbacks';

const CALL_END = `subscription($after: ID, $taskSn: ID) { callEnded(after: $after, taskSn: $taskSn) { cursor callId taskSn } }`;

describe.each(TEST_REDIS_MODES)('event backbone across instances (%s)', (mode) => {
  const two = twoInstances({}, mode);

  it('delivers a callback received by one instance to subscribers on both, once, however often it is posted', async () => {
    const taskSn = randomUUID();
    const onA = await collect(two.a.ws(), CALL_END, { taskSn });
    const onB = await collect(two.b.ws(), CALL_END, { taskSn });
    const body = callEnd(`call-${taskSn}`, taskSn);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => postHook((i % 2 ? two.a : two.b).hookUrl, body)));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    await onA.waitFor(1);
    await onB.waitFor(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(onA.events.map((e) => e.callId)).toEqual([body.callId]);
    expect(onB.events.map((e) => e.callId)).toEqual([body.callId]);
    expect(onA.events[0].cursor).toBe(onB.events[0].cursor);
  });

  it('resumes with after: exactly the missed events, then live ones, none twice', async () => {
    const taskSn = randomUUID();
    const first = await collect(two.b.ws(), CALL_END, { taskSn });
    for (const n of [1, 2]) await postHook(two.a.hookUrl, callEnd(`${taskSn}-${n}`, taskSn));
    await first.waitFor(2);
    first.stop();
    const resumeAfter = first.events[1].cursor;
    for (const n of [3, 4]) await postHook(two.a.hookUrl, callEnd(`${taskSn}-${n}`, taskSn));
    const resumed = await collect(two.b.ws(), CALL_END, { taskSn, after: resumeAfter });
    await resumed.waitFor(2);
    await postHook(two.b.hookUrl, callEnd(`${taskSn}-5`, taskSn));
    await resumed.waitFor(3);
    await new Promise((r) => setTimeout(r, 300));
    expect(resumed.events.map((e) => e.callId)).toEqual([3, 4, 5].map((n) => `${taskSn}-${n}`));
    const cursors = resumed.events.map((e) => Number(e.cursor.split(':')[1]));
    expect(new Set(resumed.events.map((e) => e.cursor.split(':')[0])).size).toBe(1);
    expect([...cursors].sort((x, y) => x - y)).toEqual(cursors);
    // A cursor from the start replays everything of this task.
    const all = await collect(two.a.ws(), CALL_END, { taskSn, after: '0' });
    await all.waitFor(5);
    expect(all.events.map((e) => e.callId)).toEqual([1, 2, 3, 4, 5].map((n) => `${taskSn}-${n}`));
  });

  it('keeps a malformed or unknown callback as a dead letter with 200, visible to admins only', async () => {
    const marker = randomUUID();
    expect((await postHook(two.a.hookUrl, `{"event": "CallEnd", "callId": "${marker}"`)).status).toBe(200);
    expect((await postHook(two.a.hookUrl, { event: 'SomethingNew', marker })).status).toBe(200);
    expect((await postHook(two.a.hookUrl, { event: 'CallEnd', taskSn: marker })).status).toBe(200);
    const res = await two.b.gql(`{ deadLetters(limit: 1000) { cursor reason rawBody contentType receivedAt } }`);
    const mine = res.data!.deadLetters.filter((d: { rawBody: string }) => d.rawBody.includes(marker));
    expect(mine.map((d: { reason: string }) => d.reason)).toEqual([
      expect.stringMatching(/JSON|Unexpected|Expected/),
      'unknown callback event "SomethingNew"',
      'CallEnd without its identifying field callId',
    ]);
    const viewer = await two.b.token(['viewer']);
    expect((await two.b.gql(`{ deadLetters { cursor } }`, {}, viewer)).errors![0].extensions!.code).toBe('FORBIDDEN');
  });

  it('answers 404 with no hint for a wrong or missing secret, and 413 for a body over 1 MiB', async () => {
    const wrong = await postHook(`${two.a.url}/hooks/not-the-secret`, callEnd('x'));
    expect(wrong).toEqual({ status: 404, text: '' });
    expect((await postHook(`${two.a.url}/hooks/`, callEnd('x'))).status).toBe(404);
    const big = await postHook(two.a.hookUrl, { ...callEnd(randomUUID()), userData: 'x'.repeat(1024 * 1024 + 10) });
    expect(big.status).toBe(413);
    expect(big.text).not.toMatch(/at .*\.(js|ts)/);
  });
});

describe('Redis down while callbacks arrive', () => {
  const own = stackWithOwnRedis();

  it('answers 503 so the platform pushes again, and the retry is delivered once when Redis is back', async () => {
    const sub = await collect(own.stack.ws(), `subscription { taskStatusChanged { taskSn status } }`);
    await own.redis.stop();
    const taskSn = randomUUID();
    own.stack.sandbox.callbacks.configure({ retryIntervalMs: 1500, maxRetries: 3 });
    await own.stack.api.post('/emit', { kind: 'taskStatus', fields: { taskSn, status: 1 } });
    await until(() => own.stack.sandbox.callbacks.list().some((r) => r.body.taskSn === taskSn && r.attempts.length >= 1), 5000);
    const record = own.stack.sandbox.callbacks.list().find((r) => r.body.taskSn === taskSn)!;
    expect(record.attempts[0].status).toBe(503);
    await own.restartRedis();
    await until(() => record.delivered, 15_000);
    expect(record.attempts[record.attempts.length - 1].status).toBe(200);
    await sub.waitFor(1, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(sub.events).toEqual([{ taskSn, status: 'RUNNING' }]);
  });
});

describe('subscribers', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { EVENT_BUFFER_SIZE: '20' } });
  });
  afterAll(() => stack.close());

  it('an agent sees only events of its own agent number, without another agent reaching its credentials', async () => {
    const mine = await collect(
      stack.ws(await stack.token(['agent'], '7001')),
      `subscription { agentEvent { agentNumber event rawData registration { sipPassword } } }`,
    );
    const wall = await collect(
      stack.ws(await stack.token(['viewer'])),
      `subscription { agentEvent(agentNumber: "7001") { agentNumber rawData registration { sipId sipPassword } } }`,
    );
    for (const agentNumber of ['7002', '7001']) {
      await stack.api.post('/emit', { kind: 'agentEvent', fields: { agentNumber, eventTime: Date.now(), sequence: Math.random() } });
    }
    await mine.waitFor(1);
    await wall.waitFor(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(mine.events.map((e) => e.agentNumber)).toEqual(['7001']);
    expect(mine.events[0].rawData.sipPassword).toEqual(expect.any(String));
    expect(mine.events[0].registration.sipPassword).toEqual(expect.any(String));
    // A viewer sees no raw platform data at all, and no credential in the typed fields.
    expect(wall.events[0].rawData).toBeNull();
    expect(wall.events[0].registration).toMatchObject({ sipId: expect.any(String), sipPassword: null });
  });

  it('filters agent events by event name (OTHER: names the spec does not list)', async () => {
    const agentNumber = `ag-${randomUUID()}`;
    const idle = await collect(stack.ws(), `subscription($a: ID) { agentEvent(agentNumber: $a, events: [IDLE]) { event platformEvent } }`, {
      a: agentNumber,
    });
    const other = await collect(
      stack.ws(),
      `subscription($a: ID) { agentEvent(agentNumber: $a, events: [OTHER]) { event platformEvent } }`,
      { a: agentNumber },
    );
    for (const event of ['Login', 'Idle', 'SomethingNew']) {
      await stack.api.post('/emit', {
        kind: 'agentEvent',
        fields: { agentNumber, event, nowState: event, eventTime: Date.now(), sequence: Math.random() },
      });
    }
    await idle.waitFor(1);
    await other.waitFor(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(idle.events).toEqual([{ event: 'IDLE', platformEvent: 'Idle' }]);
    expect(other.events).toEqual([{ event: 'OTHER', platformEvent: 'SomethingNew' }]);
  });

  it('compares phone-number filters as numbers (a Phone argument), and refuses a bad one before subscribing', async () => {
    const taskSn = randomUUID();
    const sub = await collect(stack.ws(), `subscription($t: ID, $c: Phone) { callEnded(taskSn: $t, called: $c) { callId called } }`, {
      t: taskSn,
      c: '+86 138-0000-0001',
    });
    for (const called of ['13800000002', '+8613800000001']) {
      await stack.gateway.services.events.publish('CallEnd', `${taskSn}-${called}`, {
        callId: `${taskSn}-${called}`,
        taskSn,
        called,
        caller: '95001',
        durationMs: 0,
        turns: [],
      });
    }
    await sub.waitFor(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(sub.events).toEqual([{ callId: `${taskSn}-+8613800000001`, called: '+8613800000001' }]);
    const bad = await collect(stack.ws(), `subscription($c: Phone) { smsReport(phone: $c) { msgId } }`, { c: '1380000' });
    await bad.ended();
    expect(bad.errors[0] as { extensions?: { code?: string } }).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('cuts off a subscriber that stops reading, with the cursor to resume from, while others keep receiving', async () => {
    const taskSn = randomUUID();
    const healthy = await collect(stack.ws(), CALL_END, { taskSn });
    const token = await stack.token(['viewer']);
    const slow = new WebSocket(`${stack.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const received: { type: string; payload?: any }[] = [];
    await new Promise<void>((resolve) => {
      slow.on('open', () => slow.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      slow.on('message', (m) => {
        const msg = JSON.parse(m.toString());
        received.push(msg);
        if (msg.type === 'connection_ack') {
          const withBulk = `subscription($taskSn: ID) { callEnded(taskSn: $taskSn) { cursor callId userData } }`;
          slow.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: withBulk, variables: { taskSn } } }));
          setTimeout(resolve, 200);
        }
      });
    });
    // Stop reading: the socket's buffers fill, the gateway's buffer for it overflows.
    (slow as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const bulk = 'x'.repeat(64 * 1024);
    const total = 400;
    for (let i = 0; i < total; i++) {
      await stack.gateway.services.events.publish('CallEnd', `${taskSn}-${i}`, {
        callId: `${taskSn}-${i}`,
        taskSn,
        called: '1',
        caller: '2',
        durationMs: 0,
        turns: [],
        userData: bulk,
      });
    }
    await healthy.waitFor(total, 30_000);
    expect(healthy.errors).toEqual([]);
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    await until(() => received.some((m) => m.type === 'next' && m.payload?.errors), 15_000);
    const next = received.filter((m) => m.type === 'next');
    const cutoff = next.find((m) => m.payload.errors)!;
    expect(cutoff.payload.errors[0].extensions).toMatchObject({ code: 'SLOW_SUBSCRIBER' });
    const delivered = next.filter((m) => m.payload.data?.callEnded);
    const lastCursor = delivered.length ? delivered[delivered.length - 1].payload.data.callEnded.cursor : null;
    expect(cutoff.payload.errors[0].extensions.resumeAfter).toBe(lastCursor);
    expect(delivered.length).toBeLessThan(total);
    await until(() => received.some((m) => m.type === 'complete'), 5000);
    slow.close();
  });
});
