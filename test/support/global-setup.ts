import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAnswers, startOwnRedis } from './redis';
import { startRedisCluster, startRedisSentinel, type RedisClusterGroup, type RedisSentinelGroup } from './redis-cluster';

export const PID_FILE = join(tmpdir(), `occ-gateway-test-redis-${process.ppid}.pid`);

/** The groups this setup started, for the global teardown (same process). */
export const GROUPS = Symbol.for('occ-gateway.test.redis-groups');
type WithGroups = typeof globalThis & { [GROUPS]?: (RedisClusterGroup | RedisSentinelGroup)[] };

/**
 * Finds the Redis for the suite: REDIS_URL, else 127.0.0.1:6379 when it answers, else a private
 * redis-server. Starts a 3-master/3-replica Redis Cluster and a Sentinel group beside it, shared
 * by every test file (TEST_REDIS_CLUSTER_NODES, TEST_REDIS_SENTINELS, TEST_REDIS_SENTINEL_NAME):
 * the store contract tests and the multi-instance suites run on each mode.
 */
export default async function globalSetup(): Promise<void> {
  const groups = Promise.allSettled([startRedisCluster(), startRedisSentinel()]);
  const single = await findSingleRedis().then(
    () => null,
    (err: unknown) => err,
  );
  const [cluster, sentinel] = await groups;
  const started = [cluster, sentinel].flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  (globalThis as WithGroups)[GROUPS] = started;
  const failed = single ?? [cluster, sentinel].find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
  if (failed || cluster.status !== 'fulfilled' || sentinel.status !== 'fulfilled') {
    await stopGroups(); // jest runs no teardown after a failed setup
    throw failed;
  }
  process.env.TEST_REDIS_CLUSTER_NODES = cluster.value.nodes;
  process.env.TEST_REDIS_SENTINELS = sentinel.value.sentinels;
  process.env.TEST_REDIS_SENTINEL_NAME = sentinel.value.name;
}

async function findSingleRedis(): Promise<void> {
  if (process.env.REDIS_URL) {
    if (!(await redisAnswers(process.env.REDIS_URL))) throw new Error(`REDIS_URL=${process.env.REDIS_URL} does not answer`);
    process.env.TEST_REDIS_URL = process.env.REDIS_URL;
    return;
  }
  if (await redisAnswers('redis://127.0.0.1:6379')) {
    process.env.TEST_REDIS_URL = 'redis://127.0.0.1:6379';
    return;
  }
  const own = await startOwnRedis().catch((err: Error) => {
    throw new Error(`No Redis for the tests: none at 127.0.0.1:6379 and ${err.message}`);
  });
  own.process.unref();
  writeFileSync(PID_FILE, String(own.process.pid));
  process.env.TEST_REDIS_URL = own.url;
}

/** Stops the groups the setup started. */
export async function stopGroups(): Promise<void> {
  const g = globalThis as WithGroups;
  await Promise.all((g[GROUPS] ?? []).map((group) => group.stop()));
  g[GROUPS] = [];
}
