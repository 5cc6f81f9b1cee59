import DataLoader from 'dataloader';
import type { Logger } from '../logger';
import type { BatchRead, BatchWrite, Store } from '../store/store';
import { toNumber } from '../upstream/convert';
import type { AgentEventData } from './agent-event';
import { QUEUE_STATS_SLOT } from '../store/slots';

/**
 * Queue and agent statistics from the agent toolbar's event stream (docs/wallboard.md), kept in the
 * store so every instance shows the same figures:
 *
 * - **Queue calls** (QueueInfo, original-zh.txt 4506–4533): a call is `caller` + `inQueueTime` within
 *   its group. It joins (is offered) in the minute of its inQueueTime, once, whichever QueueInfo lists
 *   it first. It leaves at the earliest `isInQueue: 0` QueueInfo, after the last QueueInfo that still
 *   listed it, that does not list it: answered when that QueueInfo names an agent (`handleAgentID`),
 *   abandoned when not. That rule depends on the set of events only, not on their order: a late
 *   event moves a leave to its true place (the figures it gave are taken back and given again), a
 *   duplicate changes nothing. The platform pushes one change to several agents (several envelopes,
 *   slightly different eventTimes): every copy is one more event of the same set.
 * - **Agent time** (every event that changes an agent's activity): a timeline per agent, ordered by
 *   the events' versions; the time between two entries is the earlier entry's activity's. An entry
 *   arriving late splits the interval it falls in, so the sums are the same in any order. An `After`
 *   entry is one ended call: talk time from its `answerTime`/`endTime` (else the talking right before
 *   it), after-call time until the next entry.
 *
 * Counts are summed per minute and per China Standard Time day, per group (HINCRBY), so a window is
 * the sum of its buckets at read time and rolls over without a job. Updates are read-compute-write
 * transactions guarded per group or agent (Store.readBatch / commitBatch, retried when another
 * instance wrote first): each instance applies every event, and the second application finds
 * nothing to change.
 */

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
const CST_OFFSET_MS = 8 * 3600_000;
/** Events further behind the newest one of their group (or agent) than this are not counted (their neighbours may be gone). */
export const LATE_HORIZON_MS = 3600_000;
/** Agent timeline entries kept behind the newest. */
const TIMELINE_KEEP_MS = 2 * DAY_MS;
const MINUTE_TTL_MS = 2 * DAY_MS;
const DAY_TTL_MS = 3 * DAY_MS;
const GUARD_TTL_MS = 3 * DAY_MS;
const MAX_ATTEMPTS = 12;

/** The minutes of the trend (and of LAST_60_MINUTES). */
export const TREND_MINUTES = 60;

export const minuteOf = (t: number) => Math.floor(t / MINUTE_MS);
/** The China Standard Time day (UTC+8) an instant falls on, as a day number. */
export const dayOf = (t: number) => Math.floor((t + CST_OFFSET_MS) / DAY_MS);
/** 00:00 China Standard Time of a day number, epoch ms. */
export const dayStartOf = (day: number) => day * DAY_MS - CST_OFFSET_MS;

/** Activities as the live state names them (src/subscriptions/live-state.ts AgentActivity). */
const TALKING = 'TALKING';
const AFTER_CALL = 'AFTER_CALL';

const keys = {
  groupGuard: (g: string) => `${QUEUE_STATS_SLOT}:g:${g}:v`,
  groupMeta: (g: string) => `${QUEUE_STATS_SLOT}:g:${g}:meta`,
  calls: (g: string, day: number) => `${QUEUE_STATS_SLOT}:g:${g}:c:${day}`,
  open: (g: string) => `${QUEUE_STATS_SLOT}:g:${g}:open`,
  left: (g: string) => `${QUEUE_STATS_SLOT}:g:${g}:left`,
  leaves: (g: string) => `${QUEUE_STATS_SLOT}:g:${g}:ev`,
  minute: (g: string, m: number) => `${QUEUE_STATS_SLOT}:g:${g}:m:${m}`,
  day: (g: string, d: number) => `${QUEUE_STATS_SLOT}:g:${g}:d:${d}`,
  waits: (g: string, m: number) => `${QUEUE_STATS_SLOT}:g:${g}:aw:${m}`,
  index: (day: number) => `${QUEUE_STATS_SLOT}:ix:${day}`,
  agentGuard: (a: string) => `${QUEUE_STATS_SLOT}:a:${a}:v`,
  timeline: (a: string) => `${QUEUE_STATS_SLOT}:a:${a}:tl`,
  afterInfo: (a: string) => `${QUEUE_STATS_SLOT}:a:${a}:ac`,
  handled: (a: string) => `${QUEUE_STATS_SLOT}:a:${a}:hc`,
  agentDay: (a: string, d: number) => `${QUEUE_STATS_SLOT}:a:${a}:d:${d}`,
  agentInfo: (a: string) => `${QUEUE_STATS_SLOT}:a:${a}:info`,
};

