import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { MAX_OPERATION_NAMES, OperationNames, platformCodeLabel } from '../src/observability/metrics';
import { metricsOf, scrape } from './support/metrics';
import { collect } from './support/subscriptions';
import { startStack, type Stack } from './support/stack';

const GROUPS = `query Groups { skillGroups(page: 1, pageSize: 5) { total } }`;
const LOCATION = `query Where($n: Phone!) { phone(number: $n) { location { province } } }`;

const callEnd = (callId: string) =>
  JSON.stringify({
    event: 'CallEnd',
    callId,
    taskSn: randomUUID(),
    called: '13800000000',
    caller: '95001',
    hangupGcode: 0,
    duration: 1000,
  });

async function postHook(url: string, body: string): Promise<number> {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await res.body.dump();
  return res.statusCode;
}

describe('GET /metrics on the main port', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('is the Prometheus text exposition, with the default Node process metrics', async () => {
    const answer = await scrape(stack.url);
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(answer.scrape.family('process_cpu_user_seconds_total')?.type).toBe('COUNTER');
    expect(answer.scrape.family('nodejs_eventloop_lag_seconds')).toBeDefined();
    expect(answer.scrape.family('gateway_breaker_state')?.type).toBe('GAUGE');
    expect(answer.scrape.value('gateway_breaker_state', { host: 'cc' })).toBe(0);
  });

  it('moves after an operation: its count and duration by type, name and outcome, its platform requests and the token fetch', async () => {
    const before = await metricsOf(stack.url);
    const answer = await stack.gql(GROUPS);
    expect(answer.errors).toBeUndefined();
    const after = await metricsOf(stack.url);
    const labels = { type: 'query', operation: 'Groups', outcome: 'ok' };
    expect(after.value('gateway_operations_total', labels) - before.value('gateway_operations_total', labels)).toBe(1);
    expect(after.count('gateway_operation_duration_seconds', labels) - before.count('gateway_operation_duration_seconds', labels)).toBe(1);
    const upstream = { endpoint: 'group.page', outcome: 'ok' };
    expect(after.value('gateway_upstream_requests_total', upstream) - before.value('gateway_upstream_requests_total', upstream)).toBe(1);
    expect(after.samples('gateway_upstream_requests_total', upstream).map((m) => m.labels?.platform_code)).toEqual(['0']);
    expect(after.count('gateway_upstream_request_duration_seconds', upstream)).toBeGreaterThanOrEqual(1);
    expect(after.value('gateway_token_requests_total', { kind: 'fetch', outcome: 'ok' })).toBe(1);
  });

  it('counts operations that fail by what failed, and anonymous ones as anonymous', async () => {
    const before = await metricsOf(stack.url);
    const forbidden = await stack.gql(`{ skillGroups { total } }`, {}, await stack.token(['viewer']));
    expect(forbidden.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const after = await metricsOf(stack.url);
    const labels = { type: 'query', operation: 'anonymous', outcome: 'client_error' };
    expect(after.value('gateway_operations_total', labels) - before.value('gateway_operations_total', labels)).toBe(1);
  });

  it('moves after a callback: accepted, then the same callback as a duplicate, and an unusable one as a dead letter', async () => {
    const before = await metricsOf(stack.url);
    const body = callEnd(`metrics-${randomUUID()}`);
    expect(await postHook(stack.hookUrl, body)).toBe(200);
    expect(await postHook(stack.hookUrl, body)).toBe(200);
    await stack.gateway.services.events.caughtUp();
    expect(await postHook(stack.hookUrl, JSON.stringify({ nothing: 'to recognise' }))).toBe(200);
    const after = await metricsOf(stack.url);
    const moved = (labels: Record<string, string>) =>
      after.value('gateway_callbacks_total', labels) - before.value('gateway_callbacks_total', labels);
    expect(moved({ kind: 'CallEnd', result: 'accepted' })).toBe(1);
    expect(moved({ kind: 'CallEnd', result: 'duplicate' })).toBe(1);
    expect(moved({ kind: 'unknown', result: 'dead_letter' })).toBe(1);
    // Two appends reached the log (the duplicate was one as well: the dedupe is part of the append).
    const appends = after.count('gateway_event_append_duration_seconds') - before.count('gateway_event_append_duration_seconds');
    expect(appends).toBe(2);
    expect(after.family('gateway_event_read_lag_seconds')?.type).toBe('GAUGE');
    expect(after.value('gateway_event_read_lag_seconds')).toBeLessThan(5);
  });

  it('moves after refused requests: by the limit that refused them, and as refused operations', async () => {
    const before = await metricsOf(stack.url);
    const aliases = Array.from({ length: 16 }, (_v, i) => `a${i}: __typename`).join(' ');
    const tooWide = await stack.gql(`query TooWide { ${aliases} }`); // LIMIT_ALIASES is 15
    expect(tooWide.errors?.[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT', limit: 'aliases' });
    const big = await request(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await stack.token()}` },
      body: JSON.stringify({ query: `{ __typename }`, padding: 'x'.repeat(1024 * 1024 + 1) }),
    });
    expect(big.statusCode).toBe(413);
    await big.body.dump();
    const after = await metricsOf(stack.url);
    const moved = (reason: string) =>
      after.value('gateway_refusals_total', { reason }) - before.value('gateway_refusals_total', { reason });
    expect(moved('aliases')).toBe(1);
    expect(moved('bodyBytes')).toBe(1);
    const refused = { type: 'query', operation: 'TooWide', outcome: 'refused' };
    expect(after.value('gateway_operations_total', refused) - before.value('gateway_operations_total', refused)).toBe(1);
  });

  it('counts phone lookups answered from the cache and not, by kind', async () => {
    const n = `139${String(Date.now()).slice(-8)}`;
    const before = await metricsOf(stack.url);
    expect((await stack.gql(LOCATION, { n })).errors).toBeUndefined();
    expect((await stack.gql(LOCATION, { n })).errors).toBeUndefined();
    const after = await metricsOf(stack.url);
    const moved = (result: string) =>
      after.value('gateway_lookup_cache_total', { kind: 'location', result }) -
      before.value('gateway_lookup_cache_total', { kind: 'location', result });
    expect(moved('miss')).toBe(1);
    expect(moved('hit')).toBe(1);
    // No label value carries the number looked up.
    expect(JSON.stringify(after.families)).not.toContain(n);
  });

  it('shows sockets and subscriptions open while they are, and counts the subscription when it ends', async () => {
    const client = stack.ws();
    const sub = await collect(client, `subscription Ends { callEnded { callId } }`);
    const open = await metricsOf(stack.url);
    expect(open.value('gateway_websockets_open')).toBe(1);
    expect(open.value('gateway_subscriptions_open')).toBe(1);
    sub.stop();
    await client.dispose();
    const deadline = Date.now() + 5000;
    let closed = await metricsOf(stack.url);
    while (closed.value('gateway_websockets_open') !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      closed = await metricsOf(stack.url);
    }
    expect(closed.value('gateway_websockets_open')).toBe(0);
    expect(closed.value('gateway_subscriptions_open')).toBe(0);
    expect(closed.value('gateway_operations_total', { type: 'subscription', operation: 'Ends', outcome: 'ok' })).toBe(1);
  });

  it('keeps operation names bounded: at most 64 characters of [A-Za-z0-9_]', async () => {
    const long = `Op_${'x'.repeat(100)}`;
    expect((await stack.gql(`query ${long} { __typename }`)).errors).toBeUndefined();
    const after = await metricsOf(stack.url);
    expect(after.labelValues('gateway_operations_total', 'operation')).toContain(long.slice(0, 64));
  });
});

describe('GET /metrics configured', () => {
  it('with METRICS_TOKEN, only for that bearer token', async () => {
    const token = 'metrics-token-0123456789';
    const stack = await startStack({ env: { METRICS_TOKEN: token } });
    try {
      expect((await scrape(stack.url)).status).toBe(401);
      expect((await scrape(stack.url, 'wrong-token-0123456789')).status).toBe(401);
      const ok = await scrape(stack.url, token);
      expect(ok.status).toBe(200);
      expect(ok.scrape.family('gateway_operations_total')).toBeDefined();
    } finally {
      await stack.close();
    }
  });

  it('with METRICS_PORT, on that port only; two gateways in one process count apart', async () => {
    const a = await startStack({ env: { METRICS_PORT: '0' } });
    const b = await startStack();
    try {
      expect(a.gateway.metricsUrl).not.toBe(a.url);
      expect((await scrape(a.url)).status).toBe(404);
      const beforeB = await metricsOf(b.url);
      expect((await a.gql(GROUPS)).errors).toBeUndefined();
      const afterA = await metricsOf(a.gateway.metricsUrl);
      const afterB = await metricsOf(b.url);
      const labels = { type: 'query', operation: 'Groups', outcome: 'ok' };
      expect(afterA.value('gateway_operations_total', labels)).toBe(1);
      expect(afterB.value('gateway_operations_total', labels)).toBe(beforeB.value('gateway_operations_total', labels));
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('label values', () => {
  it('keep the first 200 distinct operation names; the rest are other', () => {
    const names = new OperationNames();
    expect(names.label('has space-and.dots')).toBe('has_space_and_dots');
    for (let i = 1; i < MAX_OPERATION_NAMES; i++) expect(names.label(`Op${i}`)).toBe(`Op${i}`);
    expect(names.label('OneTooMany')).toBe('other');
    expect(names.label('Op7')).toBe('Op7');
    expect(names.label(undefined)).toBe('anonymous');
  });

  it('keep platform codes of the spec and short numbers; anything else is other', () => {
    expect(platformCodeLabel('0')).toBe('0');
    expect(platformCodeLabel('403')).toBe('403');
    expect(platformCodeLabel('13800138000')).toBe('other');
    expect(platformCodeLabel('some text')).toBe('other');
    expect(platformCodeLabel(undefined)).toBe('none');
  });
});
