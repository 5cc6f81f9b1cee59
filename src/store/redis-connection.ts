import Redis, { Cluster, type RedisOptions } from 'ioredis';

import type { RedisNode } from './redis-nodes';

export { parseNodeList, type RedisNode } from './redis-nodes';

/**
 * Where the gateway's Redis is and how to reach it: one server (or a managed endpoint) by URL, a
 * Redis Cluster from seed nodes, or a master found through Sentinel. `REDIS_URL`,
 * `REDIS_CLUSTER_NODES` or `REDIS_SENTINELS` + `REDIS_SENTINEL_NAME` (src/config.ts).
 */
export type RedisConnection =
  | { mode: 'single'; url: string }
  | { mode: 'cluster'; nodes: RedisNode[]; password?: string; tls?: boolean }
  | { mode: 'sentinel'; sentinels: RedisNode[]; name: string; password?: string; tls?: boolean };

/** A client of either kind: the commands the store sends are the same on both. */
export type RedisClient = Redis | Cluster;

/** Options for one client; `keyPrefix` and `commandTimeout` as ioredis takes them. */
export interface ClientOptions {
  keyPrefix?: string;
  commandTimeout?: number;
  /** Queue commands while connecting (deleting a test's keys); off by default: fail fast while down. */
  enableOfflineQueue?: boolean;
}

/** How long between reconnect attempts: 100 ms doubling, at most 2 s. */
const backoff = (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000);

/**
 * The one place a Redis client is made, for every mode and every use (commands, the blocking
 * reader, the appender that waits for replicas): each fails fast while disconnected instead of
 * queueing without bound, and reconnects in the background. A Cluster client follows MOVED and
 * failovers itself (it refreshes the slot map and retries a command sent to a master that is gone).
 */
export function createRedisClient(connection: RedisConnection | string, options: ClientOptions = {}): RedisClient {
  const target: RedisConnection = typeof connection === 'string' ? { mode: 'single', url: connection } : connection;
  const common: RedisOptions = {
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeout,
    ...(target.mode !== 'single' && target.password ? { password: target.password } : {}),
    ...(target.mode !== 'single' && target.tls ? { tls: {} } : {}),
  };
  const offline = options.enableOfflineQueue ?? false;
  switch (target.mode) {
    case 'single':
      return new Redis(target.url, { ...common, enableOfflineQueue: offline, retryStrategy: backoff, keyPrefix: options.keyPrefix });
    case 'sentinel':
      return new Redis({
        ...common,
        sentinels: target.sentinels,
        name: target.name,
        enableOfflineQueue: offline,
        retryStrategy: backoff,
        sentinelRetryStrategy: backoff,
        keyPrefix: options.keyPrefix,
        // Sentinels with the same password as the servers (Redis' usual setup) and the same TLS.
        ...(target.password ? { sentinelPassword: target.password } : {}),
        ...(target.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      });
    case 'cluster':
      return new Cluster(target.nodes, {
        redisOptions: common,
        keyPrefix: options.keyPrefix,
        enableOfflineQueue: offline,
        clusterRetryStrategy: backoff,
        // While a master is replaced, commands to its slots are retried after these delays (within
        // maxRetriesPerRequest and the command timeout) rather than failed at once.
        retryDelayOnFailover: 100,
        retryDelayOnClusterDown: 100,
        retryDelayOnTryAgain: 100,
        slotsRefreshTimeout: 2000,
        // The slot map is refreshed on MOVED and on errors; periodically as well, for a quiet client.
        slotsRefreshInterval: 5000,
      });
  }
}

/** Whether the client is a Cluster client (commands over several slots must then be split by slot). */
export const isCluster = (client: RedisClient): client is Cluster => client instanceof Cluster;

/** The servers to scan for keys: every master of a cluster, or the one server. */
export function scanTargets(client: RedisClient): Redis[] {
  return isCluster(client) ? client.nodes('master') : [client];
}