/** Bucket fields (minute and day hashes of a group). Times in ms. */
export interface BucketFields {
  offered: number;
  answered: number;
  abandoned: number;
  within: number;
  waitSum: number;
  waitMax: number | undefined;
  handled: number;
  handleSum: number;
}

const num = (v: string | undefined | null) => {
  const n = v === undefined || v === null || v === '' ? 0 : Number(v);
  return Number.isFinite(n) ? n : 0;
};

export function bucketFields(h: Record<string, string> | undefined): BucketFields {
  const f = h ?? {};
  return {
    offered: num(f.offered),
    answered: num(f.answered),
    abandoned: num(f.abandoned),
    within: num(f.within),
    waitSum: num(f.waitSum),
    waitMax: f.waitMax === undefined || f.waitMax === '' ? undefined : num(f.waitMax),
    handled: num(f.handled),
    handleSum: num(f.handleSum),
  };
}

export function sumBuckets(list: BucketFields[]): BucketFields {
  const out: BucketFields = { offered: 0, answered: 0, abandoned: 0, within: 0, waitSum: 0, waitMax: undefined, handled: 0, handleSum: 0 };
  for (const b of list) {
    out.offered += b.offered;
    out.answered += b.answered;
    out.abandoned += b.abandoned;
    out.within += b.within;
    out.waitSum += b.waitSum;
    out.handled += b.handled;
    out.handleSum += b.handleSum;
    if (b.waitMax !== undefined && (out.waitMax === undefined || b.waitMax > out.waitMax)) out.waitMax = b.waitMax;
  }
  return out;
}

/** A QueueInfo as the statistics take it. */
export interface QueueInfoInput {
  groupId: string;
  /** The event's time (the leave time of the call that left), epoch ms. */
  at: number;
  /** isInQueue 1 (a call joined) or 0 (a call left). */
  joined: boolean;
  /** handleAgentID: the agent the leaving call was assigned to ("" when none: abandoned). */
  handleAgentId: string;
  /** groupWaitNumber: calls waiting after the change. */
  waiting: number;
  /** data[]: the calls still waiting after the change. */
  calls: { caller: string; inQueueTime: number }[];
}

/** An agent's change of activity as the statistics take it. */
export interface AgentStateInput {
  agentNumber: string;
  /** The event's version (live-state eventVersion: fixed-width time first, so string order is time order). */
  version: string;
  at: number;
  activity: string;
  /** For After: the call's talk time from the event (endTime − answerTime), and its queue identity. */
  after?: { talkMs: number | null; answered: boolean | null; caller: string; inQueueTime: number };
  /** For Login: the agent's main skill group (groupInfoList isMaster, else the first of groupIdList). */
  mainGroup?: string;
}

const first = <T>(list: T[] | undefined): T | undefined => list?.[0];
const text = (v: unknown) => (v === undefined || v === null ? '' : String(v).trim());

/** A QueueInfo event → the statistics' input (undefined when it names no group). Field names from original-zh.txt 4506–4533. */
export function queueInfoInput(e: AgentEventData): QueueInfoInput | undefined {
  const d = e.data ?? {};
  const list = Array.isArray(d.data) ? (d.data as unknown[]) : [];
  const calls: QueueInfoInput['calls'] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const c = item as Record<string, unknown>;
    const q = toNumber(c.inQueueTime);
    if (q === undefined || !(q > 0)) continue;
    calls.push({ caller: text(c.caller), inQueueTime: Math.round(q) });
  }
  const groupId = text(d.groupID) || text((first(list) as Record<string, unknown> | undefined)?.groupID);
  if (!groupId) return undefined;
  const waiting = toNumber(d.groupWaitNumber);
  return {
    groupId,
    at: e.eventTime.getTime(),
    joined: toNumber(d.isInQueue) === 1,
    handleAgentId: text(d.handleAgentID),
    waiting: waiting === undefined ? calls.length : Math.max(0, Math.round(waiting)),
    calls,
  };
}

/** An After event's talk time (endTime − answerTime, original-zh.txt 3486–3527) and whether it says the call was answered. */
export function afterCallInput(e: AgentEventData): NonNullable<AgentStateInput['after']> {
  const d = e.data ?? {};
  const answer = toNumber(d.answerTime);
  const end = toNumber(d.endTime);
  const given = d.answerTime !== undefined && d.answerTime !== null && d.answerTime !== '';
  const answered = given ? (answer ?? 0) > 0 : null;
  let talkMs: number | null = null;
  if (answered && answer) talkMs = Math.max(0, (end && end > 0 ? end : e.eventTime.getTime()) - answer);
  const q = toNumber(d.inQueueTime);
  return { talkMs, answered, caller: text(d.caller), inQueueTime: q && q > 0 ? Math.round(q) : 0 };
}

/** The main skill group a Login names: groupInfoList's isMaster entry, else the first of groupIdList. */
export function mainGroupOf(e: AgentEventData): string | undefined {
  const d = e.data ?? {};
  const info = Array.isArray(d.groupInfoList) ? (d.groupInfoList as Record<string, unknown>[]) : [];
  const master = info.find((g) => g && g.isMaster === true) ?? info[0];
  const id = text(master?.id) || (Array.isArray(d.groupIdList) ? text(d.groupIdList[0]) : '');
  return id || undefined;
}

