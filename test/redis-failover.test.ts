import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startSandbox, type Sandbox } from '../sandbox/server';
import { eventually } from './support/agent-events';
import { callEnd, postHook } from './support/callbacks';
import { startRedisCluster, startRedisSentinel, type RedisClusterGroup, type RedisSentinelGroup } from './support/redis-cluster';
import { startStack, type Stack } from './support/stack';
import { collect, until } from './support/subscriptions';

/**
 * Issue 18: a callback answered 200 survives the failover of the Redis master that took it. Each
 * group here is the test's own (it kills servers): the suite's shared groups stay whole.
 */

const CALL_END = `subscription($taskSn: ID) { callEnded(taskSn: $taskSn) { cursor callId } }`;

/** What the failover test needs of a group: where the event log's master is, and how to replace it. */
interface Group {
  env: Record<string, string>;
  /** The port of the master holding the event log now. */
  logMaster(): Promise<number>;
  /** The processes of the replicas of the master on `port`. */
  replicasOf(port: number): Promise<ChildProcess[]>;
  kill(port: number): Promise<void>;
  /** Starts the killed server again; it comes back as a replica of the promoted one. */
  rejoin(port: number): Promise<void>;
  healthy(): Promise<void>;
  stop(): Promise<void>;
}

function clusterGroup(cluster: RedisClusterGroup): Group {
  return {
    env: { REDIS_CLUSTER_NODES: cluster.nodes },
    // Every key of the log carries the {events} hash tag (src/store/slots.ts).
    logMaster: () => cluster.masterOf('{events}'),
    replicasOf: async (port) => (await cluster.replicasOf(port)).map((p) => cluster.servers.get(p)!.process),
    kill: (port) => cluster.kill(port),
    rejoin: (port) => cluster.restart(port),
    healthy: () => cluster.healthy(),
    stop: () => cluster.stop(),
  };
}

function sentinelGroup(sentinel: RedisSentinelGroup): Group {
  return {
    env: { REDIS_SENTINELS: sentinel.sentinels, REDIS_SENTINEL_NAME: sentinel.name },
    logMaster: () => sentinel.master(),
    replicasOf: async (port) => (await sentinel.replicasOf(port)).map((p) => sentinel.servers.get(p)!.process),
    kill: (port) => sentinel.kill(port),
    rejoin: (port) => sentinel.restartAsReplica(port),
    healthy: () => sentinel.healthy(),
    stop: () => sentinel.stop(),
  };
}

async function readyz(stack: Stack) {
  const res = await request(`${stack.url}/readyz`);
  await res.body.dump();
  return res.statusCode;
}

const GROUPS: [name: string, start: () => Promise<Group>][] = [
  ['Redis Cluster (3 masters, 3 replicas)', async () => clusterGroup(await startRedisCluster())],
  ['Redis Sentinel (1 master, 1 replica, 3 sentinels)', async () => sentinelGroup(await startRedisSentinel())],
];

describe.each(GROUPS)('%s: the event log master killed while callbacks arrive on two instances', (_name, start) => {
  let group: Group;
  let sandbox: Sandbox;
  let a: Stack;
  let b: Stack;

  beforeAll(async () => {
    group = await start();
    sandbox = await startSandbox();
    const prefix = `test:${randomUUID()}:`;
    // A short wait for replicas, so that refusals during the failover come quickly.
    const env = { ...group.env, EVENTS_WAIT_TIMEOUT_MS: '300' };
    a = await startStack({ sandbox, prefix, store: env });
    b = await startStack({ sandbox, prefix, store: env, env: { HOOK_SECRET: a.config.hookSecret! } });
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sandbox?.close();
    await group?.stop();
  });

  it('answers 503 while no replica confirms an append, and takes the retry once, when one does', async () => {
    expect(a.config.eventsWaitReplicas).toBe(1);
    const taskSn = randomUUID();
    const sub = await collect(b.ws(), CALL_END, { taskSn });
    const master = await group.logMaster();
    // Every server but the master, stopped (not killed): the master stays, no replica acknowledges.
    const replicas = await group.replicasOf(master);
    for (const p of replicas) p.kill('SIGSTOP');
    try {
      expect((await postHook(a.hookUrl, callEnd(`${taskSn}-1`, taskSn))).status).toBe(503);
      // The retry finds the key of the append it refused: still unconfirmed, so refused again, not taken for a duplicate.
      expect((await postHook(b.hookUrl, callEnd(`${taskSn}-1`, taskSn))).status).toBe(503);
      await sleep(500);
      expect(sub.events).toEqual([]); // nothing unconfirmed is handed out
    } finally {
      for (const p of replicas) p.kill('SIGCONT');
    }
    await eventually(async () => expect((await postHook(b.hookUrl, callEnd(`${taskSn}-1`, taskSn))).status).toBe(200), 10_000);
    await sub.waitFor(1);
    await sleep(500);
    expect(sub.events.map((e) => e.callId)).toEqual([`${taskSn}-1`]);
  });

  it('delivers every callback answered 200 exactly once; those refused meanwhile succeed on retry; no instance restarts', async () => {
    const taskSn = randomUUID();
    const subA = await collect(a.ws(), CALL_END, { taskSn });
    const subB = await collect(b.ws(), CALL_END, { taskSn });
    const ids = Array.from({ length: 240 }, (_, i) => `${taskSn}-${i}`);
    const answered = new Set<string>();
    const refused = new Set<string>();
    // Callbacks arrive on both instances, a few at a time, each pushed again until it is answered 200
    // (the platform retries); a connection error counts as a refusal too.
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < ids.length; i = next++) {
        const target = i % 2 === 0 ? a : b;
        for (;;) {
          const status = await postHook(target.hookUrl, callEnd(ids[i], taskSn)).then(
            (r) => r.status,
            () => 0,
          );
          if (status === 200) break;
          refused.add(ids[i]);
          await sleep(100);
        }
        answered.add(ids[i]);
        await sleep(20);
      }
    };
    const sending = Promise.all(Array.from({ length: 6 }, worker));
    await until(() => answered.size >= 60, 30_000);
    const master = await group.logMaster();
    await group.kill(master);
    // The replica is promoted by the group itself; the gateways find it without a restart.
    await eventually(async () => expect(await group.logMaster()).not.toBe(master), 30_000);
    // The promoted master has no replica until the killed server is back: its appends are refused meanwhile.
    await sleep(1000);
    await group.rejoin(master);
    await sending;
    await group.healthy();

    expect(refused.size).toBeGreaterThan(0);
    expect(answered.size).toBe(ids.length);
    for (const sub of [subA, subB]) {
      await sub.waitFor(ids.length, 30_000);
      await sleep(500); // nothing more arrives: no event twice
      expect(sub.errors).toEqual([]);
      const counts = new Map<string, number>();
      for (const e of sub.events) counts.set(e.callId, (counts.get(e.callId) ?? 0) + 1);
      expect([...counts.keys()].sort()).toEqual([...ids].sort());
      expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
    }
    expect(await readyz(a)).toBe(200);
    expect(await readyz(b)).toBe(200);
  });
});
