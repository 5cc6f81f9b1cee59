import Redis, { type RedisOptions } from 'ioredis';
import type { Logger } from '../logger';
import { mergeById, StoreUnavailableError, type Store, type StreamEntry } from './store';

const COMPARE_AND_DELETE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

/**
 * Dedupe and append in one step: the entry id is the next value of one sequence shared by all
 * streams (`<n>-0`), so ids order entries across streams and any instance may append.
 * KEYS: stream, dedupe key, sequence key. ARGV: dedupe TTL ms, max length, field, value, …
 */
const APPEND_EVENT = `
if redis.call("SET", KEYS[2], "1", "NX", "PX", ARGV[1]) == false then return false end
local n = redis.call("INCR", KEYS[3])
redis.call("XADD", KEYS[1], "MAXLEN", "~", ARGV[2], n .. "-0", unpack(ARGV, 3))
return n`;

const SEQUENCE_KEY = 'events:seq';

type RawEntries = [id: string, fields: string[]][];

function toEntries(stream: string, raw: RawEntries): StreamEntry[] {
  return raw.map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
    return { stream, id: id.split('-')[0], fields };
  });
}

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
  /** Connection for blocking reads, created on first use. */
  private blocking?: Redis;

  constructor(private readonly options: RedisStoreOptions) {
    this.client = createRedisClient(options.url, {
      keyPrefix: options.prefix,
      commandTimeout: options.commandTimeoutMs ?? 1000,
    });
    this.client.defineCommand('compareAndDelete', { numberOfKeys: 1, lua: COMPARE_AND_DELETE });
    this.client.defineCommand('appendEvent', { numberOfKeys: 3, lua: APPEND_EVENT });
    this.client.on('error', (err) => {
      if (!this.reportedDown) options.logger?.warn({ err: err.message }, 'redis unreachable; degrading where possible');
      this.reportedDown = true;
    });
    this.client.on('ready', () => {
      if (this.reportedDown) options.logger?.info('redis reachable again');
      this.reportedDown = false;
    });
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
  async appendEvent(stream: string, dedupeKey: string, dedupeTtlMs: number, maxLen: number, fields: Record<string, string>) {
    const client = this.client as Redis & { appendEvent(...args: (string | number)[]): Promise<number | null> };
    const args = Object.entries(fields).flat();
    const n = await this.run(() => client.appendEvent(stream, dedupeKey, SEQUENCE_KEY, Math.ceil(dedupeTtlMs), maxLen, ...args));
    return n === null ? null : String(n);
  }
  async readEvents(streams: string[], after: string, count: number) {
    const lists = await this.run(() =>
      Promise.all(streams.map(async (s) => toEntries(s, (await this.client.xrange(s, `(${after}-0`, '+', 'COUNT', count)) as RawEntries))),
    );
    return mergeById(lists, count);
  }
  async waitEvents(streams: string[], after: string, blockMs: number, count: number) {
    // No command timeout here: a blocking read legitimately waits for blockMs.
    this.blocking ??= createRedisClient(this.options.url, { keyPrefix: this.options.prefix });
    const blocking = this.blocking;
    if (blocking.status !== 'ready') await new Promise((r) => setTimeout(r, Math.min(blockMs, 200)));
    const reply = (await this.run(() =>
      blocking.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', ...streams, ...streams.map(() => `${after}-0`)),
    )) as [string, RawEntries][] | null;
    if (!reply) return [];
    const prefix = this.options.prefix;
    return mergeById(
      reply.map(([key, raw]) => toEntries(key.startsWith(prefix) ? key.slice(prefix.length) : key, raw)),
      Number.MAX_SAFE_INTEGER,
    );
  }
  async lastEventId() {
    return (await this.get(SEQUENCE_KEY)) ?? '0';
  }
  async ping() {
    await this.run(() => this.client.ping());
  }
  isConnected() {
    return this.client.status === 'ready';
  }
  async close() {
    this.blocking?.disconnect();
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    const timeout = new Promise((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([this.client.quit().catch(() => undefined), timeout]);
    this.client.disconnect();
  }
}
