/**
 * npm run bench:wallboard — live wallboard under load: simulated agents change state at a steady
 * total rate (events POSTed as the platform pushes them), BENCH_SUBSCRIBERS graphql-ws clients hold
 * wallboardUpdates. Prints p50/p99 from the event POST to its update at the subscribers, lost
 * updates, and Redis commands per event (sent by the gateway's store client).
 *
 * The events go to the gateway's callback URL (/hooks/<secret>), as the platform sends them.
 * Settings (env): BENCH_AGENTS (200), BENCH_RATE changes per second (10),
 * BENCH_SUBSCRIBERS (500), BENCH_SECONDS (20), the Redis as the gateway takes it (bench/support.ts REDIS_ENV: REDIS_URL,
 * default redis://127.0.0.1:6379, or REDIS_CLUSTER_NODES, or REDIS_SENTINELS + REDIS_SENTINEL_NAME).
 */
import 'reflect-metadata';
import { createClient } from 'graphql-ws';
import Redis from 'ioredis';
import { request } from 'undici';
import WebSocket from 'ws';
import { mintToken } from '../src/auth/jwt';
import { RedisStore } from '../src/store/redis';
import type { RedisClient } from '../src/store/redis-connection';
import { liveStateOf } from '../src/subscriptions/live-state';
import { startBenchStack } from './support';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 200);
const RATE = Number(process.env.BENCH_RATE ?? 10);
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;

/** Counts the commands the gateway's own Redis client sends (exact, unlike the server-wide counter). */
function countCommands(client: RedisClient): { count: number } {
  const counter = { count: 0 };
  const target = client as Redis; // a Cluster client sends through sendCommand alike
  const send = target.sendCommand.bind(target);
  target.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
    counter.count++;
    return send(...args);
  }) as Redis['sendCommand'];
  return counter;
}

/** A day of one agent as the events it pushes, cycling. */
const CYCLE = ['Idle', 'AgentRinging', 'AgentAnswer', 'Conversation', 'After', 'Idle', 'Busy'];

async function main() {
  // Every screen uses the bench's one viewer token: without WS_MAX_SOCKETS_PER_PRINCIPAL=0 the per-principal cap (20) refuses the rest.
  const stack = await startBenchStack({ HOOK_SECRET: 'bench-hook', AUTH_JWT_SECRET: SECRET, WS_MAX_SOCKETS_PER_PRINCIPAL: '0' });
  const { sandbox, gateway } = stack;

  const hook = `${gateway.url}/hooks/bench-hook`;

  let sequence = 0;
  const post = (agentNumber: string, event: string, eventTime: number) =>
    request(hook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'event',
        event,
        nowState: event,
        eventTime,
        sequence: ++sequence,
        companyId: sandbox.companyId,
        agentNumber,
        agentId: `id-${agentNumber}`,
        data:
          event === 'Login'
            ? { groupIdList: [String(1 + (Number(agentNumber) % 4))] }
            : event.startsWith('Agent') || event === 'Conversation'
              ? { callDirection: '0', caller: '13900000000', called: agentNumber }
              : {},
      }),
    }).then(async (r) => {
      await r.body.dump();
      if (r.statusCode !== 200) throw new Error(`hook answered ${r.statusCode}`);
    });

  const numbers = Array.from({ length: AGENTS }, (_, i) => String(7000 + i));
  for (const n of numbers) await post(n, 'Login', Date.now());
  await liveStateOf(gateway.services).settled();

  const token = await mintToken(SECRET, { sub: 'bench-viewer', roles: ['viewer'] });
  const cursor = (
    (await (
      await request(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ wallboard { cursor } }' }),
      })
    ).body.json()) as { data: { wallboard: { cursor: string } } }
  ).data.wallboard.cursor;

  const latencies: number[] = [];
  let received = 0;
  const clients = Array.from({ length: SUBSCRIBERS }, () =>
    createClient({
      url: `${gateway.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    }),
  );
  let started = 0;
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((ready) => {
          c.subscribe<{ wallboardUpdates: { agent: { since: string } | null } }>(
            {
              query: `subscription($after: String!) { wallboardUpdates(after: $after) { cursor agent { since } } }`,
              variables: { after: cursor },
            },
            {
              next: (r) => {
                const since = r.data?.wallboardUpdates.agent?.since;
                if (since) {
                  latencies.push(Date.now() - new Date(since).getTime());
                  received++;
                }
              },
              error: (e) => console.error('subscription error', e),
              complete: () => {},
            },
          );
          c.on('connected', () => {
            started++;
            ready();
          });
        }),
    ),
  );
  await new Promise((r) => setTimeout(r, 500)); // subscriptions registered

  const commands = countCommands((gateway.services.store as RedisStore).client);
  const before = commands.count;
  const total = RATE * SECONDS;
  const position = new Map(numbers.map((n) => [n, 0]));
  const t0 = Date.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const n = numbers[Math.floor(Math.random() * numbers.length)];
    const k = position.get(n)!;
    position.set(n, k + 1);
    // eventTime is the send time, so since (the update's state time) measures POST → update.
    void post(n, CYCLE[k % CYCLE.length], Date.now());
  }
  await new Promise((r) => setTimeout(r, 2000)); // drain
  const after = commands.count;

  const sorted = [...latencies].sort((a, b) => a - b);
  const expected = total * SUBSCRIBERS;
  console.log(
    JSON.stringify(
      {
        agents: AGENTS,
        changesPerSecond: RATE,
        subscribers: started,
        events: total,
        p50ms: percentile(sorted, 50),
        p99ms: percentile(sorted, 99),
        updatesReceived: received,
        updatesExpected: expected,
        lost: expected - received,
        redisCommandsPerEvent: +((after - before) / total).toFixed(1),
      },
      null,
      2,
    ),
  );
  for (const c of clients) await c.dispose();
  await stack.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
