import { randomUUID } from 'node:crypto';
import { startSandbox, type Sandbox } from '../sandbox/server';
import { deleteKeysWithPrefix } from '../src/store/redis';
import { agentEventKey, normalizeAgentEvent, type AgentEventData } from '../src/subscriptions/agent-event';
import { liveStateOf } from '../src/subscriptions/live-state';
import { AgentEventRelay, eventually } from './support/agent-events';
import { TEST_REDIS_MODES, testRedisConnection } from './support/redis';
import { liveStatesSettled, startStack, type Stack } from './support/stack';
import { shuffle } from './support/shuffle';

const BOARD = `query($g: [ID!]) { wallboard(groupIds: $g) {
  cursor
  agents { id agentNumber activity since loggedInAt callDirection peerNumber platformBusyType groupIds callId }
  groups { groupId name loggedIn callsInProgress callsWaiting longestIdleSince longestWaitingSince agentsByActivity { activity count } }
  totals { loggedIn callsInProgress callsWaiting agentsByActivity { activity count } }
} }`;

async function board(stack: Stack, groupIds?: string[]) {
  const res = await stack.gql(BOARD, { g: groupIds });
  expect(res.errors).toBeUndefined();
  return res.data!.wallboard;
}
const withoutCursor = ({ cursor: _c, ...rest }: Record<string, unknown>) => rest;
/** The revision of a wallboard cursor ("<generation>:<revision>"). */
const rev = (cursor: string) => Number(cursor.split(':').pop());

describe.each(TEST_REDIS_MODES)('live state from the sandbox toolbar flows (%s)', (mode) => {
  let sandbox: Sandbox;
  let a: Stack;
  let b: Stack;
  let relay: AgentEventRelay;
  const prefix = `test:${randomUUID()}:`;

  beforeAll(async () => {
    sandbox = await startSandbox();
    a = await startStack({ sandbox, prefix, store: mode });
    b = await startStack({ sandbox, prefix, store: mode });
    relay = new AgentEventRelay([a.gateway, b.gateway]);
    await relay.start(sandbox);
    await a.api.post('/agents/config', { stepMs: 5 });
  });
  afterAll(async () => {
    await relay.close();
    await a.close();
    await b.close();
    await sandbox.close();
    await deleteKeysWithPrefix(testRedisConnection(mode), prefix);
  });

  const settle = () => liveStatesSettled(a, b);

  test('a scripted sequence gives the right agent and group state, the same on two instances, and after a restart', async () => {
    const t1 = await a.token(['agent'], '1001');
    const t2 = await a.token(['agent'], '1002');
    const t3 = await a.token(['agent'], '1011');
    for (const t of [t1, t2, t3]) {
      expect(
        (await a.gql(`mutation { agentLogin(password: "123456", loginType: SIP_PHONE, waitForEvent: true) { request } }`, {}, t)).errors,
      ).toBeUndefined();
    }
    await a.gql(`mutation { agentIdle(waitForEvent: true) { request } }`, {}, t1);
    await a.gql(`mutation { agentBusy(platformBusyType: "training", waitForEvent: true) { request } }`, {}, t2);
    await a.gql(`mutation { agentIdle(waitForEvent: true) { request } }`, {}, t3);
    await a.api.post('/agents/1011/inbound', { caller: '13812345678' });
    await eventually(async () => {
      const s = (await a.gql(`{ agentState(agentNumber: "1011") { activity } }`, {}, t3)).data!.agentState;
      expect(s.activity).toBe('TALKING');
    });
    await settle();
    const g1 = await board(a, ['1']);
    expect(g1.agents.map((x: { agentNumber: string }) => x.agentNumber)).toEqual(['1001', '1002']);
    expect(g1.agents[0]).toMatchObject({ activity: 'IDLE', groupIds: ['1'] });
    expect(g1.agents[0].loggedInAt).toBeTruthy();
    expect(g1.agents[0].id).toBe(g1.agents[0].agentNumber);
    expect(g1.agents[1]).toMatchObject({ activity: 'BUSY', platformBusyType: 'training' });
    expect(g1.groups[0]).toMatchObject({ groupId: '1', loggedIn: 2, callsInProgress: 0, longestIdleSince: g1.agents[0].since });
    const all = await board(a);
    const agent1011 = all.agents.find((x: { agentNumber: string }) => x.agentNumber === '1011');
    expect(agent1011).toMatchObject({ activity: 'TALKING', callDirection: 'INBOUND', peerNumber: '13812345678', groupIds: ['2'] });
    expect(all.groups.find((g: { groupId: string }) => g.groupId === '2')).toMatchObject({ loggedIn: 1, callsInProgress: 1 });
    expect(all.totals).toMatchObject({ loggedIn: 3, callsInProgress: 1 });

    // The caller hangs up: After, then Idle (the group sets agents idle automatically).
    await a.api.post('/agents/1011/hangup', {});
    await eventually(async () => {
      await settle();
      expect((await board(a, ['2'])).agents[0]).toMatchObject({ activity: 'IDLE', callDirection: null, peerNumber: null });
    });

    // Both instances show the same wallboard.
    expect(await board(b)).toEqual(await board(a));

    // A restarted instance still has it.
    const before = await board(b);
    await b.close();
    b = await startStack({ sandbox, prefix, store: mode });
    relay.gateways.splice(1, 1, b.gateway);
    expect(await board(b)).toEqual(before);
  });

  test('an agent reads its own state only; a viewer reads any and the wallboard', async () => {
    const t1 = await a.token(['agent'], '1001');
    const other = await a.gql(`{ agentState(agentNumber: "1002") { activity } }`, {}, t1);
    expect(other.errors![0].extensions!.code).toBe('FORBIDDEN');
    const wall = await a.gql(`{ wallboard { cursor } }`, {}, t1);
    expect(wall.errors![0].extensions!.code).toBe('FORBIDDEN');
    const viewer = await a.token(['viewer']);
    expect((await a.gql(`{ agentState(agentNumber: "1002") { activity } }`, {}, viewer)).data!.agentState.activity).toBe('BUSY');
    expect((await a.gql(`{ wallboard(groupIds: ["1"]) { cursor } }`, {}, viewer)).errors).toBeUndefined();
    // The update stream is for viewers too.
    const sub = a.ws(t1).iterate({ query: `subscription { wallboardUpdates(after: "0") { cursor } }` });
    const first = await sub.next();
    expect(JSON.stringify(first.value)).toContain('viewer role is required');
  });
});

