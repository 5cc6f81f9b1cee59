import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { request } from 'undici';
import { EVENT_KIND_VALUES } from '../src/events/kinds';
import { createLogger } from '../src/logger';
import { MemoryStore } from '../src/store/memory';
import { deleteKeysWithPrefix, eventLogKey } from '../src/store/redis';
import type { LogLoss } from '../src/subscriptions/bus';
import { liveStateOf } from '../src/subscriptions/live-state';
import { StreamEventBus } from '../src/subscriptions/stream-bus';
import { eventually } from './support/agent-events';
import { testRedisUrl } from './support/redis';
import { stackWithOwnRedis, startStack, type Stack } from './support/stack';
import { collect, until, type Collected } from './support/subscriptions';
import { callEnd } from './support/callbacks';

/** Issue 14: an event log that survives losing Redis (generations, CURSOR_EXPIRED, a stale wallboard, /readyz). */

const CALL_END = `subscription($after: ID, $taskSn: ID) { callEnded(after: $after, taskSn: $taskSn) { cursor callId } }`;
const UPDATES = `subscription($after: ID!) { wallboardUpdates(after: $after) { cursor stale agent { agentNumber activity } queue { groupId } } }`;
const BOARD = `{ wallboard { cursor stale agents { agentNumber activity } } }`;

async function postHook(url: string, body: unknown) {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.body.dump();
  return res.statusCode;
}

let sequence = 1;
const agentEvent = (agentNumber: string, event: string, data?: Record<string, unknown>) => ({
  type: 'event',
  event,
  agentNumber,
  agentId: `id-${agentNumber}`,
  companyId: 'c1',
  nowState: event,
  eventTime: Date.now(),
  sequence: sequence++,
  ...(data ? { data } : {}),
});

/** The generation and the sequence of a cursor. */
const parts = (cursor: string) => {
  const [epoch, seq] = cursor.split(':');
  return { epoch, seq: Number(seq) };
};

/** extensions.code of what a subscription ended with (graphql-ws hands the sink the error list). */
const codes = (sub: Collected) => sub.errors.flat().map((e) => (e as { extensions?: { code?: string; reason?: string } }).extensions ?? {});

async function readyz(stack: Stack) {
  const res = await request(`${stack.url}/readyz`);
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, string> };
}