/** A call's record in its group. */
interface CallRecord {
  /** inQueueTime. */
  q: number;
  /** Last time a QueueInfo listed it. */
  s: number;
  /** When it left (absent while waiting). */
  l?: number;
  /** The agent it was assigned to when it left ("" abandoned). */
  h?: string;
}

const identity = (caller: string, q: number) => `${caller}|${q}`;
const queueTimeOf = (id: string) => Number(id.slice(id.lastIndexOf('|') + 1));

/** Writes of one transaction, with the hash increments of one key and field merged. */
class WriteSet {
  readonly list: BatchWrite[] = [];
  private readonly incr = new Map<string, { key: string; field: string; by: number }>();
  private readonly expire = new Map<string, number>();
  hincrby(key: string, field: string, by: number, ttlMs: number) {
    if (by === 0) return;
    const k = `${key}\n${field}`;
    const cur = this.incr.get(k);
    if (cur) cur.by += by;
    else this.incr.set(k, { key, field, by });
    this.touch(key, ttlMs);
  }
  push(w: BatchWrite, ttlMs?: number) {
    this.list.push(w);
    if (ttlMs !== undefined) this.touch(w.key, ttlMs);
  }
  touch(key: string, ttlMs: number) {
    this.expire.set(key, Math.max(this.expire.get(key) ?? 0, ttlMs));
  }
  get empty() {
    return this.list.length === 0 && [...this.incr.values()].every((i) => i.by === 0);
  }
  all(): BatchWrite[] {
    const out = [...this.list];
    for (const i of this.incr.values()) if (i.by !== 0) out.push({ op: 'hincrby', key: i.key, field: i.field, by: i.by });
    for (const [key, ms] of this.expire) out.push({ op: 'pexpire', key, ms });
    return out;
  }
}

/** One parsed timeline entry. */
interface Entry {
  member: string;
  version: string;
  t: number;
  activity: string;
}
const parseEntry = (member: string): Entry => {
  const at = member.lastIndexOf('|');
  const version = member.slice(0, at);
  return { member, version, t: Number(version.slice(0, 15)), activity: member.slice(at + 1) };
};

/** What an ended call gave: stored per After entry so a later change of its neighbours can take it back. */
interface HandledContribution {
  /** Answered (1) or not (0). */
  a: 0 | 1;
  talk: number;
  /** After-call ms, null while the after-call work goes on. */
  after: number | null;
  g: string;
  t: number;
}

/** What the After event itself said, stored with its entry. */
interface AfterInfo {
  talk: number | null;
  ans: boolean | null;
  g: string;
}

/** The raw statistics of one group read for a point in time (see QueueStatistics.readGroups). */
export interface GroupStatsRaw {
  /** The minutes of the trend, oldest first; the last is the minute `now` is in. */
  minutes: { startedAt: number; buckets: BucketFields; gauge: Gauge }[];
  /** Today (China Standard Time) so far. */
  today: BucketFields;
}

/** The waiting count a minute's QueueInfo events give: after the latest of them, and before the earliest. */
export interface Gauge {
  end?: number;
  before?: number;
}

/** What one agent did today (see QueueStatistics.readAgentDays): ms per activity, calls handled. */
export interface AgentDayRaw {
  ms: Record<string, number>;
  calls: number;
}

export interface QueueStatisticsOptions {
  /** SERVICE_LEVEL_SECONDS: an answered call waited at most this long is within the service level. */
  serviceLevelSeconds: number;
  logger?: Logger;
  /** The time the figures are read for (tests set it). */
  clock?: () => number;
}

/** How many QueueInfos QueueStatistics remembers having counted (its copies arrive within milliseconds of each other). */
const COUNTED_KEPT = 1000;

/** The statistics of one gateway instance over the shared store (started with the live state). */
export class QueueStatistics {
  /** Epoch ms now: windows and the open interval of an agent's activity are read for it. Tests replace it. */
  clock: () => number;
  readonly thresholdMs: number;
  private chain = Promise.resolve();
  /**
   * The QueueInfos this instance counted lately, exactly (group, time, agent, calls): the platform sends each
   * change once per logged-in agent of the group, mostly with the same eventTime, and a copy changes nothing
   * (it would only cost the reads that find so), so it is not read again. Bounded: the oldest are forgotten.
   */
  private readonly counted = new Set<string>();

  constructor(
    private readonly store: Store,
    readonly options: QueueStatisticsOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.thresholdMs = options.serviceLevelSeconds * 1000;
  }

  now(): number {
    return this.clock();
  }

  /** Queues an update (one at a time per instance: bounded load, no contention with itself). */
  enqueue(what: string, run: () => Promise<void>): void {
    this.chain = this.chain
      .then(run)
      .catch((err: Error) => this.options.logger?.warn({ err: err.message, what }, 'queue statistics: event not counted'));
  }