/** A scripted day of one agent pair as raw pushed bodies. */
function script(): AgentEventData[] {
  const base = 1_700_000_000_000;
  let t = base;
  const ev = (agentNumber: string, event: string, sequence: number, data?: Record<string, unknown>) =>
    normalizeAgentEvent({
      type: 'event',
      event,
      agentNumber,
      agentId: `id-${agentNumber}`,
      companyId: '10001',
      nowState: event,
      eventTime: (t += 7),
      sequence,
      ...(data ? { data } : {}),
    });
  const call = (n: string, dir: string, peer: string) => ({
    callDirection: dir,
    caller: dir === '0' ? peer : n,
    called: dir === '0' ? n : peer,
    occCallId: `call-${n}-${t}`,
  });
  return [
    ev('2001', 'Login', 1, { groupIdList: ['7'] }),
    ev('2002', 'Login', 2, { groupIdList: ['7', '8'] }),
    ev('2001', 'Idle', 3),
    ev('2002', 'Idle', 4),
    ev('2001', 'AgentRinging', 0, call('2001', '0', '13900000001')),
    ev('2001', 'AgentAnswer', 0, call('2001', '0', '13900000001')),
    ev('2001', 'Conversation', 0, call('2001', '0', '13900000001')),
    ev('2002', 'Busy', 5, { currentBusyType: 'meeting' }),
    ev('2002', 'MakeCall', 6),
    ev('2002', 'AgentOriginate', 6, call('2002', '1', '13900000002')),
    ev('2002', 'CalledAnswer', 6, call('2002', '1', '13900000002')),
    ev('2002', 'Conversation', 6, call('2002', '1', '13900000002')),
    ev('2001', 'After', 0, { cause: 0 }),
    ev('2001', 'Idle', 0),
    normalizeAgentEvent({
      type: 'event',
      event: 'QueueInfo',
      agentNumber: '2001',
      eventTime: (t += 7),
      sequence: 0,
      // Spec-shaped (original-zh.txt 4506–4533): groupID a number, the calls waiting after the change in data[].
      data: {
        groupID: 7,
        groupWaitNumber: 2,
        isInQueue: 1,
        handleAgentID: '',
        data: [
          { caller: '13900000011', called: '4008001000', groupID: 7, inQueueTime: base },
          { caller: '13900000012', called: '4008001000', groupID: 7, inQueueTime: base + 30 },
        ],
      },
    }),
  ];
}