describe('Redis restarted empty while subscribers are live', () => {
  const own = stackWithOwnRedis();

  it('delivers exactly the new events live, refuses old cursors, rebuilds the wallboard and reports the loss', async () => {
    const { stack } = own;
    const taskSn = randomUUID();
    const live = await collect(stack.ws(), CALL_END, { taskSn });

    // Before: two agents logged in, five calls ended.
    for (const agent of ['3001', '3002'])
      expect(await postHook(stack.hookUrl, agentEvent(agent, 'Login', { groupIdList: ['7'] }))).toBe(200);
    for (let i = 1; i <= 5; i++) expect(await postHook(stack.hookUrl, callEnd(`${taskSn}-old-${i}`, taskSn))).toBe(200);
    await live.waitFor(5);
    await liveStateOf(stack.gateway.services).settled();
    const before = (await stack.gql(BOARD)).data!.wallboard;
    expect(before).toMatchObject({ stale: false, agents: [{ agentNumber: '3001' }, { agentNumber: '3002' }] });
    const oldEpoch = parts(live.events[0].cursor).epoch;
    expect(live.events.map((e) => parts(e.cursor).epoch)).toEqual(Array(5).fill(oldEpoch));
    const board = await collect(stack.ws(), UPDATES, { after: before.cursor });
    expect((await readyz(stack)).body.eventLog).toBeUndefined();

    // Redis loses everything: killed and started again on the same port, empty.
    await own.redis.stop();
    await own.restartRedis();
    await eventually(async () => expect((await readyz(stack)).body.redis).toBe('up'), 10_000);

    // Eight more, all acknowledged.
    const fresh = Array.from({ length: 8 }, (_, i) => `${taskSn}-new-${i + 1}`);
    for (const callId of fresh) expect(await postHook(stack.hookUrl, callEnd(callId, taskSn))).toBe(200);
    await live.waitFor(13, 15_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(live.errors).toEqual([]);
    // Exactly the eight new ones after the wipe: no stale re-delivery at the reused ids, none missed.
    expect(live.events.map((e) => e.callId)).toEqual([...[1, 2, 3, 4, 5].map((i) => `${taskSn}-old-${i}`), ...fresh]);
    const after = live.events.slice(5).map((e) => parts(e.cursor));
    const newEpoch = after[0].epoch;
    expect(newEpoch).not.toBe(oldEpoch);
    expect(after.map((p) => p.epoch)).toEqual(Array(8).fill(newEpoch));
    expect(after.map((p) => p.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    // /readyz names the loss and stays ready.
    const ready = await readyz(stack);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', redis: 'up', eventLog: 'lost' });
    expect(Date.now() - Date.parse(ready.body.eventLogLostAt)).toBeLessThan(60_000);

    // A resume with a cursor of the lost log is refused, never answered with a silent gap.
    const stale = await collect(stack.ws(), CALL_END, { taskSn, after: live.events[2].cursor });
    await stale.ended();
    expect(stale.events).toEqual([]);
    expect(codes(stale)).toEqual([expect.objectContaining({ code: 'CURSOR_EXPIRED', reason: 'LOST', field: 'after' })]);
    expect(JSON.stringify(stale.errors)).toMatch(/fresh snapshot/);
    // A cursor of the new log resumes exactly after it.
    const resumed = await collect(stack.ws(), CALL_END, { taskSn, after: live.events[9].cursor });
    await resumed.waitFor(3);
    await new Promise((r) => setTimeout(r, 200));
    expect(resumed.events.map((e) => e.callId)).toEqual(fresh.slice(5));

    // The wallboard: the live state was lost with the log. A fresh snapshot says it is stale and
    // shows no agent it cannot vouch for; the live subscriber got the marker of the new generation.
    const rebuilding = await eventually(async () => {
      const w = (await stack.gql(BOARD)).data!.wallboard;
      expect(w.stale).toBe(true);
      return w;
    });
    expect(parts(rebuilding.cursor).epoch).not.toBe(parts(before.cursor).epoch);
    expect(rebuilding.agents).toEqual([]);
    await board.waitFor(1);
    expect(board.events[0]).toEqual({ cursor: `${parts(rebuilding.cursor).epoch}:0`, stale: true, agent: null, queue: null });
    const expiredBoard = await collect(stack.ws(), UPDATES, { after: before.cursor });
    await expiredBoard.ended();
    expect(codes(expiredBoard)).toEqual([expect.objectContaining({ code: 'CURSOR_EXPIRED', reason: 'LOST' })]);

    // Snapshot + updates after its cursor: stale until both agents known before the loss reported again.
    const updates = await collect(stack.ws(), UPDATES, { after: rebuilding.cursor });
    expect(await postHook(stack.hookUrl, agentEvent('3001', 'Idle'))).toBe(200);
    await updates.waitFor(1);
    expect(updates.events[0]).toMatchObject({ stale: true, agent: { agentNumber: '3001', activity: 'IDLE' } });
    expect((await stack.gql(BOARD)).data!.wallboard.stale).toBe(true);
    expect(await postHook(stack.hookUrl, agentEvent('3002', 'Busy', { currentBusyType: 'meeting' }))).toBe(200);
    await updates.waitFor(2);
    expect(updates.events[1]).toMatchObject({ stale: false, agent: { agentNumber: '3002', activity: 'BUSY' } });
    expect(updates.events.map((u) => parts(u.cursor))).toEqual([
      { epoch: parts(rebuilding.cursor).epoch, seq: parts(rebuilding.cursor).seq + 1 },
      { epoch: parts(rebuilding.cursor).epoch, seq: parts(rebuilding.cursor).seq + 2 },
    ]);
    const rebuilt = (await stack.gql(BOARD)).data!.wallboard;
    expect(rebuilt).toMatchObject({
      stale: false,
      cursor: updates.events[1].cursor,
      agents: [
        { agentNumber: '3001', activity: 'IDLE' },
        { agentNumber: '3002', activity: 'BUSY' },
      ],
    });
    // The subscriber from before the loss followed the new generation too.
    await board.waitFor(3);
    expect(board.events.slice(1)).toEqual(updates.events);
    expect(board.errors).toEqual([]);
  });
});

describe('a failover to a replica that lacks the latest events (the log goes back in its generation)', () => {
  const own = stackWithOwnRedis();

  it('starts a new generation: no id is taken for an event delivered before, old cursors are refused', async () => {
    const { stack } = own;
    const taskSn = randomUUID();
    const live = await collect(stack.ws(), CALL_END, { taskSn });
    for (let i = 1; i <= 5; i++) expect(await postHook(stack.hookUrl, callEnd(`${taskSn}-a${i}`, taskSn))).toBe(200);
    await live.waitFor(5);
    const epoch = parts(live.events[0].cursor).epoch;
    // The promoted replica had the log up to the third; every connection is dropped by the failover.
    const third = parts(live.events[2].cursor).seq;
    const redis = new Redis(own.redis.url);
    try {
      // The replica's stream: the entries up to the third, its own last id the third's.
      const key = stack.prefix + eventLogKey('events:CallEnd');
      const kept = (await redis.xrange(key, '-', `${third}-0`)) as [string, string[]][];
      await redis.del(key);
      for (const [id, fields] of kept) await redis.xadd(key, id, ...fields);
      await redis.set(stack.prefix + eventLogKey('seq'), String(third));
      await redis.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    } finally {
      redis.disconnect();
    }
    // Callbacks keep arriving meanwhile (answered once the gateway is connected again).
    const during = [`${taskSn}-b1`, `${taskSn}-b2`];
    for (const callId of during) {
      await eventually(async () => expect(await postHook(stack.hookUrl, callEnd(callId, taskSn))).toBe(200), 10_000);
    }
    await eventually(async () => expect((await readyz(stack)).body.eventLog).toBe('lost'), 10_000);
    const after = [`${taskSn}-c1`, `${taskSn}-c2`, `${taskSn}-c3`];
    for (const callId of after) expect(await postHook(stack.hookUrl, callEnd(callId, taskSn))).toBe(200);
    await eventually(async () => expect(live.events.map((e) => e.callId).slice(-3)).toEqual(after), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(live.errors).toEqual([]);
    // Never a stale result at a reused id: every event once, each under its own cursor; the new ones
    // in a new generation. (Events acknowledged between the failover and its detection may be
    // missing live: they are in the log, under ids delivered before.)
    const ids = live.events.map((e) => e.callId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 5)).toEqual([1, 2, 3, 4, 5].map((i) => `${taskSn}-a${i}`));
    expect(ids.slice(5).every((id) => during.includes(id) || after.includes(id))).toBe(true);
    const later = live.events.slice(5).map((e) => parts(e.cursor));
    expect(later.every((p) => p.epoch !== epoch)).toBe(true);
    expect(new Set(live.events.map((e) => e.cursor)).size).toBe(live.events.length);
    const stale = await collect(stack.ws(), CALL_END, { taskSn, after: live.events[1].cursor });
    await stale.ended();
    expect(codes(stale)).toEqual([expect.objectContaining({ code: 'CURSOR_EXPIRED', reason: 'LOST' })]);
  });
});

describe('a resume from a cursor older than what the log keeps', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { EVENTS_MAXLEN_PER_KIND: '3' } });
  });
  afterAll(() => stack.close());

  const publishCallEnd = async (callId: string, taskSn: string) =>
    (await stack.gateway.services.events.publish('CallEnd', callId, {
      callId,
      taskSn,
      called: '1',
      caller: '2',
      durationMs: 0,
      turns: [],
    }))!;

  it('is refused with CURSOR_EXPIRED when an event after it was trimmed, and resumed exactly when none was', async () => {
    const taskSn = randomUUID();
    const cursors: string[] = [];
    const others: string[] = [];
    for (let i = 1; i <= 6; i++) {
      cursors.push(await publishCallEnd(`${taskSn}-${i}`, taskSn));
      // Another kind between them: the shared sequence leaves gaps in each kind's ids, which are no trim.
      others.push((await stack.gateway.services.events.publish('taskStatus', `${taskSn}-${i}`, { taskSn, status: 1 }))!);
    }
    // CallEnd keeps 4, 5, 6: 2 and 3 are gone.
    for (const after of [cursors[0], cursors[1]]) {
      const sub = await collect(stack.ws(), CALL_END, { taskSn, after });
      await sub.ended();
      expect(sub.events).toEqual([]);
      expect(codes(sub)).toEqual([expect.objectContaining({ code: 'CURSOR_EXPIRED', reason: 'TRIMMED' })]);
    }
    // After 3 (or after the other kind's event that followed it, a gap in CallEnd's ids): nothing missing.
    for (const after of [cursors[2], others[2]]) {
      const sub = await collect(stack.ws(), CALL_END, { taskSn, after });
      await sub.waitFor(3);
      await new Promise((r) => setTimeout(r, 200));
      expect(sub.errors).toEqual([]);
      expect(sub.events.map((e) => e.callId)).toEqual([4, 5, 6].map((i) => `${taskSn}-${i}`));
      sub.stop();
    }
    // "0" asks for the whole log: refused too once anything was trimmed.
    const all = await collect(stack.ws(), CALL_END, { taskSn, after: '0' });
    await all.ended();
    expect(codes(all)).toEqual([expect.objectContaining({ code: 'CURSOR_EXPIRED', reason: 'TRIMMED' })]);
    // Cursors from before generations (digits alone) cannot be placed in this log.
    const legacy = await collect(stack.ws(), CALL_END, { taskSn, after: '5' });
    await legacy.ended();
    expect(codes(legacy)).toEqual([expect.objectContaining({ code: 'CURSOR_EXPIRED', reason: 'LOST' })]);
    // Not a cursor at all: still a bad input.
    const bad = await collect(stack.ws(), CALL_END, { taskSn, after: 'abc:x' });
    await bad.ended();
    expect(codes(bad)).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT' })]);
  });

  it('trims while a subscriber replays: the page after the trim is refused, not skipped', async () => {
    const taskSn = randomUUID();
    const first = await publishCallEnd(`${taskSn}-1`, taskSn);
    for (let i = 2; i <= 3; i++) await publishCallEnd(`${taskSn}-${i}`, taskSn);
    const page = await stack.gateway.services.events.replayPage(['CallEnd'], first, 1);
    expect(page.events.map((e) => e.data.callId)).toEqual([`${taskSn}-2`]);
    for (let i = 4; i <= 6; i++) await publishCallEnd(`${taskSn}-${i}`, taskSn);
    await expect(stack.gateway.services.events.replayPage(['CallEnd'], page.position, 1)).rejects.toMatchObject({
      code: 'CURSOR_EXPIRED',
      reason: 'TRIMMED',
    });
  });

  it('pages dead letters by cursor, and refuses a cursor of which letters were trimmed', async () => {
    const marker = randomUUID();
    for (let i = 0; i < 5; i++) expect(await postHook(stack.hookUrl, { event: 'SomethingNew', marker, i })).toBe(200);
    const kept = (await stack.gql(`{ deadLetters { cursor rawBody } }`)).data!.deadLetters as { cursor: string; rawBody: string }[];
    expect(kept.map((d) => JSON.parse(d.rawBody).i)).toEqual([2, 3, 4]);
    const next = await stack.gql(`query($a: ID) { deadLetters(after: $a) { rawBody } }`, { a: kept[0].cursor });
    expect(next.data!.deadLetters.map((d: { rawBody: string }) => JSON.parse(d.rawBody).i)).toEqual([3, 4]);
    const old = await stack.gql(`query($a: ID) { deadLetters(after: $a) { rawBody } }`, { a: `${parts(kept[0].cursor).epoch}:1` });
    expect(old.errors![0].extensions).toMatchObject({ code: 'CURSOR_EXPIRED', reason: 'TRIMMED' });
  });
});

