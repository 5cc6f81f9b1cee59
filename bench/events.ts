/**
 * npm run bench:events — latency from callback POST to receipt by graphql-ws subscribers, against a
 * raw `ws` broadcast of the same payload measured in the same run, and lost events.
 *
 * The gateway runs as its own process (sandbox mode off: it points at an idle sandbox, with the
 * suite's Redis), and so does the baseline (bench/raw-broadcast.ts), once with plain sockets and
 * once with the gateway's coalesced writes; this process posts callbacks at a steady rate and holds
 * every subscriber socket.
 * Settings (env): BENCH_SUBSCRIBERS (1000), BENCH_RATE per second (200), BENCH_SECONDS (10),
 * BENCH_ONLY (raw,coalesced,gateway: the sides to run), BENCH_GATEWAY_NODE_ARGS (e.g. --cpu-prof),
 * BENCH_INSTANCES (1: gateway processes of one deployment; subscribers and callbacks spread over
 * them), the Redis as the gateway takes it: REDIS_URL (redis://127.0.0.1:6379), REDIS_CLUSTER_NODES
 * or REDIS_SENTINELS + REDIS_SENTINEL_NAME. The issue's target run and the figures: docs/benchmarks.md.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { mintToken } from '../src/auth/jwt';
import { startSandbox } from '../sandbox/server';
import { deleteKeysWithPrefix } from '../src/store/redis';
import { benchPrefix, gatewayEnv, REDIS_TARGET } from './support';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const INSTANCES = Math.max(1, Number(process.env.BENCH_INSTANCES ?? 1));
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const HOOK = 'bench-hook';

const now = () => performance.timeOrigin + performance.now();

function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Run {
  latencies: number[];
  expected: number;
  received: number;
  /** Callbacks whose POST failed: their deliveries count as lost. */
  failedPosts: number;
  /** How long each callback's POST took to be answered. */
  postLatencies: number[];
  /** CPU the server process used while callbacks were posted and delivered (ms). */
  serverCpuMs: number;
}

function summary(name: string, run: Run) {
  // Typed arrays sort numerically in native code: a long run holds tens of millions of latencies.
  const sorted = Float64Array.from(run.latencies).sort();
  const posts = Float64Array.from(run.postLatencies).sort();
  const lost = run.expected - run.received;
  const cpuPerDelivery = (run.serverCpuMs * 1000) / Math.max(1, run.received);
  return {
    name,
    cpuPerDelivery,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    postP50: percentile(posts, 50),
    postP99: percentile(posts, 99),
    received: run.received,
    expected: run.expected,
    lost,
    failedPosts: run.failedPosts,
  };
}

/** Posts `count` callbacks at RATE per second; `post(i, sentAt)` sends one. */
/** Posts `count` callbacks at RATE per second; a failed post (refused, reset, timed out) is counted, not fatal. */
async function steady(run: Run, count: number, post: (i: number, sentAt: number) => Promise<void>): Promise<void> {
  const started = now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const sentAt = now();
    pending.push(
      post(i, sentAt)
        .then(() => void run.postLatencies.push(now() - sentAt))
        .catch((err: Error) => {
          if (run.failedPosts++ === 0) console.error(`a post failed (${err.message}); counting the rest`);
        }),
    );
  }
  await Promise.all(pending);
}

/**
 * Waits for what is still on its way: until everything arrived, or nothing arrived for 5 s (what is
 * missing then is lost), or 180 s passed. A backlog that drains slowly is late, not lost.
 */
async function settle(run: Run): Promise<void> {
  const deadline = Date.now() + 60_000 + SECONDS * 30_000;
  let seen = run.received;
  let quietSince = Date.now();
  while (run.received < run.expected && Date.now() < deadline && Date.now() - quietSince < 5000) {
    await new Promise((r) => setTimeout(r, 100));
    if (run.received !== seen) {
      seen = run.received;
      quietSince = Date.now();
    }
  }
}

