import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAnswers, startOwnRedis } from './redis';

export const PID_FILE = join(tmpdir(), `occ-gateway-test-redis-${process.ppid}.pid`);

/** Finds the Redis for the suite: REDIS_URL, else 127.0.0.1:6379 when it answers, else a private redis-server. */
export default async function globalSetup(): Promise<void> {
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
