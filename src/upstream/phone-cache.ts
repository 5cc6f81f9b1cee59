import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError, OperationLimitError, RateLimitedError, UpstreamError, UpstreamUnavailableError } from '../errors';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { LookupKind } from '../schema/lookup';
import { StoreUnavailableError, type Store } from '../store/store';
import { UpstreamRejectedError } from './http';

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
  /** How long an entry read from the store is kept in this instance's memory (0: never). */
  nearCacheMs: number;
  /** Most entries the near cache holds (oldest dropped first). */
  nearCacheMax: number;
}

/** A cached answer `v` (with the time `r` from which reads refresh it), or a cached failure `f`; `x`: when it expires. */
interface Entry {
  v?: unknown;
  r?: number;
  f?: CachedFailure;
  x?: number;
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
/** Store keys of the cluster-wide counters, built once (counting happens per lookup). */
const STAT_KEYS = Object.fromEntries(
  KINDS.map((kind) => [kind, Object.fromEntries(METRICS.map((m) => [m, `lookup:stats:${kind}:${m}`]))]),
) as Record<LookupKind, Record<Metric, string>>;
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

/**
 * Entries this instance read or wrote lately, decoded, for at most `ttlMs` and never past the
 * entry's own expiry: repeated lookups of hot numbers skip the store round trip and the JSON parse.
 */
class NearCache {
  /** By number (one near cache per lookup kind: no key to build per read). */
  private readonly entries = new Map<string, { entry: Entry; until: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  get(number: string, now: number): Entry | undefined {
    const hit = this.entries.get(number);
    if (!hit) return undefined;
    if (hit.until > now) return hit.entry;
    this.entries.delete(number);
    return undefined;
  }

  set(number: string, entry: Entry, now: number): void {
    if (this.ttlMs <= 0) return;
    const until = Math.min(now + this.ttlMs, entry.x ?? Infinity);
    if (until <= now) return;
    this.entries.delete(number);
    this.entries.set(number, { entry, until });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(number: string): void {
    this.entries.delete(number);
  }
}

/** Refusals that belong to the operation that asked, not to the number looked up. */
function isCallerRefusal(err: unknown): boolean {
  return err instanceof OperationLimitError || err instanceof RateLimitedError;
}

function toFailure(err: unknown): CachedFailure | undefined {
  // Refused without a request (open circuit, full bulkhead): nothing was learnt about the number.
  if (err instanceof UpstreamRejectedError) return undefined;
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
  private readonly near: Record<LookupKind, NearCache>;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    readonly settings: LookupCacheSettings,
  ) {
    this.limiter = new Limiter(settings.maxConcurrent);
    this.near = Object.fromEntries(
      KINDS.map((k) => [k, new NearCache(settings.nearCacheMs, Math.ceil(settings.nearCacheMax / KINDS.length))]),
    ) as Record<LookupKind, NearCache>;
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
    const keyOf = (i: number) => PhoneLookupCache.key(kind, numbers[i]);
    const now = Date.now();
    const near = this.near[kind];
    const entries = numbers.map((n) => near.get(n, now));
    const absent = numbers.flatMap((_n, i) => (entries[i] ? [] : [i]));
    let storeUp = true;
    if (absent.length > 0) {
      try {
        const raws = await this.store.mget(absent.map(keyOf));
        this.noteStoreUp();
        absent.forEach((i, j) => {
          const entry = parseEntry(raws[j]);
          if (entry) near.set(numbers[i], entry, now);
          entries[i] = entry;
        });
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
        this.noteStoreDown(err);
        storeUp = false;
      }
    }
    let hits = 0;
    const out = numbers.map((number, i) => {
      const entry = entries[i];
      if (!entry) {
        this.count(kind, 'misses');
        return this.load(kind, number, keyOf(i), fetch, ttlFor, storeUp).catch((err: unknown) =>
          err instanceof Error ? err : new Error(String(err)),
        );
      }
      hits++;
      if (entry.f) return fromFailure(entry.f);
      if (this.settings.refreshAhead > 0 && entry.r !== undefined && now >= entry.r) this.refresh(kind, number, keyOf(i), fetch, ttlFor);
      return entry.v;
    });
    if (hits > 0) this.count(kind, 'hits', hits);
    return Promise.all(out);
  }

  /**
   * The answer of a lookup when this instance holds it in memory and it needs no refresh, counted
   * as a hit; undefined otherwise (then use getMany). Lets resolvers answer hot numbers synchronously.
   */
  peek(kind: LookupKind, number: string): { value: unknown } | undefined {
    const now = Date.now();
    const entry = this.near[kind].get(number, now);
    if (!entry || entry.f || (this.settings.refreshAhead > 0 && entry.r !== undefined && now >= entry.r)) return undefined;
    this.count(kind, 'hits');
    return { value: entry.v };
  }

  /** Removes every cached lookup of a number; returns how many entries there were (a store outage reaches the client as UNAVAILABLE). */
  async evict(number: string): Promise<number> {
    for (const k of KINDS) this.near[k].delete(number);
    return this.store.del(...KINDS.map((k) => PhoneLookupCache.key(k, number)));
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
    return STAT_KEYS[kind][metric];
  }

  private count(kind: LookupKind, metric: Metric, by = 1): void {
    this.counts.get(kind)![metric] += by;
    const key = this.statKey(kind, metric);
    this.pending.set(key, (this.pending.get(key) ?? 0) + by);
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
  private load(
    kind: LookupKind,
    number: string,
    key: string,
    fetch: Fetcher,
    ttlFor: TtlFor | undefined,
    storeUp: boolean,
  ): Promise<unknown> {
    const joined = this.inflight.get(key);
    // Another operation's fetch refused for that operation alone (its platform-call budget, its
    // principal's rate limit) is not this one's answer: fetch again with this operation's own.
    if (joined)
      return joined.catch((err: unknown) =>
        isCallerRefusal(err) ? this.load(kind, number, key, fetch, ttlFor, storeUp) : Promise.reject(err),
      );
    const p = (storeUp ? this.loadShared(kind, number, key, fetch, ttlFor) : this.callPlatform(kind, number, fetch)).finally(() =>
      this.inflight.delete(key),
    );
    this.inflight.set(key, p);
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
        const entry: Entry = { f: failure, x: Date.now() + this.settings.failureTtlMs };
        this.near[kind].set(number, entry, Date.now());
        await this.store.set(key, JSON.stringify(entry), this.settings.failureTtlMs).catch((e) => this.noteStoreDown(e));
      }
      throw err;
    }
    // The answer is ours whether or not the store takes it: never ask the platform twice for it.
    await this.write(kind, number, key, value, ttlFor).catch((e) => this.noteStoreDown(e));
    return value;
  }

