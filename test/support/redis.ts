import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { parseNodeList, type RedisConnection } from '../../src/store/redis-connection';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Whether a Redis answers PING at `url` (AUTH first when the URL carries a password). Plain TCP, not
 * ioredis: a refused connection leaves no client timers behind to keep a test worker alive.
 */
export function redisAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port, username, password } = new URL(url);
  const auth = password ? `AUTH ${username ? `${decodeURIComponent(username)} ` : ''}${decodeURIComponent(password)}\r\n` : '';
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    let reply = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(`${auth}PING\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('+PONG')) done(true);
      else if (reply.startsWith('-') || reply.includes('\r\n-')) done(false);
    });
  });
}

export interface OwnRedis {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
  /** Starts it again on the same port (after stop). */
  restart(): Promise<OwnRedis>;
}

/** Starts a private redis-server (for tests that stop Redis, or when none is running). */
export async function startOwnRedis(port?: number): Promise<OwnRedis> {
  const p = port ?? (await freePort());
  const child = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    child.once('spawn', () => resolve(true));
  });
  if (!spawned) throw new Error('redis-server is not on PATH: install Redis 7, or set REDIS_URL');
  const url = `redis://127.0.0.1:${p}`;
  for (let i = 0; i < 100 && !(await redisAnswers(url, 200)); i++) await new Promise((r) => setTimeout(r, 50));
  return {
    url,
    port: p,
    process: child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
    restart: () => startOwnRedis(p),
  };
}

/** The Redis the suite uses: set by the global setup (REDIS_URL, else 127.0.0.1:6379, else a private server). */
export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL not set: run the tests through jest (global setup)');
  return url;
}

/** The Redis modes the suite runs the store contract and multi-instance tests on. */
export const TEST_REDIS_MODES = ['redis', 'redis-cluster', 'redis-sentinel'] as const;
export type TestRedisMode = (typeof TEST_REDIS_MODES)[number];

function testEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} not set: run the tests through jest (global setup)`);
  return value;
}

/** The suite's Redis of one mode, as the store takes it (the cluster and sentinel groups of the global setup). */
export function testRedisConnection(mode: TestRedisMode): RedisConnection {
  if (mode === 'redis') return { mode: 'single', url: testRedisUrl() };
  const nodes = (name: string) => parseNodeList(testEnv(name))!;
  if (mode === 'redis-cluster') return { mode: 'cluster', nodes: nodes('TEST_REDIS_CLUSTER_NODES') };
  return { mode: 'sentinel', sentinels: nodes('TEST_REDIS_SENTINELS'), name: testEnv('TEST_REDIS_SENTINEL_NAME') };
}

/** The gateway's environment for the suite's Redis of one mode. */
export function testRedisEnv(mode: TestRedisMode): Record<string, string> {
  if (mode === 'redis') return { REDIS_URL: testRedisUrl() };
  if (mode === 'redis-cluster') return { REDIS_CLUSTER_NODES: testEnv('TEST_REDIS_CLUSTER_NODES') };
  return { REDIS_SENTINELS: testEnv('TEST_REDIS_SENTINELS'), REDIS_SENTINEL_NAME: testEnv('TEST_REDIS_SENTINEL_NAME') };
}