/** Starts a server script as its own process; resolves with its port, read from its stdout. */
interface ServerProcess {
  port: number;
  /** CPU time (user + system, ms) the process has used so far; NaN where /proc is missing. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** User + system CPU of a process from /proc/<pid>/stat, in ms (clock ticks are 100/s on Linux). */
function cpuMsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

async function startProcess(script: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Never leave a server running behind a bench that failed.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      // The gateway logs `gateway listening` with its port; the raw server prints only `{"port":N}`.
      const text = chunk.toString();
      const m = /gateway listening|^\{"port"/m.test(text) ? /"port":(\d+)/.exec(text) : null;
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)));
  });
  return {
    port,
    cpuMs: () => cpuMsOf(child.pid),
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
      process.off('exit', kill);
    },
  };
}

interface Target {
  /** The server processes (several gateway instances of one deployment; subscribers spread over them). */
  servers: ServerProcess[];
  /** WebSocket URL of each server, and the subprotocol subscribers connect with. */
  urls: string[];
  protocol?: string;
  /** Sent once the socket is open (graphql-ws: connection_init, then subscribe on the ack). */
  onOpen?(ws: WebSocket): void;
  onMessage?(ws: WebSocket, msg: { type: string }): void;
  /** Posts callback number i. */
  post(i: number, sentAt: number, agent: Agent): Promise<void>;
}

/** Connects SUBSCRIBERS sockets to a target, posts `count` callbacks at RATE/s, and counts what arrives. */
async function measure(target: Target, count: number): Promise<Run> {
  const run: Run = { latencies: [], expected: count * SUBSCRIBERS, received: 0, failedPosts: 0, postLatencies: [], serverCpuMs: NaN };
  const sockets: WebSocket[] = [];
  await Promise.all(
    Array.from({ length: SUBSCRIBERS }, async (_, k) => {
      const ws = new WebSocket(target.urls[k % target.urls.length], target.protocol);
      sockets.push(ws);
      ws.on('message', (m) => {
        const msg = JSON.parse(m.toString());
        if (msg.type === 'next' && msg.payload.data) {
          run.received++;
          run.latencies.push(now() - Number(msg.payload.data.callEnded.userData));
        } else target.onMessage?.(ws, msg);
      });
      await once(ws, 'open');
      target.onOpen?.(ws);
    }),
  );
  await new Promise((r) => setTimeout(r, 1000));
  const agent = new Agent({ connections: 64 });
  const cpu = () => target.servers.reduce((sum, server) => sum + server.cpuMs(), 0);
  const cpuBefore = cpu();
  await steady(run, count, (i, sentAt) => target.post(i, sentAt, agent));
  await settle(run);
  run.serverCpuMs = cpu() - cpuBefore;
  for (const ws of sockets) ws.terminate();
  await agent.destroy();
  return run;
}

async function gatewayRun(count: number): Promise<Run> {
  const sandbox = await startSandbox();
  // BENCH_GATEWAY_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the gateway process.
  const nodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const prefix = benchPrefix();
  const gateways = await Promise.all(
    Array.from({ length: INSTANCES }, () =>
      startProcess(
        join(__dirname, '..', 'src', 'main.js'),
        {
          ...gatewayEnv(sandbox, prefix),
          LOG_LEVEL: 'info',
          HOOK_SECRET: HOOK,
          AUTH_JWT_SECRET: SECRET,
          EVENT_BUFFER_SIZE: '100000',
          // Every subscriber uses the bench's one token: without this the per-principal socket cap (20) refuses the rest.
          WS_MAX_SOCKETS_PER_PRINCIPAL: '0',
        },
        nodeArgs,
      ),
    ),
  );
  const token = await mintToken(SECRET, { sub: 'bench', roles: ['viewer'] });
  const query = 'subscription { callEnded(taskSn: "bench") { callId userData } }';
  try {
    return await measure(
      {
        servers: gateways,
        urls: gateways.map((g) => `ws://127.0.0.1:${g.port}/graphql`),
        protocol: 'graphql-transport-ws',
        onOpen: (ws) => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
        onMessage: (ws, msg) => {
          if (msg.type === 'connection_ack') ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        },
        async post(i, sentAt, agent) {
          const res = await request(`http://127.0.0.1:${gateways[i % gateways.length].port}/hooks/${HOOK}`, {
            method: 'POST',
            dispatcher: agent,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              event: 'CallEnd',
              callId: `bench-${i}-${randomUUID()}`,
              taskSn: 'bench',
              called: '13800000000',
              caller: '95001',
              hangupGcode: 0,
              duration: 1000,
              userData: String(sentAt),
            }),
          });
          await res.body.dump();
          if (res.statusCode !== 200) throw new Error(`hook answered ${res.statusCode}`);
        },
      },
      count,
    );
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    await sandbox.close();
    await deleteKeysWithPrefix(REDIS_TARGET, prefix);
  }
}

