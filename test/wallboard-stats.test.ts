import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { startSandbox, type Sandbox } from '../sandbox/server';
import { deleteKeysWithPrefix, RedisStore } from '../src/store/redis';
import type { Store } from '../src/store/store';
import { agentEventKey, normalizeAgentEvent } from '../src/subscriptions/agent-event';
import { liveStateOf, queueStatsOf, recordStatistics } from '../src/subscriptions/live-state';
import { QueueStatistics } from '../src/subscriptions/queue-stats';
import { StatsWindow } from '../src/schema/wallboard';
import { buildWallboard } from '../src/subscriptions/wallboard';
import { eventually } from './support/agent-events';
import { TEST_REDIS_MODES, testRedisConnection } from './support/redis';
import { liveStatesSettled, startStack, type Stack } from './support/stack';
import { STORE_KINDS } from './support/stores';
import { shuffle } from './support/shuffle';

/**
 * Queue statistics from scripted toolbar events, against figures worked out by hand (docs/wallboard.md).
 *
 * The script (group 7 "Hotline"; T = 2024-03-01 10:00:00 China Standard Time; every QueueInfo is
 * pushed to both logged-in agents, 2001's copy at t and 2002's at t + 2 ms, as the platform pushes
 * one change to each agent of the group):
 *
 *   T−600 s  2001 Login (groupInfoList [{id "7", name "Hotline", isMaster}]), T−599 s Idle
 *   T−300 s  2002 Login, T−299 s Idle
 *   T+0.1 s  QueueInfo join: A (inQueueTime T)                           waiting 1
 *   T+5 s    QueueInfo join: A, B (inQueueTime T+5 s)                    waiting 2
 *   T+15 s   QueueInfo leave, handleAgentID 2001: data [B]  → A answered, waited 15 s (≤ 20 s)
 *   T+20 s   QueueInfo join: B, C (inQueueTime T+20 s)                   waiting 2
 *   T+50 s   QueueInfo leave, handleAgentID "": data [C]    → B abandoned
 *   T+80 s   QueueInfo leave, handleAgentID 2002: data []   → C answered, waited 60 s
 *   2001: AgentRinging T+15.1 s, AgentAnswer T+17 s, Conversation T+17.05 s,
 *         After T+77 s (answerTime T+17 s, endTime T+77 s: talk 60 s), Idle T+87 s (after-call 10 s)
 *   2002: AgentRinging T+80.1 s, AgentAnswer T+82 s, Conversation T+82.05 s,
 *         After T+142 s without answerTime (talk: the talking before it, 60 s), Busy T+150 s (after-call 8 s)
 *
 * At now = T+200 s every window holds all of it: offered 3, answered 2, abandoned 1, within 1,
 * service level 100 × 1 / 3, ASA (15 + 60) / 2 = 37.5 s, longest 60 s, handled 2, AHT (70 + 68) / 2 = 69 s.
 * Minutes: m0 = [T, T+60 s) offered 3, answered 1, abandoned 1, waiting at its end 1 (after T+50 s);
 * m1 answered 1 (C), handled 1 (2001's call); m2 handled 1 (2002's); m3 is now.
 * Agents today at T+200 s: 2001 logged in 800 s, talk 60, after-call 10, busy 0, occupancy 70/800;
 * 2002 logged in 500 s, talk 60, after-call 8, busy 50, occupancy 68/500.
 */
const T = Date.UTC(2024, 2, 1, 2, 0, 0); // 10:00 CST
const S = 1000;
const COMPANY = '10001';

type Body = Record<string, unknown>;

function agentEvent(agentNumber: string, event: string, eventTime: number, data?: Body, sequence = 0): Body {
  return {
    type: 'event',
    event,
    nowState: event,
    agentNumber,
    agentId: `id-${agentNumber}`,
    companyId: COMPANY,
    eventTime,
    sequence,
    ivrParam: '',
    ...(data ? { data } : {}),
  };
}

