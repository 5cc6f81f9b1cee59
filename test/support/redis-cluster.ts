import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { redisAnswers } from './redis';

/**
 * Real Redis Cluster and Sentinel groups from the installed redis-server and redis-cli, on local
 * ports (7100–7299 for servers, 27200–27299 for sentinels), without persistence, torn down after.
 * The suite's shared groups are started by the global setup (test/support/global-setup.ts); a test
 * that kills servers (test/redis-failover.test.ts) starts groups of its own.
 */

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A redis-server process of a group. */
export interface ServerProcess {
  port: number;
  process: ChildProcess;
}

/** Sends one command with redis-cli and answers its output (redis-cli is what an operator would use). */
export async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout.trim();
}

/** Whether something listens on the port (so a group is not started over another one's). */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The first base in `bases` whose ports (base + offsets) are all free. */
async function freeBase(bases: number[], offsets: number[]): Promise<number> {
  for (const base of bases) {
    const taken = await Promise.all(offsets.map((o) => portTaken(base + o)));
    if (!taken.some(Boolean)) return base;
  }
  throw new Error(`no free ports for a Redis group at bases ${bases.join(', ')}`);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Starts redis-server with `args`; resolves once it answers PING. */
export async function startServer(port: number, args: string[], dir: string): Promise<ServerProcess> {
  const child = spawn('redis-server', [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no'], {
    stdio: 'ignore',
  });
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    child.once('spawn', () => resolve(true));
  });
  if (!spawned) throw new Error('redis-server is not on PATH: install Redis 7 (the cluster and sentinel tests need it)');
  child.unref();
  await until(`redis-server on ${port}`, () => redisAnswers(`redis://127.0.0.1:${port}`, 200), 10_000);
  return { port, process: child };
}

/** Kills a server at once (SIGKILL: nothing flushed, no goodbye to its peers), as a crash would. */
export async function killServer(server: ServerProcess): Promise<void> {
  if (server.process.exitCode !== null || server.process.signalCode !== null) return;
  const exited = new Promise((r) => server.process.once('exit', r));
  // The child is unref'd while it runs; waiting for its exit must hold the event loop, or a process
  // with nothing else to do (jest's global teardown) ends before the exit comes, with code 0.
  server.process.ref();
  server.process.kill('SIGKILL');
  await exited;
}

const replicaInSync = async (port: number) => /master_link_status:up/.test(await cli(port, 'info', 'replication'));

export interface RedisClusterGroup {
  /** The seeds as REDIS_CLUSTER_NODES takes them. */
  nodes: string;
  servers: Map<number, ServerProcess>;
  /** The port of the master serving `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** The ports of the replicas of the master on `port`. */
  replicasOf(port: number): Promise<number[]>;
  /** Kills the server on `port`. */
  kill(port: number): Promise<void>;
  /** Starts the server on `port` again (it rejoins the cluster with its nodes file, as a replica when it was replaced). */
  restart(port: number): Promise<void>;
  /** Resolves when every slot is served and every master has a replica in sync. */
  healthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const CLUSTER_OFFSETS = [0, 1, 2, 3, 4, 5];

/** A 3-master, 3-replica cluster (cluster-node-timeout 1 s, so a dead master is replaced in a few seconds). */
export async function startRedisCluster(bases = [7100, 7120, 7140, 7160, 7180]): Promise<RedisClusterGroup> {
  const base = await freeBase(bases, CLUSTER_OFFSETS);
  const dir = mkdtempSync(join(tmpdir(), 'occ-redis-cluster-'));
  const servers = new Map<number, ServerProcess>();
  const argsOf = (port: number) => [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    join(dir, `nodes-${port}.conf`),
    '--cluster-node-timeout',
    '1000',
    '--save',
    '',
    '--appendonly',
    'no',
  ];
  const ports = CLUSTER_OFFSETS.map((o) => base + o);
  const group: RedisClusterGroup = {
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
    servers,
    async masterOf(key) {
      const slot = Number(await cli(ports[0], 'cluster', 'keyslot', key));
      for (const port of ports) {
        if (!isRunning(servers.get(port))) continue;
        // CLUSTER NODES: "<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges…>"
        const lines = (await cli(port, 'cluster', 'nodes')).split('\n');
        for (const line of lines) {
          const parts = line.split(' ');
          if (!parts[2].includes('master') || parts[2].includes('fail')) continue;
          for (const range of parts.slice(8)) {
            const [from, to] = range.split('-').map(Number);
            if (slot >= from && slot <= (to ?? from)) return Number(parts[1].split(':')[1].split('@')[0]);
          }
        }
      }
      throw new Error(`no master serves the slot of ${key}`);
    },
    async replicasOf(port) {
      const lines = (await cli(port, 'cluster', 'nodes')).split('\n').map((l) => l.split(' '));
      const portOf = (parts: string[]) => Number(parts[1].split(':')[1].split('@')[0]);
      const id = lines.find((parts) => portOf(parts) === port)?.[0];
      return lines.filter((parts) => parts[2].includes('slave') && parts[3] === id).map(portOf);
    },
    async kill(port) {
      await killServer(servers.get(port)!);
    },
    async restart(port) {
      servers.set(port, await startServer(port, argsOf(port), dir));
    },
    async healthy(timeoutMs = 30_000) {
      await until(
        'the cluster to serve every slot with a replica per master',
        async () => {
          for (const port of ports) {
            if (!isRunning(servers.get(port))) return false;
            if (!/cluster_state:ok/.test(await cli(port, 'cluster', 'info'))) return false;
          }
          const roles = await Promise.all(ports.map(async (p) => ((await cli(p, 'role')).split('\n')[0] === 'slave' ? p : null)));
          const replicas = roles.filter((p): p is number => p !== null);
          if (replicas.length !== 3) return false;
          return (await Promise.all(replicas.map(replicaInSync))).every(Boolean);
        },
        timeoutMs,
      );
    },
    async stop() {
      await Promise.all([...servers.values()].map(killServer));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const port of ports) servers.set(port, await startServer(port, argsOf(port), dir));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], {
      timeout: 30_000,
    });
    await group.healthy();
  } catch (err) {
    await group.stop();
    throw err;
  }
  return group;
}

