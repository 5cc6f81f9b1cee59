import { isIP } from 'node:net';
import { z } from 'zod';
import type { RedisConnection } from './store/redis-connection';
import { parseNodeList } from './store/redis-nodes';

/** One variable the gateway cannot run with, and why. */
export interface ConfigProblem {
  variable: string;
  detail: string;
}

/**
 * Thrown when the environment holds values the gateway cannot run with: every problem found, one
 * line each in the message (`invalid configuration: <VARIABLE> <why>`), so one start names them all.
 */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(problems.map((p) => `invalid configuration: ${p.variable} ${p.detail}`).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
  /** The first variable named (most errors name one). */
  get variable(): string {
    return this.problems[0].variable;
  }
}

const httpUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL')
  .transform((v) => v.replace(/\/+$/, ''));

/** An optional URL where an empty value means unset (as `VAR=` in an env file or a compose default). */
const optionalHttpUrl = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), httpUrl.optional());

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/** An address or address/prefix-length, IPv4 or IPv6. */
function isCidr(entry: string): boolean {
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

const cidrList = optionalString
  .refine(
    (v) => v === undefined || v.split(',').every((entry) => entry.trim() === '' || isCidr(entry.trim())),
    'must be comma-separated addresses or CIDR ranges (10.0.0.0/8, 2001:db8::/32)',
  )
  .transform((v) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  );

const port = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const positiveInt = (fallback: number) =>
  z.coerce.number({ message: 'must be a number' }).int('must be a whole number').positive('must be positive').default(fallback);

/** A limit where 0 switches it off (documented per variable). */
const limit = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must not be negative (0 switches the limit off)')
    .default(fallback);

const optionalBool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''], { message: 'must be true or false' })
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v === 'true' || v === '1' || v === 'yes'));
const bool = (fallback: boolean) => optionalBool.transform((v) => v ?? fallback);

/** A duration: whole seconds, or a number with s, m, h or d ("24h"); in ms. */
const duration = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .refine((v) => /^\d+\s*(s|m|h|d)?$/i.test(v) && Number.parseInt(v, 10) > 0, 'must be a positive duration such as 3600, 90m, 24h or 7d')
    .transform((v) => {
      const unit = (/[smhd]$/i.exec(v)?.[0] ?? 's').toLowerCase();
      return Number.parseInt(v, 10) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit as 's' | 'm' | 'h' | 'd'];
    });

const ROLE_NAMES = ['viewer', 'agent', 'supervisor', 'admin'] as const;
const roleList = optionalString
  .refine(
    (v) => v === undefined || v.split(',').every((r) => r.trim() === '' || (ROLE_NAMES as readonly string[]).includes(r.trim())),
    `must be comma-separated roles (${ROLE_NAMES.join(', ')})`,
  )
  .transform(
    (v) =>
      (v
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : []) as (typeof ROLE_NAMES)[number][],
  );

/** Exact origins (scheme://host[:port]) or a lone `*`. */
const originList = optionalString
  .refine(
    (v) =>
      v === undefined ||
      v.trim() === '*' ||
      v.split(',').every((o) => {
        const entry = o.trim();
        if (entry === '') return true;
        try {
          const u = new URL(entry);
          return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === entry.replace(/\/$/, '');
        } catch {
          return false;
        }
      }),
    'must be * or comma-separated exact origins such as https://ops.example.com,http://localhost:5173',
  )
  .transform((v) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim().replace(/\/$/, ''))
          .filter(Boolean)
      : [],
  );

/** TRUST_PROXY: a hop count, or addresses/CIDR ranges (or proxy-addr's names loopback, linklocal, uniquelocal). */
const trustProxy = optionalString
  .refine(
    (v) =>
      v === undefined ||
      /^\d+$/.test(v) ||
      v.split(',').every((e) => e.trim() === '' || ['loopback', 'linklocal', 'uniquelocal'].includes(e.trim()) || isCidr(e.trim())),
    'must be a hop count (1) or comma-separated proxy addresses or CIDR ranges (10.0.0.0/8, loopback)',
  )
  .transform((v): number | string[] =>
    v === undefined
      ? 0
      : /^\d+$/.test(v)
        ? Number(v)
        : v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
  );

