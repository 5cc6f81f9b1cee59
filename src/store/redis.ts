import calculateSlot from 'cluster-key-slot';
import type { Pipeline } from 'ioredis';
import type { Logger } from '../logger';
import { createRedisClient, isCluster, scanTargets, type RedisClient, type RedisConnection } from './redis-connection';
import { EVENT_LOG_SLOT, liveSlot } from './slots';
import {
  ENTRY_EPOCH_FIELD,
  liveFields,
  mergeById,
  parseEpochValue,
  NotReplicatedError,
  StoreUnavailableError,
  type AppendedEvent,
  type BatchRead,
  type BatchReadResult,
  type BatchValue,
  type BatchWrite,
  type EventLogHead,
  type EventLogPage,
  type LiveChange,
  type LiveChanges,
  type LiveHead,
  type LivePart,
  type LiveSnapshot,
  type Store,
  type StreamEntry,
} from './store';

const COMPARE_AND_DELETE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

/**
 * A new generation id (Lua): the Redis server's clock in microseconds, base 36 (10 characters).
 * A log that begins again (Redis restarted empty, flushed) gets another one: the clock has moved on.
 */
const NEW_EPOCH = `
local function newEpoch()
  local t = redis.call('TIME')
  local n = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local digits = '0123456789abcdefghijklmnopqrstuvwxyz'
  local s = ''
  repeat
    local d = n % 36
    s = string.sub(digits, d + 1, d + 1) .. s
    n = math.floor(n / 36)
  until n == 0
  return s
end`;

/**
 * Dedupe and append in one step: the entry id is the next value of one sequence shared by all
 * streams (`<n>-0`), so ids order entries across streams and any instance may append. The log's
 * generation ("<id>:<start>") is created when absent, and every entry carries its id. The stream
 * keeps exactly its latest `maxLen` entries (at most 100 trimmed per append, so a lowered maximum
 * converges without one long script); the id of the newest one trimmed is kept in the trim hash.
 * KEYS: stream, dedupe key, sequence key, epoch key, trim hash. ARGV: dedupe TTL ms, max length,
 * stream name (the trim hash's field), "1" when the append is to be confirmed on replicas, field,
 * value, … Returns {epoch id, n}, or nil for a duplicate.
 */
const APPEND_EVENT = `
if redis.replicate_commands then redis.replicate_commands() end
${NEW_EPOCH}
if redis.call("SET", KEYS[2], "1", "NX", "PX", ARGV[1]) == false then
  -- A duplicate whose append is to be confirmed on replicas: a write (the dedupe key's own expiry,
  -- unchanged) puts this connection's replication offset past the original append, so the WAIT
  -- after it confirms that append too, whichever instance made it.
  if ARGV[4] == "1" then redis.call("PEXPIRE", KEYS[2], math.max(1, redis.call("PTTL", KEYS[2]))) end
  return false
end
local epoch = redis.call("GET", KEYS[4])
if not epoch then
  epoch = newEpoch() .. ":" .. (redis.call("GET", KEYS[3]) or "0")
  redis.call("SET", KEYS[4], epoch)
end
local id = string.match(epoch, "^[^:]*")
local n = redis.call("INCR", KEYS[3])
local added = redis.pcall("XADD", KEYS[1], n .. "-0", "${ENTRY_EPOCH_FIELD}", id, unpack(ARGV, 5))
if type(added) == "table" and added.err then
  -- The sequence is behind this stream (its key was lost without the stream): move it past the
  -- stream's last id rather than fail every append; never leave a dedupe key for an event not appended.
  local info = redis.pcall("XINFO", "STREAM", KEYS[1])
  local top
  if type(info) == "table" and not info.err then
    for i = 1, #info, 2 do
      if info[i] == "last-generated-id" then top = tonumber(string.match(info[i + 1], "^%d+")) end
    end
  end
  if top and top >= n then
    n = top + 1
    redis.call("SET", KEYS[3], n)
    added = redis.pcall("XADD", KEYS[1], n .. "-0", "${ENTRY_EPOCH_FIELD}", id, unpack(ARGV, 5))
  end
  if type(added) == "table" and added.err then
    redis.call("DEL", KEYS[2])
    return redis.error_reply(added.err)
  end
end
local excess = redis.call("XLEN", KEYS[1]) - tonumber(ARGV[2])
if excess > 0 then
  local gone = redis.call("XRANGE", KEYS[1], "-", "+", "COUNT", math.min(excess, 100))
  local last = string.match(gone[#gone][1], "^%d+")
  redis.call("XTRIM", KEYS[1], "MINID", last .. "-1")
  redis.call("HSET", KEYS[5], ARGV[3], last)
end
return { id, n }`;

