import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { GROUPS, PID_FILE } from './global-setup';
import type { RedisClusterGroup, RedisSentinelGroup } from './redis-cluster';

export default async function globalTeardown(): Promise<void> {
  // The suite's cluster and Sentinel servers are killed at once, without waiting for their 'exit'
  // events: the children are unref'd, so awaiting them left the event loop empty, Node ended jest's
  // process mid-teardown with code 0 (failed tests passed CI) and the servers kept running.
  const groups = (globalThis as { [GROUPS]?: (RedisClusterGroup | RedisSentinelGroup)[] })[GROUPS] ?? [];
  for (const group of groups) for (const server of group.servers.values()) server.process.kill('SIGKILL');
  if (!existsSync(PID_FILE)) return;
  const pid = Number(readFileSync(PID_FILE, 'utf8'));
  unlinkSync(PID_FILE);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
