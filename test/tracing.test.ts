import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { request } from 'undici';
import { mintToken } from '../src/auth/jwt';
import { deleteKeysWithPrefix } from '../src/store/redis';
import { startSandbox, type Sandbox } from '../sandbox/server';
import { OtlpReceiver } from './support/otlp';
import { assertBuilt, startGatewayProcess, type GatewayProcess } from './support/process';
import { testRedisUrl } from './support/redis';
import { platformEnv } from './support/sandbox';
import { JWT_SECRET } from './support/stack';
import { callEnd } from './support/callbacks';

const GROUPS = `query Groups { skillGroups(page: 1, pageSize: 5) { total } }`;
const HOOK_SECRET = 'hook-secret-for-tracing';

/** A gateway process (ioredis is instrumented only where the SDK starts before it loads, as in main.ts) exporting to `receiver`. */
async function tracedGateway(sandbox: Sandbox, receiver: OtlpReceiver, env: Record<string, string> = {}) {
  const prefix = `test:${randomUUID()}:`;
  const proc = await startGatewayProcess({
    ...platformEnv(sandbox),
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    HOOK_SECRET,
    AUTH_JWT_SECRET: JWT_SECRET,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    ...env,
  });
  return {
    proc,
    async stop(): Promise<void> {
      expect(await proc.stop()).toBe(0);
      await deleteKeysWithPrefix(testRedisUrl(), prefix);
    },
  };
}

async function query(proc: GatewayProcess, headers: Record<string, string> = {}) {
  const token = await mintToken(JWT_SECRET, { sub: 'tracing', roles: ['admin'] });
  const res = await request(`${proc.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ query: GROUPS }),
  });
  const body = (await res.body.json()) as { errors?: unknown };
  expect(body.errors).toBeUndefined();
  return String(res.headers['x-request-id']);
}

describe('OpenTelemetry traces (OTEL_EXPORTER_OTLP_ENDPOINT set)', () => {
  let sandbox: Sandbox;
  let receiver: OtlpReceiver;
  let gateway: Awaited<ReturnType<typeof tracedGateway>>;
  beforeAll(async () => {
    sandbox = await startSandbox();
    receiver = await OtlpReceiver.start();
    gateway = await tracedGateway(sandbox, receiver);
  });
  afterAll(async () => {
    await gateway?.stop();
    await receiver?.close();
    await sandbox?.close();
  });

  it("an operation's span, named after it, continues the client's traceparent; its platform and Redis calls are in it", async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    const requestId = await query(gateway.proc, { traceparent: `00-${traceId}-${parentId}-01` });
    const operation = await receiver.span((s) => s.name === 'query Groups' && s.traceId === traceId);
    expect(operation.parentSpanId).toBe(parentId);
    expect(operation.service).toBe('occ-gateway');
    expect(operation.attributes).toMatchObject({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'Groups',
      'gateway.outcome': 'ok',
      'gateway.request_id': requestId,
    });
    const upstream = await receiver.span((s) => s.name === 'upstream group.page' && s.traceId === traceId);
    expect(upstream.parentSpanId).toBe(operation.spanId);
    expect(upstream.attributes).toMatchObject({ 'gateway.upstream.endpoint': 'group.page', 'http.response.status_code': 200 });
    // The operations rate limit is counted in Redis within the operation.
    const redis = await receiver.span((s) => s.traceId === traceId && s.attributes['db.system.name'] === 'redis');
    expect(redis.parentSpanId).toBe(operation.spanId);
    // Redis spans name the command, never its keys or arguments.
    expect(JSON.stringify(receiver.spans.filter((s) => s.attributes['db.system.name'] === 'redis'))).not.toContain('test:');
    // Without OTEL_PROPAGATE_UPSTREAM the platform is not sent the trace context.
    expect(sandbox.requests({ endpoint: 'group.page' }).every((r) => r.traceparent === undefined)).toBe(true);
  });

  it('without a traceparent, the operation starts a trace of its own that its platform calls share', async () => {
    await query(gateway.proc);
    const operation = await receiver.span((s) => s.name === 'query Groups' && s.parentSpanId === undefined);
    const upstream = await receiver.span((s) => s.name === 'upstream group.page' && s.parentSpanId === operation.spanId);
    expect(upstream.traceId).toBe(operation.traceId);
  });

  it("a callback's receipt span is the parent of its event's delivery", async () => {
    const callId = `traced-${randomUUID()}`;
    const res = await request(`${gateway.proc.url}/hooks/${HOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(callEnd(callId, callId)),
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    const received = await receiver.span((s) => s.name === 'callback CallEnd' && s.attributes['gateway.callback.result'] === 'accepted');
    const delivered = await receiver.span((s) => s.name === 'deliver CallEnd' && s.parentSpanId === received.spanId);
    expect(delivered.traceId).toBe(received.traceId);
    // Its append to the event log is a Redis span of the same trace.
    await receiver.span((s) => s.traceId === received.traceId && s.attributes['db.system.name'] === 'redis');
  });
});

describe('OTEL_PROPAGATE_UPSTREAM=true', () => {
  it("sends the platform the upstream call's trace context", async () => {
    const sandbox = await startSandbox();
    const receiver = await OtlpReceiver.start();
    const gateway = await tracedGateway(sandbox, receiver, { OTEL_PROPAGATE_UPSTREAM: 'true' });
    try {
      const traceId = randomBytes(16).toString('hex');
      await query(gateway.proc, { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` });
      const upstream = await receiver.span((s) => s.name === 'upstream group.page' && s.traceId === traceId);
      const sent = sandbox.requests({ endpoint: 'group.page' }).map((r) => r.traceparent);
      expect(sent).toEqual([`00-${traceId}-${upstream.spanId}-01`]);
    } finally {
      await gateway.stop();
      await receiver.close();
      await sandbox.close();
    }
  });
});

describe('tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('loads no OpenTelemetry SDK module (only the API package Apollo Server itself depends on)', () => {
    assertBuilt();
    const dist = join(__dirname, '..', 'dist', 'src');
    const loaded = (env: Record<string, string>): string[] => {
      const script = `require('reflect-metadata'); require(${JSON.stringify(join(dist, 'observability', 'start-tracing.js'))}); require(${JSON.stringify(join(dist, 'app.js'))});
        const names = Object.keys(require.cache).map((k) => /node_modules\\/(@opentelemetry\\/[^/]+)/.exec(k)?.[1]).filter(Boolean);
        console.log(JSON.stringify([...new Set(names)].sort()))`;
      const out = spawnSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
      return JSON.parse(out.stdout.trim()) as string[];
    };
    expect(loaded({}).filter((name) => name !== '@opentelemetry/api')).toEqual([]);
    expect(loaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' })).toEqual(
      expect.arrayContaining([
        '@opentelemetry/sdk-trace-node',
        '@opentelemetry/exporter-trace-otlp-http',
        '@opentelemetry/instrumentation-ioredis',
      ]),
    );
  });
});
