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
   * Appends an entry to an event stream (capped near `maxLen`) unless `dedupeKey` was set within
   * `dedupeTtlMs`, atomically. Entry ids come from one sequence shared by every stream, so ids
   * order entries across streams. Resolves with the id, or null for a duplicate.
   */
  appendEvent(
    stream: string,
    dedupeKey: string,
    dedupeTtlMs: number,
    maxLen: number,
    fields: Record<string, string>,
  ): Promise<string | null>;
  /** Entries of the streams with an id after `after`, merged in id order, at most `count`. */
  readEvents(streams: string[], after: string, count: number): Promise<StreamEntry[]>;
  /** Like readEvents, but waits up to `blockMs` for a new entry (on a connection of its own). */
  waitEvents(streams: string[], after: string, blockMs: number, count: number): Promise<StreamEntry[]>;
  /** The id of the latest appended entry of any stream ("0" before the first). */
  lastEventId(): Promise<string>;
  /**
   * Live collections (live agent state): members are hashes updated in parts; a part is written
   * only when its `version` is greater (string order) than the one stored, so replays, duplicates
   * and late events are harmless. When any part was written, atomically: the collection's revision
   * is incremented and the member's new fields are logged under it (log capped at `maxLog`).
   * Resolves with the logged change, or null when nothing was newer. An empty value deletes a field.
   */
  liveApply(collection: string, member: string, parts: Record<string, LivePart>, maxLog: number): Promise<LiveChange | null>;
  /** Every member of a collection and the revision they reflect, read atomically. */
  liveSnapshot(collection: string): Promise<LiveSnapshot>;
  /** Logged changes with a revision after `after`, in order, at most `count` (revisions are contiguous until trimmed). */
  liveChanges(collection: string, after: number, count: number): Promise<LiveChange[]>;
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
  close(): Promise<void>;
}

export interface StreamEntry {
  stream: string;
  /** A positive integer, as a string: the shared sequence number. */
  id: string;
  fields: Record<string, string>;
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
}

export interface LiveSnapshot {
  rev: number;
  members: Record<string, Record<string, string>>;
}

/** The field a part's version is kept in, inside the member hash. */
export const LIVE_VERSION_PREFIX = '_v:';

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