/**
 * A new generation for a log that went back (see Store.renewEventLog). KEYS: epoch key, sequence
 * key. ARGV: the generation id expected. Returns {epoch value or nil, seq}.
 */
const RENEW_EVENT_LOG = `
if redis.replicate_commands then redis.replicate_commands() end
${NEW_EPOCH}
local epoch = redis.call("GET", KEYS[1])
local seq = redis.call("GET", KEYS[2]) or "0"
if epoch and string.match(epoch, "^[^:]*") == ARGV[1] then
  epoch = newEpoch() .. ":" .. seq
  redis.call("SET", KEYS[1], epoch)
end
return { epoch or false, seq }`;

/**
 * The key of a name of the event log (a stream, an idempotency key): every one of them in the
 * log's slot, so that one script may touch them together on a Redis Cluster.
 */
export const eventLogKey = (name: string) => `${EVENT_LOG_SLOT}:${name}`;
const SEQUENCE_KEY = eventLogKey('seq');
/** The log's generation, beside the sequence: "<id>:<sequence value when it began>". */
const EPOCH_KEY = eventLogKey('epoch');
/** Per stream, the id of the newest entry trimmed away. */
const TRIMMED_KEY = eventLogKey('trimmed');
/** Written by a reader before it waits for replicas (see waitEvents): its offset covers what it read. */
const CONFIRM_KEY = eventLogKey('confirm');

/**
 * Live collection update (see Store.liveApply). KEYS: member hash, revision counter, member set, log
 * (sorted set scored by revision), generation, rebuild set (members not yet written again after a
 * loss). ARGV: member, max log length, part count, then per part: name, version, field count,
 * field, value, …
 */
const LIVE_APPLY = `
if redis.replicate_commands then redis.replicate_commands() end
${NEW_EPOCH}
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
local epoch = redis.call('GET', KEYS[5])
if not epoch then
  epoch = newEpoch()
  redis.call('SET', KEYS[5], epoch)
end
redis.call('SREM', KEYS[6], ARGV[1])
local rev = redis.call('INCR', KEYS[2])
redis.call('SADD', KEYS[3], ARGV[1])
local all = redis.call('HGETALL', KEYS[1])
local t = {}
for j = 1, #all, 2 do t[all[j]] = all[j + 1] end
local entry = cjson.encode({ rev = rev, member = ARGV[1], fields = t, epoch = epoch, stale = redis.call('EXISTS', KEYS[6]) == 1 })
redis.call('ZADD', KEYS[4], rev, entry)
redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(tonumber(ARGV[2]) + 1))
return entry`;

/**
 * Atomic snapshot of a live collection. KEYS: revision counter, member set, generation, rebuild
 * set. ARGV: full (prefixed) member key prefix. Returns {rev, generation or '', stale 0/1, member, hash, …}.
 */
const LIVE_SNAPSHOT = `
local out = { redis.call('GET', KEYS[1]) or '0', redis.call('GET', KEYS[3]) or '', redis.call('EXISTS', KEYS[4]) }
for _, m in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  table.insert(out, m)
  table.insert(out, redis.call('HGETALL', ARGV[1] .. m))
end
return out`;

/**
 * A collection rebuilding after a loss (see Store.liveRebuild). KEYS: generation, member set,
 * rebuild set, revision counter. ARGV: TTL ms, generation to renew ('' for none), member, …
 * Returns {generation, rev, stale 0/1}.
 */
const LIVE_REBUILD = `
if redis.replicate_commands then redis.replicate_commands() end
${NEW_EPOCH}
local epoch = redis.call('GET', KEYS[1])
if (not epoch) or (ARGV[2] ~= '' and epoch == ARGV[2]) then
  epoch = newEpoch()
  redis.call('SET', KEYS[1], epoch)
end
for i = 3, #ARGV do
  if redis.call('SISMEMBER', KEYS[2], ARGV[i]) == 0 then redis.call('SADD', KEYS[3], ARGV[i]) end
end
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[1], 'NX') end
return { epoch, redis.call('GET', KEYS[4]) or '0', redis.call('EXISTS', KEYS[3]) }`;

