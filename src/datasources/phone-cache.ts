import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError, UpstreamError, UpstreamUnavailableError } from '../errors';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { LookupKind } from '../schema/lookup';
import { StoreUnavailableError, type Store } from '../store/store';

export interface LookupCacheSettings {
  /** Time to live of a successful answer, per kind. */
  ttlMs: Record<LookupKind, number>;
  /** Time to live of a failed lookup (platform error or unreachable), so a failing number is not retried per request. */
  failureTtlMs: number;
  /** Fraction of the TTL, at its end, in which a read refreshes the entry in the background (0 disables). */
  refreshAhead: number;
  /** Platform lookups in flight at once from this instance. */
  maxConcurrent: number;
  /** How long one instance may hold the fetch lock of a key (longer than a platform call). */
  lockTtlMs: number;
}

/** A cached answer `v` (with the time `r` from which reads refresh it), or a cached failure `f`. */
interface Entry {
  v?: unknown;
  r?: number;
  f?: CachedFailure;
}

interface CachedFailure {
  type: 'upstream' | 'unavailable';
  endpoint: string;
  code?: string;
  msg?: string;
  meaning?: string;
  reason?: string;
}

export type Fetcher = (number: string) => Promise<unknown>;

/** Says how long an answer may be cached (ms), overriding the kind's TTL (e.g. a "lookup failed" state). */
export type TtlFor = (value: unknown) => number | undefined;

const METRICS = ['hits', 'misses', 'platformCalls', 'failures', 'refreshes'] as const;
type Metric = (typeof METRICS)[number];
export type KindStats = Record<Metric, number> & { kind: LookupKind };

const KINDS = Object.values(LookupKind);
/** Bump when the cached value shape changes: old entries are then simply not read. */
const KEY_VERSION = 'v1';

/** Counting semaphore: at most `max` platform lookups in flight; the rest wait in order. */
class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}

function toFailure(err: unknown): CachedFailure | undefined {
  if (err instanceof UpstreamError) {
    return { type: 'upstream', endpoint: err.endpoint, code: err.upstreamCode, msg: err.upstreamMessage, meaning: err.meaning };
  }
  if (err instanceof UpstreamUnavailableError) return { type: 'unavailable', endpoint: err.endpoint, reason: err.reason };
  return undefined;
}

function fromFailure(f: CachedFailure): GatewayError {
  return f.type === 'upstream'
    ? new UpstreamError(f.endpoint, f.code ?? '', f.msg ?? '', 200, f.meaning)
    : new UpstreamUnavailableError(f.endpoint, `${f.reason ?? 'failed'} (cached failure)`);
}

