import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { collect } from './support/subscriptions';
import { stackWithOwnRedis, startStack, twoInstances, type Stack } from './support/stack';
import { TEST_REDIS_MODES } from './support/redis';

interface IvrAnswer {
  code: number;
  msg: string;
  data: { phone: string };
}

/** Asks the gateway's IVR endpoint as the platform does (JSON unless told otherwise). */
async function ask(stack: Stack, body: Record<string, unknown> | string, contentType = 'application/json', secret?: string) {
  const url = secret === undefined ? `${stack.hookUrl}/ivr` : `${stack.url}/hooks/${secret}/ivr`;
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify({ occCallId: randomUUID(), dtmf: '', ...body }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, answer: (text ? JSON.parse(text) : undefined) as IvrAnswer };
}

const ROUTE = `mutation($input: IvrRouteInput!) { createIvrRoute(input: $input) { id name called dtmf callerPrefix transferTo priority enabled createdAt } }`;
const UPDATE = `mutation($id: ID!, $patch: IvrRoutePatch!) { updateIvrRoute(id: $id, patch: $patch) { id called dtmf callerPrefix transferTo enabled } }`;
const DELETE = `mutation($id: ID!) { deleteIvrRoute(id: $id) }`;
const BLOCK = `mutation($input: IvrBlacklistInput!) { addIvrBlacklistEntry(input: $input) { id caller callerPrefix called reason } }`;
const UNBLOCK = `mutation($id: ID!) { removeIvrBlacklistEntry(id: $id) }`;
const PREVIEW = `query($caller: Phone!, $called: Phone!, $dtmf: String) { ivrRoutingPreview(caller: $caller, called: $called, dtmf: $dtmf) { outcome transferTo ruleId } }`;

async function createRoute(stack: Stack, input: Record<string, unknown>): Promise<string> {
  const res = await stack.gql(ROUTE, { input });
  expect(res.errors).toBeUndefined();
  return res.data!.createIvrRoute.id;
}

async function block(stack: Stack, input: Record<string, unknown>): Promise<string> {
  const res = await stack.gql(BLOCK, { input });
  expect(res.errors).toBeUndefined();
  return res.data!.addIvrBlacklistEntry.id;
}

