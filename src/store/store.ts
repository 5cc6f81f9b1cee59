/**
 * The one small interface the gateway keeps shared state behind. Production runs it on Redis
 * (shared by every instance); a single sandbox instance without REDIS_URL runs it in process.
 * Both implementations pass the same contract tests (test/store.test.ts).
 * Keys are given without the deployment prefix: each implementation applies its own.
 */
export interface Store {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  mget(keys: string[]): Promise<(string | null)[]>;
  /** Sets a value, with an expiry in milliseconds when given. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** SET NX PX: true when this call created the key. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  del(...keys: string[]): Promise<number>;
  /** Compare-and-delete (lock release): deletes only if the key still holds `expected`. */
  deleteIfEquals(key: string, expected: string): Promise<boolean>;
  /** Remaining time to live in ms; -1 without expiry; -2 when the key does not exist. */
  pttl(key: string): Promise<number>;
  incrBy(key: string, by?: number): Promise<number>;
  hset(key: string, fields: Record<string, string>): Promise<void>;
  hget(key: string, field: string): Promise<string | null>;
  hgetall(key: string): Promise<Record<string, string>>;
  hdel(key: string, ...fields: string[]): Promise<number>;
  /**
   * Appends an entry to an event stream unless `dedupeKey` was set within `dedupeTtlMs`,
   * atomically. Entry ids come from one sequence shared by every stream, so ids order entries
   * across streams. The stream keeps its latest `maxLen` entries exactly; the id of the newest one
   * trimmed away is recorded (EventLogPage.trimmed), so a reader can tell a gap from a trim.
   * The log has a generation (EventLogHead.epoch): a store without one holds a new, empty log
   * (a first start, or a Redis that lost its data), and the first append creates it.
   * Resolves with the entry's generation and id, or null for a duplicate. A store that confirms
   * appends on replicas (Redis with EVENTS_WAIT_REPLICAS) rejects with NotReplicatedError when the
   * append, or the earlier append a duplicate repeats, is not confirmed in time: nothing acknowledged
   * on its word is lost by a failover, and a retry of the same key is not taken for a duplicate of
   * an event that did not survive.
   * The field name `epoch` is the store's own (each entry carries its generation).
   */
  appendEvent(
    stream: string,
    dedupeKey: string,
    dedupeTtlMs: number,
    maxLen: number,
    fields: Record<string, string>,
  ): Promise<AppendedEvent | null>;
  /** Entries of the streams with an id after `after`, merged in id order, at most `count`. */
  readEvents(streams: string[], after: string, count: number): Promise<StreamEntry[]>;
  /**
   * Like readEvents, read atomically with the log's head and the trim markers of the streams: what
   * a reader needs to decide whether the page is complete for a cursor (same generation, nothing
   * after it trimmed away).
   */
  readEventLog(streams: string[], after: string, count: number): Promise<EventLogPage>;
  /**
   * Like readEvents, but waits up to `blockMs` for a new entry (on a connection of its own). A store
   * that confirms appends on replicas hands out only entries that are on them (none when they could
   * not be confirmed in time: read again from the same place), so a failover cannot take back an
   * event a reader was given.
   */
  waitEvents(streams: string[], after: string, blockMs: number, count: number): Promise<StreamEntry[]>;
  /** The log's generation and the id of its latest entry, read atomically. */
  eventLogHead(): Promise<EventLogHead>;
  /**
   * Starts a new generation of the log if it is still in generation `epoch`, atomically: for a log
   * that went back (a replica promoted without its latest entries), whose ids handed out again must
   * not be taken for the ones readers have seen. Resolves with the head after.
   */
  renewEventLog(epoch: string): Promise<EventLogHead>;
  /**
   * Live collections (live agent state): members are hashes updated in parts; a part is written
   * only when its `version` is greater (string order) than the one stored, so replays, duplicates
   * and late events are harmless. When any part was written, atomically: the collection's revision
   * is incremented and the member's new fields are logged under it (log capped at `maxLog`). A
   * collection has a generation like the event log's (created by its first write when absent).
   * Resolves with the logged change, or null when nothing was newer. An empty value deletes a field.
   */
  liveApply(collection: string, member: string, parts: Record<string, LivePart>, maxLog: number): Promise<LiveChange | null>;
  /** Every member of a collection and the revision they reflect, read atomically. */
  liveSnapshot(collection: string): Promise<LiveSnapshot>;
  /**
   * Logged changes with a revision after `after`, in order, at most `count` (revisions are
   * contiguous until trimmed), with the collection's generation and revision read atomically.
   */
  liveChanges(collection: string, after: number, count: number): Promise<LiveChanges>;
  /**
   * After a collection lost its data (its generation changed): creates its new generation when
   * absent and marks it stale until each of `members` not written since has been written again, or
   * `ttlMs` passed (whichever first), atomically. Members written meanwhile are not marked.
   * With `renew`: first starts a new generation if the collection is still in generation `renew`
   * (it went back within it: a replica promoted without its latest writes). Resolves with the
   * generation, the revision and whether the collection is stale now.
   */
  liveRebuild(collection: string, members: string[], ttlMs: number, renew?: string): Promise<LiveHead>;
  /**
   * Reads a batch of keys at one point in time (atomically), with the value of `guard` when given:
   * the optimistic-concurrency read of a multi-key update (see commitBatch). Ranges are written as
   * Redis writes them: scores `-inf`, `+inf`, `5`, `(5` (exclusive); lex bounds `-`, `+`, `[m`, `(m`.
   * Results, by read: get → string | null; hgetall → a record; hmget → (string | null)[];
   * zrangebyscore → [member, score][] in score order (highest first with `rev`); zrangebylex →
   * members in lex order (highest first with `rev`), at most `limit` of either.
   */
  readBatch(reads: BatchRead[], guard?: string): Promise<BatchReadResult>;
  // On a Redis Cluster the keys of one readBatch or commitBatch (its guard with them) must share a
  // slot: give them one hash tag (`{qs}:…`, src/store/slots.ts).
  /**
   * Applies `writes` atomically, in order, if `guard` still holds `expected` (null: absent), and then
   * moves the guard on (a new value, expiring after `guardTtlMs`). Resolves false, writing nothing,
   * when another writer moved it first: read again and retry. Numbers are whole (HINCRBY).
   */
  commitBatch(guard: string, expected: string | null, writes: BatchWrite[], guardTtlMs: number): Promise<boolean>;
  /**
   * Counted leases (e.g. open sockets of one principal across instances): takes a lease on `key`
   * for `member` unless `max` unexpired leases are held there already, atomically. A lease lapses
   * `ttlMs` after it was taken or last renewed (so a crashed instance's leases free themselves).
   * Taking a lease that `member` already holds renews it. Resolves true when `member` holds a lease.
   */
  acquireLease(key: string, member: string, max: number, ttlMs: number): Promise<boolean>;
  /** Extends the leases `members` hold on `key` (those that lapsed are not taken again). */
  renewLeases(key: string, members: string[], ttlMs: number): Promise<void>;
  /** Gives a lease back (no error when it is not held). */
  releaseLease(key: string, member: string): Promise<void>;
  /** How many unexpired leases are held on `key`. */
  countLeases(key: string): Promise<number>;
  /** Resolves when the store answers; rejects when it is unreachable. */
  ping(): Promise<void>;
  /** Whether the store is connected right now (no round trip). */
  isConnected(): boolean;
  /**
   * How often a connection to the store was made again since it started (a failover is one; 0 for
   * the in-process store). Readers of the event log compare it to check the log after a reconnect.
   */
  reconnects(): number;
  close(): Promise<void>;
}