function parseEntry(raw: string | null): Entry | undefined {
  if (raw === null) return undefined;
  try {
    const e = JSON.parse(raw) as Entry;
    return e && typeof e === 'object' && ('v' in e || 'f' in e) ? e : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The shared cache of phone lookups (one per gateway instance, over the shared store):
 * - one MGET per batch of a kind; hits answer without the platform;
 * - a miss is fetched once per key across every instance: in-process single flight, then a
 *   cross-instance lock (SET NX PX); the others wait for the entry the lock holder writes;
 * - failures are cached for a short time, so a failing number does not hammer the platform;
 * - a read in the last `refreshAhead` part of an entry's life refreshes it in the background
 *   (one instance, by the same lock), so a hot key does not expire under load;
 * - at most `maxConcurrent` platform lookups at once per instance;
 * - store unreachable: every lookup asks the platform (still single-flight and limited in process).
 */
export class PhoneLookupCache {
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly refreshing = new Set<string>();
  private readonly limiter: Limiter;
  private readonly counts = new Map<LookupKind, Record<Metric, number>>();
  /** Counts not yet added to the cluster totals in the store. */
  private readonly pending = new Map<string, number>();
  private flushTimer?: NodeJS.Timeout;
  private storeDown = false;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    readonly settings: LookupCacheSettings,
  ) {
    this.limiter = new Limiter(settings.maxConcurrent);
    for (const k of KINDS) this.counts.set(k, { hits: 0, misses: 0, platformCalls: 0, failures: 0, refreshes: 0 });
    this.flushTimer = setInterval(() => void this.flush(), 1000);
    this.flushTimer.unref();
  }

  /** The store key of one lookup of one number (also read by the lookups benchmark). */
  static key(kind: LookupKind, number: string): string {
    return `lookup:${KEY_VERSION}:${kind}:${number}`;
  }

  /**
   * Answers of one kind for many numbers (one store round trip), fetching the misses. Each element
   * is the value or the Error of that number, as DataLoader expects.
   */
  async getMany(kind: LookupKind, numbers: readonly string[], fetch: Fetcher, ttlFor?: TtlFor): Promise<unknown[]> {
    const keys = numbers.map((n) => PhoneLookupCache.key(kind, n));
    let raws: (string | null)[];
    let storeUp = true;
    try {
      raws = await this.store.mget(keys);
      this.noteStoreUp();
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      this.noteStoreDown(err);
      raws = keys.map(() => null);
      storeUp = false;
    }
    const now = Date.now();
    return Promise.all(
      numbers.map(async (number, i) => {
        const entry = parseEntry(raws[i]);
        if (!entry) {
          this.count(kind, 'misses');
          try {
            return await this.load(kind, number, keys[i], fetch, ttlFor, storeUp);
          } catch (err) {
            return err instanceof Error ? err : new Error(String(err));
          }
        }
        this.count(kind, 'hits');
        if (entry.f) return fromFailure(entry.f);
        if (this.settings.refreshAhead > 0 && entry.r !== undefined && now >= entry.r) this.refresh(kind, number, keys[i], fetch, ttlFor);
        return entry.v;
      }),
    );
  }

  /** Removes every cached lookup of a number; returns how many entries there were. */
  async evict(number: string): Promise<number> {
    try {
      return await this.store.del(...KINDS.map((k) => PhoneLookupCache.key(k, number)));
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw new UpstreamUnavailableError('store', 'the lookup cache is unreachable');
      throw err;
    }
  }

  /** Counts of this instance since it started. */
  instanceStats(): KindStats[] {
    return KINDS.map((kind) => ({ kind, ...this.counts.get(kind)! }));
  }

  /** Totals over every instance sharing the store (after adding this instance's latest counts); undefined when it is unreachable. */
  async clusterStats(): Promise<KindStats[] | undefined> {
    await this.flush();
    const keys = KINDS.flatMap((k) => METRICS.map((m) => this.statKey(k, m)));
    try {
      const values = await this.store.mget(keys);
      let i = 0;
      return KINDS.map((kind) => {
        const row = { kind } as KindStats;
        for (const m of METRICS) row[m] = Number(values[i++] ?? 0);
        return row;
      });
    } catch (err) {
      if (err instanceof StoreUnavailableError) return undefined;
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = undefined;
    await this.flush();
  }

  private statKey(kind: LookupKind, metric: Metric): string {
    return `lookup:stats:${kind}:${metric}`;
  }

  private count(kind: LookupKind, metric: Metric): void {
    this.counts.get(kind)![metric]++;
    const key = this.statKey(kind, metric);
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }

  /** Adds the counts gathered since the last flush to the cluster totals. */
  private async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending.clear();
    for (const [key, by] of batch) {
      try {
        await this.store.incrBy(key, by);
      } catch {
        // Store down: keep the count for the next flush.
        this.pending.set(key, (this.pending.get(key) ?? 0) + by);
      }
    }
  }

  /** A cache miss: one fetch per key in this process, and (through the store) across instances. */
  private load(kind: LookupKind, number: string, key: string, fetch: Fetcher, ttlFor: TtlFor | undefined, storeUp: boolean): Promise<unknown> {
    let p = this.inflight.get(key);
    if (!p) {
      p = (storeUp ? this.loadShared(kind, number, key, fetch, ttlFor) : this.callPlatform(kind, number, fetch)).finally(() =>
        this.inflight.delete(key),
      );
      this.inflight.set(key, p);
    }
    return p;
  }

  private async loadShared(kind: LookupKind, number: string, key: string, fetch: Fetcher, ttlFor: TtlFor | undefined): Promise<unknown> {
    const lockKey = `${key}:lock`;
    const lockId = randomUUID();
    const deadline = Date.now() + this.settings.lockTtlMs * 2;
    try {
      for (;;) {
        if (await this.store.setIfAbsent(lockKey, lockId, this.settings.lockTtlMs)) {
          try {
            // Another instance may have written the entry between our read and the lock.
            const written = parseEntry(await this.store.get(key));
            if (written) return this.answer(written);
            return await this.fetchAndStore(kind, number, key, fetch, ttlFor);
          } finally {
            await this.store.deleteIfEquals(lockKey, lockId).catch(() => undefined);
          }
        }
        // Another instance is fetching: wait for what it writes (or for its lock to lapse).
        await sleep(15 + Math.random() * 20);
        const written = parseEntry(await this.store.get(key));
        if (written) return this.answer(written);
        if (Date.now() > deadline) return await this.callPlatform(kind, number, fetch);
      }
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      this.noteStoreDown(err);
      return this.callPlatform(kind, number, fetch);
    }
  }

  private answer(entry: Entry): unknown {
    if (entry.f) throw fromFailure(entry.f);
    return entry.v;
  }

  /** Fetches from the platform and writes the answer (or the failure, briefly) to the store. */
  private async fetchAndStore(kind: LookupKind, number: string, key: string, fetch: Fetcher, ttlFor: TtlFor | undefined): Promise<unknown> {
    let value: unknown;
    try {
      value = await this.callPlatform(kind, number, fetch);
    } catch (err) {
      const failure = toFailure(err);
      if (failure) {
        await this.store.set(key, JSON.stringify({ f: failure } satisfies Entry), this.settings.failureTtlMs).catch((e) => this.noteStoreDown(e));
      }
      throw err;
    }
    // The answer is ours whether or not the store takes it: never ask the platform twice for it.
    await this.write(kind, key, value, ttlFor).catch((e) => this.noteStoreDown(e));
    return value;
  }

  private async write(kind: LookupKind, key: string, value: unknown, ttlFor: TtlFor | undefined): Promise<void> {
    const ttl = ttlFor?.(value) ?? this.settings.ttlMs[kind];
    const refreshAt = Date.now() + Math.round(ttl * (1 - this.settings.refreshAhead));
    await this.store.set(key, JSON.stringify({ v: value ?? null, r: refreshAt } satisfies Entry), ttl);
  }

  private async callPlatform(kind: LookupKind, number: string, fetch: Fetcher): Promise<unknown> {
    return this.limiter.run(async () => {
      this.count(kind, 'platformCalls');
      try {
        return await fetch(number);
      } catch (err) {
        this.count(kind, 'failures');
        throw err;
      }
    });
  }

  /** Early refresh of an entry near its end: one instance refreshes, every reader keeps the cached answer. */
  private refresh(kind: LookupKind, number: string, key: string, fetch: Fetcher, ttlFor: TtlFor | undefined): void {
    if (this.refreshing.has(key)) return;
    this.refreshing.add(key);
    const lockKey = `${key}:lock`;
    const lockId = randomUUID();
    void (async () => {
      try {
        if (!(await this.store.setIfAbsent(lockKey, lockId, this.settings.lockTtlMs))) return;
        try {
          // Someone may have refreshed it since we read it.
          const current = parseEntry(await this.store.get(key));
          if (current?.r !== undefined && Date.now() < current.r) return;
          this.count(kind, 'refreshes');
          const value = await this.callPlatform(kind, number, fetch);
          await this.write(kind, key, value, ttlFor);
        } finally {
          await this.store.deleteIfEquals(lockKey, lockId).catch(() => undefined);
        }
      } catch (err) {
        // The entry stays until it expires; the next read after that fetches it again.
        this.logger.warn({ kind, reason: (err as Error).message }, 'early refresh of a phone lookup failed');
      } finally {
        this.refreshing.delete(key);
      }
    })();
  }

  private noteStoreUp(): void {
    if (this.storeDown) this.logger.info('phone lookup cache reachable again');
    this.storeDown = false;
  }

  private noteStoreDown(err: unknown): void {
    if (!this.storeDown) this.logger.warn({ reason: (err as Error).message }, 'phone lookup cache unreachable: asking the platform directly');
    this.storeDown = true;
  }
}

/** The cache settings of a configuration (seconds → ms). */
export function lookupCacheSettings(config: Config): LookupCacheSettings {
  const { ttlSeconds, failureTtlSeconds, refreshAhead, maxConcurrent } = config.lookups;
  const ttlMs = {} as Record<LookupKind, number>;
  for (const kind of KINDS) ttlMs[kind] = ttlSeconds[kind] * 1000;
  return {
    ttlMs,
    failureTtlMs: failureTtlSeconds * 1000,
    refreshAhead,
    maxConcurrent,
    lockTtlMs: config.upstreamTimeoutMs + 5000,
  };
}