describe('IVR transfer routing', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('without rules answers default routing (code 0, empty phone), without any platform call', async () => {
    const since = await stack.api.lastSeq();
    const { status, answer } = await ask(stack, { caller: '13800000001', called: '4001234567', dtmf: '1' });
    expect(status).toBe(200);
    expect(answer).toEqual({ code: 0, msg: 'success', data: { phone: '' } });
    expect(await stack.api.requests(undefined, since)).toHaveLength(0);
  });

  it('routes by each rule type: called number, DTMF sequence, caller prefix', async () => {
    const called = '4009000001';
    await createRoute(stack, { name: 'sales line', called, transferTo: '13900000001' });
    await createRoute(stack, { dtmf: '77', transferTo: '13900000002' });
    await createRoute(stack, { callerPrefix: '1591234', transferTo: '13900000003' });
    expect((await ask(stack, { caller: '13800000001', called })).answer.data.phone).toBe('13900000001');
    expect((await ask(stack, { caller: '13800000001', called: '4009999999', dtmf: '77' })).answer.data.phone).toBe('13900000002');
    expect((await ask(stack, { caller: '15912340000', called: '4009999999', dtmf: '1' })).answer.data.phone).toBe('13900000003');
    // DTMF matches exactly, not as a prefix; separators between keys are ignored.
    expect((await ask(stack, { caller: '13800000001', called: '4009999999', dtmf: '771' })).answer.data.phone).toBe('');
    expect((await ask(stack, { caller: '13800000001', called: '4009999999', dtmf: '7,7' })).answer.data.phone).toBe('13900000002');
    // Numbers as the platform may write them: +86, spaces.
    expect((await ask(stack, { caller: '+86 159 1234 0000', called: '4009999999' })).answer.data.phone).toBe('13900000003');
  });

  it('applies the documented precedence: called > DTMF > longer caller prefix > priority > older', async () => {
    const called = '4009000002';
    const anyCalledWithDtmf = await createRoute(stack, { dtmf: '5', transferTo: '13700000001' });
    const calledOnly = await createRoute(stack, { called, transferTo: '13700000002' });
    const calledAndDtmf = await createRoute(stack, { called, dtmf: '5', transferTo: '13700000003' });
    const short = await createRoute(stack, { called, dtmf: '6', callerPrefix: '186', transferTo: '13700000004' });
    const long = await createRoute(stack, { called, dtmf: '6', callerPrefix: '18612', transferTo: '13700000005' });
    const low = await createRoute(stack, { called, dtmf: '8', priority: 5, transferTo: '13700000006' });
    await createRoute(stack, { called, dtmf: '8', priority: 50, transferTo: '13700000007' });
    const older = await createRoute(stack, { called, dtmf: '9', callerPrefix: '1', transferTo: '13700000008' });
    await createRoute(stack, { called, dtmf: '9', callerPrefix: '2', transferTo: '13700000009' });
    const decide = async (caller: string, dtmf: string) => (await stack.gql(PREVIEW, { caller, called, dtmf })).data!.ivrRoutingPreview;
    // Called number beats a DTMF-only route; called + DTMF beats called only.
    expect(await decide('13800000000', '1')).toEqual({ outcome: 'TRANSFER', transferTo: '13700000002', ruleId: calledOnly });
    expect(await decide('13800000000', '5')).toEqual({ outcome: 'TRANSFER', transferTo: '13700000003', ruleId: calledAndDtmf });
    expect((await stack.gql(PREVIEW, { caller: '13800000000', called: '4000000000', dtmf: '5' })).data!.ivrRoutingPreview.ruleId).toBe(
      anyCalledWithDtmf,
    );
    // The longer caller prefix wins; a caller outside both prefixes falls back to the called-only route.
    expect((await decide('18612345678', '6')).ruleId).toBe(long);
    expect((await decide('18699999999', '6')).ruleId).toBe(short);
    expect((await decide('13800000000', '6')).ruleId).toBe(calledOnly);
    // Lower priority number wins between equally specific routes.
    expect((await decide('13800000000', '8')).ruleId).toBe(low);
    expect((await decide('13800000000', '9')).ruleId).toBe(older);
    // The endpoint answers what the preview says.
    expect((await ask(stack, { caller: '18612345678', called, dtmf: '6' })).answer.data.phone).toBe('13700000005');
    // The list shows routes in the order they are tried.
    const list = (await stack.gql(`{ ivrRoutes { id } }`)).data!.ivrRoutes.map((r: { id: string }) => r.id);
    expect(list.indexOf(long)).toBeLessThan(list.indexOf(short));
    expect(list.indexOf(calledAndDtmf)).toBeLessThan(list.indexOf(calledOnly));
    expect(list.indexOf(calledOnly)).toBeLessThan(list.indexOf(anyCalledWithDtmf));
  });

  it('answers 403 for blacklisted callers (exact, prefix, limited to one called number) before any route', async () => {
    const called = '4009000003';
    await createRoute(stack, { called, transferTo: '13600000001' });
    const exact = await block(stack, { caller: '+86 135 0000 0001', reason: 'abusive' });
    await block(stack, { callerPrefix: '170' });
    await block(stack, { caller: '13500000002', called });
    expect((await ask(stack, { caller: '13500000001', called })).answer).toEqual({ code: 403, msg: 'blacklisted', data: { phone: '' } });
    expect((await ask(stack, { caller: '17012345678', called })).answer.code).toBe(403);
    expect((await ask(stack, { caller: '13500000002', called })).answer.code).toBe(403);
    // The called-limited entry does not block other lines.
    expect((await ask(stack, { caller: '13500000002', called: '4009999998' })).answer).toEqual({
      code: 0,
      msg: 'success',
      data: { phone: '' },
    });
    expect((await stack.gql(PREVIEW, { caller: '13500000001', called })).data!.ivrRoutingPreview).toEqual({
      outcome: 'BLACKLISTED',
      transferTo: null,
      ruleId: exact,
    });
    const list = await stack.gql(`{ ivrBlacklist { id caller callerPrefix called reason } }`);
    expect(list.data!.ivrBlacklist).toEqual(
      expect.arrayContaining([
        { id: exact, caller: '13500000001', callerPrefix: null, called: null, reason: 'abusive' },
        expect.objectContaining({ caller: null, callerPrefix: '170', called: null }),
      ]),
    );
    expect((await stack.gql(UNBLOCK, { id: exact })).data!.removeIvrBlacklistEntry).toBe(exact);
    expect((await ask(stack, { caller: '13500000001', called })).answer.data.phone).toBe('13600000001');
  });

  it('a route without transferTo is an exception to a broader one; disabled routes never match; updates and deletes apply at once', async () => {
    const called = '4009000004';
    const broad = await createRoute(stack, { called, transferTo: '13300000001' });
    const exception = await createRoute(stack, { called, callerPrefix: '139' });
    expect((await ask(stack, { caller: '13912345678', called })).answer.data.phone).toBe('');
    expect((await stack.gql(PREVIEW, { caller: '13912345678', called })).data!.ivrRoutingPreview).toEqual({
      outcome: 'DEFAULT_ROUTING',
      transferTo: null,
      ruleId: exception,
    });
    const off = await stack.gql(UPDATE, { id: exception, patch: { enabled: false } });
    expect(off.data!.updateIvrRoute).toMatchObject({ id: exception, enabled: false, callerPrefix: '139' });
    expect((await ask(stack, { caller: '13912345678', called })).answer.data.phone).toBe('13300000001');
    // null clears a condition, omitted fields stay.
    const cleared = await stack.gql(UPDATE, { id: broad, patch: { called: null, dtmf: '42' } });
    expect(cleared.data!.updateIvrRoute).toEqual({
      id: broad,
      called: null,
      dtmf: '42',
      callerPrefix: null,
      transferTo: '13300000001',
      enabled: true,
    });
    expect((await ask(stack, { caller: '13912345678', called })).answer.data.phone).toBe('');
    expect((await ask(stack, { caller: '13912345678', called: '4000000001', dtmf: '42' })).answer.data.phone).toBe('13300000001');
    expect((await stack.gql(DELETE, { id: broad })).data!.deleteIvrRoute).toBe(broad);
    expect((await ask(stack, { caller: '13912345678', called: '4000000001', dtmf: '42' })).answer.data.phone).toBe('');
  });

  it('refuses bad rules with BAD_USER_INPUT naming the field, and unknown ids with NOT_FOUND', async () => {
    const bad = async (input: Record<string, unknown>, field: string) => {
      const res = await stack.gql(ROUTE, { input });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    };
    await bad({ dtmf: '12a' }, 'dtmf');
    await bad({ callerPrefix: '+86' }, 'callerPrefix');
    await bad({ priority: -1 }, 'priority');
    await bad({ name: 'x'.repeat(101) }, 'name');
    const phone = await stack.gql(ROUTE, { input: { transferTo: '123' } });
    expect(phone.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    // Two routes with the same conditions and priority: the second could never apply.
    await createRoute(stack, { called: '4009000005', dtmf: '3', transferTo: '13200000001' });
    await bad({ called: '4009000005', dtmf: '3', transferTo: '13200000002' }, 'priority');
    await block(stack, { caller: '13100000001' });
    const twice = await stack.gql(BLOCK, { input: { caller: '13100000001' } });
    expect(twice.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'caller' });
    for (const input of [{}, { caller: '13100000002', callerPrefix: '131' }]) {
      expect((await stack.gql(BLOCK, { input })).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'caller' });
    }
    await block(stack, { callerPrefix: '1310' });
    expect((await stack.gql(BLOCK, { input: { callerPrefix: '1310' } })).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'callerPrefix',
    });
    expect((await stack.gql(BLOCK, { input: { callerPrefix: '1-3' } })).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'callerPrefix',
    });
    const missing = await stack.gql(UPDATE, { id: randomUUID(), patch: { enabled: false } });
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await stack.gql(UNBLOCK, { id: randomUUID() })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('takes phone numbers as Phone values: normalised, and a bad one refused with BAD_USER_INPUT naming it', async () => {
    const res = await stack.gql(ROUTE, { input: { called: '+86 10 6234 5678', transferTo: '13200000009' } });
    expect(res.data!.createIvrRoute).toMatchObject({ called: '01062345678', transferTo: '13200000009' });
    expect((await ask(stack, { caller: '13800000001', called: '01062345678' })).answer.data.phone).toBe('13200000009');
    const preview = await stack.gql(PREVIEW, { caller: '+86 138 0000 0001', called: '010-6234-5678' });
    expect(preview.data!.ivrRoutingPreview).toMatchObject({ outcome: 'TRANSFER', transferTo: '13200000009' });
    const entry = await stack.gql(BLOCK, { input: { caller: '+86 131-0000-0009', called: '(010) 6234 5678' } });
    expect(entry.data!.addIvrBlacklistEntry).toMatchObject({ caller: '13100000009', callerPrefix: null, called: '01062345678' });
    for (const [query, variables, value] of [
      [ROUTE, { input: { called: '12' } }, '"12"'],
      [UPDATE, { id: randomUUID(), patch: { called: '12x' } }, '"12x"'],
      [BLOCK, { input: { caller: '170' } }, '"170"'],
      [BLOCK, { input: { callerPrefix: '170', called: '999' } }, '"999"'],
      [PREVIEW, { caller: 'anonymous', called: '01062345678' }, '"anonymous"'],
      [PREVIEW, { caller: '13800000001', called: '+1 415 555 0100' }, '"+1 415 555 0100"'],
    ] as const) {
      const bad = await stack.gql(query, variables);
      expect(bad.data).toBeUndefined();
      expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(bad.errors?.[0].message).toContain(value);
    }
  });

  it('lets admins change rules and supervisors read them; others are refused', async () => {
    const supervisor = await stack.token(['supervisor']);
    const viewer = await stack.token(['viewer']);
    expect((await stack.gql(ROUTE, { input: { dtmf: '0' } }, supervisor)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await stack.gql(`{ ivrRoutes { id } }`, {}, supervisor)).errors).toBeUndefined();
    expect((await stack.gql(`{ ivrBlacklist { id } }`, {}, viewer)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('answers the platform in its shape whatever it sends: form bodies, missing fields, wrong secret', async () => {
    await createRoute(stack, { called: '4009000006', dtmf: '2', transferTo: '13000000001' });
    const form = await ask(stack, 'occCallId=c1&caller=13800000009&called=4009000006&dtmf=2', 'application/x-www-form-urlencoded');
    expect(form.answer).toEqual({ code: 0, msg: 'success', data: { phone: '13000000001' } });
    const noCaller = await ask(stack, { called: '4009000006' });
    expect(noCaller.status).toBe(200);
    expect(noCaller.answer).toEqual({ code: 500, msg: 'caller is required', data: { phone: '' } });
    const garbage = await ask(stack, '{not json', 'application/json');
    expect(garbage.answer.code).toBe(500);
    const wrong = await ask(stack, { caller: '13800000009', called: '4009000006' }, 'application/json', 'not-the-secret');
    expect(wrong.status).toBe(404);
    expect(wrong.answer).toBeUndefined();
  });

  it('publishes every decision as an ivrDecisions event, filtered by called number and outcome', async () => {
    const called = '4009000007';
    const rule = await createRoute(stack, { called, dtmf: '1', transferTo: '13000000002' });
    await block(stack, { caller: '13000000099', called });
    const all = await collect(
      stack.ws(),
      `subscription($called: Phone) { ivrDecisions(called: $called) { cursor kind platformKind occCallId caller called dtmf outcome transferTo ruleId decidedAt } }`,
      { called },
    );
    const refused = await collect(stack.ws(), `subscription { ivrDecisions(outcome: BLACKLISTED) { caller outcome } }`);
    // The sandbox plays the platform's IVR: it asks the gateway and reports the answer.
    const call = await stack.api.post<{ status: number; answer: IvrAnswer }>('/ivr/call', {
      occCallId: 'call-1',
      caller: '13800000010',
      called,
      dtmf: '1',
    });
    expect(call).toMatchObject({ status: 200, answer: { code: 0, data: { phone: '13000000002' } } });
    await ask(stack, { caller: '13000000099', called });
    const events = await all.waitFor(2);
    expect(events[0]).toMatchObject({
      kind: 'IVR_DECISION',
      platformKind: 'ivrDecision',
      occCallId: 'call-1',
      caller: '13800000010',
      called,
      dtmf: '1',
      outcome: 'TRANSFER',
      transferTo: '13000000002',
      ruleId: rule,
    });
    expect(new Date(events[0].decidedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(events[1]).toMatchObject({ outcome: 'BLACKLISTED', transferTo: null });
    await refused.waitFor(1);
    expect(refused.events).toEqual([{ caller: '13000000099', outcome: 'BLACKLISTED' }]);
    // A retried request (same call, same keys) is one decision, not two events.
    await stack.api.post('/ivr/call', { occCallId: 'call-1', caller: '13800000010', called, dtmf: '1' });
    await new Promise((r) => setTimeout(r, 300));
    expect(all.events).toHaveLength(2);
  });
});

describe.each(TEST_REDIS_MODES)('IVR rules across instances (%s)', (mode) => {
  const two = twoInstances({ IVR_RULES_REFRESH_MS: '100' }, mode);

  it('a rule created, changed or removed on one instance applies on the other', async () => {
    const called = '4008000001';
    const id = await createRoute(two.a, { called, transferTo: '13900000011' });
    const phoneOnB = async () => (await ask(two.b, { caller: '13800000001', called })).answer.data.phone;
    const eventually = async (expected: string) => {
      const deadline = Date.now() + 3000;
      let last = await phoneOnB();
      while (last !== expected && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        last = await phoneOnB();
      }
      expect(last).toBe(expected);
    };
    await eventually('13900000011');
    await two.a.gql(UPDATE, { id, patch: { transferTo: '13900000012' } });
    await eventually('13900000012');
    const blocked = await block(two.b, { caller: '13800000001' });
    const deadline = Date.now() + 3000;
    while ((await ask(two.a, { caller: '13800000001', called })).answer.code !== 403 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect((await ask(two.a, { caller: '13800000001', called })).answer.code).toBe(403);
    await two.b.gql(UNBLOCK, { id: blocked });
    await two.a.gql(DELETE, { id });
    await eventually('');
  });
});

describe('IVR routing while Redis is down', () => {
  const own = stackWithOwnRedis();

  it('keeps answering from the rules in memory; rule changes are refused until Redis is back', async () => {
    await createRoute(own.stack, { called: '4007000001', transferTo: '13900000021' });
    await own.redis.stop();
    const started = Date.now();
    const { answer } = await ask(own.stack, { caller: '13800000001', called: '4007000001' });
    expect(answer.data.phone).toBe('13900000021');
    expect(Date.now() - started).toBeLessThan(1000);
    const refused = await own.stack.gql(ROUTE, { input: { dtmf: '1', transferTo: '13900000022' } });
    expect(refused.errors?.[0].extensions?.code).toBe('UNAVAILABLE');
    await own.restartRedis();
  });
});