/** One QueueInfo change as the original's field table gives it (groupID a number, data[] the calls still waiting), once per agent envelope. */
function queueInfo(t: number, isInQueue: 0 | 1, handleAgentID: string, calls: [caller: string, inQueueTime: number][]): Body[] {
  const data = {
    groupID: 7,
    groupWaitNumber: calls.length,
    isInQueue,
    handleAgentID,
    data: calls.map(([caller, inQueueTime]) => ({ caller, called: '4008001000', groupID: 7, inQueueTime })),
  };
  return [agentEvent('2001', 'QueueInfo', t, data), agentEvent('2002', 'QueueInfo', t + 2, data)];
}

const A = '13800000001';
const B = '13800000002';
const C = '13800000003';
const login = (n: string, t: number, seq: number) =>
  agentEvent(n, 'Login', t, { groupIdList: ['7'], groupInfoList: [{ id: '7', name: 'Hotline', isMaster: true }], loginType: '1' }, seq);
const call = (n: string, caller: string, q: number) => ({ callDirection: '0', caller, called: n, occCallId: `call-${n}`, inQueueTime: q });

/** The whole script, in time order. */
function script(): Body[] {
  return [
    login('2001', T - 600 * S, 1),
    agentEvent('2001', 'Idle', T - 599 * S, { loginType: '1' }, 2),
    login('2002', T - 300 * S, 3),
    agentEvent('2002', 'Idle', T - 299 * S, { loginType: '1' }, 4),
    ...queueInfo(T + 100, 1, '', [[A, T]]),
    ...queueInfo(T + 5 * S, 1, '', [
      [A, T],
      [B, T + 5 * S],
    ]),
    ...queueInfo(T + 15 * S, 0, '2001', [[B, T + 5 * S]]),
    agentEvent('2001', 'AgentRinging', T + 15_100, call('2001', A, T)),
    agentEvent('2001', 'AgentAnswer', T + 17 * S, call('2001', A, T)),
    agentEvent('2001', 'Conversation', T + 17_050, call('2001', A, T)),
    ...queueInfo(T + 20 * S, 1, '', [
      [B, T + 5 * S],
      [C, T + 20 * S],
    ]),
    ...queueInfo(T + 50 * S, 0, '', [[C, T + 20 * S]]),
    agentEvent('2001', 'After', T + 77 * S, {
      ...call('2001', A, T),
      callDirection: 0,
      cause: 0,
      data: 'NORMAL_CLEARING',
      callType: 'normal',
      hangupDirection: 1,
      beginTime: String(T + 15_100),
      ringTime: String(T + 15_100),
      answerTime: String(T + 17 * S),
      endTime: String(T + 77 * S),
      agentAutoIdleTime: 10,
    }),
    ...queueInfo(T + 80 * S, 0, '2002', []),
    agentEvent('2002', 'AgentRinging', T + 80_100, call('2002', C, T + 20 * S)),
    agentEvent('2001', 'Idle', T + 87 * S, { loginType: '1' }),
    agentEvent('2002', 'AgentAnswer', T + 82 * S, call('2002', C, T + 20 * S)),
    agentEvent('2002', 'Conversation', T + 82_050, call('2002', C, T + 20 * S)),
    // The sandbox's After: no answerTime (the talk time is the talking before it).
    agentEvent('2002', 'After', T + 142 * S, { callDirection: 0, cause: 0, caller: C, called: '2002', inQueueTime: T + 20 * S }),
    agentEvent('2002', 'Busy', T + 150 * S, { currentBusyType: 'rest' }),
  ];
}

/** Every window at T+200 s (all of the script). */
const ALL = {
  offered: 3,
  answered: 2,
  abandoned: 1,
  answeredWithinThreshold: 1,
  serviceLevelThresholdSeconds: 20,
  serviceLevelPercent: 100 / 3,
  averageSpeedOfAnswerSeconds: 37.5,
  longestAnswerWaitSeconds: 60,
  averageHandleSeconds: 69,
  handled: 2,
};
const NONE = {
  offered: 0,
  answered: 0,
  abandoned: 0,
  answeredWithinThreshold: 0,
  serviceLevelThresholdSeconds: 20,
  serviceLevelPercent: null,
  averageSpeedOfAnswerSeconds: null,
  longestAnswerWaitSeconds: null,
  averageHandleSeconds: null,
  handled: 0,
};
const DAY_2001 = { callsHandled: 1, talkSeconds: 60, afterCallSeconds: 10, busySeconds: 0, loggedInSeconds: 800, occupancyPercent: 8.75 };
const DAY_2002 = { callsHandled: 1, talkSeconds: 60, afterCallSeconds: 8, busySeconds: 50, loggedInSeconds: 500, occupancyPercent: 13.6 };

