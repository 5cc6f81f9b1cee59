/**
 * npm run bench:events — latency from callback POST to receipt by graphql-ws subscribers, against a
 * raw `ws` broadcast of the same payload measured in the same run, and lost events.
 *
 * The gateway runs as its own process (sandbox mode off: it points at an idle sandbox, with the
 * suite's Redis); this process posts callbacks at a steady rate and holds every subscriber socket.
 * Settings (env): BENCH_SUBSCRIBERS (1000), BENCH_RATE per second (200), BENCH_SECONDS (10),
 * REDIS_URL (redis://127.0.0.1:6379).
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import WebSocket, { WebSocketServer } from 'ws';
import { mintToken } from '../src/auth/jwt';
import { startSandbox } from '../src/sandbox/server';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const HOOK = 'bench-hook';

const now = () => performance.timeOrigin + performance.now();

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Run {
  latencies: number[];
  expected: number;
  received: number;
  /** Callbacks whose POST failed: their deliveries count as lost. */
  failedPosts: number;
}

function summary(name: string, run: Run) {
  const sorted = [...run.latencies].sort((a, b) => a - b);
  const lost = run.expected - run.received;
  return { name, p50: percentile(sorted, 50), p99: percentile(sorted, 99), received: run.received, expected: run.expected, lost, failedPosts: run.failedPosts };
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
    pending.push(
      post(i, now()).catch((err: Error) => {
        if (run.failedPosts++ === 0) console.error(`a post failed (${err.message}); counting the rest`);
      }),
    );
  }
  await Promise.all(pending);
}

async function settle(run: Run, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (run.received < run.expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

async function gatewayRun(count: number): Promise<Run> {
  const sandbox = await startSandbox();
  const creds = sandbox.credentials;
  // BENCH_GATEWAY_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the gateway process.
  const nodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, join(__dirname, '..', 'src', 'main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      VCALL_BASE_URL: sandbox.urls.cc,
      VCALL_NOTICE_BASE_URL: sandbox.urls.notice,
      VCALL_OPEN_BASE_URL: sandbox.urls.open,
      VCALL_ACCESS_KEY_ID: creds.accessKeyId,
      VCALL_ACCESS_KEY_SECRET: creds.accessKeySecret,
      REDIS_URL,
      REDIS_PREFIX: `bench:${randomUUID()}:`,
      HOOK_SECRET: HOOK,
      AUTH_JWT_SECRET: SECRET,
      EVENT_BUFFER_SIZE: '100000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Never leave the gateway running behind a bench that failed.
  process.once('exit', () => child.kill('SIGKILL'));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const m = /"msg":"gateway listening"/.test(chunk.toString()) ? /"port":(\d+)/.exec(chunk.toString()) : null;
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`gateway exited ${code}`)));
  });
  const token = await mintToken(SECRET, { sub: 'bench', roles: ['viewer'] });
  const run: Run = { latencies: [], expected: count * SUBSCRIBERS, received: 0, failedPosts: 0 };
  const sockets: WebSocket[] = [];
  const query = 'subscription { callEnded(taskSn: "bench") { callId userData } }';
  await Promise.all(
    Array.from({ length: SUBSCRIBERS }, async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
      sockets.push(ws);
      await once(ws, 'open');
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
      ws.on('message', (m) => {
        const msg = JSON.parse(m.toString());
        if (msg.type === 'connection_ack') ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        else if (msg.type === 'next' && msg.payload.data) {
          run.received++;
          run.latencies.push(now() - Number(msg.payload.data.callEnded.userData));
        }
      });
    }),
  );
  await new Promise((r) => setTimeout(r, 1000));
  const agent = new Agent({ connections: 64 });
  await steady(run, count, async (i, sentAt) => {
    const res = await request(`http://127.0.0.1:${port}/hooks/${HOOK}`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'CallEnd', callId: `bench-${i}-${randomUUID()}`, taskSn: 'bench', called: '13800000000', caller: '95001', hangupGcode: 0, duration: 1000, userData: String(sentAt) }),
    });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`hook answered ${res.statusCode}`);
  });
  await settle(run);
  for (const ws of sockets) ws.terminate();
  child.kill('SIGTERM');
  await once(child, 'exit');
  await agent.destroy();
  await sandbox.close();
  return run;
}

/** The baseline: an HTTP handler that broadcasts each posted body to plain ws sockets. */
async function rawRun(count: number): Promise<Run> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  server.on('request', (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const parsed = JSON.parse(body);
      const frame = JSON.stringify({ type: 'next', id: '1', payload: { data: { callEnded: { callId: parsed.callId, userData: parsed.userData } } } });
      for (const client of wss.clients) client.send(frame);
      res.end('{"code":0}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const run: Run = { latencies: [], expected: count * SUBSCRIBERS, received: 0, failedPosts: 0 };
  const sockets: WebSocket[] = [];
  await Promise.all(
    Array.from({ length: SUBSCRIBERS }, async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      sockets.push(ws);
      ws.on('message', (m) => {
        const msg = JSON.parse(m.toString());
        run.received++;
        run.latencies.push(now() - Number(msg.payload.data.callEnded.userData));
      });
      await once(ws, 'open');
    }),
  );
  const agent = new Agent({ connections: 64 });
  await steady(run, count, async (i, sentAt) => {
    const res = await request(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      dispatcher: agent,
      body: JSON.stringify({ callId: `raw-${i}`, userData: String(sentAt) }),
    });
    await res.body.dump();
  });
  await settle(run);
  for (const ws of sockets) ws.terminate();
  wss.close();
  server.close();
  await agent.destroy();
  return run;
}

async function main() {
  const count = RATE * SECONDS;
  console.log(`bench:events — ${SUBSCRIBERS} subscribers, ${RATE} callbacks/s for ${SECONDS} s (${count} callbacks)`);
  const raw = summary('raw ws broadcast', await rawRun(count));
  const gw = summary('gateway (graphql-ws)', await gatewayRun(count));
  const fmt = (n: number) => `${n.toFixed(1)} ms`;
  for (const s of [raw, gw]) {
    console.log(`${s.name.padEnd(22)} p50 ${fmt(s.p50).padStart(10)}  p99 ${fmt(s.p99).padStart(10)}  received ${s.received}/${s.expected}  lost ${s.lost}${s.failedPosts ? `  (${s.failedPosts} posts failed)` : ''}`);
  }
  console.log(`ratio gateway/raw      p50 ${(gw.p50 / raw.p50).toFixed(2)}  p99 ${(gw.p99 / raw.p99).toFixed(2)}  (target p99 ratio <= 2, 0 lost)`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