describe('order and duplicates', () => {
  test('shuffled and duplicated events give the same final state as ordered ones', async () => {
    const ordered = await startStack();
    const shuffled = await startStack({ sandbox: ordered.sandbox });
    try {
      for (const e of script()) await ordered.gateway.services.events.publish('agentEvent', agentEventKey(e), e);
      const events = script();
      // Every event twice, once under another key (a redelivery the bus could not recognise), in a shuffled order.
      const twice = shuffle(
        [...events.map((e) => ({ e, key: agentEventKey(e) })), ...events.map((e) => ({ e, key: `${agentEventKey(e)}:again` }))],
        42,
      );
      for (const { e, key } of twice) await shuffled.gateway.services.events.publish('agentEvent', key, e);
      await liveStateOf(ordered.gateway.services).settled();
      await liveStateOf(shuffled.gateway.services).settled();
      const want = await board(ordered);
      expect(withoutCursor(await board(shuffled))).toEqual(withoutCursor(want));
      expect(want.agents).toEqual([
        expect.objectContaining({ agentNumber: '2001', activity: 'IDLE', callDirection: null, groupIds: ['7'] }),
        expect.objectContaining({
          agentNumber: '2002',
          activity: 'TALKING',
          callDirection: 'OUTBOUND',
          peerNumber: '13900000002',
          platformBusyType: 'meeting',
          groupIds: ['7', '8'],
        }),
      ]);
      const g7 = want.groups.find((g: { groupId: string }) => g.groupId === '7');
      expect(g7).toMatchObject({
        loggedIn: 2,
        callsInProgress: 1,
        callsWaiting: 2,
        longestWaitingSince: new Date(1_700_000_000_000).toISOString(),
      });
    } finally {
      await ordered.close();
      await shuffled.close();
    }
  });
});

describe('snapshot and updates', () => {
  test('the snapshot plus the updates after its cursor equal the state reached', async () => {
    const stack = await startStack();
    try {
      const events = script();
      const half = Math.floor(events.length / 2);
      for (const e of events.slice(0, half)) await stack.gateway.services.events.publish('agentEvent', agentEventKey(e), e);
      await liveStateOf(stack.gateway.services).settled();
      const snap = await board(stack);
      const client = stack.ws();
      const received: {
        cursor: string;
        agent: Record<string, unknown> | null;
        queue: Record<string, unknown> | null;
        group: Record<string, unknown> | null;
      }[] = [];
      const sub = client.iterate<{ wallboardUpdates: (typeof received)[number] }>({
        query: `subscription($after: ID!) { wallboardUpdates(after: $after) { cursor
          agent { id agentNumber activity since loggedInAt callDirection peerNumber platformBusyType groupIds callId }
          queue { groupId callsWaiting longestWaitSince } group { groupId callsWaiting } } }`,
        variables: { after: snap.cursor },
      });
      // Some changes land before the subscription starts reading, the rest after.
      for (const e of events.slice(half, half + 2)) await stack.gateway.services.events.publish('agentEvent', agentEventKey(e), e);
      const collecting = (async () => {
        for await (const r of sub) {
          expect(r.errors).toBeUndefined();
          const u = r.data!.wallboardUpdates;
          // Group figures come as well (their cursor is the last change's with a suffix); this test follows the changes.
          if (u.group) continue;
          received.push(u);
          if (received.length > 0 && rev(received.at(-1)!.cursor) >= rev((await board(stack)).cursor)) {
            const done = await board(stack);
            if (received.at(-1)!.cursor === done.cursor) break;
          }
        }
      })();
      for (const e of events.slice(half + 2)) await stack.gateway.services.events.publish('agentEvent', agentEventKey(e), e);
      await liveStateOf(stack.gateway.services).settled();
      await collecting;
      const final = await board(stack);
      // Contiguous cursors: no gap, no duplicate.
      const cursors = received.map((r) => rev(r.cursor));
      expect(cursors).toEqual(cursors.map((_, i) => rev(snap.cursor) + i + 1));
      expect(received.every((r) => r.cursor.split(':')[0] === snap.cursor.split(':')[0])).toBe(true);
      const agents = new Map<string, unknown>(snap.agents.map((x: { agentNumber: string }) => [x.agentNumber, x]));
      for (const r of received) if (r.agent) agents.set(r.agent.agentNumber as string, r.agent);
      expect([...agents.values()].sort((x: any, y: any) => x.agentNumber.localeCompare(y.agentNumber))).toEqual(final.agents);
      expect(received.some((r) => r.queue?.groupId === '7')).toBe(true);

      const stale = await stack.gql(`{ wallboard { cursor } }`);
      expect(stale.errors).toBeUndefined();
      const bad = client.iterate({ query: `subscription { wallboardUpdates(after: "x") { cursor } }` });
      const first = await bad.next();
      // (The error's extensions.code comes with the backbone's subscription error formatting.)
      expect(JSON.stringify(first.value ?? first)).toContain('not a wallboard cursor');
    } finally {
      await stack.close();
    }
  });
});