describe('/readyz after a loss of the event log', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { EVENTS_LOSS_REPORT_S: '2' } });
  });
  afterAll(() => stack.close());

  it('names the loss with its time for EVENTS_LOSS_REPORT_S, and stays ready', async () => {
    const events = stack.gateway.services.events;
    await events.publish('taskStatus', randomUUID(), { taskSn: 'x', status: 1 });
    await events.caughtUp();
    expect(await readyz(stack)).toEqual({ status: 200, body: { status: 'ready', redis: 'up', platformToken: 'ok' } });
    const lost = new Promise<LogLoss>((resolve) => events.onLoss(resolve));
    // What FLUSHALL (or a restart without persistence) does to the deployment's keys.
    await deleteKeysWithPrefix(testRedisUrl(), stack.prefix);
    const loss = await lost;
    expect(loss).toMatchObject({ to: null, reason: expect.stringMatching(/lost/) });
    expect(await readyz(stack)).toEqual({
      status: 200,
      body: { status: 'ready', redis: 'up', platformToken: 'ok', eventLog: 'lost', eventLogLostAt: loss.at.toISOString() },
    });
    await until(() => Date.now() - loss.at.getTime() > 2100, 5000);
    expect(await readyz(stack)).toEqual({ status: 200, body: { status: 'ready', redis: 'up', platformToken: 'ok' } });
  });
});

