import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'undici';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startGateway, type Gateway } from '../../src/app';
import { mintToken } from '../../src/auth/jwt';
import type { Role } from '../../src/auth/principal';
import { loadConfig, type Config } from '../../src/config';
import { features as defaultFeatures } from '../../src/features';
import { createLogger } from '../../src/logger';
import { deleteKeysWithPrefix } from '../../src/store/redis';
import { liveStateOf } from '../../src/subscriptions/live-state';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { startOwnRedis, TEST_REDIS_MODES, testRedisEnv, type OwnRedis, type TestRedisMode } from './redis';
import { platformEnv, SandboxApi } from './sandbox';

export interface GqlResult<T = Record<string, any>> {
  status: number;
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[];
}

export interface StackOptions {
  /**
   * 'redis' (default: the suite's Redis), 'redis-cluster' or 'redis-sentinel' (the suite's groups),
   * 'memory', a redis URL, or the environment of another Redis (REDIS_CLUSTER_NODES, …).
   */
  store?: TestRedisMode | 'memory' | string | Record<string, string>;
  /** Share a key prefix between gateways (several instances of one deployment). */
  prefix?: string;
  /** An existing sandbox to point at (several gateways, one platform). */
  sandbox?: Sandbox;
  env?: Record<string, string>;
  withFeatures?: boolean;
  /** Where the gateway's log lines go (a LogCapture, test/support/logs.ts); standard output by default. */
  logs?: NodeJS.WritableStream;
}

export const JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export interface Stack {
  sandbox: Sandbox;
  api: SandboxApi;
  gateway: Gateway;
  config: Config;
  url: string;
  prefix: string;
  hookUrl: string;
  token(roles?: Role[], agentNumber?: string): Promise<string>;
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GqlResult<T>>;
  ws(token?: string | null): Client;
  close(): Promise<void>;
}

/** Runs `fn`; when it throws, closes the sandbox started for it so the test run can exit. */
function startOrClose<T>(sandbox: Sandbox | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    void sandbox?.close();
    throw err;
  }
}

function redisEnvOf(store: NonNullable<StackOptions['store']>): Record<string, string> {
  if (typeof store !== 'string') return store;
  if (store === 'memory') return {};
  return (TEST_REDIS_MODES as readonly string[]).includes(store) ? testRedisEnv(store as TestRedisMode) : { REDIS_URL: store };
}

/** Starts a sandbox platform (unless given) and a gateway pointed at it over HTTP. */
/** Waits until each stack's live state (wallboard) has taken in every event its instance has read. */
export async function liveStatesSettled(...stacks: Stack[]): Promise<void> {
  for (const s of stacks) await liveStateOf(s.gateway.services).settled();
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const ownSandbox = !options.sandbox;
  const sandbox = options.sandbox ?? (await startSandbox({ callbacks: { retryIntervalMs: 200 } }));
  const prefix = options.prefix ?? `test:${randomUUID()}:`;
  const store = options.store ?? 'redis';
  const hookSecret = options.env?.HOOK_SECRET ?? randomBytes(12).toString('hex');
  const config = startOrClose(ownSandbox ? sandbox : undefined, () =>
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      ...platformEnv(sandbox),
      ...redisEnvOf(store),
      REDIS_PREFIX: prefix,
      HOOK_SECRET: hookSecret,
      AUTH_JWT_SECRET: JWT_SECRET,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...options.env,
    }),
  );
  const logger = createLogger(config.logLevel, options.logs);
  const gateway = await startGateway({ config, logger, features: options.withFeatures === false ? [] : defaultFeatures });
  const hookUrl = `${gateway.url}/hooks/${hookSecret}`;
  if (ownSandbox) sandbox.callbacks.configure({ hookUrl });
  const adminToken = await mintToken(JWT_SECRET, { sub: 'test-admin', roles: ['admin'] });
  const sockets: Client[] = [];

  const stack: Stack = {
    sandbox,
    api: new SandboxApi(sandbox.url),
    gateway,
    config,
    url: gateway.url,
    prefix,
    hookUrl,
    token: (roles = ['admin'], agentNumber) => mintToken(JWT_SECRET, { sub: `test-${roles.join('-')}`, roles, agentNumber }),
    async gql(query, variables, token = adminToken) {
      const res = await request(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.body.json()) as GqlResult<any>;
      return { ...body, status: res.statusCode };
    },
    ws(token = adminToken) {
      const client = createClient({
        url: `${gateway.url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: token === null ? {} : { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        lazy: true,
      });
      sockets.push(client);
      return client;
    },
    async close() {
      for (const s of sockets) await s.dispose();
      await gateway.close();
      if (ownSandbox) await sandbox.close();
      // The suite's Redis outlives the run: a stack that made its prefix takes its keys with it.
      if (!options.prefix && config.redis) await deleteKeysWithPrefix(config.redis, prefix).catch(() => undefined);
    },
  };
  return stack;
}

/** A stack on a Redis of its own, for tests that stop and restart Redis. */
export interface OwnRedisStack {
  readonly stack: Stack;
  readonly redis: OwnRedis;
  /** Starts Redis again on the same port (after `redis.stop()`). */
  restartRedis(): Promise<void>;
}

/** Starts a stack on its own Redis before the enclosing describe's tests and stops both after them. */
export function stackWithOwnRedis(options: StackOptions = {}): OwnRedisStack {
  let stack: Stack | undefined;
  let redis: OwnRedis | undefined;
  beforeAll(async () => {
    redis = await startOwnRedis();
    stack = await startStack({ ...options, store: redis.url });
  });
  afterAll(async () => {
    await stack?.close();
    await redis?.stop();
  });
  return {
    get stack() {
      return stack!;
    },
    get redis() {
      return redis!;
    },
    async restartRedis() {
      redis = await redis!.restart();
    },
  };
}

/** Two gateway instances of one deployment (shared Redis prefix and hook secret) on one sandbox platform. */
export interface TwoInstances {
  readonly sandbox: Sandbox;
  readonly a: Stack;
  readonly b: Stack;
}

/**
 * Starts the two instances before the enclosing describe's tests and stops them after; the
 * platform's callbacks go to `a`. `env` applies to both; `store`: the suite's Redis of that mode.
 */
export function twoInstances(env: Record<string, string> = {}, store: TestRedisMode = 'redis'): TwoInstances {
  let sandbox: Sandbox | undefined;
  let a: Stack | undefined;
  let b: Stack | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox({ callbacks: { retryIntervalMs: 200 } });
    const prefix = `test:${randomUUID()}:`;
    a = await startStack({ sandbox, prefix, env, store });
    b = await startStack({ sandbox, prefix, env: { ...env, HOOK_SECRET: a.config.hookSecret! }, store });
    sandbox.callbacks.configure({ hookUrl: a.hookUrl });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sandbox?.close();
    if (a?.config.redis) await deleteKeysWithPrefix(a.config.redis, a.prefix).catch(() => undefined);
  });
  return {
    get sandbox() {
      return sandbox!;
    },
    get a() {
      return a!;
    },
    get b() {
      return b!;
    },
  };
}