export interface StreamEntry {
  stream: string;
  /** A positive integer, as a string: the shared sequence number. */
  id: string;
  /** The generation of the log the entry was appended in (null: appended before logs had generations). */
  epoch: string | null;
  fields: Record<string, string>;
}

/** Where an append went. */
export interface AppendedEvent {
  /** The log's generation. */
  epoch: string;
  /** The entry id (the shared sequence number). */
  id: string;
}

/** The event log's generation and position. */
export interface EventLogHead {
  /** The generation, made when the log began; null while there is no log (nothing appended yet, or lost since). */
  epoch: string | null;
  /** The sequence value when the generation began: its entries have ids after it ("0" for a log begun empty). */
  start: string;
  /** The id of the latest entry ("0" before the first). */
  last: string;
}

export interface EventLogPage {
  head: EventLogHead;
  /** Per stream asked for: the id of the newest entry trimmed away ("0" when none was). */
  trimmed: Record<string, string>;
  entries: StreamEntry[];
}

/** One versioned part of a live-collection member (see Store.liveApply). */
export interface LivePart {
  version: string;
  fields: Record<string, string>;
}

/** A member of a live collection as it was after one change. Fields exclude the part versions. */
export interface LiveChange {
  rev: number;
  member: string;
  fields: Record<string, string>;
  /** The collection's generation (null: logged before collections had generations). */
  epoch: string | null;
  /** Whether the collection was still rebuilding after a loss once this change was written (see liveRebuild). */
  stale: boolean;
}

/** A collection's generation, revision and whether it is rebuilding after a loss. */
export interface LiveHead {
  /** Null while the collection has none (nothing written yet, or lost since). */
  epoch: string | null;
  rev: number;
  stale: boolean;
}

