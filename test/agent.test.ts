import { startStack, type Stack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const strip = (body: unknown) => {
  const { token, ...rest } = body as Record<string, unknown>;
  expect(token).toBeTruthy();
  return rest;
};

async function createAgent(agentNumber: string) {
  const res = await stack.gql(`mutation($input: AgentCreateInput!) { createAgent(input: $input) }`, {
    input: {
      agentNumber,
      agentName: 'Xiao He',
      password: 'secret-1',
      groupSn: '1',
      generateSip: true,
      phone: '138-0000-0000',
      displayNumber: '+86 755 8376 5432',
      type: 'AGENT',
      autoIdleSeconds: -1,
      offlineCallType: 'MOBILE',
      callMode: 'CLICK_TO_DIAL',
      workingOffline: false,
    },
  });
  expect(res.errors).toBeUndefined();
  return res.data!.createAgent as string;
}

test('createAgent: exact request', async () => {
  const since = await stack.api.lastSeq();
  const sn = await createAgent('3001');
  const [req] = await stack.api.requests('agent.create', since);
  expect(req).toMatchObject({ method: 'POST', path: '/api/agent/open/create', contentType: 'json', tokenIn: 'body' });
  expect(strip(req.body)).toEqual({
    agentNumber: '3001',
    agentName: 'Xiao He',
    password: 'secret-1',
    groupSn: '1',
    isSip: 1,
    phone: '13800000000',
    displayCaller: '075583765432',
    type: 0,
    agentAutoIdleTime: -1,
    offlineCallType: 1,
    callMode: 2,
    workingOffline: 0,
  });
  expect(sn).toMatch(/^[0-9a-f]{32}$/);
});

test('agents: every filter reaches the platform; records are mapped', async () => {
  const sn = await createAgent('3002');
  const since = await stack.api.lastSeq();
  const res =
    await stack.gql(`{ agents(filter: { agentName: "Xiao", agentNumber: "3002", groupSn: "1", phone: "13800000000", status: ENABLED, type: AGENT }, page: 1, pageSize: 20) {
    total records { id sn agentNumber agentName type groupSn groupName sipId phone status customFields level workingOffline autoIdleSeconds displayNumber offlineCallType } } }`);
  expect(res.errors).toBeUndefined();
  const [req] = await stack.api.requests('agent.page', since);
  expect(req).toMatchObject({ method: 'GET', path: '/api/agent/open/page', tokenIn: 'query' });
  expect(req.query).toMatchObject({
    agentName: 'Xiao',
    agentNumber: '3002',
    groupSn: '1',
    phone: '13800000000',
    status: '1',
    type: '0',
    pageNo: '1',
    pageSize: '20',
  });
  expect(res.data!.agents.total).toBe(1);
  expect(res.data!.agents.records[0]).toMatchObject({
    id: sn,
    sn,
    agentNumber: '3002',
    displayNumber: '075583765432',
    type: 'AGENT',
    groupName: 'Sales',
    status: 'ENABLED',
    customFields: { anumber: '3002' },
    workingOffline: false,
    autoIdleSeconds: -1,
    offlineCallType: 'MOBILE',
  });
});

test('updateAgent, setAgentEnabled, resetAgentPassword', async () => {
  const sn = await createAgent('3003');
  let since = await stack.api.lastSeq();
  const upd = await stack.gql(
    `mutation { updateAgent(sn: "${sn}", input: { agentNumber: "3003", groupSn: "2", type: SUPERVISOR, level: 3 }) }`,
  );
  expect(upd.data!.updateAgent).toBe(sn);
  const [u] = await stack.api.requests('agent.update', since);
  expect(u.path).toBe(`/api/agent/open/${sn}`);
  expect(strip(u.body)).toEqual({ agentNumber: '3003', groupSn: '2', type: 1, level: 3 });

  since = await stack.api.lastSeq();
  const off = await stack.gql(`mutation { setAgentEnabled(sn: "${sn}", enabled: false) }`);
  expect(off.data!.setAgentEnabled).toBe(false);
  const [s] = await stack.api.requests('agent.setStatus', since);
  expect(s).toMatchObject({
    method: 'POST',
    path: `/api/agent/open/${sn}/status`,
    tokenIn: 'query',
    query: expect.objectContaining({ status: '0' }),
  });

  since = await stack.api.lastSeq();
  const reset = await stack.gql(`mutation { resetAgentPassword(sn: "${sn}") }`);
  expect(reset.data!.resetAgentPassword).toEqual(expect.any(String));
  expect(reset.data!.resetAgentPassword.length).toBeGreaterThanOrEqual(6);
  const [r] = await stack.api.requests('agent.resetPassword', since);
  expect(r).toMatchObject({ method: 'POST', path: `/api/agent/open/${sn}/reset`, tokenIn: 'query' });

  const unknown = await stack.gql(`mutation { resetAgentPassword(sn: "nope") }`);
  expect(unknown.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamCode: '1005009' });
});

