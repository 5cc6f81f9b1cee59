import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startSandbox, type Sandbox } from '../sandbox/server';
import { eventually } from './support/agent-events';
import { SandboxApi } from './support/sandbox';

/**
 * The sandbox alone: its skill-group queues and the QueueInfo events it pushes, as the original gives them
 * (original-zh.txt 4506–4533: groupID number, groupWaitNumber number, isInQueue 1/0, handleAgentID string,
 * data[] of caller, called, groupID number, inQueueTime number), received by a tiny callback receiver.
 */

type Body = Record<string, any>;

let sandbox: Sandbox;
let api: SandboxApi;
let receiver: http.Server;
let received: Body[] = [];

const T0 = 1_760_000_000_000;
const HOTLINE = '4008001000';

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      received.push(JSON.parse(text) as Body);
      res.end('ok');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  sandbox = await startSandbox();
  api = new SandboxApi(sandbox.url);
});
afterAll(async () => {
  await sandbox?.close();
  await new Promise((r) => receiver.close(r));
});
beforeEach(async () => {
  await api.reset();
  received = [];
  await api.post('/callbacks/config', { hookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` });
  await api.post('/agents/config', { stepMs: 1 });
  await api.post('/clock', { set: T0 });
});
afterEach(async () => {
  await request(`${sandbox.url}/__sandbox/agents/traffic`, { method: 'DELETE' }).then((r) => r.body.dump());
});

async function toolbar(agentNumber: string, req: string, extra: Record<string, unknown> = {}) {
  const res = await request(`${sandbox.urls.cc}/ccs/api/agent/control`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ companyId: sandbox.companyId, agentNumber, request: req, ...extra }),
  });
  const body = (await res.body.json()) as Body;
  expect(body).toMatchObject({ code: '0' });
}

/** The pushes one agent received, in push order (its eventTimes strictly increase). */
function eventsOf(agentNumber: string, event?: string): Body[] {
  return received
    .filter((b) => b.agentNumber === agentNumber && (event === undefined || b.event === event))
    .sort((x, y) => x.eventTime - y.eventTime);
}

async function loginIdle(...agentNumbers: string[]) {
  for (const n of agentNumbers) {
    await toolbar(n, 'login', { password: '123456', loginType: '1' });
    await toolbar(n, 'idle');
  }
  await eventually(async () => {
    for (const n of agentNumbers) expect(eventsOf(n).at(-1)?.nowState).toBe('Idle');
  });
}

function expectQueueInfoTypes(data: Body) {
  expect(Object.keys(data).sort()).toEqual(['data', 'groupID', 'groupWaitNumber', 'handleAgentID', 'isInQueue']);
  expect(typeof data.groupID).toBe('number');
  expect(typeof data.groupWaitNumber).toBe('number');
  expect([0, 1]).toContain(data.isInQueue);
  expect(typeof data.handleAgentID).toBe('string');
  expect(data.groupWaitNumber).toBe(data.data.length);
  for (const info of data.data) {
    expect(Object.keys(info).sort()).toEqual(['called', 'caller', 'groupID', 'inQueueTime']);
    expect(typeof info.caller).toBe('string');
    expect(typeof info.called).toBe('string');
    expect(info.groupID).toBe(data.groupID);
    expect(typeof info.inQueueTime).toBe('number');
  }
}

describe('a skill group queue through the control routes', () => {
  test('join → join → answer: the exact QueueInfo payloads, to every logged-in agent of the group, then the call steps', async () => {
    await loginIdle('1001', '1002', '1011'); // 1001, 1002 in group "1"; 1011 in group "2"
    const a = await api.queueJoin({ groupId: '1', caller: '13800000001', at: T0 - 25_000 });
    expect(a).toEqual({
      groupID: 1,
      groupSn: '1',
      caller: '13800000001',
      called: HOTLINE,
      inQueueTime: T0 - 25_000,
      occCallId: expect.any(String),
      groupWaitNumber: 1,
      pushedTo: ['1001', '1002'],
    });
    const b = await api.queueJoin({ groupId: 1, caller: '13800000002', called: '02512345678' });
    expect(b.inQueueTime).toBeGreaterThanOrEqual(T0);
    expect(b.inQueueTime).toBeLessThan(T0 + 5_000);
    expect((await api.queue()).groups.find((g) => g.groupID === 1)).toMatchObject({ groupWaitNumber: 2, name: 'Sales' });

    const answered = await api.queueAnswer({ groupId: '1', agentNumber: '1001' });
    expect(answered).toMatchObject({ caller: '13800000001', inQueueTime: T0 - 25_000, handleAgentID: '1001', groupWaitNumber: 1 });
    expect(answered.waitedMs).toBeGreaterThanOrEqual(25_000);
    await eventually(async () => expect(eventsOf('1001').at(-1)?.event).toBe('Conversation'));
    await eventually(async () => expect(eventsOf('1002', 'QueueInfo')).toHaveLength(3));

    const infoA = { caller: '13800000001', called: HOTLINE, groupID: 1, inQueueTime: T0 - 25_000 };
    const infoB = { caller: '13800000002', called: '02512345678', groupID: 1, inQueueTime: b.inQueueTime };
    const want = [
      { groupID: 1, groupWaitNumber: 1, isInQueue: 1, handleAgentID: '', data: [infoA] },
      { groupID: 1, groupWaitNumber: 2, isInQueue: 1, handleAgentID: '', data: [infoA, infoB] },
      { groupID: 1, groupWaitNumber: 1, isInQueue: 0, handleAgentID: '1001', data: [infoB] },
    ];
    for (const n of ['1001', '1002']) {
      const q = eventsOf(n, 'QueueInfo');
      expect(q.map((e) => e.data)).toEqual(want);
      for (const e of q) expectQueueInfoTypes(e.data);
    }
    // The envelope: the common toolbar one, under the receiving agent; nowState is the agent's own state.
    expect(eventsOf('1002', 'QueueInfo')[2]).toEqual({
      type: 'event',
      event: 'QueueInfo',
      nowState: 'Idle',
      eventTime: expect.any(Number),
      sequence: 0,
      companyId: sandbox.companyId,
      agentNumber: '1002',
      agentId: expect.any(String),
      ivrParam: '',
      data: want[2],
    });
    expect(eventsOf('1011', 'QueueInfo')).toEqual([]); // another group's agent

    // The assigned agent: the QueueInfo that hands it the call, then ringing, answer, conversation with the call's data.
    const flow = eventsOf('1001').slice(-4);
    expect(flow.map((e) => e.event)).toEqual(['QueueInfo', 'AgentRinging', 'AgentAnswer', 'Conversation']);
    for (const e of flow.slice(1)) {
      expect(e.data).toMatchObject({
        callDirection: '0',
        caller: '13800000001',
        called: HOTLINE,
        inQueueTime: T0 - 25_000,
        occCallId: answered.occCallId,
      });
    }
    // The end of the call: After carries the call's id and queue time too.
    await api.post('/agents/1001/hangup', {});
    await eventually(async () => expect(eventsOf('1001', 'After')).toHaveLength(1));
    expect(eventsOf('1001', 'After')[0].data).toMatchObject({
      caller: '13800000001',
      inQueueTime: T0 - 25_000,
      occCallId: answered.occCallId,
    });

    expect((await api.queue()).groups.find((g) => g.groupSn === '1')!.data).toEqual([{ ...infoB, occCallId: b.occCallId }]);
  });

  test('join → abandon: isInQueue 0, handleAgentID "", the call gone from data', async () => {
    await loginIdle('1012');
    const a = await api.queueJoin({ groupId: '2', caller: '13900000001', at: T0 - 40_000 });
    await api.queueJoin({ groupId: '2', caller: '13900000002', at: T0 - 10_000 });
    expect(a.pushedTo).toEqual(['1012']);
    const gone = await api.queueAbandon({ groupId: '2', caller: '13900000001' });
    expect(gone).toMatchObject({ caller: '13900000001', inQueueTime: T0 - 40_000, handleAgentID: '', groupWaitNumber: 1 });
    expect(gone.waitedMs).toBeGreaterThanOrEqual(40_000);
    await eventually(async () => expect(eventsOf('1012', 'QueueInfo')).toHaveLength(3));
    const infoA = { caller: '13900000001', called: HOTLINE, groupID: 2, inQueueTime: T0 - 40_000 };
    const infoB = { caller: '13900000002', called: HOTLINE, groupID: 2, inQueueTime: T0 - 10_000 };
    expect(eventsOf('1012', 'QueueInfo').map((e) => e.data)).toEqual([
      { groupID: 2, groupWaitNumber: 1, isInQueue: 1, handleAgentID: '', data: [infoA] },
      { groupID: 2, groupWaitNumber: 2, isInQueue: 1, handleAgentID: '', data: [infoA, infoB] },
      { groupID: 2, groupWaitNumber: 1, isInQueue: 0, handleAgentID: '', data: [infoB] },
    ]);
    // The agent took no call.
    expect(eventsOf('1012', 'AgentRinging')).toEqual([]);
    await api.queueAbandon({ groupId: '2' });
    await eventually(async () => expect(eventsOf('1012', 'QueueInfo')).toHaveLength(4));
    expect(eventsOf('1012', 'QueueInfo')[3].data).toEqual({ groupID: 2, groupWaitNumber: 0, isInQueue: 0, handleAgentID: '', data: [] });
  });

  test('a call joined earlier (at) is the oldest; answering picks it; refusals', async () => {
    await loginIdle('1003');
    await api.queueJoin({ groupId: '1', caller: '13800000010' });
    await api.queueJoin({ groupId: '1', caller: '13800000011', at: T0 - 60_000 });
    expect((await api.queue()).groups[0].data.map((c) => c.caller)).toEqual(['13800000011', '13800000010']);
    await expect(api.queueAnswer({ groupId: '1', agentNumber: '1011' })).rejects.toThrow(/not idle/); // not logged in
    await expect(api.queueAbandon({ groupId: '1', caller: '13000000000' })).rejects.toThrow(/no call of 13000000000/);
    await expect(api.queueJoin({ groupId: '99', caller: '1' })).rejects.toThrow(/no skill group 99/);
    const answered = await api.queueAnswer({ groupId: '1', agentNumber: '1003', steps: 'ring' });
    expect(answered.caller).toBe('13800000011');
    // Given a call, the agent is no longer free, even before its AgentRinging went out.
    await expect(api.queueAnswer({ groupId: '1', agentNumber: '1003' })).rejects.toThrow(/not idle/);
    await eventually(async () => expect(eventsOf('1003').at(-1)?.event).toBe('AgentRinging'));
    await loginIdle('1013');
    await expect(api.queueAnswer({ groupId: '1', agentNumber: '1013' })).rejects.toThrow(/not in group 1/);
  });

  test('queueInfoTo "one": only the assigned agent (or the first logged-in agent) is told', async () => {
    await loginIdle('1001', '1002');
    expect(await api.post('/queue/config', { queueInfoTo: 'one' })).toEqual({ queueInfoTo: 'one' });
    expect((await api.queueJoin({ groupId: '1', caller: '13800000020' })).pushedTo).toEqual(['1001']);
    expect((await api.queueAnswer({ groupId: '1', agentNumber: '1002' })).pushedTo).toEqual(['1002']);
    await eventually(async () => expect(eventsOf('1002').at(-1)?.event).toBe('Conversation'));
    expect(eventsOf('1001', 'QueueInfo')).toHaveLength(1);
    expect(eventsOf('1002', 'QueueInfo').map((e) => e.data.handleAgentID)).toEqual(['1002']);
  });
});

describe('agent names and groups as the original gives them', () => {
  test('Login carries groupIdList and groupInfoList; Surveillance and IdleAgent carry agentName', async () => {
    await api.post('/agents/1001/type', { type: 1 });
    await loginIdle('1001', '1002');
    expect(eventsOf('1001', 'Login')[0].data).toMatchObject({
      groupIdList: ['1'],
      groupInfoList: [{ id: '1', name: 'Sales', isMaster: true }],
    });
    await toolbar('1001', 'surveillance', { groupId: '1' });
    await toolbar('1001', 'idleAgent', { groupId: '1' });
    await eventually(async () => expect(eventsOf('1001', 'IdleAgent')).toHaveLength(1));
    const list = eventsOf('1001', 'Surveillance')[0].data.agentList as Body[];
    const agent1002 = list.find((x) => x.agentNumber === '1002')!;
    expect(agent1002).toEqual({
      companyId: sandbox.companyId,
      agentId: expect.any(String),
      agentNumber: '1002',
      agentName: 'Agent 1002',
      nowState: 'Idle',
      operatingTime: expect.stringMatching(/^\d{13}$/),
      loginTime: expect.stringMatching(/^\d{13}$/),
      loginDuration: expect.stringMatching(/^\d+$/),
      peerId: '',
      callDirection: '',
      groupList: [{ id: '1', name: 'Sales' }],
    });
    expect(Number(agent1002.operatingTime)).toBeGreaterThanOrEqual(Number(agent1002.loginTime));
    expect(eventsOf('1001', 'IdleAgent')[0].data.agentList).toEqual([
      { agentId: expect.any(String), agentNumber: '1001', agentName: 'Agent 1001' },
      { agentId: expect.any(String), agentNumber: '1002', agentName: 'Agent 1002' },
    ]);
  });
});

describe('traffic through the queues', () => {
  test('calls join, are answered by idle agents of their group or abandoned; the call steps follow the answer', async () => {
    await api.post('/agents/traffic', { agents: 6, changesPerSecond: 300 });
    await eventually(async () => {
      const q = received.filter((e) => e.event === 'QueueInfo');
      expect(q.some((e) => e.data.isInQueue === 0 && e.data.handleAgentID !== '')).toBe(true);
      expect(received.filter((e) => e.event === 'Conversation').length).toBeGreaterThan(3);
    }, 15_000);
    // A call still waiting gives up when its caller's patience runs out (or when the clock jumps an hour).
    await eventually(async () => {
      if ((await api.queue()).groups.some((g) => g.groupWaitNumber > 0)) await api.advanceClock(3_600_000);
      expect(received.some((e) => e.event === 'QueueInfo' && e.data.isInQueue === 0 && e.data.handleAgentID === '')).toBe(true);
    }, 15_000);
    await request(`${sandbox.url}/__sandbox/agents/traffic`, { method: 'DELETE' }).then((r) => r.body.dump());
    await new Promise((r) => setTimeout(r, 100));

    const logins = received.filter((e) => e.event === 'Login');
    expect(logins.length).toBe(6);
    for (const l of logins) expect(l.data.groupInfoList).toEqual([{ id: l.data.groupIdList[0], name: expect.any(String), isMaster: true }]);
    for (const e of received.filter((x) => x.event === 'QueueInfo')) {
      expectQueueInfoTypes(e.data);
      // Pushed to the agents of the group the QueueInfo is about.
      const login = logins.find((l) => l.agentNumber === e.agentNumber)!;
      expect(String(e.data.groupID)).toBe(login.data.groupIdList[0]);
    }
    // Every hand-over is followed, for the agent it names, by its AgentRinging for that very call.
    const handed = received.filter((e) => e.event === 'QueueInfo' && e.data.isInQueue === 0 && e.data.handleAgentID === e.agentNumber);
    expect(handed.length).toBeGreaterThan(0);
    for (const h of handed) {
      const after = eventsOf(h.agentNumber).filter((e) => e.eventTime > h.eventTime);
      const next = after.find((e) => e.event !== 'QueueInfo');
      if (!next) continue; // the traffic stopped in between
      expect(next.event).toBe('AgentRinging');
      // The call it rang for was waiting in the QueueInfo before, and is gone from this one.
      expect(h.data.data.some((c: Body) => c.caller === next.data.caller && c.inQueueTime === next.data.inQueueTime)).toBe(false);
      expect(next.data.inQueueTime).toBeGreaterThan(0);
    }
  }, 60_000);
});
