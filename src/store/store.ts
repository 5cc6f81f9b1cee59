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
  appendEvent(stream: string, dedupeKey: string, dedupeTtlMs: number, maxLen: number, fields: Record<string, string>): Promise<string | null>;
  /** Entries of the streams with an id after `after`, merged in id order, at most `count`. */
  readEvents(streams: string[], after: string, count: number): Promise<StreamEntry[]>;
  /** Like readEvents, but waits up to `blockMs` for a new entry (on a connection of its own). */
  waitEvents(streams: string[], after: string, blockMs: number, count: number): Promise<StreamEntry[]>;
  /** The id of the latest appended entry of any stream ("0" before the first). */
  lastEventId(): Promise<string>;
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
