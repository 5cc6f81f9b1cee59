import Redis, { type RedisOptions } from 'ioredis';
import type { Logger } from '../logger';
import { StoreUnavailableError, type Store } from './store';

const COMPARE_AND_DELETE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

export interface RedisStoreOptions {
  url: string;
  prefix: string;
  logger?: Logger;
  /** Fail a command after this long instead of waiting for a dead server. */
  commandTimeoutMs?: number;
}

/** Builds an ioredis client that fails fast while disconnected instead of queueing without bound. */
export function createRedisClient(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
    lazyConnect: false,
    ...extra,
  });
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly client: Redis;
  private reportedDown = false;

  constructor(private readonly options: RedisStoreOptions) {
    this.client = createRedisClient(options.url, {
      keyPrefix: options.prefix,
      commandTimeout: options.commandTimeoutMs ?? 1000,
    });
    this.client.defineCommand('compareAndDelete', { numberOfKeys: 1, lua: COMPARE_AND_DELETE });
    this.client.on('error', (err) => {
      if (!this.reportedDown) options.logger?.warn({ err: err.message }, 'redis unreachable; degrading where possible');
      this.reportedDown = true;
    });
    this.client.on('ready', () => {
      if (this.reportedDown) options.logger?.info('redis reachable again');
      this.reportedDown = false;
    });
  }

  /** Connection with the same prefix for blocking reads (a blocked connection can serve nothing else). */
  duplicate(): Redis {
    return this.client.duplicate({ commandTimeout: undefined });
  }

  /** Resolves once connected, or after `timeoutMs` (the gateway then starts degraded and reconnects in the background). */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.client.once('ready', onReady);
    });
  }

  get prefix() {
    return this.options.prefix;
  }

  private async run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (this.client.status !== 'ready' || /timed out|Connection is closed|ECONNREFUSED|Stream isn't writeable/i.test(String((err as Error).message))) {
        throw new StoreUnavailableError(err);
      }
      throw err;
    }
  }

  get(key: string) {
    return this.run(() => this.client.get(key));
  }
  mget(keys: string[]) {
    return keys.length === 0 ? Promise.resolve([]) : this.run(() => this.client.mget(keys));
  }
  async set(key: string, value: string, ttlMs?: number) {
    await this.run(() => (ttlMs === undefined ? this.client.set(key, value) : this.client.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)))));
  }
  async setIfAbsent(key: string, value: string, ttlMs: number) {
    return (await this.run(() => this.client.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'))) === 'OK';
  }
  del(...keys: string[]) {
    return keys.length === 0 ? Promise.resolve(0) : this.run(() => this.client.del(...keys));
  }
  async deleteIfEquals(key: string, expected: string) {
    const client = this.client as Redis & { compareAndDelete(key: string, expected: string): Promise<number> };
    return (await this.run(() => client.compareAndDelete(key, expected))) === 1;
  }
  pttl(key: string) {
    return this.run(() => this.client.pttl(key));
  }
  incrBy(key: string, by = 1) {
    return this.run(() => this.client.incrby(key, by));
  }
  async hset(key: string, fields: Record<string, string>) {
    await this.run(() => this.client.hset(key, fields));
  }
  hget(key: string, field: string) {
    return this.run(() => this.client.hget(key, field));
  }
  hgetall(key: string) {
    return this.run(() => this.client.hgetall(key));
  }
  hdel(key: string, ...fields: string[]) {
    return fields.length === 0 ? Promise.resolve(0) : this.run(() => this.client.hdel(key, ...fields));
  }
  async ping() {
    await this.run(() => this.client.ping());
  }
  isConnected() {
    return this.client.status === 'ready';
  }
  async close() {
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    const timeout = new Promise((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([this.client.quit().catch(() => undefined), timeout]);
    this.client.disconnect();
  }
}
