import Redis, { type RedisOptions } from 'ioredis';
import type { Logger } from '../logger';
import {
  liveFields,
  mergeById,
  StoreUnavailableError,
  type LiveChange,
  type LivePart,
  type LiveSnapshot,
  type Store,
  type StreamEntry,
} from './store';

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

/**
 * Live collection update (see Store.liveApply). KEYS: member hash, revision counter, member set, log
 * (sorted set scored by revision). ARGV: member, max log length, part count, then per part: name,
 * version, field count, field, value, …
 */
const LIVE_APPLY = `
local applied = false
local i = 4
for p = 1, tonumber(ARGV[3]) do
  local vf = '_v:' .. ARGV[i]
  local ver = ARGV[i + 1]
  local n = tonumber(ARGV[i + 2])
  local cur = redis.call('HGET', KEYS[1], vf)
  if (not cur) or cur < ver then
    applied = true
    redis.call('HSET', KEYS[1], vf, ver)
    for f = 0, n - 1 do
      local k = ARGV[i + 3 + 2 * f]
      local v = ARGV[i + 4 + 2 * f]
      if v == '' then redis.call('HDEL', KEYS[1], k) else redis.call('HSET', KEYS[1], k, v) end
    end
  end
  i = i + 3 + 2 * n
end
if not applied then return false end
local rev = redis.call('INCR', KEYS[2])
redis.call('SADD', KEYS[3], ARGV[1])
local all = redis.call('HGETALL', KEYS[1])
local t = {}
for j = 1, #all, 2 do t[all[j]] = all[j + 1] end
local entry = cjson.encode({ rev = rev, member = ARGV[1], fields = t })
redis.call('ZADD', KEYS[4], rev, entry)
redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(tonumber(ARGV[2]) + 1))
return entry`;

/** Atomic snapshot of a live collection. KEYS: revision counter, member set. ARGV: full (prefixed) member key prefix. */
const LIVE_SNAPSHOT = `
local out = { redis.call('GET', KEYS[1]) or '0' }
for _, m in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  table.insert(out, m)
  table.insert(out, redis.call('HGETALL', ARGV[1] .. m))
end
return out`;

const liveKeys = (c: string) => ({ rev: `${c}:rev`, members: `${c}:members`, member: `${c}:m:`, log: `${c}:log` });

function parseLiveChange(entry: string): LiveChange {
  const raw = JSON.parse(entry) as { rev: number; member: string; fields: Record<string, string> | unknown[] };
  // cjson encodes an empty table as {} (or [] for an empty array-like one).
  const fields = Array.isArray(raw.fields) ? {} : raw.fields;
  return { rev: Number(raw.rev), member: String(raw.member), fields: liveFields(fields) };
}

/**
 * Counted leases (see Store.acquireLease): a sorted set of members scored by expiry time in ms, on
 * the Redis server's clock (TIME), so instances with skewed clocks agree on what has lapsed. The key
 * itself expires with its longest lease. Shared preamble: `now`, expired leases removed, and
 * `expireKey()` to set the key's expiry after a change.
 */
const LEASE_PREAMBLE = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local function expireKey()
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(last[2]) - now)) end
end`;

/** KEYS: lease set. ARGV: member, max, TTL ms. Returns 1 when the member holds a lease. */
const ACQUIRE_LEASE = `${LEASE_PREAMBLE}
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
expireKey()
return 1`;

/** KEYS: lease set. ARGV: TTL ms, member, … Only members still holding a lease are renewed (XX). Returns how many. */
const RENEW_LEASES = `${LEASE_PREAMBLE}
local expiry = now + tonumber(ARGV[1])
local renewed = 0
for i = 2, #ARGV do renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', expiry, ARGV[i]) end
expireKey()
return renewed`;

/** KEYS: lease set. Unexpired leases, on the server's clock (read only). */
const COUNT_LEASES = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')`;

type RawEntries = [id: string, fields: string[]][];