describe('the fan-out across generations of the log (memory store)', () => {
  it('hands out every event of the new log once, whatever the ids of the old one', async () => {
    const store = new MemoryStore();
    const bus = new StreamEventBus(store, createLogger('silent'), { kinds: EVENT_KIND_VALUES, maxLenPerKind: 100, dedupeTtlMs: 60_000 });
    await bus.start();
    const seen: string[] = [];
    const losses: LogLoss[] = [];
    bus.subscribe((e) => seen.push(`${(e.data as { n: number }).n}@${e.cursor}`), ['sms']);
    bus.onLoss((l) => losses.push(l));
    try {
      const old: string[] = [];
      for (let n = 1; n <= 5; n++) old.push((await bus.publish('sms', `old-${n}`, { n }))!);
      await bus.caughtUp();
      store.flush();
      // Fewer new events than the old log had: the fan-out must not wait for id 6.
      const fresh: string[] = [];
      for (let n = 6; n <= 8; n++) fresh.push((await bus.publish('sms', `new-${n}`, { n }))!);
      await until(() => seen.length === 8, 5000);
      await bus.caughtUp();
      expect(seen).toEqual([...old.map((c, i) => `${i + 1}@${c}`), ...fresh.map((c, i) => `${i + 6}@${c}`)]);
      expect(fresh.map((c) => parts(c).seq)).toEqual([1, 2, 3]);
      expect(parts(fresh[0]).epoch).not.toBe(parts(old[0]).epoch);
      expect(losses).toHaveLength(1);
      expect(bus.lastLoss()).toBe(losses[0]);
      // A resume with the old log's cursor: refused.
      await expect(bus.replay(['sms'], old[1], 10)).rejects.toMatchObject({ code: 'CURSOR_EXPIRED', reason: 'LOST' });
      expect((await bus.replay(['sms'], fresh[0], 10)).map((e) => e.cursor)).toEqual(fresh.slice(1));
      expect(await bus.head()).toBe(fresh[2]);
    } finally {
      await bus.close();
      await store.close();
    }
  });
});
