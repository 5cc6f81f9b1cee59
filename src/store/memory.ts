import {
  LIVE_VERSION_PREFIX,
  scoreBound,
  withinLex,
  type BatchRead,
  type BatchReadResult,
  type BatchValue,
  type BatchWrite,
  liveFields,
  mergeById,
  type AppendedEvent,
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

/** Counted leases on one key (see Store.acquireLease): expiry time in ms by member, like Redis's sorted set. */
class LeaseSet {
  readonly expiries = new Map<string, number>();
}

/** A sorted set: score by member; ordered by score, then member, on read (as Redis orders it). */
class ZSet {
  readonly scores = new Map<string, number>();
  sorted(): [string, number][] {
    return [...this.scores].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}

const inScore = (score: number, min: string, max: string) => {
  const lo = scoreBound(min);
  const hi = scoreBound(max);
  return (lo.exclusive ? score > lo.value : score >= lo.value) && (hi.exclusive ? score < hi.value : score <= hi.value);
};

interface Entry {
  value: string | Map<string, string> | LeaseSet | ZSet;
  expiresAt: number | undefined;
}

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

/** Generation ids as the Redis store makes them (microseconds, base 36), never the same twice in a process. */
let lastEpoch = 0;
function newEpoch(): string {
  lastEpoch = Math.max(lastEpoch + 1, Math.floor((performance.timeOrigin + performance.now()) * 1000));
  return lastEpoch.toString(36);
}

interface LiveCollection {
  rev: number;
  members: Map<string, Map<string, string>>;
  log: LiveChange[];
  epoch: string | null;
  /** Members not written again since a loss (see liveRebuild), and until when that counts. */
  rebuild: Set<string>;
  rebuildUntil: number;
}

/** In-process store for a single sandbox instance without Redis. Same contract as RedisStore. */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly streams = new Map<string, StreamEntry[]>();
  private sequence = 0;
  private epoch: { id: string; start: number } | null = null;
  /** Per stream, the id of the newest entry trimmed away. */
  private readonly trimmed = new Map<string, number>();
  private readonly live_ = new Map<string, LiveCollection>();
  private readonly waiters = new Set<() => void>();
  private closed = false;

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private string(key: string): string | null {
    const entry = this.live(key);
    if (!entry) return null;
    if (typeof entry.value !== 'string') throw new Error(WRONGTYPE);
    return entry.value;
  }

  private hash(key: string, create: boolean): Map<string, string> | undefined {
    const entry = this.live(key);
    if (!entry) {
      if (!create) return undefined;
      const map = new Map<string, string>();
      this.entries.set(key, { value: map, expiresAt: undefined });
      return map;
    }
    if (!(entry.value instanceof Map)) throw new Error(WRONGTYPE);
    return entry.value;
  }

  /** The unexpired leases on `key` (lapsed ones dropped), created empty when asked. */
  private leases(key: string, create: boolean): LeaseSet | undefined {
    const entry = this.live(key);
    if (!entry) {
      if (!create) return undefined;
      const set = new LeaseSet();
      this.entries.set(key, { value: set, expiresAt: undefined });
      return set;
    }
    if (!(entry.value instanceof LeaseSet)) throw new Error(WRONGTYPE);
    const now = Date.now();
    for (const [member, expiresAt] of entry.value.expiries) if (expiresAt <= now) entry.value.expiries.delete(member);
    return entry.value;
  }

  /** After a change to a lease set: the key expires with its longest lease, and goes when none is left (as in Redis). */
  private settleLeases(key: string, set: LeaseSet): void {
    if (set.expiries.size === 0) {
      this.entries.delete(key);
      return;
    }
    let longest = 0;
    for (const expiresAt of set.expiries.values()) longest = Math.max(longest, expiresAt);
    this.entries.set(key, { value: set, expiresAt: longest });
  }

  async get(key: string) {
    return this.string(key);
  }
  async mget(keys: string[]) {
    return keys.map((k) => this.string(k));
  }
  async set(key: string, value: string, ttlMs?: number) {
    this.entries.set(key, { value, expiresAt: ttlMs === undefined ? undefined : Date.now() + ttlMs });
  }
  async setIfAbsent(key: string, value: string, ttlMs: number) {
    if (this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: Date.now() + ttlMs });
    return true;
  }
  async del(...keys: string[]) {
    let n = 0;
    for (const k of keys) if (this.live(k) && this.entries.delete(k)) n++;
    return n;
  }
  async deleteIfEquals(key: string, expected: string) {
    if (this.string(key) !== expected) return false;
    this.entries.delete(key);
    return true;
  }
  async pttl(key: string) {
    const entry = this.live(key);
    if (!entry) return -2;
    return entry.expiresAt === undefined ? -1 : Math.max(0, entry.expiresAt - Date.now());
  }
  async incrBy(key: string, by = 1) {
    const current = this.string(key);
    const next = (current === null ? 0 : Number.parseInt(current, 10)) + by;
    if (Number.isNaN(next)) throw new Error('ERR value is not an integer or out of range');
    const expiresAt = this.live(key)?.expiresAt;
    this.entries.set(key, { value: String(next), expiresAt });
    return next;
  }
  async hset(key: string, fields: Record<string, string>) {
    const map = this.hash(key, true)!;
    for (const [f, v] of Object.entries(fields)) map.set(f, v);
  }
  async hget(key: string, field: string) {
    return this.hash(key, false)?.get(field) ?? null;
  }
  async hgetall(key: string) {
    return Object.fromEntries(this.hash(key, false) ?? []);
  }
  async hdel(key: string, ...fields: string[]) {
    const map = this.hash(key, false);
    if (!map) return 0;
    let n = 0;
    for (const f of fields) if (map.delete(f)) n++;
    if (map.size === 0) this.entries.delete(key);
    return n;
  }
  private zset(key: string, create: boolean): ZSet | undefined {
    const entry = this.live(key);
    if (!entry) {
      if (!create) return undefined;
      const set = new ZSet();
      this.entries.set(key, { value: set, expiresAt: undefined });
      return set;
    }
    if (!(entry.value instanceof ZSet)) throw new Error(WRONGTYPE);
    return entry.value;
  }
  /** Drops a hash or sorted set left empty (Redis deletes empty keys). */
  private dropIfEmpty(key: string): void {
    const value = this.entries.get(key)?.value;
    if ((value instanceof Map && value.size === 0) || (value instanceof ZSet && value.scores.size === 0)) this.entries.delete(key);
  }
  async readBatch(reads: BatchRead[], guard?: string): Promise<BatchReadResult> {
    const results = reads.map((r): BatchValue => {
      switch (r.op) {
        case 'get':
          return this.string(r.key);
        case 'hgetall':
          return Object.fromEntries(this.hash(r.key, false) ?? []);
        case 'hmget': {
          const h = this.hash(r.key, false);
          return r.fields.map((f) => h?.get(f) ?? null);
        }
        case 'zrangebyscore': {
          let list = (this.zset(r.key, false)?.sorted() ?? []).filter(([, score]) => inScore(score, r.min, r.max));
          if (r.rev) list = list.reverse();
          return r.limit === undefined ? list : list.slice(0, r.limit);
        }
        case 'zrangebylex': {
          let list = (this.zset(r.key, false)?.sorted() ?? [])
            .map(([m]) => m)
            .filter((m) => withinLex(m, r.min, 'min') && withinLex(m, r.max, 'max'));
          if (r.rev) list = list.reverse();
          return r.limit === undefined ? list : list.slice(0, r.limit);
        }
      }
    });
    return { guard: guard === undefined ? null : this.string(guard), results };
  }
  async commitBatch(guard: string, expected: string | null, writes: BatchWrite[], guardTtlMs: number): Promise<boolean> {
    if (this.string(guard) !== expected) return false;
    for (const w of writes) {
      switch (w.op) {
        case 'hset': {
          if (Object.keys(w.fields).length === 0) break;
          const h = this.hash(w.key, true)!;
          for (const [f, v] of Object.entries(w.fields)) h.set(f, v);
          break;
        }
        case 'hdel': {
          const h = this.hash(w.key, false);
          for (const f of w.fields) h?.delete(f);
          this.dropIfEmpty(w.key);
          break;
        }
        case 'hincrby': {
          const h = this.hash(w.key, true)!;
          const next = (Number.parseInt(h.get(w.field) ?? '0', 10) || 0) + Math.round(w.by);
          h.set(w.field, String(next));
          break;
        }
        case 'hsetif': {
          const h = this.hash(w.key, true)!;
          const raw = h.get(w.field);
          const cur = raw === undefined ? undefined : Number(raw);
          if (cur === undefined || Number.isNaN(cur) || (w.cmp === 'gt' ? w.value > cur : w.value < cur)) {
            h.set(w.field, String(w.value));
            for (const [f, v] of Object.entries(w.fields ?? {})) h.set(f, v);
          }
          break;
        }
        case 'zadd':
          this.zset(w.key, true)!.scores.set(w.member, w.score);
          break;
        case 'zrem': {
          const z = this.zset(w.key, false);
          for (const m of w.members) z?.scores.delete(m);
          this.dropIfEmpty(w.key);
          break;
        }
        case 'zremrangebyscore': {
          const z = this.zset(w.key, false);
          if (z) for (const [m, score] of [...z.scores]) if (inScore(score, w.min, w.max)) z.scores.delete(m);
          this.dropIfEmpty(w.key);
          break;
        }
        case 'zremrangebylex': {
          const z = this.zset(w.key, false);
          if (z) for (const m of [...z.scores.keys()]) if (withinLex(m, w.min, 'min') && withinLex(m, w.max, 'max')) z.scores.delete(m);
          this.dropIfEmpty(w.key);
          break;
        }
        case 'pexpire': {
          const entry = this.live(w.key);
          if (entry) entry.expiresAt = Date.now() + Math.max(1, Math.ceil(w.ms));
          break;
        }
      }
    }
    const next = (Number.parseInt(this.string(guard) ?? '0', 10) || 0) + 1;
    this.entries.set(guard, { value: String(next), expiresAt: Date.now() + guardTtlMs });
    return true;
  }
  async acquireLease(key: string, member: string, max: number, ttlMs: number) {
    const set = this.leases(key, true)!;
    if (!set.expiries.has(member) && set.expiries.size >= Math.floor(max)) {
      this.settleLeases(key, set);
      return false;
    }
    set.expiries.set(member, Date.now() + ttlMs);
    this.settleLeases(key, set);
    return true;
  }
  async renewLeases(key: string, members: string[], ttlMs: number) {
    const set = this.leases(key, false);
    if (!set) return;
    const expiresAt = Date.now() + ttlMs;
    for (const m of members) if (set.expiries.has(m)) set.expiries.set(m, expiresAt);
    this.settleLeases(key, set);
  }
  async releaseLease(key: string, member: string) {
    const set = this.leases(key, false);
    if (!set) return;
    set.expiries.delete(member);
    this.settleLeases(key, set);
  }
  async countLeases(key: string) {
    return this.leases(key, false)?.expiries.size ?? 0;
  }
  async appendEvent(
    stream: string,
    dedupeKey: string,
    dedupeTtlMs: number,
    maxLen: number,
    fields: Record<string, string>,
  ): Promise<AppendedEvent | null> {
    if (!(await this.setIfAbsent(dedupeKey, '1', dedupeTtlMs))) return null;
    this.epoch ??= { id: newEpoch(), start: this.sequence };
    const id = String(++this.sequence);
    const list = this.streams.get(stream) ?? [];
    list.push({ stream, id, epoch: this.epoch.id, fields: { ...fields } });
    const excess = list.length - Math.max(1, Math.floor(maxLen));
    if (excess > 0) this.trimmed.set(stream, Number(list.splice(0, Math.min(excess, 100)).at(-1)!.id));
    this.streams.set(stream, list);
    for (const wake of [...this.waiters]) wake();
    return { epoch: this.epoch.id, id };
  }
  async readEvents(streams: string[], after: string, count: number) {
    const from = Number(after);
    return mergeById(
      streams.map((s) => (this.streams.get(s) ?? []).filter((e) => Number(e.id) > from)),
      count,
    );
  }
  async readEventLog(streams: string[], after: string, count: number): Promise<EventLogPage> {
    const trimmed: Record<string, string> = {};
    for (const s of streams) trimmed[s] = String(this.trimmed.get(s) ?? 0);
    return { head: await this.eventLogHead(), trimmed, entries: await this.readEvents(streams, after, count) };
  }
  async waitEvents(streams: string[], after: string, blockMs: number, count: number) {
    const ready = await this.readEvents(streams, after, count);
    if (ready.length > 0 || this.closed) return ready;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, blockMs);
      this.waiters.add(wake);
    });
    return this.readEvents(streams, after, count);
  }
  async eventLogHead(): Promise<EventLogHead> {
    return { epoch: this.epoch?.id ?? null, start: String(this.epoch?.start ?? 0), last: String(this.sequence) };
  }
  async renewEventLog(epoch: string): Promise<EventLogHead> {
    if (this.epoch?.id === epoch) this.epoch = { id: newEpoch(), start: this.sequence };
    return this.eventLogHead();
  }
  /** Loses every key, stream and collection, as FLUSHALL (or a Redis restarted without persistence) does: for tests. */
  flush(): void {
    this.entries.clear();
    this.streams.clear();
    this.trimmed.clear();
    this.live_.clear();
    this.sequence = 0;
    this.epoch = null;
  }
  private collection(name: string): LiveCollection {
    let c = this.live_.get(name);
    if (!c) this.live_.set(name, (c = { rev: 0, members: new Map(), log: [], epoch: null, rebuild: new Set(), rebuildUntil: 0 }));
    if (c.rebuild.size > 0 && c.rebuildUntil <= Date.now()) c.rebuild.clear();
    return c;
  }
  private head(c: LiveCollection): LiveHead {
    return { epoch: c.epoch, rev: c.rev, stale: c.rebuild.size > 0 };
  }
  async liveApply(collection: string, member: string, parts: Record<string, LivePart>, maxLog: number) {
    const c = this.collection(collection);
    const hash = c.members.get(member) ?? new Map<string, string>();
    let applied = false;
    for (const [name, part] of Object.entries(parts)) {
      const vf = LIVE_VERSION_PREFIX + name;
      const current = hash.get(vf);
      if (current !== undefined && !(current < part.version)) continue;
      applied = true;
      hash.set(vf, part.version);
      for (const [k, v] of Object.entries(part.fields)) {
        if (v === '') hash.delete(k);
        else hash.set(k, v);
      }
    }
    if (!applied) return null;
    c.members.set(member, hash);
    c.epoch ??= newEpoch();
    c.rebuild.delete(member);
    const change: LiveChange = {
      rev: ++c.rev,
      member,
      fields: liveFields(Object.fromEntries(hash)),
      epoch: c.epoch,
      stale: c.rebuild.size > 0,
    };
    c.log.push(change);
    if (c.log.length > maxLog) c.log.splice(0, c.log.length - maxLog);
    return change;
  }
  async liveSnapshot(collection: string): Promise<LiveSnapshot> {
    const c = this.collection(collection);
    const members: LiveSnapshot['members'] = {};
    for (const [m, hash] of c.members) members[m] = liveFields(Object.fromEntries(hash));
    return { ...this.head(c), members };
  }
  async liveChanges(collection: string, after: number, count: number): Promise<LiveChanges> {
    const c = this.collection(collection);
    return {
      ...this.head(c),
      changes: c.log
        .filter((ch) => ch.rev > after)
        .slice(0, count)
        .map((ch) => ({ ...ch, fields: { ...ch.fields } })),
    };
  }
  async liveRebuild(collection: string, members: string[], ttlMs: number, renew?: string): Promise<LiveHead> {
    const c = this.collection(collection);
    if (c.epoch === null || (renew !== undefined && c.epoch === renew)) c.epoch = newEpoch();
    const before = c.rebuild.size;
    for (const m of members) if (!c.members.has(m)) c.rebuild.add(m);
    if (before === 0 && c.rebuild.size > 0) c.rebuildUntil = Date.now() + ttlMs;
    return this.head(c);
  }
  async ping() {
    if (this.closed) throw new Error('store closed');
  }
  isConnected() {
    return !this.closed;
  }
  reconnects() {
    return 0;
  }
  async close() {
    this.closed = true;
    for (const wake of [...this.waiters]) wake();
  }
}