  /** Resolves when the updates queued so far are done. */
  async settled(): Promise<void> {
    let last: Promise<void>;
    do {
      last = this.chain;
      await last;
    } while (last !== this.chain);
  }

  /** Reads, computes and commits under a guard, again when another writer moved the guard first. */
  private async transact(guard: string, attempt: (read: (reads: BatchRead[]) => Promise<unknown[]>) => Promise<WriteSet | null>) {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      let expected: string | null | undefined;
      const read = async (reads: BatchRead[]) => {
        const r = await this.store.readBatch(reads, expected === undefined ? guard : undefined);
        if (expected === undefined) expected = r.guard;
        return r.results;
      };
      const writes = await attempt(read);
      if (!writes || writes.empty) return;
      if (expected === undefined) expected = (await this.store.readBatch([], guard)).guard;
      if (await this.store.commitBatch(guard, expected, writes.all(), GUARD_TTL_MS)) return;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * (i + 1)));
    }
    throw new Error(`statistics: ${guard} kept changing under the update`);
  }

  // ---- queue calls -------------------------------------------------------------------------

  /** Applies one QueueInfo (idempotent; any arrival order gives the same figures). */
  async applyQueueInfo(e: QueueInfoInput): Promise<void> {
    const copy = JSON.stringify(e);
    if (this.counted.has(copy)) return;
    await this.countQueueInfo(e);
    this.counted.add(copy);
    if (this.counted.size > COUNTED_KEPT) this.counted.delete(this.counted.values().next().value!);
  }

  private countQueueInfo(e: QueueInfoInput): Promise<void> {
    const g = e.groupId;
    const t = e.at;
    const listed = new Map<string, number>();
    for (const c of e.calls) listed.set(identity(c.caller, c.inQueueTime), c.inQueueTime);
    const leaveMember = JSON.stringify({ t, h: e.handleAgentId, d: [...listed.keys()].sort() });
    const thr = this.thresholdMs;

    return this.transact(keys.groupGuard(g), async (read) => {
      const days = new Map<number, string[]>();
      for (const [id, q] of listed) days.set(dayOf(q), [...(days.get(dayOf(q)) ?? []), id]);
      const dayList = [...days];
      const base: BatchRead[] = [
        { op: 'hmget', key: keys.groupMeta(g), fields: ['top'] },
        { op: 'zrangebyscore', key: keys.open(g), min: '-inf', max: `(${t}` },
        { op: 'zrangebyscore', key: keys.left(g), min: `(${t}`, max: '+inf' },
        { op: 'zrangebyscore', key: keys.leaves(g), min: String(t), max: String(t) },
        { op: 'hmget', key: keys.minute(g, minuteOf(t)), fields: ['wEndT', 'wBegT'] },
        ...dayList.map(([day, ids]): BatchRead => ({ op: 'hmget', key: keys.calls(g, day), fields: ids })),
      ];
      const [meta, openBefore, leftAfter, sameTime, gauge, ...recordLists] = await read(base);
      const top = num((meta as (string | null)[])[0]);
      if (top && t < top - LATE_HORIZON_MS) return null; // too late to place among its neighbours
      if (!e.joined && (sameTime as [string, number][]).some(([m]) => m === leaveMember)) return null; // this very event again

      const records = new Map<string, CallRecord>();
      dayList.forEach(([, ids], i) =>
        ids.forEach((id, j) => {
          const raw = (recordLists[i] as (string | null)[])[j];
          if (raw) records.set(id, JSON.parse(raw) as CallRecord);
        }),
      );
      const w = new WriteSet();
      const maxima = new MaxTracker(g);
      const save = (id: string, rec: CallRecord) => {
        w.push({ op: 'hset', key: keys.calls(g, dayOf(rec.q)), fields: { [id]: JSON.stringify(rec) } }, DAY_TTL_MS);
      };
      const leave = (id: string, rec: CallRecord, sign: 1 | -1) => {
        const at = rec.l!;
        const answered = rec.h !== '' && rec.h !== undefined;
        const m = minuteOf(at);
        const d = dayOf(at);
        const wait = Math.max(0, at - rec.q);
        for (const [key, ttl] of [
          [keys.minute(g, m), MINUTE_TTL_MS],
          [keys.day(g, d), DAY_TTL_MS],
        ] as const) {
          w.hincrby(key, answered ? 'answered' : 'abandoned', sign, ttl);
          if (answered) {
            w.hincrby(key, 'waitSum', sign * wait, ttl);
            if (wait <= thr) w.hincrby(key, 'within', sign, ttl);
          }
        }
        if (!answered) return;
        if (sign === 1) {
          w.push({ op: 'zadd', key: keys.waits(g, m), score: wait, member: id }, MINUTE_TTL_MS);
          maxima.add(m, d, wait);
        } else {
          w.push({ op: 'zrem', key: keys.waits(g, m), members: [id] });
          maxima.remove(m, d, id);
        }
      };

      // 1. The calls it lists: new ones are offered (in the minute they joined); a call listed after
      //    the leave it was given did not leave then (a stale or early copy gave it): waiting again.
      //    Only a later listing moves anything (the same or an older one changes nothing).
      for (const [id, q] of listed) {
        const rec = records.get(id);
        if (!rec) {
          const created: CallRecord = { q, s: t };
          records.set(id, created);
          save(id, created);
          w.hincrby(keys.minute(g, minuteOf(q)), 'offered', 1, MINUTE_TTL_MS);
          w.hincrby(keys.day(g, dayOf(q)), 'offered', 1, DAY_TTL_MS);
          w.push({ op: 'zadd', key: keys.open(g), score: t, member: id }, DAY_TTL_MS);
          w.push({ op: 'hset', key: keys.index(dayOf(q)), fields: { [id]: g } }, DAY_TTL_MS);
          continue;
        }
        if (t <= rec.s) continue;
        rec.s = t;
        if (rec.l !== undefined && t > rec.l) {
          leave(id, rec, -1);
          delete rec.l;
          delete rec.h;
          w.push({ op: 'zrem', key: keys.left(g), members: [id] });
        }
        if (rec.l === undefined) w.push({ op: 'zadd', key: keys.open(g), score: t, member: id }, DAY_TTL_MS);
        save(id, rec);
      }

      // 2. A call left: every call last listed before it, not listed by it, waiting or given a later leave.
      const setLeave = (id: string, rec: CallRecord, at: number, agent: string) => {
        rec.l = at;
        rec.h = agent;
        leave(id, rec, 1);
        save(id, rec);
        w.push({ op: 'zrem', key: keys.open(g), members: [id] });
        w.push({ op: 'zadd', key: keys.left(g), score: at, member: id }, DAY_TTL_MS);
      };
      const candidates = e.joined
        ? []
        : [
            ...new Set(
              [...(openBefore as [string, number][]), ...(leftAfter as [string, number][])]
                .map(([id]) => id)
                .filter((id) => !listed.has(id)),
            ),
          ];
      // The calls it lists that are waiting: a leave event that arrived before them (a late listing)
      // may be theirs, so the kept leave events after their last listing are read too.
      const waitingListed = [...listed.keys()].filter((id) => records.get(id)!.l === undefined);
      const missing = candidates.filter((id) => !records.has(id));
      const byDay = new Map<number, string[]>();
      for (const id of missing) byDay.set(dayOf(queueTimeOf(id)), [...(byDay.get(dayOf(queueTimeOf(id))) ?? []), id]);
      const missingDays = [...byDay];
      const from = waitingListed.length ? Math.min(...waitingListed.map((id) => records.get(id)!.s)) : undefined;
      const more: BatchRead[] = missingDays.map(([day, ids]): BatchRead => ({ op: 'hmget', key: keys.calls(g, day), fields: ids }));
      if (from !== undefined) more.push({ op: 'zrangebyscore', key: keys.leaves(g), min: `(${from}`, max: '+inf' });
      const got = more.length ? await read(more) : [];
      missingDays.forEach(([, ids], i) =>
        ids.forEach((id, j) => {
          const raw = (got[i] as (string | null)[])[j];
          if (raw) records.set(id, JSON.parse(raw) as CallRecord);
        }),
      );
      if (!e.joined) {
        for (const id of candidates) {
          const rec = records.get(id);
          if (!rec || rec.s >= t) continue;
          if (rec.l !== undefined) {
            if (rec.l <= t) continue;
            leave(id, rec, -1); // a late QueueInfo: the call left earlier than thought
            w.push({ op: 'zrem', key: keys.left(g), members: [id] });
          }
          setLeave(id, rec, t, e.handleAgentId);
        }
        w.push({ op: 'zadd', key: keys.leaves(g), score: t, member: leaveMember }, DAY_TTL_MS);
      }

      // 3. A listed call still waiting: its leave is the earliest kept leave event after its last listing that does not list it.
      if (from !== undefined) {
        const events = (got[missingDays.length] as [string, number][])
          .map(([m]) => JSON.parse(m) as { t: number; h: string; d: string[] })
          .sort((x, y) => x.t - y.t);
        for (const id of waitingListed) {
          const rec = records.get(id)!;
          const next = events.find((ev) => ev.t > rec.s && !ev.d.includes(id));
          if (next) setLeave(id, rec, next.t, next.h);
        }
      }

      // 4. The waiting count at the end of the minute (the latest QueueInfo in it) and before its first one.
      //    (Written only when they change, so applying the event again writes nothing.)
      const before = Math.max(0, e.joined ? e.waiting - 1 : e.waiting + 1);
      const [endT, begT] = (gauge as (string | null)[]).map((v) => (v === null ? undefined : Number(v)));
      if (endT === undefined || t > endT) {
        w.push(
          { op: 'hsetif', key: keys.minute(g, minuteOf(t)), field: 'wEndT', cmp: 'gt', value: t, fields: { wEnd: String(e.waiting) } },
          MINUTE_TTL_MS,
        );
      }
      if (begT === undefined || t < begT) {
        w.push(
          { op: 'hsetif', key: keys.minute(g, minuteOf(t)), field: 'wBegT', cmp: 'lt', value: t, fields: { wBeg: String(before) } },
          MINUTE_TTL_MS,
        );
      }

      await maxima.settle(read, w);
      if (t > top) {
        w.push({ op: 'hset', key: keys.groupMeta(g), fields: { top: String(t) } }, DAY_TTL_MS);
        w.push({ op: 'zremrangebyscore', key: keys.leaves(g), min: '-inf', max: `(${t - LATE_HORIZON_MS}` });
        w.push({ op: 'zremrangebyscore', key: keys.left(g), min: '-inf', max: `(${t - LATE_HORIZON_MS}` });
        w.push({ op: 'zremrangebyscore', key: keys.open(g), min: '-inf', max: `(${t - LATE_HORIZON_MS}` });
      }
      return w;
    });
  }

  // ---- agent time and handled calls -------------------------------------------------------

  /** Applies one change of an agent's activity (idempotent; any arrival order gives the same figures). */
  applyAgentState(e: AgentStateInput): Promise<void> {
    const a = e.agentNumber;
    const self: Entry = { member: `${e.version}|${e.activity}`, version: e.version, t: e.at, activity: e.activity };
    return this.transact(keys.agentGuard(a), async (read) => {
      const reads: BatchRead[] = [
        { op: 'zrangebylex', key: keys.timeline(a), min: `[${self.member}`, max: `[${self.member}` },
        { op: 'zrangebylex', key: keys.timeline(a), min: '-', max: `(${self.member}`, rev: true, limit: 8 },
        { op: 'zrangebylex', key: keys.timeline(a), min: `(${self.member}`, max: '+', limit: 10 },
        { op: 'zrangebylex', key: keys.timeline(a), min: '-', max: '+', rev: true, limit: 1 },
        { op: 'hgetall', key: keys.agentInfo(a) },
      ];
      const q = e.after?.inQueueTime ?? 0;
      if (e.mainGroup) reads.push({ op: 'hgetall', key: keys.afterInfo(a) }, { op: 'hgetall', key: keys.handled(a) });
      if (e.after && q > 0) reads.push({ op: 'hmget', key: keys.index(dayOf(q)), fields: [identity(e.after.caller, q)] });
      const [exists, prevRaw, nextRaw, topRaw, infoRaw, ...rest] = await read(reads);
      const info = infoRaw as Record<string, string>;
      const w = new WriteSet();
      if (e.mainGroup && (!info.gv || info.gv < e.version)) {
        w.push({ op: 'hset', key: keys.agentInfo(a), fields: { gv: e.version, group: e.mainGroup } }, DAY_TTL_MS);
        // Calls that ended before any Login of the agent was seen had no group: they are the main group's.
        const [afterInfos, handled] = rest as Record<string, string>[];
        for (const [version, raw] of Object.entries(afterInfos)) {
          const ai = JSON.parse(raw) as AfterInfo;
          if (ai.g) continue;
          w.push({ op: 'hset', key: keys.afterInfo(a), fields: { [version]: JSON.stringify({ ...ai, g: e.mainGroup }) } });
          const old = handled[version] ? (JSON.parse(handled[version]) as HandledContribution) : undefined;
          if (!old) continue;
          const now: HandledContribution = { ...old, g: e.mainGroup };
          this.handledWrites(w, a, old, -1);
          this.handledWrites(w, a, now, 1);
          w.push({ op: 'hset', key: keys.handled(a), fields: { [version]: JSON.stringify(now) } });
        }
      }
      const indexRaw = e.mainGroup ? undefined : rest[0];
      if ((exists as string[]).length) return w; // this very change again
      const top = first(topRaw as string[]);
      const topT = top ? parseEntry(top).t : 0;
      if (top && e.at < topT - LATE_HORIZON_MS) return w;

      const prev = (prevRaw as string[]).map(parseEntry);
      const next = (nextRaw as string[]).map(parseEntry);
      const window = [...[...prev].reverse(), self, ...next];
      const at = prev.length;
      w.push({ op: 'zadd', key: keys.timeline(a), score: 0, member: self.member }, DAY_TTL_MS);

      // Time: the interval the entry falls in was its predecessor's; from it on it is the entry's.
      const credit = (activity: string, from: number, to: number, sign: 1 | -1) => {
        for (let s = from; s < to;) {
          const day = dayOf(s);
          const end = Math.min(to, dayStartOf(day + 1));
          w.hincrby(keys.agentDay(a, day), activity, sign * (end - s), DAY_TTL_MS);
          s = end;
        }
      };
      const p = prev[0];
      const n = next[0];
      if (p && n) {
        credit(p.activity, self.t, n.t, -1);
        credit(self.activity, self.t, n.t, 1);
      } else if (p) credit(p.activity, p.t, self.t, 1);
      else if (n) credit(self.activity, self.t, n.t, 1);

      // Ended calls whose figures depend on this entry: itself, the After before it (its after-call
      // ends here now), and the next After when only talking lies between (its talk may start here).
      const afters = new Set<number>();
      if (self.activity === AFTER_CALL) afters.add(at);
      if (p?.activity === AFTER_CALL) afters.add(at - 1);
      for (let j = at + 1; j < Math.min(window.length, at + 9); j++) {
        if (window[j].activity === AFTER_CALL) {
          afters.add(j);
          break;
        }
        if (window[j].activity !== TALKING) break;
      }
      let selfInfo: AfterInfo | undefined;
      if (self.activity === AFTER_CALL) {
        const fromQueue = first(indexRaw as (string | null)[] | undefined);
        selfInfo = { talk: e.after?.talkMs ?? null, ans: e.after?.answered ?? null, g: fromQueue || info.group || '' };
        w.push({ op: 'hset', key: keys.afterInfo(a), fields: { [self.version]: JSON.stringify(selfInfo) } }, DAY_TTL_MS);
      }
      const versions = [...afters].map((i) => window[i].version);
      if (versions.length) {
        const [infos, olds] = await read([
          { op: 'hmget', key: keys.afterInfo(a), fields: versions },
          { op: 'hmget', key: keys.handled(a), fields: versions },
        ]);
        [...afters].forEach((i, k) => {
          const entry = window[i];
          const raw = (infos as (string | null)[])[k];
          const ai: AfterInfo =
            i === at && selfInfo ? selfInfo : raw ? (JSON.parse(raw) as AfterInfo) : { talk: null, ans: null, g: info.group ?? '' };
          let r = i - 1;
          while (r >= 0 && window[r].activity === TALKING) r--;
          const runStart = r + 1 < i ? window[r + 1] : undefined;
          const answered = ai.ans ?? runStart !== undefined;
          const talk = answered ? (ai.talk ?? (runStart ? entry.t - runStart.t : 0)) : 0;
          const following = window[i + 1];
          const now: HandledContribution = {
            a: answered ? 1 : 0,
            talk,
            after: following ? following.t - entry.t : null,
            g: ai.g,
            t: entry.t,
          };
          const oldRaw = (olds as (string | null)[])[k];
          const old = oldRaw ? (JSON.parse(oldRaw) as HandledContribution) : undefined;
          if (old && JSON.stringify(old) === JSON.stringify(now)) return;
          if (old) this.handledWrites(w, a, old, -1);
          this.handledWrites(w, a, now, 1);
          w.push({ op: 'hset', key: keys.handled(a), fields: { [entry.version]: JSON.stringify(now) } }, DAY_TTL_MS);
        });
      }
      if (e.at > topT) {
        const keep = pad15(e.at - TIMELINE_KEEP_MS);
        w.push({ op: 'zremrangebylex', key: keys.timeline(a), min: '-', max: `(${keep}` });
      }
      return w;
    });
  }

  private handledWrites(w: WriteSet, agent: string, c: HandledContribution, sign: 1 | -1) {
    if (c.a) w.hincrby(keys.agentDay(agent, dayOf(c.t)), 'calls', sign, DAY_TTL_MS);
    if (!c.a || c.after === null || !c.g) return;
    for (const [key, ttl] of [
      [keys.minute(c.g, minuteOf(c.t)), MINUTE_TTL_MS],
      [keys.day(c.g, dayOf(c.t)), DAY_TTL_MS],
    ] as const) {
      w.hincrby(key, 'handled', sign, ttl);
      w.hincrby(key, 'handleSum', sign * (c.talk + c.after), ttl);
    }
  }

  // ---- reading --------------------------------------------------------------------------

  /** The buckets of the trend's minutes and of today, per group, for the time `now`. */
  async readGroups(groupIds: string[], now = this.now()): Promise<Map<string, GroupStatsRaw>> {
    const out = new Map<string, GroupStatsRaw>();
    if (groupIds.length === 0) return out;
    const last = minuteOf(now);
    const reads: BatchRead[] = [];
    for (const g of groupIds) {
      for (let m = last - TREND_MINUTES + 1; m <= last; m++) reads.push({ op: 'hgetall', key: keys.minute(g, m) });
      reads.push({ op: 'hgetall', key: keys.day(g, dayOf(now)) });
    }
    const { results } = await this.store.readBatch(reads);
    groupIds.forEach((g, i) => {
      const slice = results.slice(i * (TREND_MINUTES + 1), (i + 1) * (TREND_MINUTES + 1)) as Record<string, string>[];
      out.set(g, {
        minutes: slice.slice(0, TREND_MINUTES).map((h, k) => ({
          startedAt: (last - TREND_MINUTES + 1 + k) * MINUTE_MS,
          buckets: bucketFields(h),
          gauge: { end: h.wEndT ? num(h.wEnd) : undefined, before: h.wBegT ? num(h.wBeg) : undefined },
        })),
        today: bucketFields(slice[TREND_MINUTES]),
      });
    });
    return out;
  }

  /** Today's figures of agents, with the activity they are in now counted up to `now`. */
  async readAgentDays(agentNumbers: readonly string[], now = this.now()): Promise<AgentDayRaw[]> {
    const today = dayOf(now);
    const reads: BatchRead[] = agentNumbers.flatMap((a): BatchRead[] => [
      { op: 'hgetall', key: keys.agentDay(a, today) },
      { op: 'zrangebylex', key: keys.timeline(a), min: '-', max: '+', rev: true, limit: 1 },
    ]);
    const { results } = await this.store.readBatch(reads);
    return agentNumbers.map((_, i) => {
      const h = results[2 * i] as Record<string, string>;
      const ms: Record<string, number> = {};
      for (const [k, v] of Object.entries(h)) if (k !== 'calls') ms[k] = num(v);
      const last = first(results[2 * i + 1] as string[]);
      if (last) {
        const e = parseEntry(last);
        const from = Math.max(e.t, dayStartOf(today));
        if (now > from) ms[e.activity] = (ms[e.activity] ?? 0) + (now - from);
      }
      return { ms, calls: num(h.calls) };
    });
  }
}