/**
 * A guarded batch of writes (see Store.commitBatch). KEYS: guard. ARGV: the guard value expected
 * ('' for absent), the key prefix, the guard's TTL ms, the writes as JSON arrays of strings
 * ([op, key, args…]; every number a string, so Lua never prints one as 1e+12). Returns 1 when
 * applied, 0 when the guard moved.
 */
const COMMIT_BATCH = `
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
local p = ARGV[2]
for _, c in ipairs(cjson.decode(ARGV[4])) do
  local op = c[1]
  local key = p .. c[2]
  if op == 'hset' then redis.call('HSET', key, unpack(c, 3))
  elseif op == 'hdel' then redis.call('HDEL', key, unpack(c, 3))
  elseif op == 'hincrby' then redis.call('HINCRBY', key, c[3], c[4])
  elseif op == 'hsetif' then
    local cur = tonumber(redis.call('HGET', key, c[3]))
    local v = tonumber(c[5])
    if (not cur) or (c[4] == 'gt' and v > cur) or (c[4] == 'lt' and v < cur) then
      redis.call('HSET', key, c[3], c[5])
      if #c > 5 then redis.call('HSET', key, unpack(c, 6)) end
    end
  elseif op == 'zadd' then redis.call('ZADD', key, c[3], c[4])
  elseif op == 'zrem' then redis.call('ZREM', key, unpack(c, 3))
  elseif op == 'zremrangebyscore' then redis.call('ZREMRANGEBYSCORE', key, c[3], c[4])
  elseif op == 'zremrangebylex' then redis.call('ZREMRANGEBYLEX', key, c[3], c[4])
  elseif op == 'pexpire' then redis.call('PEXPIRE', key, c[3])
  else return redis.error_reply('commitBatch: unknown write ' .. tostring(op)) end
end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/** A write with nothing to write (Redis refuses HSET, HDEL and ZREM without fields or members). */
export const isEmptyWrite = (w: BatchWrite) =>
  (w.op === 'hset' && Object.keys(w.fields).length === 0) ||
  ((w.op === 'hdel' || w.op === 'zrem') && (w.op === 'hdel' ? w.fields : w.members).length === 0);

/** A write as COMMIT_BATCH takes it: strings only. */
function encodeWrite(w: BatchWrite): string[] {
  switch (w.op) {
    case 'hset':
      return ['hset', w.key, ...Object.entries(w.fields).flat()];
    case 'hdel':
      return ['hdel', w.key, ...w.fields];
    case 'hincrby':
      return ['hincrby', w.key, w.field, String(Math.round(w.by))];
    case 'hsetif':
      return ['hsetif', w.key, w.field, w.cmp, String(w.value), ...Object.entries(w.fields ?? {}).flat()];
    case 'zadd':
      return ['zadd', w.key, String(w.score), w.member];
    case 'zrem':
      return ['zrem', w.key, ...w.members];
    case 'zremrangebyscore':
      return ['zremrangebyscore', w.key, w.min, w.max];
    case 'zremrangebylex':
      return ['zremrangebylex', w.key, w.min, w.max];
    case 'pexpire':
      return ['pexpire', w.key, String(Math.max(1, Math.ceil(w.ms)))];
  }
}

/** A live collection's keys, all in its slot. */
const liveKeys = (collection: string) => {
  const c = liveSlot(collection);
  return { rev: `${c}:rev`, members: `${c}:members`, member: `${c}:m:`, log: `${c}:log`, epoch: `${c}:epoch`, rebuild: `${c}:rebuild` };
};

function parseLiveChange(entry: string): LiveChange {
  const raw = JSON.parse(entry) as {
    rev: number;
    member: string;
    fields: Record<string, string> | unknown[];
    epoch?: string;
    stale?: boolean;
  };
  // cjson encodes an empty table as {} (or [] for an empty array-like one).
  const fields = Array.isArray(raw.fields) ? {} : raw.fields;
  return {
    rev: Number(raw.rev),
    member: String(raw.member),
    fields: liveFields(fields),
    epoch: typeof raw.epoch === 'string' ? raw.epoch : null,
    stale: raw.stale === true,
  };
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
    let epoch: string | null = null;
    for (let i = 0; i < flat.length; i += 2) {
      if (flat[i] === ENTRY_EPOCH_FIELD) epoch = flat[i + 1];
      else fields[flat[i]] = flat[i + 1];
    }
    return { stream, id: id.split('-')[0], epoch, fields };
  });
}

/** A MULTI's replies, or its first error. */
function replies(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('Connection is closed.');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/** A lease TTL as the scripts take it: whole milliseconds, at least 1. */
const leaseTtl = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs));

export interface RedisStoreOptions {
  /** A redis(s):// URL (one server), or a connection of any mode (src/store/redis-connection.ts). */
  url?: string;
  connection?: RedisConnection;
  prefix: string;
  logger?: Logger;
  /** Fail a command after this long instead of waiting for a dead server. */
  commandTimeoutMs?: number;
  /**
   * Replicas an append must reach before it counts as taken (Redis WAIT; 0: none). Appends then
   * leave on a connection of their own, each pipeline followed by its WAIT.
   */
  waitReplicas?: number;
  /** How long an append waits for them before it is refused (NotReplicatedError). */
  waitTimeoutMs?: number;
}

const connectionOf = (options: { url?: string; connection?: RedisConnection }): RedisConnection => {
  if (options.connection) return options.connection;
  if (options.url) return { mode: 'single', url: options.url };
  throw new Error('RedisStore: no url or connection');
};

/** Deletes every key under a prefix (a test's or a benchmark's), in batches, without blocking Redis; on every master of a cluster. */
export async function deleteKeysWithPrefix(target: string | RedisConnection, prefix: string): Promise<number> {
  if (!prefix) throw new Error('refusing to delete every key: no prefix');
  const client = createRedisClient(target, { enableOfflineQueue: true });
  let deleted = 0;
  try {
    if (isCluster(client)) await new Promise<void>((resolve, reject) => client.once('ready', resolve).once('error', reject));
    for (const node of scanTargets(client)) {
      for await (const keys of node.scanStream({ match: `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, count: 1000 }) as AsyncIterable<
        string[]
      >) {
        // One UNLINK per key: the keys of one scan page may lie in several slots.
        if (keys.length > 0) deleted += (await Promise.all(keys.map((k) => node.unlink(k)))).reduce((a, b) => a + b, 0);
      }
    }
  } finally {
    client.disconnect();
  }
  return deleted;
}

