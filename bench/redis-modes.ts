/**
 * npm run bench:redis — one Redis against a 3-master Redis Cluster (with a replica each), in the
 * same run, on a cluster this bench starts from the installed redis-server (test/support/redis-cluster.ts):
 *
 * 1. The ceiling of one slot: appends per second through RedisStore.appendEvent (the event log is
 *    one slot: {events}), BENCH_APPENDERS in flight for BENCH_APPEND_SECONDS, on one Redis, on the
 *    cluster, and on the cluster with each append confirmed on its replica (WAIT 1, as the gateway
 *    does there by default).
 * 2. Callbacks end to end: bench:events' gateway side (dist/bench/events.js) with BENCH_INSTANCES
 *    gateway processes (3) on one Redis, then on the cluster, at each rate of BENCH_RATES (callbacks/s;
 *    "250,500,1000"), BENCH_SUBSCRIBERS (200) subscribers spread over the instances, BENCH_SECONDS (10).
 * One Redis: REDIS_URL (redis://127.0.0.1:6379). Figures: docs/benchmarks.md "Redis Cluster".
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { deleteKeysWithPrefix, RedisStore } from '../src/store/redis';
import { parseNodeList, type RedisConnection } from '../src/store/redis-connection';
import { startRedisCluster } from '../test/support/redis-cluster';
import { benchPrefix, REDIS_URL } from './support';

const APPENDERS = Number(process.env.BENCH_APPENDERS ?? 64);
const APPEND_SECONDS = Number(process.env.BENCH_APPEND_SECONDS ?? 5);
const RATES = (process.env.BENCH_RATES ?? '250,500,1000').split(',').map(Number);

/** Appends per second one store takes with APPENDERS appends in flight (group commit batches them). */
async function appendCeiling(connection: RedisConnection, waitReplicas: number): Promise<{ perSecond: number; refused: number }> {
  const prefix = benchPrefix();
  const store = new RedisStore({ connection, prefix, waitReplicas });
  await store.waitUntilReady(5000);
  const data = JSON.stringify({ callId: 'x'.repeat(24), taskSn: 'bench', called: '13800000000', caller: '95001', duration: 1000 });
  let done = 0;
  let refused = 0;
  const end = Date.now() + APPEND_SECONDS * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: APPENDERS }, async (_, w) => {
      for (let i = 0; Date.now() < end; i++) {
        try {
          await store.appendEvent('events:CallEnd', `events:seen:CallEnd:${w}-${i}`, 60_000, 100_000, { kind: 'CallEnd', data });
          done++;
        } catch {
          refused++;
        }
      }
    }),
  );
  const perSecond = done / ((Date.now() - started) / 1000);
  await store.close();
  await deleteKeysWithPrefix(connection, prefix);
  return { perSecond, refused };
}

/** Runs bench:events' gateway side in a process of its own with `env` (its lines go to this output). */
async function eventsRun(env: Record<string, string>): Promise<void> {
  const redisVars = ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS', 'REDIS_SENTINEL_NAME'];
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !redisVars.includes(k))) as Record<string, string>;
  const child = spawn(process.execPath, [join(__dirname, 'events.js')], {
    env: {
      ...inherited,
      BENCH_ONLY: 'gateway',
      BENCH_INSTANCES: process.env.BENCH_INSTANCES ?? '3',
      BENCH_SUBSCRIBERS: process.env.BENCH_SUBSCRIBERS ?? '200',
      BENCH_SECONDS: process.env.BENCH_SECONDS ?? '10',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`bench:events exited ${code}`);
}

async function main() {
  const cluster = await startRedisCluster();
  try {
    const single: RedisConnection = { mode: 'single', url: REDIS_URL };
    const clustered: RedisConnection = { mode: 'cluster', nodes: parseNodeList(cluster.nodes)! };
    console.log(`bench:redis — one Redis (${REDIS_URL}) and a 3-master cluster (${cluster.nodes})`);
    console.log(`appends to the event log (one slot), ${APPENDERS} in flight for ${APPEND_SECONDS} s:`);
    for (const [name, connection, wait] of [
      ['one Redis', single, 0],
      ['cluster', clustered, 0],
      ['cluster, WAIT 1', clustered, 1],
    ] as const) {
      const { perSecond, refused } = await appendCeiling(connection, wait);
      console.log(
        `  ${name.padEnd(16)} ${Math.round(perSecond).toString().padStart(7)} appends/s${refused ? `  (${refused} refused)` : ''}`,
      );
    }
    for (const rate of RATES) {
      console.log(`\ncallbacks at ${rate}/s, one Redis:`);
      await eventsRun({ BENCH_RATE: String(rate), REDIS_URL });
      console.log(`callbacks at ${rate}/s, cluster:`);
      await eventsRun({ BENCH_RATE: String(rate), REDIS_CLUSTER_NODES: cluster.nodes });
    }
  } finally {
    await cluster.stop();
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