/** Observability (src/observability/): metrics endpoint and OpenTelemetry tracing. */
const observabilityEnv = {
  METRICS_PORT: port.optional(),
  METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_PROPAGATE_UPSTREAM: bool(false),
  OTEL_SERVICE_NAME: z.string().trim().default('occ-gateway'),
};

export interface TracingSettings {
  /** OTLP/HTTP endpoint of the collector (the exporter sends to `<endpoint>/v1/traces`). */
  endpoint: string;
  /** Whether platform requests carry the `traceparent` header. */
  propagateUpstream: boolean;
  serviceName: string;
}

/**
 * The tracing variables alone, read before the rest of the configuration (tracing starts before the
 * modules it instruments are loaded); undefined when tracing is off or they are bad (loadConfig then
 * names the bad variable).
 */
export function tracingSettings(source: NodeJS.ProcessEnv): TracingSettings | undefined {
  const { OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_PROPAGATE_UPSTREAM, OTEL_SERVICE_NAME } = observabilityEnv;
  const parsed = z.object({ OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_PROPAGATE_UPSTREAM, OTEL_SERVICE_NAME }).safeParse(source);
  if (!parsed.success || !parsed.data.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  const e = parsed.data;
  return { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT!, propagateUpstream: e.OTEL_PROPAGATE_UPSTREAM, serviceName: e.OTEL_SERVICE_NAME };
}

/** host:port,host:port (cluster seeds, sentinels). */
const nodeList = optionalString
  .refine((v) => v === undefined || parseNodeList(v) !== null, 'must be comma-separated host:port pairs (10.0.0.1:6379,10.0.0.2:6379)')
  .transform((v) => (v === undefined ? undefined : parseNodeList(v)!));

const REDIS_MODES = ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const;

const env = z.object({
  ...observabilityEnv,
  PORT: port.default(4000),
  HOST: z.string().trim().default('0.0.0.0'),
  VCALL_BASE_URL: httpUrl.optional(),
  VCALL_NOTICE_BASE_URL: optionalHttpUrl,
  VCALL_OPEN_BASE_URL: optionalHttpUrl,
  VCALL_ACCESS_KEY_ID: optionalString,
  VCALL_ACCESS_KEY_SECRET: optionalString,
  VCALL_COMPANY_ID: optionalString,
  REDIS_URL: z
    .string()
    .trim()
    .optional()
    .refine((v) => v === undefined || v === '' || /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL')
    .transform((v) => (v === '' ? undefined : v)),
  REDIS_PREFIX: z.string().default('occ:'),
  REDIS_CLUSTER_NODES: nodeList,
  REDIS_SENTINELS: nodeList,
  REDIS_SENTINEL_NAME: optionalString,
  REDIS_PASSWORD: optionalString,
  REDIS_TLS: bool(false),
  EVENTS_WAIT_REPLICAS: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must not be negative (0: do not wait for replicas)')
    .optional(),
  EVENTS_WAIT_TIMEOUT_MS: positiveInt(500),
  HOOK_SECRET: optionalString,
  HOOK_ALLOW_CIDRS: cidrList,
  AUTH_JWT_SECRET: optionalString,
  AUTH_JWKS_URL: optionalHttpUrl,
  UPSTREAM_TIMEOUT_MS: positiveInt(10_000),
  UPLOAD_MAX_BYTES: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .positive('must be positive')
    .default(20 * 1024 * 1024),
  EVENTS_MAXLEN_PER_KIND: positiveInt(100_000),
  EVENTS_DEDUPE_TTL_S: positiveInt(48 * 3600),
  EVENT_BUFFER_SIZE: positiveInt(1000),
  EVENTS_LOSS_REPORT_S: positiveInt(600),
  SERVICE_LEVEL_SECONDS: positiveInt(20),
  WALLBOARD_STATS_INTERVAL_MS: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(100, 'must be at least 100')
    .max(60_000, 'must be at most 60000')
    .default(1000),
  IVR_RULES_REFRESH_MS: positiveInt(1000),
  LOOKUP_TTL_LOCATION_S: positiveInt(30 * 86_400),
  LOOKUP_TTL_PORTABILITY_S: positiveInt(7 * 86_400),
  LOOKUP_TTL_STATE_S: positiveInt(600),
  LOOKUP_TTL_MARKS_S: positiveInt(86_400),
  LOOKUP_TTL_MARK_REPORT_S: positiveInt(86_400),
  LOOKUP_FAILURE_TTL_S: positiveInt(15),
  LOOKUP_REFRESH_AHEAD: z.coerce
    .number({ message: 'must be a number' })
    .min(0, 'must be between 0 and 0.9')
    .max(0.9, 'must be between 0 and 0.9')
    .default(0.1),
  LOOKUP_MAX_CONCURRENCY: positiveInt(16),
  LOOKUP_NEAR_CACHE_MS: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must not be negative')
    .default(1000),
  NODE_ENV: z.string().trim().default(''),
  ALLOW_INTROSPECTION: optionalBool,
  AUTH_MAX_TOKEN_LIFETIME: duration('24h'),
  LIMIT_DEPTH: limit(8),
  LIMIT_ALIASES: limit(15),
  LIMIT_TOKENS: limit(2000),
  LIMIT_COST: limit(5000),
  LIMIT_UPSTREAM_CALLS_PER_OPERATION: limit(1200),
  RATE_LIMIT_OPERATIONS_PER_MINUTE: limit(600),
  RATE_LIMIT_BILLED_PER_MINUTE: limit(2000),
  RATE_LIMIT_EXEMPT_ROLES: roleList,
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: limit(300),
  HTTP_MAX_BODY_BYTES: positiveInt(1024 * 1024),
  WS_MAX_PAYLOAD_BYTES: positiveInt(64 * 1024),
  WS_CONNECTION_INIT_TIMEOUT_MS: positiveInt(3000),
  WS_KEEPALIVE_MS: positiveInt(12_000),
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: limit(50),
  WS_MAX_SOCKETS_PER_PRINCIPAL: limit(20),
  WS_MAX_BUFFERED_BYTES: limit(4 * 1024 * 1024),
  CORS_ORIGINS: originList,
  CORS_ALLOW_CREDENTIALS: bool(false),
  TRUST_PROXY: trustProxy,
  UPSTREAM_BREAKER_FAILURES: limit(5),
  UPSTREAM_BREAKER_OPEN_MS: positiveInt(10_000),
  UPSTREAM_MAX_CONCURRENCY_PER_FAMILY: positiveInt(64),
  UPSTREAM_QUEUE_PER_FAMILY: limit(1000),
  TOKEN_BACKOFF_MAX_MS: positiveInt(60_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_DRAIN_MS: limit(5000),
  SHUTDOWN_TIMEOUT_MS: positiveInt(20_000),
  APQ_TTL_S: positiveInt(86_400),
  APQ_MAX_BYTES: positiveInt(64 * 1024),
  COMPRESSION_MIN_BYTES: limit(1024),
  EXPLORER: optionalBool,
});

export interface UpstreamHosts {
  /** Main platform host (`cc`). */
  cc: string;
  /** Legacy voice-notice host with its own token (`notice`). */
  notice: string;
  /** Customer-deployed `{ip:port}` host: SMS, flash SMS, AIM, direct call (`open`). */
  open: string;
}
export type HostName = keyof UpstreamHosts;

export interface Config {
  port: number;
  host: string;
  /** True when no VCALL_BASE_URL was given: the embedded sandbox platform is the upstream. */
  sandbox: boolean;
  upstream: UpstreamHosts | undefined;
  accessKeyId: string | undefined;
  accessKeySecret: string | undefined;
  companyId: string | undefined;
  /** REDIS_URL (single mode only; see `redis` for every mode). */
  redisUrl: string | undefined;
  /** The Redis to use, in whichever mode is configured; undefined: the in-process store. */
  redis: RedisConnection | undefined;
  redisPrefix: string;
  /** Replicas a callback's append must reach before it is answered 200 (Redis WAIT; 0: no wait). */
  eventsWaitReplicas: number;
  /** How long an append waits for them; then the callback is answered 503 (the platform retries). */
  eventsWaitTimeoutMs: number;
  hookSecret: string | undefined;
  hookAllowCidrs: string[];
  jwtSecret: string | undefined;
  jwksUrl: string | undefined;
  upstreamTimeoutMs: number;
  /** Largest file a GraphQL multipart upload may carry (default 20 MiB). */
  uploadMaxBytes: number;
  /** Entries kept per event kind in the log (exactly). */
  eventsMaxLenPerKind: number;
  /** How long a callback's idempotency key is remembered (≥ 24 h: the platform retries for 15 min). */
  eventsDedupeTtlMs: number;
  /** Events buffered per subscription before a slow subscriber is cut off. */
  eventBufferSize: number;
  /**
   * After the store lost the event log (its generation changed): how long /readyz reports it, and
   * how long at most the wallboard stays stale while it is rebuilt.
   */
  eventsLossReportMs: number;
  /** Wallboard service level: an answered call that waited at most this long (seconds) is within it. */
  serviceLevelSeconds: number;
  /** Least time between two wallboardUpdates of one group's figures (statistics included), ms. */
  wallboardStatsIntervalMs: number;
  /** How often an instance checks whether another one changed the IVR routing rules. */
  ivrRulesRefreshMs: number;
  logLevel: z.infer<typeof env>['LOG_LEVEL'];
  /** NODE_ENV=production. */
  production: boolean;
  /** Introspection and field suggestions ("Did you mean …") for clients: off in production unless ALLOW_INTROSPECTION=true. */
  allowIntrospection: boolean;
  /** Longest accepted client JWT lifetime (exp − iat, or exp − now without iat), ms. */
  authMaxTokenLifetimeMs: number;
  /** Operation limits, checked before execution (0: off). */
  limits: { depth: number; aliases: number; tokens: number; cost: number; upstreamCallsPerOperation: number };
  /** Per-principal rate limits shared by every instance (0: off); exempt roles are not counted. */
  rateLimits: {
    operationsPerMinute: number;
    billedPerMinute: number;
    exemptRoles: (typeof ROLE_NAMES)[number][];
    /** Requests without a valid token per client address (TRUST_PROXY decides the address); over it 429 instead of 401. */
    authFailuresPerMinute: number;
  };
  /** Largest JSON body of /graphql (multipart uploads have uploadMaxBytes). */
  httpMaxBodyBytes: number;
  ws: {
    maxPayloadBytes: number;
    connectionInitTimeoutMs: number;
    keepAliveMs: number;
    maxSubscriptionsPerSocket: number;
    maxSocketsPerPrincipal: number;
  };
  /**
   * Bytes waiting unwritten for one WebSocket beyond which its reader is judged slow and closed with
   * 4413 (0: no bound; a reader that stops reading is still cut off after WS_KEEPALIVE_MS / 2).
   */
  wsMaxBufferedBytes: number;
  /** Browser origins allowed to call /graphql (`*` for any, without credentials). */
  cors: { origins: string[]; credentials: boolean };
  /** Which proxies' X-Forwarded-For is believed: a hop count (0: none) or proxy addresses/ranges. */
  trustProxy: number | string[];
  upstreamResilience: {
    /** Consecutive failures (timeouts, 5xx, no answer) of one host that open its breaker (0: no breaker). */
    breakerFailures: number;
    /** How long an open breaker fails fast before it lets one probe through. */
    breakerOpenMs: number;
    /** Platform requests in flight per REST family (the bulkhead) and how many may wait beyond that. */
    maxConcurrencyPerFamily: number;
    queuePerFamily: number;
    /** Longest wait between token fetch attempts after failures. */
    tokenBackoffMaxMs: number;
  };
  /** Phone lookups: cache time to live per kind and of failures (seconds), early refresh, concurrency. */
  lookups: {
    ttlSeconds: { location: number; portability: number; state: number; marks: number; markReport: number };
    failureTtlSeconds: number;
    /** Fraction of an entry's life, at its end, in which reads refresh it in the background. */
    refreshAhead: number;
    maxConcurrent: number;
    /** How long an instance keeps entries it read in its own memory (0 disables the near cache). */
    nearCacheMs: number;
  };
  /** GET /metrics: on its own port (METRICS_PORT; then not on the main one), behind a bearer token (METRICS_TOKEN). */
  metrics: { port: number | undefined; token: string | undefined };
  /**
   * SIGTERM/SIGINT: /readyz answers 503 at once and the gateway keeps serving for drainMs (the load
   * balancer moves away), then stops accepting, closes WebSockets with 1012 and gives in-flight
   * requests up to timeoutMs (longer than the upstream timeout) before answering them UNAVAILABLE.
   */
  shutdown: { drainMs: number; timeoutMs: number };
  /** Automatic persisted queries: how long a registered query is kept, and the largest kept. */
  apq: { ttlSeconds: number; maxBytes: number };
  /** Answers (of /graphql and the pages) from this size on are compressed when the client accepts it (0: all). */
  compressionMinBytes: number;
  /** GraphiQL at /explorer: on in sandbox and development mode, in production only with EXPLORER=true. */
  explorer: boolean;
}

/** The Redis connection of the one mode configured (REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS); its problems are added. */
function redisConnection(e: Partial<Env>, problem: (variable: string, detail: string) => void): RedisConnection | undefined {
  const set = REDIS_MODES.filter((name) => e[name] !== undefined);
  if (set.length > 1) {
    problem(set[1], `must not be set together with ${set[0]}: set exactly one of ${REDIS_MODES.join(', ')}`);
    return undefined;
  }
  if (e.REDIS_SENTINEL_NAME && !e.REDIS_SENTINELS) problem('REDIS_SENTINEL_NAME', 'needs REDIS_SENTINELS');
  const auth = { ...(e.REDIS_PASSWORD ? { password: e.REDIS_PASSWORD } : {}), ...(e.REDIS_TLS ? { tls: true } : {}) };
  if (e.REDIS_URL) {
    if (e.REDIS_PASSWORD || e.REDIS_TLS)
      problem(
        'REDIS_PASSWORD',
        'and REDIS_TLS are for REDIS_CLUSTER_NODES and REDIS_SENTINELS (REDIS_URL carries its own: rediss://:password@host)',
      );
    return { mode: 'single', url: e.REDIS_URL };
  }
  if (e.REDIS_CLUSTER_NODES) return { mode: 'cluster', nodes: e.REDIS_CLUSTER_NODES, ...auth };
  if (e.REDIS_SENTINELS) {
    if (!e.REDIS_SENTINEL_NAME) {
      problem('REDIS_SENTINEL_NAME', 'is required with REDIS_SENTINELS (the master group name the sentinels monitor)');
      return undefined;
    }
    return { mode: 'sentinel', sentinels: e.REDIS_SENTINELS, name: e.REDIS_SENTINEL_NAME, ...auth };
  }
  return undefined;
}

type Env = z.infer<typeof env>;

/**
 * Each variable on its own, so that every bad one is named (not only the first): the values that
 * parsed, and the problems (one per variable, its first reason).
 */
function parseEachVariable(source: NodeJS.ProcessEnv): { values: Partial<Env>; problems: ConfigProblem[] } {
  const values: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [name, schema] of Object.entries(env.shape)) {
    const parsed = (schema as z.ZodType).safeParse(source[name]);
    if (parsed.success) values[name] = parsed.data;
    else problems.push({ variable: name, detail: parsed.error.issues[0].message });
  }
  return { values: values as Partial<Env>, problems };
}

/** The rules between variables, checked on those that parsed (a bad one is already named); adds to `problems`. */
function crossChecks(e: Partial<Env>, sandbox: boolean, redis: RedisConnection | undefined, problems: ConfigProblem[]): void {
  const problem = (variable: string, detail: string) => problems.push({ variable, detail });
  if (e.AUTH_JWT_SECRET && e.AUTH_JWKS_URL) problem('AUTH_JWKS_URL', 'must not be set together with AUTH_JWT_SECRET');
  if (e.AUTH_JWT_SECRET && e.AUTH_JWT_SECRET.length < 32) problem('AUTH_JWT_SECRET', 'must be at least 32 characters');
  const corsOrigins = e.CORS_ORIGINS ?? [];
  if (corsOrigins.includes('*') && corsOrigins.length > 1) problem('CORS_ORIGINS', 'must be * alone or a list of exact origins');
  else if (corsOrigins.includes('*') && e.CORS_ALLOW_CREDENTIALS) {
    problem('CORS_ALLOW_CREDENTIALS', 'must not be true with CORS_ORIGINS=* (name the origins that may send credentials)');
  }
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    problem('METRICS_PORT', 'must differ from PORT (leave it unset to serve /metrics on the main port)');
  }
  if (!sandbox) {
    for (const name of ['VCALL_ACCESS_KEY_ID', 'VCALL_ACCESS_KEY_SECRET', 'HOOK_SECRET'] as const) {
      if (!e[name]) problem(name, 'is required when VCALL_BASE_URL is set');
    }
    if (!redis && !problems.some((x) => x.variable.startsWith('REDIS_')))
      problem('REDIS_URL', 'or REDIS_CLUSTER_NODES or REDIS_SENTINELS is required when VCALL_BASE_URL is set');
    if (!e.AUTH_JWT_SECRET && !e.AUTH_JWKS_URL) problem('AUTH_JWT_SECRET', 'or AUTH_JWKS_URL is required when VCALL_BASE_URL is set');
  }
  // An operation still waiting on a platform request when the deadline comes is cut: give it the whole upstream timeout.
  if (e.SHUTDOWN_TIMEOUT_MS !== undefined && e.UPSTREAM_TIMEOUT_MS !== undefined && e.SHUTDOWN_TIMEOUT_MS <= e.UPSTREAM_TIMEOUT_MS) {
    problem('SHUTDOWN_TIMEOUT_MS', `must be longer than UPSTREAM_TIMEOUT_MS (${e.UPSTREAM_TIMEOUT_MS})`);
  }
}

/** Reads and validates the environment. Throws ConfigError naming every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = parseEachVariable(source);
  const sandbox = source.VCALL_BASE_URL === undefined;
  const problems = [...parsed.problems];
  const redis = redisConnection(parsed.values, (variable, detail) => problems.push({ variable, detail }));
  crossChecks(parsed.values, sandbox, redis, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const e = parsed.values as Env;
  const corsOrigins = e.CORS_ORIGINS;
  const production = e.NODE_ENV === 'production';
  const base = e.VCALL_BASE_URL;
  return {
    port: e.PORT,
    host: e.HOST,
    sandbox,
    upstream: base ? { cc: base, notice: e.VCALL_NOTICE_BASE_URL ?? base, open: e.VCALL_OPEN_BASE_URL ?? base } : undefined,
    accessKeyId: e.VCALL_ACCESS_KEY_ID,
    accessKeySecret: e.VCALL_ACCESS_KEY_SECRET,
    companyId: e.VCALL_COMPANY_ID,
    redisUrl: e.REDIS_URL,
    redis,
    redisPrefix: e.REDIS_PREFIX,
    eventsWaitReplicas: e.EVENTS_WAIT_REPLICAS ?? (redis && redis.mode !== 'single' ? 1 : 0),
    eventsWaitTimeoutMs: e.EVENTS_WAIT_TIMEOUT_MS,
    hookSecret: e.HOOK_SECRET,
    hookAllowCidrs: e.HOOK_ALLOW_CIDRS,
    jwtSecret: e.AUTH_JWT_SECRET,
    jwksUrl: e.AUTH_JWKS_URL,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
    uploadMaxBytes: e.UPLOAD_MAX_BYTES,
    eventsMaxLenPerKind: e.EVENTS_MAXLEN_PER_KIND,
    eventsDedupeTtlMs: e.EVENTS_DEDUPE_TTL_S * 1000,
    eventBufferSize: e.EVENT_BUFFER_SIZE,
    eventsLossReportMs: e.EVENTS_LOSS_REPORT_S * 1000,
    serviceLevelSeconds: e.SERVICE_LEVEL_SECONDS,
    wallboardStatsIntervalMs: e.WALLBOARD_STATS_INTERVAL_MS,
    ivrRulesRefreshMs: e.IVR_RULES_REFRESH_MS,
    logLevel: e.LOG_LEVEL,
    production,
    allowIntrospection: e.ALLOW_INTROSPECTION ?? !production,
    authMaxTokenLifetimeMs: e.AUTH_MAX_TOKEN_LIFETIME,
    limits: {
      depth: e.LIMIT_DEPTH,
      aliases: e.LIMIT_ALIASES,
      tokens: e.LIMIT_TOKENS,
      cost: e.LIMIT_COST,
      upstreamCallsPerOperation: e.LIMIT_UPSTREAM_CALLS_PER_OPERATION,
    },
    rateLimits: {
      operationsPerMinute: e.RATE_LIMIT_OPERATIONS_PER_MINUTE,
      billedPerMinute: e.RATE_LIMIT_BILLED_PER_MINUTE,
      exemptRoles: e.RATE_LIMIT_EXEMPT_ROLES,
      authFailuresPerMinute: e.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE,
    },
    httpMaxBodyBytes: e.HTTP_MAX_BODY_BYTES,
    ws: {
      maxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
      connectionInitTimeoutMs: e.WS_CONNECTION_INIT_TIMEOUT_MS,
      keepAliveMs: e.WS_KEEPALIVE_MS,
      maxSubscriptionsPerSocket: e.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
      maxSocketsPerPrincipal: e.WS_MAX_SOCKETS_PER_PRINCIPAL,
    },
    wsMaxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
    cors: { origins: corsOrigins, credentials: e.CORS_ALLOW_CREDENTIALS },
    trustProxy: e.TRUST_PROXY,
    upstreamResilience: {
      breakerFailures: e.UPSTREAM_BREAKER_FAILURES,
      breakerOpenMs: e.UPSTREAM_BREAKER_OPEN_MS,
      maxConcurrencyPerFamily: e.UPSTREAM_MAX_CONCURRENCY_PER_FAMILY,
      queuePerFamily: e.UPSTREAM_QUEUE_PER_FAMILY,
      tokenBackoffMaxMs: e.TOKEN_BACKOFF_MAX_MS,
    },
    lookups: {
      ttlSeconds: {
        location: e.LOOKUP_TTL_LOCATION_S,
        portability: e.LOOKUP_TTL_PORTABILITY_S,
        state: e.LOOKUP_TTL_STATE_S,
        marks: e.LOOKUP_TTL_MARKS_S,
        markReport: e.LOOKUP_TTL_MARK_REPORT_S,
      },
      failureTtlSeconds: e.LOOKUP_FAILURE_TTL_S,
      refreshAhead: e.LOOKUP_REFRESH_AHEAD,
      maxConcurrent: e.LOOKUP_MAX_CONCURRENCY,
      nearCacheMs: e.LOOKUP_NEAR_CACHE_MS,
    },
    metrics: { port: e.METRICS_PORT, token: e.METRICS_TOKEN },
    shutdown: { drainMs: e.SHUTDOWN_DRAIN_MS, timeoutMs: e.SHUTDOWN_TIMEOUT_MS },
    apq: { ttlSeconds: e.APQ_TTL_S, maxBytes: e.APQ_MAX_BYTES },
    compressionMinBytes: e.COMPRESSION_MIN_BYTES,
    // On where a person develops or tries the gateway; in production only when asked for.
    explorer: e.EXPLORER ?? (sandbox || !production),
  };
}