describe('sandbox traffic mode', () => {
  test('simulated agents keep taking calls and the wallboard moves', async () => {
    const stack = await startStack();
    const relay = new AgentEventRelay([stack.gateway]);
    try {
      await relay.start(stack.sandbox);
      await stack.api.post('/agents/config', { stepMs: 2 });
      expect(await stack.api.post('/agents/traffic', { agents: 4, changesPerSecond: 200 })).toEqual({ agents: 4, changesPerSecond: 200 });
      const seen = new Set<string>();
      await eventually(async () => {
        const w = await board(stack);
        for (const a of w.agents) seen.add(a.activity);
        expect(w.totals.loggedIn).toBe(4);
        expect(seen.has('TALKING') || seen.has('RINGING')).toBe(true);
        expect(rev(w.cursor)).toBeGreaterThan(20);
      }, 10_000);
      expect((await stack.api.get<{ running: unknown }>('/agents/traffic')).running).toEqual({ agents: 4, changesPerSecond: 200 });
      await request(stack, 'DELETE');
      expect((await stack.api.get<{ running: unknown }>('/agents/traffic')).running).toBeNull();
    } finally {
      await relay.close();
      await stack.close();
    }
  });
});

async function request(stack: Stack, method: 'DELETE') {
  const { request: send } = await import('undici');
  const res = await send(`${stack.sandbox.url}/__sandbox/agents/traffic`, { method });
  await res.body.dump();
}

describe('the copies of one QueueInfo (one per logged-in agent of the group)', () => {
  test('cost one live-state write and one statistics update; another QueueInfo costs its own', async () => {
    const stack = await startStack();
    try {
      const { request: send } = await import('undici');
      const post = async (body: Record<string, unknown>) => {
        const res = await send(stack.hookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        await res.body.dump();
        expect(res.statusCode).toBe(200);
      };
      const store = stack.gateway.services.store;
      const liveApply = jest.spyOn(store, 'liveApply');
      const readBatch = jest.spyOn(store, 'readBatch');
      const inQueueTime = Date.now() - 5000;
      // As sandbox/queue.ts builds it: groupID, groupWaitNumber, isInQueue, handleAgentID, data[].
      const queueInfo = (agentNumber: string, eventTime: number, isInQueue: 0 | 1, handleAgentID: string) => ({
        type: 'event',
        event: 'QueueInfo',
        nowState: 'Idle',
        eventTime,
        sequence: 0,
        companyId: '10001',
        agentNumber,
        agentId: `id-${agentNumber}`,
        ivrParam: '',
        data: {
          groupID: 1,
          groupWaitNumber: isInQueue,
          isInQueue,
          handleAgentID,
          data: isInQueue ? [{ caller: '13900000101', called: '4008001000', groupID: 1, inQueueTime }] : [],
        },
      });
      const counts = () => ({
        live: liveApply.mock.calls.filter(([, member]) => member === 'queue:1').length,
        reads: readBatch.mock.calls.length,
      });
      const settle = () => liveStateOf(stack.gateway.services).settled();

      const joined = inQueueTime + 1;
      await post(queueInfo('1001', joined, 1, ''));
      await settle();
      const one = counts();
      expect(one.live).toBe(1);
      expect(one.reads).toBeGreaterThan(0);
      for (const n of ['1002', '1003']) await post(queueInfo(n, joined, 1, ''));
      await settle();
      expect(counts()).toEqual(one);
      expect((await board(stack, ['1'])).groups[0]).toMatchObject({ callsWaiting: 1 });

      await post(queueInfo('1001', joined + 3000, 0, '1001'));
      await settle();
      const two = counts();
      expect(two.live).toBe(2);
      expect(two.reads).toBeGreaterThan(one.reads);
      const stats = await stack.gql(`{ wallboard(groupIds: ["1"]) { groups { callsWaiting stats(window: TODAY) { offered answered } } } }`);
      expect(stats.data!.wallboard.groups[0]).toEqual({ callsWaiting: 0, stats: { offered: 1, answered: 1 } });
    } finally {
      await stack.close();
    }
  });
});