/** The baseline (bench/raw-broadcast.ts): plain ws sockets, each posted body broadcast as it arrives. */
async function rawRun(count: number, coalesce: boolean): Promise<Run> {
  const server = await startProcess(join(__dirname, 'raw-broadcast.js'), { RAW_COALESCE: coalesce ? '1' : '0' });
  try {
    return await measure(
      {
        servers: [server],
        urls: [`ws://127.0.0.1:${server.port}/`],
        async post(i, sentAt, agent) {
          const res = await request(`http://127.0.0.1:${server.port}/`, {
            method: 'POST',
            dispatcher: agent,
            body: JSON.stringify({ callId: `raw-${i}`, userData: String(sentAt) }),
          });
          await res.body.dump();
          if (res.statusCode !== 200) throw new Error(`raw server answered ${res.statusCode}`);
        },
      },
      count,
    );
  } finally {
    await server.stop();
  }
}

async function main() {
  const count = RATE * SECONDS;
  console.log(
    `bench:events — ${SUBSCRIBERS} subscribers, ${RATE} callbacks/s for ${SECONDS} s (${count} callbacks), ${INSTANCES} gateway instance(s), Redis: ${REDIS_TARGET.mode}`,
  );
  const fmt = (n: number) => `${n.toFixed(1)} ms`;
  const print = (s: ReturnType<typeof summary>) =>
    console.log(
      `${s.name.padEnd(22)} p50 ${fmt(s.p50).padStart(10)}  p99 ${fmt(s.p99).padStart(10)}  received ${s.received}/${s.expected}  lost ${s.lost}  server CPU ${s.cpuPerDelivery.toFixed(1)} µs/delivery  (POST answered p50 ${fmt(s.postP50)} p99 ${fmt(s.postP99)})${s.failedPosts ? `  (${s.failedPosts} posts failed)` : ''}`,
    );
  // BENCH_ONLY=raw,gateway (say) runs some of the three sides: long runs, profiling, comparing builds.
  const only = new Set((process.env.BENCH_ONLY ?? 'raw,coalesced,gateway').split(',').map((s) => s.trim()));
  const raw = only.has('raw') ? summary('raw ws broadcast', await rawRun(count, false)) : undefined;
  const rawCoalesced = only.has('coalesced') ? summary('raw ws, coalesced', await rawRun(count, true)) : undefined;
  const gw = only.has('gateway') ? summary('gateway (graphql-ws)', await gatewayRun(count)) : undefined;
  for (const s of [raw, rawCoalesced, gw]) if (s) print(s);
  const ratio = (base: NonNullable<typeof raw>) => `p50 ${(gw!.p50 / base.p50).toFixed(2)}  p99 ${(gw!.p99 / base.p99).toFixed(2)}`;
  if (gw && raw) console.log(`ratio gateway/raw      ${ratio(raw)}  (target p99 ratio <= 2, 0 lost)`);
  if (gw && rawCoalesced) console.log(`ratio gateway/raw coalesced  ${ratio(rawCoalesced)}  (same socket writes on both sides)`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
