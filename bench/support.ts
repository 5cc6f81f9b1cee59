/** What the in-process benchmarks share: a gateway on a sandbox, and a fixed-concurrency load loop. */
import 'reflect-metadata';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { startGateway, type Gateway } from '../src/app';
import { loadConfig } from '../src/config';
import { features } from '../src/features';
import { createLogger } from '../src/logger';
import { deleteKeysWithPrefix } from '../src/store/redis';
import type { RedisConnection } from '../src/store/redis-connection';
import { startSandbox, type Sandbox } from '../sandbox/server';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The benches' Redis as the gateway's environment takes it: REDIS_CLUSTER_NODES, REDIS_SENTINELS
 * (with REDIS_SENTINEL_NAME) or REDIS_URL (default the suite's single Redis); and as a connection.
 */
export const REDIS_ENV: Record<string, string> = process.env.REDIS_CLUSTER_NODES
  ? { REDIS_CLUSTER_NODES: process.env.REDIS_CLUSTER_NODES }
  : process.env.REDIS_SENTINELS
    ? { REDIS_SENTINELS: process.env.REDIS_SENTINELS, REDIS_SENTINEL_NAME: process.env.REDIS_SENTINEL_NAME ?? '' }
    : { REDIS_URL };
export const REDIS_TARGET: RedisConnection = loadConfig(REDIS_ENV).redis!;

export interface BenchStack {
  sandbox: Sandbox;
  gateway: Gateway;
  prefix: string;
  close(): Promise<void>;
}

/** A fresh key prefix on the suite's Redis for one bench run (deleteKeysWithPrefix removes it after). */
export const benchPrefix = () => `bench:${randomUUID()}:`;

/** The environment of a gateway pointed at a sandbox over HTTP, on the suite's Redis under `prefix`. */
export function gatewayEnv(sandbox: Sandbox, prefix: string): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    VCALL_BASE_URL: sandbox.urls.cc,
    VCALL_NOTICE_BASE_URL: sandbox.urls.notice,
    VCALL_OPEN_BASE_URL: sandbox.urls.open,
    VCALL_ACCESS_KEY_ID: sandbox.credentials.accessKeyId,
    VCALL_ACCESS_KEY_SECRET: sandbox.credentials.accessKeySecret,
    VCALL_COMPANY_ID: sandbox.credentials.companyId,
    ...REDIS_ENV,
    REDIS_PREFIX: prefix,
  };
}

/** A sandbox and a gateway pointed at it over HTTP, on the suite's Redis under a fresh prefix, logging nothing. */
export async function startBenchStack(env: Record<string, string>): Promise<BenchStack> {
  const sandbox = await startSandbox();
  const prefix = benchPrefix();
  const config = loadConfig({ ...gatewayEnv(sandbox, prefix), LOG_LEVEL: 'silent', ...env });
  const gateway = await startGateway({ config, logger: createLogger('silent'), features });
  return {
    sandbox,
    gateway,
    prefix,
    async close() {
      await gateway.close();
      await sandbox.close();
      await deleteKeysWithPrefix(REDIS_TARGET, prefix);
    },
  };
}

export interface Figures {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
}