  private async write(kind: LookupKind, number: string, key: string, value: unknown, ttlFor: TtlFor | undefined): Promise<void> {
    const ttl = ttlFor?.(value) ?? this.settings.ttlMs[kind];
    const now = Date.now();
    const entry: Entry = { v: value ?? null, r: now + Math.round(ttl * (1 - this.settings.refreshAhead)), x: now + ttl };
    this.near[kind].set(number, entry, now);
    await this.store.set(key, JSON.stringify(entry), ttl);
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
          if (current?.r !== undefined && Date.now() < current.r) {
            this.near[kind].set(number, current, Date.now());
            return;
          }
          this.count(kind, 'refreshes');
          const value = await this.callPlatform(kind, number, fetch);
          await this.write(kind, number, key, value, ttlFor);
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
    if (!this.storeDown)
      this.logger.warn({ reason: (err as Error).message }, 'phone lookup cache unreachable: asking the platform directly');
    this.storeDown = true;
  }
}

/** The cache settings of a configuration (seconds → ms). */
export function lookupCacheSettings(config: Config): LookupCacheSettings {
  const { ttlSeconds, failureTtlSeconds, refreshAhead, maxConcurrent, nearCacheMs } = config.lookups;
  const ttlMs = {} as Record<LookupKind, number>;
  for (const kind of KINDS) ttlMs[kind] = ttlSeconds[kind] * 1000;
  return {
    ttlMs,
    failureTtlMs: failureTtlSeconds * 1000,
    refreshAhead,
    maxConcurrent,
    lockTtlMs: config.upstreamTimeoutMs + 5000,
    nearCacheMs,
    nearCacheMax: 100_000,
  };
}