test('startAgentCall: answer mode enum, display number, userData', async () => {
  const since = await stack.api.lastSeq();
  const res = await stack.gql(
    `mutation { startAgentCall(agentNumber: "1001", called: "13900000000", userData: "order-7", displayNumber: "95001", answerMode: PHONE) { callId } }`,
  );
  expect(res.errors).toBeUndefined();
  expect(res.data!.startAgentCall.callId).toMatch(/^[0-9a-f]{32}$/);
  const [req] = await stack.api.requests('agent.call', since);
  expect(req).toMatchObject({ method: 'POST', path: '/api/agent/open/call', contentType: 'json', tokenIn: 'body' });
  expect(strip(req.body)).toEqual({ agentNum: '1001', called: '13900000000', userData: 'order-7', callnum: '95001', type: 'phone' });
  const fail = await stack.gql(`mutation { startAgentCall(agentNumber: "9999", called: "13900000000") { callId } }`);
  expect(fail.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamCode: '-1' });
  const bad = await stack.gql(`mutation { startAgentCall(agentNumber: "1001", called: "x") { callId } }`);
  expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  const agent = await stack.token(['agent'], '1001');
  expect(
    (await stack.gql(`mutation { startAgentCall(agentNumber: "1001", called: "13900000000") { callId } }`, {}, agent)).errors![0]
      .extensions!.code,
  ).toBe('FORBIDDEN');
});

test('startAgentCall: phones in their national form', async () => {
  const since = await stack.api.lastSeq();
  const res = await stack.gql(
    `mutation { startAgentCall(agentNumber: "1001", called: "+86 139-0013-9000", displayNumber: "(010) 6234 5678") { callId } }`,
  );
  expect(res.errors).toBeUndefined();
  const [req] = await stack.api.requests('agent.call', since);
  expect(strip(req.body)).toMatchObject({ called: '13900139000', callnum: '01062345678' });
});

describe('a bad phone is BAD_USER_INPUT before any platform call', () => {
  const base = { agentNumber: '3009', agentName: 'N', password: 'p', groupSn: '1', generateSip: false };
  test.each([
    [
      'createAgent input.phone',
      'agent.create',
      `mutation($i: AgentCreateInput!) { createAgent(input: $i) }`,
      { i: { ...base, phone: '123' } },
    ],
    [
      'createAgent input.displayNumber',
      'agent.create',
      `mutation($i: AgentCreateInput!) { createAgent(input: $i) }`,
      { i: { ...base, displayNumber: 'x' } },
    ],
    [
      'updateAgent input.phone',
      'agent.update',
      `mutation { updateAgent(sn: "s", input: { agentNumber: "1", groupSn: "1", phone: "99" }) }`,
      {},
    ],
    [
      'updateAgent input.displayNumber',
      'agent.update',
      `mutation { updateAgent(sn: "s", input: { agentNumber: "1", groupSn: "1", displayNumber: "1380000" }) }`,
      {},
    ],
    ['agents filter.phone', 'agent.page', `{ agents(filter: { phone: "12-34" }) { total } }`, {}],
    ['startAgentCall called', 'agent.call', `mutation { startAgentCall(agentNumber: "1001", called: "0000") { callId } }`, {}],
    [
      'startAgentCall displayNumber',
      'agent.call',
      `mutation { startAgentCall(agentNumber: "1001", called: "13900000000", displayNumber: "abc") { callId } }`,
      {},
    ],
  ])('%s', async (_what, endpoint, query, variables) => {
    const before = await stack.api.count(endpoint);
    const res = await stack.gql(query, variables);
    expect(res.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect(await stack.api.count(endpoint)).toBe(before);
  });
});