function toEntries(stream: string, raw: RawEntries): StreamEntry[] {
  return raw.map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
    return { stream, id: id.split('-')[0], fields };
  });
}

/** A lease TTL as the scripts take it: whole milliseconds, at least 1. */
const leaseTtl = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs));

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

/** Deletes every key under a prefix (a test's or a benchmark's), in batches, without blocking Redis. */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<number> {
  if (!prefix) throw new Error('refusing to delete every key: no prefix');
  const client = createRedisClient(url, { enableOfflineQueue: true });
  let deleted = 0;
  try {
    for await (const keys of client.scanStream({ match: `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, count: 1000 }) as AsyncIterable<
      string[]
    >) {
      if (keys.length > 0) deleted += await client.unlink(...keys);
    }
  } finally {
    client.disconnect();
  }
  return deleted;
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly client: Redis;
  private reportedDown = false;
  /** Connection for blocking reads, created on first use. */
  private blocking?: Redis;
  /** Appends waiting for this turn's pipeline (see appendEvent). */
  private appends: { args: (string | number)[]; resolve(cursor: string | null): void; reject(err: unknown): void }[] = [];

  constructor(private readonly options: RedisStoreOptions) {
    this.client = createRedisClient(options.url, {
      keyPrefix: options.prefix,
      commandTimeout: options.commandTimeoutMs ?? 1000,
    });
    this.client.defineCommand('compareAndDelete', { numberOfKeys: 1, lua: COMPARE_AND_DELETE });
    this.client.defineCommand('appendEvent', { numberOfKeys: 3, lua: APPEND_EVENT });
    this.client.defineCommand('liveApply', { numberOfKeys: 4, lua: LIVE_APPLY });
    this.client.defineCommand('liveSnapshot', { numberOfKeys: 2, lua: LIVE_SNAPSHOT });
    this.client.defineCommand('acquireLease', { numberOfKeys: 1, lua: ACQUIRE_LEASE });
    this.client.defineCommand('renewLeases', { numberOfKeys: 1, lua: RENEW_LEASES });
    this.client.defineCommand('countLeases', { numberOfKeys: 1, lua: COUNT_LEASES });
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

  /** A failed command as the store reports it: StoreUnavailableError when Redis cannot be reached. */
  private failure(err: unknown): unknown {
    if (
      this.client.status !== 'ready' ||
      /timed out|Connection is closed|ECONNREFUSED|Stream isn't writeable/i.test(String((err as Error)?.message))
    ) {
      return new StoreUnavailableError(err);
    }
    return err;
  }

  private async run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw this.failure(err);
    }
  }

  get(key: string) {
    return this.run(() => this.client.get(key));
  }
  mget(keys: string[]) {
    return keys.length === 0 ? Promise.resolve([]) : this.run(() => this.client.mget(keys));
  }
  async set(key: string, value: string, ttlMs?: number) {
    await this.run(() =>
      ttlMs === undefined ? this.client.set(key, value) : this.client.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs))),
    );
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
  /**
   * Appends wait for the end of the event-loop turn and leave together in one pipeline (group
   * commit): a burst of callbacks costs one write and one Redis wake-up, not one each. Each append
   * still resolves only once Redis has taken it, or rejects on its own.
   */
  appendEvent(
    stream: string,
    dedupeKey: string,
    dedupeTtlMs: number,
    maxLen: number,
    fields: Record<string, string>,
  ): Promise<string | null> {
    const args = [stream, dedupeKey, SEQUENCE_KEY, Math.ceil(dedupeTtlMs), maxLen, ...Object.entries(fields).flat()];
    return new Promise((resolve, reject) => {
      if (this.appends.push({ args, resolve, reject }) === 1) setImmediate(() => this.flushAppends());
    });
  }

  private flushAppends(): void {
    const batch = this.appends;
    this.appends = [];
    const pipeline = this.client.pipeline() as ReturnType<Redis['pipeline']> & { appendEvent(...args: (string | number)[]): unknown };
    for (const { args } of batch) pipeline.appendEvent(...args);
    pipeline.exec().then(
      (results) =>
        batch.forEach(({ resolve, reject }, i) => {
          const [err, n] = results?.[i] ?? [new Error('Connection is closed.'), null];
          if (err) reject(this.failure(err));
          else resolve(n === null ? null : String(n));
        }),
      (err: unknown) => {
        const failure = this.failure(err);
        for (const { reject } of batch) reject(failure);
      },
    );
  }

  async readEvents(streams: string[], after: string, count: number) {
    const lists = await this.run(() =>
      Promise.all(streams.map(async (s) => toEntries(s, (await this.client.xrange(s, `(${after}-0`, '+', 'COUNT', count)) as RawEntries))),
    );
    return mergeById(lists, count);
  }
  async waitEvents(streams: string[], after: string, blockMs: number, count: number) {
    // No command timeout here: a blocking read legitimately waits for blockMs.
    if (!this.blocking) {
      this.blocking = createRedisClient(this.options.url, { keyPrefix: this.options.prefix });
      // The main client reports outages; without a listener ioredis prints every reconnect failure.
      this.blocking.on('error', () => undefined);
    }
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
  async liveApply(collection: string, member: string, parts: Record<string, LivePart>, maxLog: number) {
    const client = this.client as Redis & { liveApply(...args: (string | number)[]): Promise<string | null> };
    const k = liveKeys(collection);
    const args: (string | number)[] = [member, maxLog, Object.keys(parts).length];
    for (const [name, part] of Object.entries(parts)) {
      const fields = Object.entries(part.fields);
      args.push(name, part.version, fields.length, ...fields.flat());
    }
    const entry = await this.run(() => client.liveApply(k.member + member, k.rev, k.members, k.log, ...args));
    return entry === null ? null : parseLiveChange(entry);
  }
  async liveSnapshot(collection: string): Promise<LiveSnapshot> {
    const client = this.client as Redis & { liveSnapshot(...args: string[]): Promise<[string, ...(string | string[])[]]> };
    const k = liveKeys(collection);
    const [rev, ...rest] = await this.run(() => client.liveSnapshot(k.rev, k.members, this.options.prefix + k.member));
    const members: LiveSnapshot['members'] = {};
    for (let i = 0; i < rest.length; i += 2) {
      const flat = rest[i + 1] as string[];
      const hash: Record<string, string> = {};
      for (let j = 0; j < flat.length; j += 2) hash[flat[j]] = flat[j + 1];
      members[rest[i] as string] = liveFields(hash);
    }
    return { rev: Number(rev), members };
  }
  async liveChanges(collection: string, after: number, count: number) {
    const entries = await this.run(() => this.client.zrangebyscore(liveKeys(collection).log, `(${after}`, '+inf', 'LIMIT', 0, count));
    return entries.map(parseLiveChange);
  }
  async acquireLease(key: string, member: string, max: number, ttlMs: number) {
    const client = this.client as Redis & { acquireLease(key: string, member: string, max: number, ttlMs: number): Promise<number> };
    return (await this.run(() => client.acquireLease(key, member, Math.floor(max), leaseTtl(ttlMs)))) === 1;
  }
  async renewLeases(key: string, members: string[], ttlMs: number) {
    if (members.length === 0) return;
    const client = this.client as Redis & { renewLeases(key: string, ttlMs: number, ...members: string[]): Promise<number> };
    await this.run(() => client.renewLeases(key, leaseTtl(ttlMs), ...members));
  }
  async releaseLease(key: string, member: string) {
    await this.run(() => this.client.zrem(key, member));
  }
  async countLeases(key: string) {
    const client = this.client as Redis & { countLeases(key: string): Promise<number> };
    return Number(await this.run(() => client.countLeases(key)));
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
