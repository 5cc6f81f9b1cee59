import { ConfigError, loadConfig, tracingSettings } from '../src/config';
import { runToExit } from './support/process';

describe('configuration', () => {
  it('runs in sandbox mode without VCALL_BASE_URL, with the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ sandbox: true, port: 4000, upstreamTimeoutMs: 10_000, redisUrl: undefined });
  });

  it('derives the notice and open hosts from the main host unless given', () => {
    const c = loadConfig({
      VCALL_BASE_URL: 'https://cc.example.test/',
      VCALL_OPEN_BASE_URL: 'http://10.0.0.1:8080',
      VCALL_ACCESS_KEY_ID: 'id',
      VCALL_ACCESS_KEY_SECRET: 'secret',
      HOOK_SECRET: 'hook',
      AUTH_JWT_SECRET: 'x'.repeat(32),
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(c.upstream).toEqual({ cc: 'https://cc.example.test', notice: 'https://cc.example.test', open: 'http://10.0.0.1:8080' });
  });

  it('reads the Redis mode: one server, Sentinel or Cluster, and waits for a replica by default where there are replicas', () => {
    expect(loadConfig({})).toMatchObject({ redis: undefined, eventsWaitReplicas: 0, eventsWaitTimeoutMs: 500 });
    expect(loadConfig({ REDIS_URL: 'redis://a:6379' })).toMatchObject({
      redis: { mode: 'single', url: 'redis://a:6379' },
      eventsWaitReplicas: 0,
    });
    expect(loadConfig({ REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, [::1]:7001 ', REDIS_PASSWORD: 'pw', REDIS_TLS: 'true' })).toMatchObject({
      redis: {
        mode: 'cluster',
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '::1', port: 7001 },
        ],
        password: 'pw',
        tls: true,
      },
      eventsWaitReplicas: 1,
    });
    expect(
      loadConfig({
        REDIS_SENTINELS: 's1:26379,s2:26379',
        REDIS_SENTINEL_NAME: 'occ',
        EVENTS_WAIT_REPLICAS: '0',
        EVENTS_WAIT_TIMEOUT_MS: '250',
      }),
    ).toMatchObject({
      redis: {
        mode: 'sentinel',
        name: 'occ',
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26379 },
        ],
      },
      eventsWaitReplicas: 0,
      eventsWaitTimeoutMs: 250,
    });
  });

  it('reads the callback source allow-list as addresses and ranges, IPv4 and IPv6', () => {
    expect(loadConfig({ HOOK_ALLOW_CIDRS: ' 10.0.0.0/8, 192.0.2.7 ,2001:db8::/32,' }).hookAllowCidrs).toEqual([
      '10.0.0.0/8',
      '192.0.2.7',
      '2001:db8::/32',
    ]);
    expect(loadConfig({}).hookAllowCidrs).toEqual([]);
  });

  it('has the documented guard defaults: limits, rate limits, sizes, sockets, CORS off, introspection off only in production', () => {
    const c = loadConfig({});
    expect(c.limits).toEqual({ depth: 8, aliases: 15, tokens: 2000, cost: 5000, upstreamCallsPerOperation: 1200 });
    expect(c.rateLimits).toEqual({ operationsPerMinute: 600, billedPerMinute: 2000, exemptRoles: [], authFailuresPerMinute: 300 });
    expect(c.httpMaxBodyBytes).toBe(1024 * 1024);
    expect(c.ws).toEqual({
      maxPayloadBytes: 65536,
      connectionInitTimeoutMs: 3000,
      keepAliveMs: 12_000,
      maxSubscriptionsPerSocket: 50,
      maxSocketsPerPrincipal: 20,
    });
    expect(c.cors).toEqual({ origins: [], credentials: false });
    expect(c.authMaxTokenLifetimeMs).toBe(24 * 3600_000);
    expect(c.allowIntrospection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).allowIntrospection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', ALLOW_INTROSPECTION: 'true' }).allowIntrospection).toBe(true);
  });

  it('reads limits (0 = off), durations, roles and origins', () => {
    const c = loadConfig({
      LIMIT_COST: '0',
      AUTH_MAX_TOKEN_LIFETIME: '90m',
      RATE_LIMIT_EXEMPT_ROLES: 'admin, supervisor',
      CORS_ORIGINS: 'https://a.example.test/,http://localhost:5173',
    });
    expect(c.limits.cost).toBe(0);
    expect(c.authMaxTokenLifetimeMs).toBe(90 * 60_000);
    expect(c.rateLimits.exemptRoles).toEqual(['admin', 'supervisor']);
    expect(c.cors.origins).toEqual(['https://a.example.test', 'http://localhost:5173']);
    expect(loadConfig({ CORS_ORIGINS: '*' }).cors.origins).toEqual(['*']);
  });

  it('reads TRUST_PROXY as a hop count or a list of proxy addresses, ranges and names; no proxy trusted by default', () => {
    expect(loadConfig({}).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '' }).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: ' 2 ' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback' }).trustProxy).toEqual(['loopback']);
    expect(loadConfig({ TRUST_PROXY: ' loopback, 10.0.0.0/8 ,192.0.2.7,2001:db8::/32,uniquelocal,linklocal,' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      '192.0.2.7',
      '2001:db8::/32',
      'uniquelocal',
      'linklocal',
    ]);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ VCALL_BASE_URL: 'cc.v-call.cn' }, 'VCALL_BASE_URL'],
    [{ UPSTREAM_TIMEOUT_MS: '-5' }, 'UPSTREAM_TIMEOUT_MS'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET'],
    [{ VCALL_BASE_URL: 'https://cc.example.test' }, 'VCALL_ACCESS_KEY_ID'],
    [{ HOOK_ALLOW_CIDRS: '10.0.0.0/8,office' }, 'HOOK_ALLOW_CIDRS'],
    [{ HOOK_ALLOW_CIDRS: '10.0.0.0/33' }, 'HOOK_ALLOW_CIDRS'],
    [{ LIMIT_DEPTH: '-1' }, 'LIMIT_DEPTH'],
    [{ LIMIT_COST: 'lots' }, 'LIMIT_COST'],
    [{ AUTH_MAX_TOKEN_LIFETIME: '1 week' }, 'AUTH_MAX_TOKEN_LIFETIME'],
    [{ RATE_LIMIT_EXEMPT_ROLES: 'root' }, 'RATE_LIMIT_EXEMPT_ROLES'],
    [{ CORS_ORIGINS: 'ops.example.test' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://a.example.test/app' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: '*,https://a.example.test' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: '*', CORS_ALLOW_CREDENTIALS: 'true' }, 'CORS_ALLOW_CREDENTIALS'],
    [{ ALLOW_INTROSPECTION: 'maybe' }, 'ALLOW_INTROSPECTION'],
    [{ HTTP_MAX_BODY_BYTES: '0' }, 'HTTP_MAX_BODY_BYTES'],
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '-1' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '1.5' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: 'loopback,office' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '1,loopback' }, 'TRUST_PROXY'],
    [{ METRICS_PORT: 'ninety' }, 'METRICS_PORT'],
    [{ METRICS_TOKEN: 'too-short' }, 'METRICS_TOKEN'],
    [{ PORT: '4000', METRICS_PORT: '4000' }, 'METRICS_PORT'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT'],
    [{ OTEL_PROPAGATE_UPSTREAM: 'sometimes' }, 'OTEL_PROPAGATE_UPSTREAM'],
    [{ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:6379' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: 'b:6379', REDIS_SENTINELS: 'c:26379', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS'],
    [{ REDIS_CLUSTER_NODES: 'b' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: 'b:70000' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_SENTINELS: 'c:26379' }, 'REDIS_SENTINEL_NAME'],
    [{ REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINEL_NAME'],
    [{ REDIS_URL: 'redis://a:6379', REDIS_PASSWORD: 'p' }, 'REDIS_PASSWORD'],
    [{ EVENTS_WAIT_REPLICAS: '-1' }, 'EVENTS_WAIT_REPLICAS'],
    [{ EVENTS_WAIT_TIMEOUT_MS: '0' }, 'EVENTS_WAIT_TIMEOUT_MS'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^invalid configuration: ${variable} `));
  });

  it('reads the observability variables: metrics on the main port without a token, tracing off by default', () => {
    expect(loadConfig({}).metrics).toEqual({ port: undefined, token: undefined });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_TOKEN: 'a-metrics-token-0123' }).metrics).toEqual({
      port: 9464,
      token: 'a-metrics-token-0123',
    });
    expect(tracingSettings({})).toBeUndefined();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' })).toBeUndefined();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_PROPAGATE_UPSTREAM: 'true' })).toEqual({
      endpoint: 'http://collector:4318',
      propagateUpstream: true,
      serviceName: 'occ-gateway',
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ VCALL_BASE_URL: 'not a url' }, 'VCALL_BASE_URL'],
  ])('the process exits 2 with one line per problem, the first naming the variable, for %j', async (env, variable) => {
    const { code, output } = await runToExit(env);
    expect(code).toBe(2);
    const lines = output.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^invalid configuration: ${variable} `));
    for (const line of lines) expect(line).toMatch(/^invalid configuration: [A-Z_]+ /); // the rest: what VCALL_BASE_URL needs
  });
});