export interface LiveSnapshot extends LiveHead {
  members: Record<string, Record<string, string>>;
}

export interface LiveChanges extends LiveHead {
  changes: LiveChange[];
}

/** One read of Store.readBatch (ranges in Redis syntax: see there). */
export type BatchRead =
  | { op: 'get'; key: string }
  | { op: 'hgetall'; key: string }
  | { op: 'hmget'; key: string; fields: string[] }
  | { op: 'zrangebyscore'; key: string; min: string; max: string; rev?: boolean; limit?: number }
  | { op: 'zrangebylex'; key: string; min: string; max: string; rev?: boolean; limit?: number };

export type BatchValue = string | null | Record<string, string> | (string | null)[] | [string, number][] | string[];

export interface BatchReadResult {
  /** The guard's value when the batch was read (null: absent, or no guard asked for). */
  guard: string | null;
  results: BatchValue[];
}

/**
 * One write of Store.commitBatch. `hsetif` sets `field` to `value` (and `fields` with it) only when
 * the field is absent or `value` is greater (`gt`) / less (`lt`) than it, compared as numbers.
 */
export type BatchWrite =
  | { op: 'hset'; key: string; fields: Record<string, string> }
  | { op: 'hdel'; key: string; fields: string[] }
  | { op: 'hincrby'; key: string; field: string; by: number }
  | { op: 'hsetif'; key: string; field: string; cmp: 'gt' | 'lt'; value: number; fields?: Record<string, string> }
  | { op: 'zadd'; key: string; score: number; member: string }
  | { op: 'zrem'; key: string; members: string[] }
  | { op: 'zremrangebyscore'; key: string; min: string; max: string }
  | { op: 'zremrangebylex'; key: string; min: string; max: string }
  | { op: 'pexpire'; key: string; ms: number };

/** A score bound in Redis syntax ("-inf", "+inf", "5", "(5") → value and whether it is exclusive. */
export function scoreBound(bound: string): { value: number; exclusive: boolean } {
  const exclusive = bound.startsWith('(');
  const text = exclusive ? bound.slice(1) : bound;
  const value = text === '-inf' ? -Infinity : text === '+inf' || text === 'inf' ? Infinity : Number(text);
  if (Number.isNaN(value)) throw new Error(`ERR min or max is not a float: ${bound}`);
  return { value, exclusive };
}

/** A lex bound in Redis syntax ("-", "+", "[m", "(m"): whether `member` lies on the inner side of it. */
export function withinLex(member: string, bound: string, side: 'min' | 'max'): boolean {
  if (bound === '-') return side === 'max' ? false : true;
  if (bound === '+') return side === 'min' ? false : true;
  const inclusive = bound.startsWith('[');
  if (!inclusive && !bound.startsWith('(')) throw new Error(`ERR min or max not valid string range item: ${bound}`);
  const edge = bound.slice(1);
  if (side === 'min') return inclusive ? member >= edge : member > edge;
  return inclusive ? member <= edge : member < edge;
}

/** The field a part's version is kept in, inside the member hash. */
export const LIVE_VERSION_PREFIX = '_v:';

/** The field of a stream entry that holds its generation (written and removed by the store). */
export const ENTRY_EPOCH_FIELD = 'epoch';

/** An event log's `epoch` value as stored: "<generation>:<start>"; null when absent. */
export function parseEpochValue(value: string | null | undefined, last: string): EventLogHead {
  if (!value) return { epoch: null, start: '0', last };
  const at = value.indexOf(':');
  return at < 0 ? { epoch: value, start: '0', last } : { epoch: value.slice(0, at), start: value.slice(at + 1) || '0', last };
}

/** A member hash without the part versions. */
export function liveFields(hash: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(hash)) if (!k.startsWith(LIVE_VERSION_PREFIX)) out[k] = v;
  return out;
}

/** Merges per-stream entry lists (each in id order) into one list in id order. */
export function mergeById(lists: StreamEntry[][], count: number): StreamEntry[] {
  return lists
    .flat()
    .sort((a, b) => Number(a.id) - Number(b.id))
    .slice(0, count);
}

/** Raised by a store that cannot be reached; callers that can degrade catch exactly this. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * Raised for an append Redis took but could not confirm on the replicas asked for in time
 * (EVENTS_WAIT_REPLICAS): a failover now could lose it, so the caller must not acknowledge it.
 * A StoreUnavailableError, so everything that refuses on an unavailable store refuses on it too.
 */
export class NotReplicatedError extends StoreUnavailableError {
  constructor(replicas: number, wanted: number) {
    super(new Error(`the append reached ${replicas} of ${wanted} replicas in time`));
    this.name = 'NotReplicatedError';
  }
}