/** Runs `send` in `concurrency` loops for `durationMs`, adding each request's latency (ms) to `latencies`. */
async function load(send: (i: number) => Promise<void>, durationMs: number, concurrency: number, latencies: number[]): Promise<number> {
  const end = Date.now() + durationMs;
  const started = performance.now();
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const t = performance.now();
        await send(n++);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

/** The value below which a share `q` (0–1) of `sorted` (ascending) lies; NaN when empty. */
const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;

function figures(latencies: number[], seconds: number): Figures {
  latencies.sort((x, y) => x - y);
  return { requests: latencies.length, rps: latencies.length / seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

/** Count, p50, p99 and max of latencies (ms, sorted in place), rounded to 0.1 ms. */
export function latencySummary(latencies: number[]): { count: number; p50: number; p99: number; max: number } {
  latencies.sort((x, y) => x - y);
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    count: latencies.length,
    p50: round(quantile(latencies, 0.5)),
    p99: round(quantile(latencies, 0.99)),
    max: round(latencies.length ? latencies[latencies.length - 1] : NaN),
  };
}

function print(name: string, f: Figures): void {
  console.log(
    `${name.padEnd(10)} ${f.rps.toFixed(0).padStart(7)} req/s   p50 ${f.p50.toFixed(2)} ms   p99 ${f.p99.toFixed(2)} ms   (${f.requests} requests)`,
  );
}

/**
 * Measures a baseline and the gateway in alternating rounds (`rounds` of each, `durationMs` in all
 * per side), so that drift in the machine's load hits both alike; prints and returns their figures.
 */
export async function compare(
  sides: { baseline: (i: number) => Promise<void>; gateway: (i: number) => Promise<void> },
  durationMs: number,
  concurrency: number,
  rounds = 4,
): Promise<{ baseline: Figures; gateway: Figures }> {
  const names = ['baseline', 'gateway'] as const;
  for (const name of names) for (let i = 0; i < 200; i++) await sides[name](i); // warm-up
  const latencies = { baseline: [] as number[], gateway: [] as number[] };
  const seconds = { baseline: 0, gateway: 0 };
  for (let r = 0; r < rounds; r++) {
    for (const name of names) seconds[name] += await load(sides[name], durationMs / rounds, concurrency, latencies[name]);
  }
  const out = { baseline: figures(latencies.baseline, seconds.baseline), gateway: figures(latencies.gateway, seconds.gateway) };
  for (const name of names) print(name, out[name]);
  return out;
}

// ---- Helpers for benches that spawn their servers as processes (bench/overhead.ts). ----

/** The environment of a gateway pointed at any platform (hosts and keys given), on the suite's Redis under `prefix`. */
export function gatewayEnvFor(
  hosts: { cc: string; notice: string; open: string },
  credentials: { accessKeyId: string; accessKeySecret: string; companyId: string },
  prefix: string,
): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    VCALL_BASE_URL: hosts.cc,
    VCALL_NOTICE_BASE_URL: hosts.notice,
    VCALL_OPEN_BASE_URL: hosts.open,
    VCALL_ACCESS_KEY_ID: credentials.accessKeyId,
    VCALL_ACCESS_KEY_SECRET: credentials.accessKeySecret,
    VCALL_COMPANY_ID: credentials.companyId,
    ...REDIS_ENV,
    REDIS_PREFIX: prefix,
  };
}

/** Runs `send` in `concurrency` loops for `durationMs` (as `compare` does), adding each latency (ms); returns the seconds taken. */
export function concurrentLoad(
  send: (i: number) => Promise<void>,
  durationMs: number,
  concurrency: number,
  latencies: number[],
): Promise<number> {
  return load(send, durationMs, concurrency, latencies);
}

/** Runs `send` one request at a time, `count` times, adding each latency (ms); returns the seconds taken. */
export async function sequentialLoad(send: (i: number) => Promise<void>, count: number, latencies: number[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await send(i);
    latencies.push(performance.now() - t);
  }
  return (performance.now() - started) / 1000;
}

/** Requests, throughput and p50/p99 of latencies (ms, sorted in place) measured over `seconds`. */
export function summarize(latencies: number[], seconds: number): Figures {
  return figures(latencies, seconds);
}

let clockTicks: number | undefined;

/** User + system CPU time (ms) a process has used so far, from /proc/<pid>/stat (Linux only). */
export function processCpuMs(pid: number): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces and parentheses): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

/** A TCP port free on 127.0.0.1 at the time of asking. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * Reads positive numeric settings from the environment (whole numbers unless `fractional` names
 * them), or prints which one is wrong and exits 2.
 */
export function positiveSettings<K extends string>(defaults: Record<K, number>, fractional: readonly string[] = []): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const name of Object.keys(defaults) as K[]) {
    const value = Number(process.env[name] ?? defaults[name]);
    const whole = !fractional.includes(name);
    if (!Number.isFinite(value) || value <= 0 || (whole && !Number.isInteger(value))) {
      console.error(`${name} must be a positive ${whole ? 'whole number' : 'number'}, not ${process.env[name]}`);
      process.exit(2);
    }
    out[name] = value;
  }
  return out;
}

/**
 * The child processes of a bench run, killed on every way out: normal exit, Ctrl-C, SIGTERM, and
 * `abort` (which first runs `cleanup`, bounded to 5 s, then exits with the code).
 */
export function childProcesses(what: string, cleanup: () => Promise<unknown> = async () => undefined) {
  const children = new Set<ChildProcess>();
  const killAll = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const abort = (code: number) => {
    killAll();
    const done = () => process.exit(code);
    setTimeout(done, 5000).unref();
    cleanup().then(done, done);
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the ${what}`);
      abort(130);
    });
  }
  return { children, killAll, abort };
}