const pad15 = (n: number) => String(Math.max(0, Math.trunc(n))).padStart(15, '0');

/**
 * The longest answered wait of the minute and day buckets a transaction touches: raised with
 * `hsetif gt` when a call is added; when an answered call is taken back, the bucket's longest is
 * found again among what is left (the minute's waits, then the day's minutes).
 */
class MaxTracker {
  private readonly added = new Map<number, number>();
  private readonly removedIds = new Map<number, Set<string>>();
  private readonly addedDay = new Map<number, number>();
  private readonly days = new Set<number>();
  constructor(private readonly g: string) {}
  add(minute: number, day: number, wait: number) {
    this.added.set(minute, Math.max(this.added.get(minute) ?? -1, wait));
    this.addedDay.set(day, Math.max(this.addedDay.get(day) ?? -1, wait));
  }
  remove(minute: number, day: number, id: string) {
    const set = this.removedIds.get(minute) ?? new Set<string>();
    set.add(id);
    this.removedIds.set(minute, set);
    this.days.add(day);
  }
  async settle(read: (reads: BatchRead[]) => Promise<unknown[]>, w: WriteSet) {
    const g = this.g;
    const minutes = [...this.removedIds.keys()];
    const days = [...this.days];
    // Minutes and days only added to: their longest can only grow.
    for (const [m, v] of this.added) {
      if (!this.removedIds.has(m)) w.push({ op: 'hsetif', key: keys.minute(g, m), field: 'waitMax', cmp: 'gt', value: v });
    }
    for (const [d, v] of this.addedDay) {
      if (!this.days.has(d)) w.push({ op: 'hsetif', key: keys.day(g, d), field: 'waitMax', cmp: 'gt', value: v });
    }
    if (minutes.length === 0) return;
    // A wait taken back: the minute's longest among its remaining waits, the day's among its minutes.
    const dayMinutes = days.map((d) => {
      const from = minuteOf(dayStartOf(d));
      return Array.from({ length: DAY_MS / MINUTE_MS }, (_, k) => from + k);
    });
    const got = await read([
      ...minutes.map((m): BatchRead => ({ op: 'zrangebyscore', key: keys.waits(g, m), min: '-inf', max: '+inf', rev: true, limit: 64 })),
      ...dayMinutes.flat().map((m): BatchRead => ({ op: 'hmget', key: keys.minute(g, m), fields: ['waitMax'] })),
    ]);
    const renewed = new Map<number, number>();
    minutes.forEach((m, i) => {
      const gone = this.removedIds.get(m)!;
      const kept = (got[i] as [string, number][]).find(([id]) => !gone.has(id));
      const best = Math.max(kept?.[1] ?? -1, this.added.get(m) ?? -1);
      renewed.set(m, best);
      if (best < 0) w.push({ op: 'hdel', key: keys.minute(g, m), fields: ['waitMax'] });
      else w.push({ op: 'hset', key: keys.minute(g, m), fields: { waitMax: String(best) } });
    });
    let at = minutes.length;
    days.forEach((d, i) => {
      let best = this.addedDay.get(d) ?? -1;
      for (const m of dayMinutes[i]) {
        const stored = (got[at++] as (string | null)[])[0];
        const v = renewed.has(m) ? renewed.get(m)! : Math.max(stored === null ? -1 : Number(stored), this.added.get(m) ?? -1);
        if (v > best) best = v;
      }
      if (best < 0) w.push({ op: 'hdel', key: keys.day(g, d), fields: ['waitMax'] });
      else w.push({ op: 'hset', key: keys.day(g, d), fields: { waitMax: String(best) } });
    });
  }
}

/** Per operation (ctx.dataSource): today's figures of the agents it shows, read in one batch. */
export class AgentDayLoader {
  private loader?: DataLoader<string, AgentDayRaw>;
  constructor(readonly ctx: { services: object }) {}
  load(stats: QueueStatistics, agentNumber: string): Promise<AgentDayRaw> {
    this.loader ??= new DataLoader((agents) => stats.readAgentDays(agents), { cache: true });
    return this.loader.load(agentNumber);
  }
}