const isRunning = (server: ServerProcess | undefined) => !!server && server.process.exitCode === null && server.process.signalCode === null;

export interface RedisSentinelGroup {
  /** The sentinels as REDIS_SENTINELS takes them. */
  sentinels: string;
  /** The master group name (REDIS_SENTINEL_NAME). */
  name: string;
  servers: Map<number, ServerProcess>;
  /** The port of the master the sentinels name now. */
  master(): Promise<number>;
  /** The ports of the servers that are not the master (its replica). */
  replicasOf(port: number): Promise<number[]>;
  kill(port: number): Promise<void>;
  /** Starts the server on `port` again, as a replica of the current master. */
  restartAsReplica(port: number): Promise<void>;
  /** Resolves when the sentinels name a master that has a replica in sync. */
  healthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const SENTINEL_NAME = 'occ-test';

/** One master, one replica and three sentinels (quorum 2, down after 1 s). */
export async function startRedisSentinel(bases = [7200, 7220, 7240, 7260, 7280]): Promise<RedisSentinelGroup> {
  const base = await freeBase(bases, [0, 1, 20000, 20001, 20002]);
  const dir = mkdtempSync(join(tmpdir(), 'occ-redis-sentinel-'));
  const [masterPort, replicaPort] = [base, base + 1];
  const sentinelPorts = [base + 20000, base + 20001, base + 20002];
  const servers = new Map<number, ServerProcess>();
  const plain = ['--save', '', '--appendonly', 'no'];
  const group: RedisSentinelGroup = {
    sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
    name: SENTINEL_NAME,
    servers,
    async master() {
      for (const port of sentinelPorts) {
        const answer = await cli(port, 'sentinel', 'get-master-addr-by-name', SENTINEL_NAME).catch(() => '');
        const lines = answer.split('\n');
        if (lines.length === 2) return Number(lines[1]);
      }
      throw new Error('no sentinel names a master');
    },
    async replicasOf(port) {
      return [masterPort, replicaPort].filter((p) => p !== port);
    },
    async kill(port) {
      await killServer(servers.get(port)!);
    },
    async restartAsReplica(port) {
      const master = await group.master();
      servers.set(port, await startServer(port, [...plain, '--replicaof', '127.0.0.1', String(master)], dir));
    },
    async healthy(timeoutMs = 30_000) {
      await until(
        'the sentinels to name a master with a replica in sync',
        async () => {
          const master = await group.master();
          if (!isRunning(servers.get(master))) return false;
          const replicas = [masterPort, replicaPort].filter((p) => p !== master && isRunning(servers.get(p)));
          if (replicas.length === 0 || !(await Promise.all(replicas.map(replicaInSync))).every(Boolean)) return false;
          // Every sentinel must know the replica, or a failover could find none to promote.
          for (const port of sentinelPorts) {
            const known = await cli(port, 'sentinel', 'replicas', SENTINEL_NAME);
            if (!replicas.every((p) => known.includes(String(p)))) return false;
          }
          return true;
        },
        timeoutMs,
      );
    },
    async stop() {
      await Promise.all([...servers.values()].map(killServer));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    servers.set(masterPort, await startServer(masterPort, plain, dir));
    servers.set(replicaPort, await startServer(replicaPort, [...plain, '--replicaof', '127.0.0.1', String(masterPort)], dir));
    for (const port of sentinelPorts) {
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
          `sentinel failover-timeout ${SENTINEL_NAME} 5000`,
          `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
          '',
        ].join('\n'),
      );
      servers.set(port, await startServer(port, [conf, '--sentinel'], dir));
    }
    await group.healthy();
  } catch (err) {
    await group.stop();
    throw err;
  }
  return group;
}
