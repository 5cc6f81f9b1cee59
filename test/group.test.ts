import { startStack, type Stack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const CREATE = `mutation($input: SkillGroupCreateInput!) { createSkillGroup(input: $input) }`;
const UPDATE = `mutation($sn: ID!, $input: SkillGroupUpdateInput!) { updateSkillGroup(sn: $sn, input: $input) }`;

test('createSkillGroup sends the exact request and returns the sn', async () => {
  const since = await stack.api.lastSeq();
  const res = await stack.gql(CREATE, {
    input: {
      name: 'Billing',
      policy: 'LONGEST_IDLE',
      agentSns: [],
      displayNumber: '95001',
      autoIdle: true,
      autoIdleSeconds: 5,
      onlyTransferToCurrent: false,
      agentsCanCall: true,
      remark: 'r',
    },
  });
  expect(res.errors).toBeUndefined();
  const [req] = await stack.api.requests('group.create', since);
  expect(req).toMatchObject({ method: 'POST', path: '/api/group/open/create', contentType: 'json', tokenIn: 'body' });
  const { token, ...body } = req.body as Record<string, unknown>;
  expect(token).toBeTruthy();
  expect(body).toEqual({
    name: 'Billing',
    policy: 1,
    agentSnList: [],
    caller: '95001',
    agentAutoIdle: '1',
    agentAutoIdleTime: 5,
    onlyTransferToCurrent: 0,
    agentMakeCall: 1,
    remark: 'r',
  });
  expect(res.data!.createSkillGroup).toMatch(/^[0-9a-f]{32}$/);
});

test('skillGroups filters by name and maps the record; updateSkillGroup sends only the given fields', async () => {
  const sn = (await stack.gql(CREATE, { input: { name: 'Retention', policy: 'AGENT_LEVEL' } })).data!.createSkillGroup;
  let since = await stack.api.lastSeq();
  const page = await stack.gql(
    `{ skillGroups(name: "Reten", page: 1, pageSize: 5) { total records { id sn name policy agentTotal agentSns autoIdle agentsCanCall displayNumber } } }`,
  );
  expect(page.errors).toBeUndefined();
  const [req] = await stack.api.requests('group.page', since);
  expect(req).toMatchObject({
    method: 'GET',
    path: '/api/group/open/page',
    tokenIn: 'query',
    query: expect.objectContaining({ name: 'Reten', pageNo: '1', pageSize: '5' }),
  });
  expect(page.data!.skillGroups).toEqual({
    total: 1,
    records: [
      {
        id: sn,
        sn,
        name: 'Retention',
        policy: 'AGENT_LEVEL',
        agentTotal: 0,
        agentSns: [],
        autoIdle: false,
        agentsCanCall: true,
        displayNumber: null,
      },
    ],
  });

  since = await stack.api.lastSeq();
  const upd = await stack.gql(`mutation { updateSkillGroup(sn: "${sn}", input: { name: "Retention 2", policy: ROUND_ROBIN }) }`);
  expect(upd.data!.updateSkillGroup).toBe(sn);
  const [u] = await stack.api.requests('group.update', since);
  expect(u.path).toBe(`/api/group/open/${sn}`);
  const { token: _t, ...body } = u.body as Record<string, unknown>;
  expect(body).toEqual({ name: 'Retention 2', policy: 0 });

  // Only the changed fields, without the name: the edit endpoint requires none.
  since = await stack.api.lastSeq();
  const phone = await stack.gql(UPDATE, { sn, input: { displayNumber: '+86 10 6234 5678' } });
  expect(phone.errors).toBeUndefined();
  const [p] = await stack.api.requests('group.update', since);
  const { token: _t2, ...only } = p.body as Record<string, unknown>;
  expect(only).toEqual({ caller: '01062345678' });
});

test('bad input and roles', async () => {
  const since = await stack.api.lastSeq();
  // The create input's type requires the name: refused by GraphQL validation of the variables.
  const noName = await stack.gql(CREATE, { input: { policy: 'ROUND_ROBIN' } });
  expect(noName.errors![0].message).toMatch(/Field "name" of required type "String!" was not provided/);
  expect(noName.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  const noNameLiteral = await stack.gql(`mutation { createSkillGroup(input: { policy: ROUND_ROBIN }) }`);
  expect(noNameLiteral.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
  const blank = await stack.gql(CREATE, { input: { name: ' ' } });
  expect(blank.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
  for (const input of [{ name: 'X', displayNumber: '12' }]) {
    const bad = await stack.gql(CREATE, { input });
    expect(bad.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  }
  const updates = await stack.api.count('group.update');
  const badUpdate = await stack.gql(UPDATE, { sn: 'x', input: { displayNumber: 'abc' } });
  expect(badUpdate.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  expect(await stack.api.count('group.update')).toBe(updates);
  const badPage = await stack.gql(`{ skillGroups(pageSize: 0) { total } }`);
  expect(badPage.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'pageSize' });
  expect(await stack.api.requests('group.create', since)).toHaveLength(0);
  const sup = await stack.token(['supervisor'], '1001');
  expect((await stack.gql(`{ skillGroups { total } }`, {}, sup)).errors![0].extensions!.code).toBe('FORBIDDEN');
});