/** Floats compared to 9 places (100 / 3). */
function rounded(value: unknown): unknown {
  if (typeof value === 'number') return Math.round(value * 1e9) / 1e9;
  if (Array.isArray(value)) return value.map(rounded);
  if (value && typeof value === 'object' && !(value instanceof Date))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]));
  return value;
}

describe.each(STORE_KINDS)('%s store: the statistics of a script in any order', (_name, make: () => Store) => {
  let store: Store;
  beforeEach(async () => {
    store = make();
    if (store instanceof RedisStore) await store.waitUntilReady(5000);
  });
  afterEach(async () => {
    if (store instanceof RedisStore) await deleteKeysWithPrefix(store.target, store.prefix);
    await store.close();
  });

  /** The figures of group 7 as the wallboard computes them at `now`. */
  async function group7(stats: QueueStatistics, now: number) {
    const raw = await stats.readGroups(['7'], now);
    const members = { 'queue:7': { groupId: '7', waiting: '0' } };
    const board = buildWallboard({ epoch: null, rev: 0, stale: false, members }, ['7'], { raw, now, thresholdSeconds: 20 });
    const g = board.groups[0];
    /** A window as a client reads it (absent values are null). */
    const plain = (w: StatsWindow) => {
      const { since: _since, ...rest } = g.windows[w];
      return rounded({
        ...rest,
        serviceLevelPercent: rest.serviceLevelPercent ?? null,
        averageSpeedOfAnswerSeconds: rest.averageSpeedOfAnswerSeconds ?? null,
        longestAnswerWaitSeconds: rest.longestAnswerWaitSeconds ?? null,
        averageHandleSeconds: rest.averageHandleSeconds ?? null,
      });
    };
    return { g, last15: plain(StatsWindow.LAST_15_MINUTES), last60: plain(StatsWindow.LAST_60_MINUTES), today: plain(StatsWindow.TODAY) };
  }

  test.each([0, 1, 2, 3, 4, 5, 6, 7])('shuffle %i, every event twice: the hand-computed figures', async (seed) => {
    const stats = new QueueStatistics(store, { serviceLevelSeconds: 20 });
    const events = script();
    const order = seed === 0 ? [...events, ...events] : shuffle([...events, ...events], seed);
    for (const body of order) recordStatistics(stats, normalizeAgentEvent(body));
    await stats.settled();
    const at200 = await group7(stats, T + 200 * S);
    expect(at200.last15).toEqual(rounded(ALL));
    expect(at200.last60).toEqual(rounded(ALL));
    expect(at200.today).toEqual(rounded(ALL));
    const [d1, d2] = await stats.readAgentDays(['2001', '2002'], T + 200 * S);
    expect(d1.calls).toBe(1);
    expect(d2.calls).toBe(1);
    expect(d1.ms).toEqual({ LOGGED_IN: 1000, IDLE: 614_100 + 113_000, RINGING: 1900, TALKING: 60_000, AFTER_CALL: 10_000 });
    expect(d2.ms).toEqual({ LOGGED_IN: 1000, IDLE: 379_100, RINGING: 1900, TALKING: 60_000, AFTER_CALL: 8000, BUSY: 50_000 });
    // The trend: m0 … m3 are its last four minutes.
    const trend = at200.g.trend.slice(-4).map((m) => [m.offered, m.answered, m.abandoned, m.callsWaiting]);
    expect(trend).toEqual([
      [3, 1, 1, 1],
      [0, 1, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    expect(at200.g.trend.slice(0, -4).every((m) => m.offered === 0 && m.callsWaiting === 0)).toBe(true);
  });

  test('windows roll over with the clock, without a job', async () => {
    const stats = new QueueStatistics(store, { serviceLevelSeconds: 20 });
    for (const body of script()) recordStatistics(stats, normalizeAgentEvent(body));
    await stats.settled();
    // 16 minutes on: LAST_15_MINUTES holds minutes 2…16 (2002's handled call only); the others all of it.
    const at16 = await group7(stats, T + 16 * 60 * S);
    expect(at16.last15).toEqual(rounded({ ...NONE, handled: 1, averageHandleSeconds: 68 }));
    expect(at16.last60).toEqual(rounded(ALL));
    expect(at16.g.windows.LAST_15_MINUTES.since).toEqual(new Date(T + 2 * 60 * S));
    // 62 minutes on: LAST_60_MINUTES holds minutes 3…62: nothing; TODAY still all.
    const at62 = await group7(stats, T + 62 * 60 * S);
    expect(at62.last60).toEqual(rounded(NONE));
    expect(at62.today).toEqual(rounded(ALL));
    expect(at62.g.windows.TODAY.since).toEqual(new Date(T - 10 * 3600 * S));
    // The next day (00:00 CST is T + 14 h): TODAY begins again.
    const tomorrow = await group7(stats, T + 14 * 3600 * S + 1);
    expect(tomorrow.today).toEqual(rounded(NONE));
    expect(tomorrow.g.windows.TODAY.since).toEqual(new Date(T + 14 * 3600 * S));
  });

  test('a late QueueInfo moves a leave to its true place: counts, wait and the longest wait follow', async () => {
    const stats = new QueueStatistics(store, { serviceLevelSeconds: 20 });
    const events = script();
    const lateAnswer = events.filter((e) => e.event === 'QueueInfo' && (e.data as Body).handleAgentID === '2001');
    const rest = events.filter((e) => !lateAnswer.includes(e));
    for (const body of rest) recordStatistics(stats, normalizeAgentEvent(body));
    await stats.settled();
    // Without A's answer at T+15 s, A seems to have left with B at T+50 s, abandoned.
    const before = await group7(stats, T + 200 * S);
    expect(before.today).toMatchObject({ offered: 3, answered: 1, abandoned: 2, longestAnswerWaitSeconds: 60 });
    for (const body of lateAnswer) recordStatistics(stats, normalizeAgentEvent(body));
    await stats.settled();
    expect((await group7(stats, T + 200 * S)).today).toEqual(rounded(ALL));
  });

  test('the longest wait goes down when a late QueueInfo shortens it', async () => {
    const stats = new QueueStatistics(store, { serviceLevelSeconds: 20 });
    // D joins at T; the answer copies at T+90 s reach the store before the true answer at T+30 s.
    const join = queueInfo(T + 100, 1, '', [['13800000009', T]]);
    const answerLate = agentEvent('2001', 'QueueInfo', T + 30 * S, {
      groupID: 7,
      groupWaitNumber: 0,
      isInQueue: 0,
      handleAgentID: '2001',
      data: [],
    });
    const other = agentEvent('2001', 'QueueInfo', T + 90 * S, {
      groupID: 7,
      groupWaitNumber: 0,
      isInQueue: 0,
      handleAgentID: '2002',
      data: [],
    });
    for (const body of [...join, other]) recordStatistics(stats, normalizeAgentEvent(body));
    await stats.settled();
    expect((await group7(stats, T + 120 * S)).today).toMatchObject({ answered: 1, longestAnswerWaitSeconds: 90 });
    recordStatistics(stats, normalizeAgentEvent(answerLate));
    await stats.settled();
    const g = await group7(stats, T + 120 * S);
    expect(g.today).toMatchObject({
      answered: 1,
      abandoned: 0,
      longestAnswerWaitSeconds: 30,
      averageSpeedOfAnswerSeconds: 30,
      answeredWithinThreshold: 0,
    });
    expect(g.last15).toMatchObject({ answered: 1, longestAnswerWaitSeconds: 30 });
  });

  test('an instance applying events another one applied already writes nothing', async () => {
    const one = new QueueStatistics(store, { serviceLevelSeconds: 20 });
    for (const body of script()) recordStatistics(one, normalizeAgentEvent(body));
    await one.settled();
    const commit = jest.spyOn(store, 'commitBatch');
    const two = new QueueStatistics(store, { serviceLevelSeconds: 20 });
    for (const body of shuffle(script(), 11)) recordStatistics(two, normalizeAgentEvent(body));
    await two.settled();
    expect(commit).not.toHaveBeenCalled();
    commit.mockRestore();
    expect((await group7(two, T + 200 * S)).today).toEqual(rounded(ALL));
  });

  test('two instances applying the same events concurrently count each once', async () => {
    const one = new QueueStatistics(store, { serviceLevelSeconds: 20 });
    const two = new QueueStatistics(store, { serviceLevelSeconds: 20 });
    for (const body of script()) {
      recordStatistics(one, normalizeAgentEvent(body));
      recordStatistics(two, normalizeAgentEvent(body));
    }
    await Promise.all([one.settled(), two.settled()]);
    expect((await group7(one, T + 200 * S)).today).toEqual(rounded(ALL));
    expect((await group7(two, T + 200 * S)).today).toEqual(rounded(ALL));
  });
});

// ---------------------------------------------------------------------------------------------
// Through the gateway: callbacks posted to the hook URL, two instances on one Redis prefix.

async function post(stack: Stack, body: Body): Promise<void> {
  const res = await request(stack.hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.statusCode).toBe(200);
  await res.body.dump();
}

const STATS = `offered answered abandoned answeredWithinThreshold serviceLevelThresholdSeconds serviceLevelPercent
  averageSpeedOfAnswerSeconds longestAnswerWaitSeconds averageHandleSeconds handled`;
const BOARD = `query($g: [ID!]) { wallboard(groupIds: $g) {
  cursor
  agents { agentNumber agentName activity today { callsHandled talkSeconds afterCallSeconds busySeconds loggedInSeconds occupancyPercent } }
  groups { groupId name callsWaiting longestWaitingSince
    last15: stats(window: LAST_15_MINUTES) { ${STATS} }
    last60: stats(window: LAST_60_MINUTES) { ${STATS} }
    today: stats(window: TODAY) { ${STATS} since }
    trend { startedAt offered answered abandoned callsWaiting } }
  totals { groupId name callsWaiting today: stats(window: TODAY) { ${STATS} } }
} }`;

async function board(stack: Stack, groupIds?: string[]) {
  const res = await stack.gql(BOARD, { g: groupIds });
  expect(res.errors).toBeUndefined();
  return res.data!.wallboard;
}

describe.each(TEST_REDIS_MODES)('through the gateway: hook callbacks, two instances, a controlled clock (%s)', (mode) => {
  let sandbox: Sandbox;
  let a: Stack;
  let b: Stack;
  const prefix = `test:${randomUUID()}:`;
  let now = T + 200 * S;

  beforeAll(async () => {
    sandbox = await startSandbox();
    a = await startStack({ sandbox, prefix, store: mode });
    b = await startStack({ sandbox, prefix, store: mode });
    for (const s of [a, b]) queueStatsOf(s.gateway.services)!.clock = () => now;
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await sandbox.close();
    await deleteKeysWithPrefix(testRedisConnection(mode), prefix);
  });
  const settle = () => liveStatesSettled(a, b);

  test('late and duplicated events, the figures on both instances, names, agent days, roll-over', async () => {
    const events = script();
    // Late: A's answer (both copies) after B's abandonment; 2001's After after its Idle; 2002's Busy first of its call.
    const late = (e: Body) =>
      (e.event === 'QueueInfo' && (e.data as Body).handleAgentID === '2001') || (e.agentNumber === '2001' && e.event === 'After');
    const order = [...events.filter((e) => !late(e)), ...events.filter(late)];
    for (const body of order) await post(a, body);
    // Duplicated: the same callback again (the hook knows it), and redelivered under another key (the bus does not).
    for (const body of events.slice(4, 10)) {
      await post(a, body);
      const e = normalizeAgentEvent(body);
      await b.gateway.services.events.publish('agentEvent', `${agentEventKey(e)}:again`, e);
    }
    // Names: IdleAgent carries agent names (Login has none).
    await post(
      a,
      agentEvent('2001', 'IdleAgent', T + 190 * S, { agentList: [{ agentId: 'id-2001', agentNumber: '2001', agentName: '小河' }] }),
    );
    await settle();

    const wa = await board(a, ['7']);
    const wb = await board(b, ['7']);
    expect(wb).toEqual(wa);
    const g = wa.groups[0];
    expect(g).toMatchObject({ groupId: '7', name: 'Hotline', callsWaiting: 0, longestWaitingSince: null });
    expect(rounded(g.last15)).toEqual(rounded(ALL));
    expect(rounded(g.last60)).toEqual(rounded(ALL));
    const { since, ...today } = g.today;
    expect(rounded(today)).toEqual(rounded(ALL));
    expect(since).toBe(new Date(T - 10 * 3600 * S).toISOString());
    expect(rounded(wa.totals.today)).toEqual(rounded(ALL));
    expect(wa.totals).toMatchObject({ groupId: null, name: null });
    expect(g.trend).toHaveLength(60);
    expect(g.trend.at(-1).startedAt).toBe(new Date(T + 180 * S).toISOString());
    expect(g.trend.slice(-4).map((m: Record<string, number>) => [m.offered, m.answered, m.abandoned, m.callsWaiting])).toEqual([
      [3, 1, 1, 1],
      [0, 1, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    const agents = Object.fromEntries(wa.agents.map((x: { agentNumber: string }) => [x.agentNumber, x]));
    expect(agents['2001']).toMatchObject({ agentName: '小河', activity: 'IDLE' });
    expect(agents['2002']).toMatchObject({ agentName: null, activity: 'BUSY' });
    expect(rounded(agents['2001'].today)).toEqual(rounded(DAY_2001));
    expect(rounded(agents['2002'].today)).toEqual(rounded(DAY_2002));

    // 16 minutes on: the quarter hour lost the queue calls; the agents' open activity went on counting.
    now = T + 16 * 60 * S;
    const later = await board(b, ['7']);
    expect(rounded(later.groups[0].last15)).toEqual(rounded({ ...NONE, handled: 1, averageHandleSeconds: 68 }));
    expect(rounded(later.groups[0].last60)).toEqual(rounded(ALL));
    const at16 = Object.fromEntries(later.agents.map((x: { agentNumber: string }) => [x.agentNumber, x]));
    expect(at16['2002'].today).toMatchObject({ busySeconds: 50 + 760, loggedInSeconds: 500 + 760 });
    now = T + 200 * S;
  });
});

// ---------------------------------------------------------------------------------------------
// The sandbox's queue: spec-shaped QueueInfo to every logged-in agent of the group, and live updates.

describe('sandbox queue traffic and wallboardUpdates', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { WALLBOARD_STATS_INTERVAL_MS: '200' } });
    await stack.api.post('/agents/config', { stepMs: 5 });
    for (const n of ['1001', '1002']) {
      const t = await stack.token(['agent'], n);
      const login = await stack.gql(
        `mutation { agentLogin(password: "123456", loginType: SIP_PHONE, waitForEvent: true) { request } }`,
        {},
        t,
      );
      expect(login.errors).toBeUndefined();
      expect((await stack.gql(`mutation { agentIdle(waitForEvent: true) { request } }`, {}, t)).errors).toBeUndefined();
    }
  });
  afterAll(async () => {
    await stack.close();
  });
  const settle = () => liveStateOf(stack.gateway.services).settled();
  const delivered = () =>
    eventually(async () => {
      expect(stack.sandbox.callbacks.list().every((r) => r.delivered)).toBe(true);
    });

  test('joins, an answer and an abandonment pushed to both agents count once each; group figures stream at most once an interval', async () => {
    const snap = await board(stack, ['1']);
    expect(snap.groups[0]).toMatchObject({ groupId: '1', name: 'Sales' });
    const updates: { at: number; u: Record<string, any> }[] = [];
    const sub = stack.ws().iterate<{ wallboardUpdates: Record<string, any> }>({
      query: `subscription($after: ID!) { wallboardUpdates(after: $after, groupIds: ["1"]) { cursor stale
        agent { agentNumber activity }
        queue { groupId callsWaiting longestWaitSince }
        group { groupId name callsWaiting longestWaitingSince today: stats(window: TODAY) { ${STATS} since } trend { callsWaiting } } } }`,
      variables: { after: snap.cursor },
    });
    const collecting = (async () => {
      for await (const r of sub) {
        expect(r.errors).toBeUndefined();
        updates.push({ at: Date.now(), u: r.data!.wallboardUpdates });
      }
    })();

    const x = await stack.api.queueJoin({ groupId: 1, caller: '13900000101' });
    expect(x.pushedTo).toEqual(['1001', '1002']);
    const y = await stack.api.queueJoin({ groupId: 1, caller: '13900000102' });
    await delivered();
    await settle();
    await eventually(async () => {
      const g = (await board(stack, ['1'])).groups[0];
      expect(g).toMatchObject({ callsWaiting: 2, longestWaitingSince: new Date(x.inQueueTime).toISOString() });
      expect(g.today.offered).toBe(2);
    });
    const answered = await stack.api.queueAnswer({ groupId: 1, agentNumber: '1001', caller: x.caller, steps: 'answer' });
    expect(answered.handleAgentID).toBe('1001');
    const abandoned = await stack.api.queueAbandon({ groupId: 1, caller: y.caller });
    await delivered();
    await settle();
    let final!: Record<string, any>;
    await eventually(async () => {
      final = (await board(stack, ['1'])).groups[0];
      expect(final).toMatchObject({ callsWaiting: 0, longestWaitingSince: null });
      expect(final.today).toMatchObject({
        offered: 2,
        answered: 1,
        abandoned: 1,
        answeredWithinThreshold: 1,
        serviceLevelPercent: 50,
        handled: 0,
      });
    });
    // The wait is the QueueInfo's eventTime − inQueueTime: what the sandbox measured, plus its push delay.
    expect(final.today.averageSpeedOfAnswerSeconds * 1000).toBeGreaterThanOrEqual(answered.waitedMs);
    expect(final.today.averageSpeedOfAnswerSeconds * 1000).toBeLessThan(answered.waitedMs + 1000);
    expect(final.today.longestAnswerWaitSeconds).toBe(final.today.averageSpeedOfAnswerSeconds);
    expect(abandoned.pushedTo).toEqual(['1001', '1002']);

    // The subscriber's picture (snapshot, then its updates) ends as a fresh snapshot's.
    await eventually(async () => {
      const groups = updates.filter((r) => r.u.group?.groupId === '1');
      expect(groups.at(-1)?.u.group).toMatchObject({ callsWaiting: 0, today: final.today });
    });
    const fresh = await board(stack, ['1']);
    const last = updates.filter((r) => r.u.group?.groupId === '1').at(-1)!.u.group;
    expect(last).toEqual({
      groupId: '1',
      name: 'Sales',
      callsWaiting: fresh.groups[0].callsWaiting,
      longestWaitingSince: fresh.groups[0].longestWaitingSince,
      today: fresh.groups[0].today,
      trend: fresh.groups[0].trend.map((m: { callsWaiting: number }) => ({ callsWaiting: m.callsWaiting })),
    });
    const totals = updates.filter((r) => r.u.group && r.u.group.groupId === null).at(-1)!.u.group;
    const { since: _since, ...totalsToday } = totals.today;
    expect(totalsToday).toEqual(fresh.totals.today);
    // Agent changes went out as they came; group figures at most once per 200 ms per group.
    expect(updates.some((r) => r.u.agent?.agentNumber === '1001' && r.u.agent.activity === 'TALKING')).toBe(true);
    const times = updates.filter((r) => r.u.group?.groupId === '1').map((r) => r.at);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(100);
    // A group update resumes like the change it follows: its cursor is that change's with a suffix.
    const groupUpdate = updates.find((r) => r.u.group)!.u;
    expect(groupUpdate.cursor).toMatch(/^[0-9a-z]+:\d+\+\d+\.(g1|t)$/);
    const resumed = stack.ws().iterate({
      query: `subscription($after: ID!) { wallboardUpdates(after: $after) { cursor group { groupId } } }`,
      variables: { after: groupUpdate.cursor },
    });
    const first = await resumed.next();
    expect(JSON.stringify(first.value)).not.toContain('error');
    // After the resume the figures come again (a resumed subscriber is sent every group once).
    expect((first.value as { data: { wallboardUpdates: { group: unknown } } }).data.wallboardUpdates.group).toBeTruthy();
    await resumed.return?.();
    await sub.return?.();
    await collecting.catch(() => undefined);
  });
});