/** Whether a client is (or becomes) ready within `timeoutMs`. */
function readyWithin(client: RedisClient, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.once('ready', onReady);
  });
}

type AppendsPipeline = Pipeline & { appendEvent(...args: (string | number)[]): unknown };

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly client: RedisClient;
  private reportedDown = false;
  /** Connections made again (see Store.reconnects): 'ready' events of any client after its first. */
  private reconnections = 0;
  /** Connection for blocking reads, created on first use. */
  private blocking?: RedisClient;
  /** Connection appends leave on when they wait for replicas (a WAIT holds up its connection). */
  private appender?: RedisClient;
  /** Appends waiting for this turn's pipeline (see appendEvent). */
  private appends: { args: (string | number)[]; resolve(appended: AppendedEvent | null): void; reject(err: unknown): void }[] = [];
  private readonly connection: RedisConnection;
  private readonly waitReplicas: number;
  private readonly waitTimeoutMs: number;

  constructor(private readonly options: RedisStoreOptions) {
    this.connection = connectionOf(options);
    this.waitReplicas = Math.max(0, Math.floor(options.waitReplicas ?? 0));
    this.waitTimeoutMs = Math.max(1, Math.floor(options.waitTimeoutMs ?? 500));
    this.client = this.connect(options.commandTimeoutMs ?? 1000);
    this.client.on('error', (err) => {
      if (!this.reportedDown) options.logger?.warn({ err: err.message }, 'redis unreachable; degrading where possible');
      this.reportedDown = true;
    });
    this.client.on('ready', () => {
      if (this.reportedDown) options.logger?.info('redis reachable again');
      this.reportedDown = false;
    });
    if (this.waitReplicas > 0) this.appender = this.connect((options.commandTimeoutMs ?? 1000) + this.waitTimeoutMs, true);
  }

  /**
   * A client of this store's connection with its scripts, counted in reconnects(). `quiet`: the
   * main client reports outages; without a listener ioredis prints every reconnect failure.
   */
  private connect(commandTimeout: number | undefined, quiet = false): RedisClient {
    const client = createRedisClient(this.connection, { keyPrefix: this.options.prefix, commandTimeout });
    client.defineCommand('compareAndDelete', { numberOfKeys: 1, lua: COMPARE_AND_DELETE });
    client.defineCommand('appendEvent', { numberOfKeys: 5, lua: APPEND_EVENT });
    client.defineCommand('renewEventLog', { numberOfKeys: 2, lua: RENEW_EVENT_LOG });
    client.defineCommand('liveApply', { numberOfKeys: 6, lua: LIVE_APPLY });
    client.defineCommand('liveSnapshot', { numberOfKeys: 4, lua: LIVE_SNAPSHOT });
    client.defineCommand('liveRebuild', { numberOfKeys: 4, lua: LIVE_REBUILD });
    client.defineCommand('commitBatch', { numberOfKeys: 1, lua: COMMIT_BATCH });
    client.defineCommand('acquireLease', { numberOfKeys: 1, lua: ACQUIRE_LEASE });
    client.defineCommand('renewLeases', { numberOfKeys: 1, lua: RENEW_LEASES });
    client.defineCommand('countLeases', { numberOfKeys: 1, lua: COUNT_LEASES });
    if (quiet) client.on('error', () => undefined);
    let ready = false;
    client.on('ready', () => {
      if (ready) this.reconnections++;
      ready = true;
    });
    return client;
  }

  /**
   * Resolves once connected (the appender too, when there is one), or after `timeoutMs` (the gateway
   * then starts degraded and reconnects in the background).
   */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    const clients = this.appender ? [this.client, this.appender] : [this.client];
    const ready = await Promise.all(clients.map((client) => readyWithin(client, timeoutMs)));
    return ready.every(Boolean);
  }

  get prefix() {
    return this.options.prefix;
  }

  /** The connection this store was made for (to reach the same Redis from tests and benchmarks). */
  get target(): RedisConnection {
    return this.connection;
  }

  /**
   * A failed command as the store reports it: StoreUnavailableError when Redis cannot be reached,
   * or a cluster is moving a slot's master (CLUSTERDOWN, TRYAGAIN, a master that is gone).
   */
  private failure(err: unknown): unknown {
    if (err instanceof StoreUnavailableError) return err;
    if (
      this.client.status !== 'ready' ||
      /timed out|Connection is closed|ECONNREFUSED|ECONNRESET|Stream isn't writeable|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|LOADING|READONLY|Failed to refresh slots cache|Cluster isn't ready|Too many Cluster redirections|max retries per request/i.test(
        String((err as Error)?.message),
      )
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

  /**
   * Keys grouped by slot, in the order given (a multi-key command on a cluster must stay within a
   * slot); one group on a single server.
   */
  private bySlot(keys: string[]): number[][] {
    if (!isCluster(this.client)) return [keys.map((_, i) => i)];
    const groups = new Map<number, number[]>();
    keys.forEach((key, i) => {
      const slot = calculateSlot(this.options.prefix + key);
      const group = groups.get(slot);
      if (group) group.push(i);
      else groups.set(slot, [i]);
    });
    return [...groups.values()];
  }

  get(key: string) {
    return this.run(() => this.client.get(key));
  }
  async mget(keys: string[]) {
    if (keys.length === 0) return [];
    const out: (string | null)[] = new Array<string | null>(keys.length).fill(null);
    await this.run(() =>
      Promise.all(
        this.bySlot(keys).map(async (group) => {
          const values = await this.client.mget(group.map((i) => keys[i]));
          group.forEach((i, j) => (out[i] = values[j]));
        }),
      ),
    );
    return out;
  }
  async set(key: string, value: string, ttlMs?: number) {
    await this.run(() =>
      ttlMs === undefined ? this.client.set(key, value) : this.client.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs))),
    );
  }
  async setIfAbsent(key: string, value: string, ttlMs: number) {
    return (await this.run(() => this.client.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'))) === 'OK';
  }
  async del(...keys: string[]) {
    if (keys.length === 0) return 0;
    const counts = await this.run(() => Promise.all(this.bySlot(keys).map((group) => this.client.del(...group.map((i) => keys[i])))));
    return counts.reduce((a, b) => a + b, 0);
  }
  async deleteIfEquals(key: string, expected: string) {
    const client = this.client as RedisClient & { compareAndDelete(key: string, expected: string): Promise<number> };
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
   * still resolves only once Redis has taken it, or rejects on its own. With replicas to wait for,
   * the pipeline ends with one WAIT that confirms all of its appends (and the duplicates' originals).
   */
  appendEvent(
    stream: string,
    dedupeKey: string,
    dedupeTtlMs: number,
    maxLen: number,
    fields: Record<string, string>,
  ): Promise<AppendedEvent | null> {
    const args = [
      eventLogKey(stream),
      eventLogKey(dedupeKey),
      SEQUENCE_KEY,
      EPOCH_KEY,
      TRIMMED_KEY,
      Math.ceil(dedupeTtlMs),
      Math.max(1, Math.floor(maxLen)),
      stream,
      this.waitReplicas > 0 ? '1' : '0',
      ...Object.entries(fields).flat(),
    ];
    return new Promise((resolve, reject) => {
      if (this.appends.push({ args, resolve, reject }) === 1) setImmediate(() => this.flushAppends());
    });
  }

  private flushAppends(): void {
    const batch = this.appends;
    this.appends = [];
    const pipeline = (this.appender ?? this.client).pipeline() as AppendsPipeline;
    for (const { args } of batch) pipeline.appendEvent(...args);
    // On a cluster the pipeline goes to the master of the log's slot, its WAIT with it.
    if (this.appender) pipeline.wait(this.waitReplicas, this.waitTimeoutMs);
    pipeline.exec().then(
      (results) => {
        const [waitErr, reached] = this.appender ? (results?.[batch.length] ?? [new Error('Connection is closed.'), 0]) : [null, 0];
        const unconfirmed = this.appender
          ? waitErr
            ? this.failure(waitErr)
            : Number(reached) < this.waitReplicas
              ? new NotReplicatedError(Number(reached), this.waitReplicas)
              : null
          : null;
        batch.forEach(({ resolve, reject }, i) => {
          const [err, reply] = results?.[i] ?? [new Error('Connection is closed.'), null];
          if (err) reject(this.failure(err));
          else if (unconfirmed) reject(unconfirmed);
          else if (reply === null) resolve(null);
          else {
            const [epoch, n] = reply as [string, number];
            resolve({ epoch: String(epoch), id: String(n) });
          }
        });
      },
      (err: unknown) => {
        const failure = this.failure(err);
        for (const { reject } of batch) reject(failure);
      },
    );
  }

  async readEvents(streams: string[], after: string, count: number) {
    const lists = await this.run(() =>
      Promise.all(
        streams.map(async (s) =>
          toEntries(s, (await this.client.xrange(eventLogKey(s), `(${after}-0`, '+', 'COUNT', count)) as RawEntries),
        ),
      ),
    );
    return mergeById(lists, count);
  }
  async readEventLog(streams: string[], after: string, count: number): Promise<EventLogPage> {
    const tx = this.client.multi();
    tx.mget(EPOCH_KEY, SEQUENCE_KEY);
    if (streams.length > 0) tx.hmget(TRIMMED_KEY, ...streams);
    for (const s of streams) tx.xrange(eventLogKey(s), `(${after}-0`, '+', 'COUNT', count);
    const [head, ...rest] = replies(await this.run(() => tx.exec()));
    const [epoch, last] = head as (string | null)[];
    const marks = (streams.length > 0 ? rest.shift() : []) as (string | null)[];
    const trimmed: Record<string, string> = {};
    streams.forEach((s, i) => (trimmed[s] = marks[i] ?? '0'));
    return {
      head: parseEpochValue(epoch, last ?? '0'),
      trimmed,
      entries: mergeById(
        streams.map((s, i) => toEntries(s, rest[i] as RawEntries)),
        count,
      ),
    };
  }
  async waitEvents(streams: string[], after: string, blockMs: number, count: number) {
    // No command timeout here: a blocking read legitimately waits for blockMs. On a cluster this is
    // a client of its own too, so the read holds a connection to the log's master of its own.
    this.blocking ??= this.connect(undefined, true);
    const blocking = this.blocking;
    if (blocking.status !== 'ready') await new Promise((r) => setTimeout(r, Math.min(blockMs, 200)));
    const keys = streams.map(eventLogKey);
    const reply = (await this.run(() =>
      blocking.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', ...keys, ...streams.map(() => `${after}-0`)),
    )) as [string, RawEntries][] | null;
    if (!reply) return [];
    if (this.waitReplicas > 0 && !(await this.confirmRead(blocking))) return [];
    const strip = this.options.prefix.length + eventLogKey('').length;
    return mergeById(
      reply.map(([key, raw]) => toEntries(key.slice(strip), raw)),
      Number.MAX_SAFE_INTEGER,
    );
  }

  /**
   * Whether what a reader just read is on the replicas: a write after it on the same connection,
   * then WAIT for that write (its replication offset is past every entry read).
   */
  private async confirmRead(client: RedisClient): Promise<boolean> {
    const [, reached] = await this.run(async () =>
      replies(await client.pipeline().incr(CONFIRM_KEY).wait(this.waitReplicas, this.waitTimeoutMs).exec()),
    );
    return Number(reached) >= this.waitReplicas;
  }
  async eventLogHead(): Promise<EventLogHead> {
    const [epoch, last] = await this.mget([EPOCH_KEY, SEQUENCE_KEY]);
    return parseEpochValue(epoch, last ?? '0');
  }
  async renewEventLog(epoch: string): Promise<EventLogHead> {
    const client = this.client as RedisClient & { renewEventLog(...args: string[]): Promise<[string | null, string]> };
    const [value, seq] = await this.run(() => client.renewEventLog(EPOCH_KEY, SEQUENCE_KEY, epoch));
    return parseEpochValue(value, String(seq));
  }
  async liveApply(collection: string, member: string, parts: Record<string, LivePart>, maxLog: number) {
    const client = this.client as RedisClient & { liveApply(...args: (string | number)[]): Promise<string | null> };
    const k = liveKeys(collection);
    const args: (string | number)[] = [member, maxLog, Object.keys(parts).length];
    for (const [name, part] of Object.entries(parts)) {
      const fields = Object.entries(part.fields);
      args.push(name, part.version, fields.length, ...fields.flat());
    }
    const entry = await this.run(() => client.liveApply(k.member + member, k.rev, k.members, k.log, k.epoch, k.rebuild, ...args));
    return entry === null ? null : parseLiveChange(entry);
  }
  async liveSnapshot(collection: string): Promise<LiveSnapshot> {
    const client = this.client as RedisClient & {
      liveSnapshot(...args: string[]): Promise<[string, string, number, ...(string | string[])[]]>;
    };
    const k = liveKeys(collection);
    const [rev, epoch, stale, ...rest] = await this.run(() =>
      client.liveSnapshot(k.rev, k.members, k.epoch, k.rebuild, this.options.prefix + k.member),
    );
    const members: LiveSnapshot['members'] = {};
    for (let i = 0; i < rest.length; i += 2) {
      const flat = rest[i + 1] as string[];
      const hash: Record<string, string> = {};
      for (let j = 0; j < flat.length; j += 2) hash[flat[j]] = flat[j + 1];
      members[rest[i] as string] = liveFields(hash);
    }
    return { rev: Number(rev), epoch: epoch || null, stale: Number(stale) === 1, members };
  }
  async liveChanges(collection: string, after: number, count: number): Promise<LiveChanges> {
    const k = liveKeys(collection);
    const tx = this.client.multi();
    tx.mget(k.epoch, k.rev);
    tx.exists(k.rebuild);
    tx.zrangebyscore(k.log, `(${after}`, '+inf', 'LIMIT', 0, count);
    const [head, stale, entries] = replies(await this.run(() => tx.exec()));
    const [epoch, rev] = head as (string | null)[];
    return { epoch: epoch ?? null, rev: Number(rev ?? 0), stale: Number(stale) === 1, changes: (entries as string[]).map(parseLiveChange) };
  }
  async liveRebuild(collection: string, members: string[], ttlMs: number, renew?: string): Promise<LiveHead> {
    const client = this.client as RedisClient & { liveRebuild(...args: (string | number)[]): Promise<[string, string, number]> };
    const k = liveKeys(collection);
    const [epoch, rev, stale] = await this.run(() =>
      client.liveRebuild(k.epoch, k.members, k.rebuild, k.rev, leaseTtl(ttlMs), renew ?? '', ...members),
    );
    return { epoch, rev: Number(rev), stale: Number(stale) === 1 };
  }
  async readBatch(reads: BatchRead[], guard?: string): Promise<BatchReadResult> {
    if (reads.length === 0 && guard === undefined) return { guard: null, results: [] };
    const tx = this.client.multi();
    if (guard !== undefined) tx.get(guard);
    for (const r of reads) {
      const limit = r.op === 'zrangebyscore' || r.op === 'zrangebylex' ? (r.limit === undefined ? [] : ['LIMIT', 0, r.limit]) : [];
      if (r.op === 'get') tx.get(r.key);
      else if (r.op === 'hgetall') tx.hgetall(r.key);
      else if (r.op === 'hmget') {
        if (r.fields.length === 0) tx.echo('');
        else tx.hmget(r.key, ...r.fields);
      } else if (r.op === 'zrangebyscore') {
        if (r.rev) tx.call('ZREVRANGEBYSCORE', r.key, r.max, r.min, 'WITHSCORES', ...limit);
        else tx.call('ZRANGEBYSCORE', r.key, r.min, r.max, 'WITHSCORES', ...limit);
      } else if (r.rev) tx.call('ZREVRANGEBYLEX', r.key, r.max, r.min, ...limit);
      else tx.call('ZRANGEBYLEX', r.key, r.min, r.max, ...limit);
    }
    const values = replies(await this.run(() => tx.exec()));
    const head = guard !== undefined ? ((values.shift() as string | null) ?? null) : null;
    const results = reads.map((r, i): BatchValue => {
      const v = values[i];
      if (r.op === 'hmget') return r.fields.length === 0 ? [] : (v as (string | null)[]);
      if (r.op === 'zrangebyscore') {
        const flat = v as string[];
        const out: [string, number][] = [];
        for (let j = 0; j < flat.length; j += 2) out.push([flat[j], Number(flat[j + 1])]);
        return out;
      }
      return v as BatchValue;
    });
    return { guard: head, results };
  }
  async commitBatch(guard: string, expected: string | null, writes: BatchWrite[], guardTtlMs: number): Promise<boolean> {
    const client = this.client as RedisClient & { commitBatch(...args: string[]): Promise<number> };
    const encoded = JSON.stringify(writes.filter((w) => !isEmptyWrite(w)).map(encodeWrite));
    const ttl = String(leaseTtl(guardTtlMs));
    return (await this.run(() => client.commitBatch(guard, expected ?? '', this.options.prefix, ttl, encoded))) === 1;
  }
  async acquireLease(key: string, member: string, max: number, ttlMs: number) {
    const client = this.client as RedisClient & { acquireLease(key: string, member: string, max: number, ttlMs: number): Promise<number> };
    return (await this.run(() => client.acquireLease(key, member, Math.floor(max), leaseTtl(ttlMs)))) === 1;
  }
  async renewLeases(key: string, members: string[], ttlMs: number) {
    if (members.length === 0) return;
    const client = this.client as RedisClient & { renewLeases(key: string, ttlMs: number, ...members: string[]): Promise<number> };
    await this.run(() => client.renewLeases(key, leaseTtl(ttlMs), ...members));
  }
  async releaseLease(key: string, member: string) {
    await this.run(() => this.client.zrem(key, member));
  }
  async countLeases(key: string) {
    const client = this.client as RedisClient & { countLeases(key: string): Promise<number> };
    return Number(await this.run(() => client.countLeases(key)));
  }
  async ping() {
    await this.run(() => this.client.ping());
  }
  isConnected() {
    return this.client.status === 'ready';
  }
  reconnects() {
    return this.reconnections;
  }
  async close() {
    this.blocking?.disconnect();
    this.appender?.disconnect();
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    const timeout = new Promise((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([this.client.quit().catch(() => undefined), timeout]);
    this.client.disconnect();
  }
}
