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
  /** Resolves when the store answers; rejects when it is unreachable. */
  ping(): Promise<void>;
  /** Whether the store is connected right now (no round trip). */
  isConnected(): boolean;
  close(): Promise<void>;
}

/** Raised by a store that cannot be reached; callers that can degrade catch exactly this. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StoreUnavailableError';
  }
}
