import { fromEpochMs, toInt } from '../upstream/convert';
import { CallDirection } from '../schema/agentcontrol';
import {
  ActivityCount,
  AgentDay,
  GroupFigures,
  LiveAgent,
  QueueMinute,
  QueueState,
  QueueStats,
  StatsWindow,
  Wallboard,
  WallboardUpdate,
} from '../schema/wallboard';
import type { LiveChange, LiveSnapshot } from '../store/store';
import { formatCursor } from './bus';
import { AgentActivity, ON_CALL } from './live-state';
import {
  dayOf,
  dayStartOf,
  MINUTE_MS,
  minuteOf,
  sumBuckets,
  TREND_MINUTES,
  type AgentDayRaw,
  type BucketFields,
  type GroupStatsRaw,
} from './queue-stats';

const ACTIVITIES = Object.values(AgentActivity);
const opt = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/** A stored agent member → LiveAgent. */
export function toLiveAgent(agentNumber: string, f: Record<string, string>): LiveAgent {
  const activity = ACTIVITIES.includes(f.activity as AgentActivity) ? (f.activity as AgentActivity) : AgentActivity.LOGGED_OUT;
  return Object.assign(new LiveAgent(), {
    id: agentNumber,
    agentNumber,
    agentId: opt(f.agentId),
    agentName: opt(f.agentName),
    activity,
    since: fromEpochMs(f.since),
    platformState: opt(f.nowState),
    loggedInAt: activity === AgentActivity.LOGGED_OUT ? undefined : fromEpochMs(f.loginTime),
    callDirection: f.callDirection === '0' ? CallDirection.INBOUND : f.callDirection === '1' ? CallDirection.OUTBOUND : undefined,
    peerNumber: opt(f.peer),
    callId: opt(f.callId),
    platformBusyType: opt(f.busyType),
    groupIds: f.groups ? f.groups.split(',').filter(Boolean) : [],
  });
}

/** A stored queue member (`queue:<group id>`) → QueueState. */
export function toQueueState(groupId: string, f: Record<string, string>): QueueState {
  const waiting = toInt(f.waiting) ?? 0;
  return Object.assign(new QueueState(), {
    groupId,
    callsWaiting: waiting,
    longestWaitSince: waiting > 0 ? fromEpochMs(f.oldestAt) : undefined,
  });
}

/** Whether an agent belongs on a wallboard of these groups (all agents when no group is given). */
export function inGroups(groupIds: string[] | undefined, agent: LiveAgent): boolean {
  return !groupIds || groupIds.length === 0 || agent.groupIds.some((g) => groupIds.includes(g));
}

/** What the statistics of a wallboard are computed from: the buckets read for `now`. */
export interface StatsInput {
  raw: Map<string, GroupStatsRaw>;
  now: number;
  thresholdSeconds: number;
}

const EMPTY: BucketFields = sumBuckets([]);

function queueStats(b: BucketFields, since: number, thresholdSeconds: number): QueueStats {
  const left = b.answered + b.abandoned;
  return Object.assign(new QueueStats(), {
    since: new Date(since),
    offered: b.offered,
    answered: b.answered,
    abandoned: b.abandoned,
    answeredWithinThreshold: b.within,
    serviceLevelThresholdSeconds: thresholdSeconds,
    serviceLevelPercent: left > 0 ? (100 * b.within) / left : undefined,
    averageSpeedOfAnswerSeconds: b.answered > 0 ? b.waitSum / b.answered / 1000 : undefined,
    longestAnswerWaitSeconds: b.answered > 0 && b.waitMax !== undefined ? b.waitMax / 1000 : undefined,
    averageHandleSeconds: b.handled > 0 ? b.handleSum / b.handled / 1000 : undefined,
    handled: b.handled,
  });
}

/**
 * Calls waiting at the end of each trend minute of one group: the count after the minute's latest
 * QueueInfo, carried over minutes without one; before the first QueueInfo of the window, the count
 * that one implies before it; with none in the window, the live count. The current minute is now.
 */
function waitingSeries(raw: GroupStatsRaw | undefined, live: number): number[] {
  const minutes = raw?.minutes ?? [];
  const out = new Array<number>(TREND_MINUTES).fill(live);
  const firstWith = minutes.findIndex((m) => m.gauge.end !== undefined);
  if (firstWith >= 0) {
    let carry = minutes[firstWith].gauge.before ?? minutes[firstWith].gauge.end!;
    minutes.forEach((m, i) => {
      if (m.gauge.end !== undefined) carry = m.gauge.end;
      out[i] = carry;
    });
  }
  out[TREND_MINUTES - 1] = live;
  return out;
}

interface GroupPart {
  raw: GroupStatsRaw | undefined;
  waiting: number;
}

/** The windows and the trend of one group, or of several summed (totals). */
function statistics(parts: GroupPart[], stats: StatsInput | undefined): Pick<GroupFigures, 'windows' | 'trend'> {
  const now = stats?.now ?? Date.now();
  const threshold = stats?.thresholdSeconds ?? 0;
  const last = minuteOf(now);
  const firstMinute = last - TREND_MINUTES + 1;
  const perMinute = Array.from({ length: TREND_MINUTES }, (_, i) => sumBuckets(parts.map((p) => p.raw?.minutes[i]?.buckets ?? EMPTY)));
  const waiting = parts.map((p) => waitingSeries(p.raw, p.waiting));
  const trend = perMinute.map((b, i) =>
    Object.assign(new QueueMinute(), {
      startedAt: new Date((firstMinute + i) * MINUTE_MS),
      offered: b.offered,
      answered: b.answered,
      abandoned: b.abandoned,
      callsWaiting: waiting.reduce((n, series) => n + series[i], 0),
    }),
  );
  const windows = {
    [StatsWindow.LAST_15_MINUTES]: queueStats(sumBuckets(perMinute.slice(-15)), (last - 14) * MINUTE_MS, threshold),
    [StatsWindow.LAST_60_MINUTES]: queueStats(sumBuckets(perMinute), firstMinute * MINUTE_MS, threshold),
    [StatsWindow.TODAY]: queueStats(sumBuckets(parts.map((p) => p.raw?.today ?? EMPTY)), dayStartOf(dayOf(now)), threshold),
  };
  return { windows, trend };
}

function figures(
  groupId: string | undefined,
  name: string | undefined,
  agents: LiveAgent[],
  queues: QueueState[],
  stats: StatsInput | undefined,
): GroupFigures {
  const counts = new Map<AgentActivity, number>();
  let longestIdle: Date | undefined;
  for (const a of agents) {
    if (a.activity === AgentActivity.LOGGED_OUT) continue;
    counts.set(a.activity, (counts.get(a.activity) ?? 0) + 1);
    if (a.activity === AgentActivity.IDLE && a.since && (!longestIdle || a.since < longestIdle)) longestIdle = a.since;
  }
  const waits = queues.map((q) => q.longestWaitSince).filter((d): d is Date => d !== undefined);
  return Object.assign(new GroupFigures(), {
    groupId,
    name,
    agentsByActivity: ACTIVITIES.filter((s) => counts.has(s)).map((activity) =>
      Object.assign(new ActivityCount(), { activity, count: counts.get(activity)! }),
    ),
    loggedIn: [...counts.values()].reduce((a, b) => a + b, 0),
    longestIdleSince: longestIdle,
    callsWaiting: queues.reduce((n, q) => n + q.callsWaiting, 0),
    longestWaitingSince: waits.length ? new Date(Math.min(...waits.map((d) => d.getTime()))) : undefined,
    callsInProgress: agents.filter((a) => ON_CALL.has(a.activity)).length,
    ...statistics(
      queues.map((q) => ({ raw: stats?.raw.get(q.groupId), waiting: q.callsWaiting })),
      stats,
    ),
  });
}

interface Parsed {
  agents: LiveAgent[];
  queues: Map<string, QueueState>;
  names: Map<string, string>;
}

function parse(snapshot: LiveSnapshot): Parsed {
  const agents: LiveAgent[] = [];
  const queues = new Map<string, QueueState>();
  const names = new Map<string, string>();
  for (const [member, fields] of Object.entries(snapshot.members)) {
    if (member.startsWith('agent:')) agents.push(toLiveAgent(member.slice(6), fields));
    else if (member.startsWith('queue:')) {
      const g = member.slice(6);
      queues.set(g, toQueueState(g, fields));
      if (fields.name) names.set(g, fields.name);
    }
  }
  return { agents, queues, names };
}

/** The groups a wallboard of these groups shows: the ones asked for, else every group an agent or a queue names. */
export function wallboardGroups(snapshot: LiveSnapshot, groupIds?: string[]): string[] {
  if (groupIds && groupIds.length) return [...new Set(groupIds)];
  const { agents, queues } = parse(snapshot);
  return [...new Set([...agents.flatMap((a) => a.groupIds), ...queues.keys()])].sort();
}

/** A store snapshot (and the statistics read for it) → the wallboard of the given groups (all groups seen when none is given). */
export function buildWallboard(snapshot: LiveSnapshot, groupIds?: string[], stats?: StatsInput): Wallboard {
  const { agents: all, queues, names } = parse(snapshot);
  const agents = all.filter((a) => inGroups(groupIds, a)).sort((a, b) => a.agentNumber.localeCompare(b.agentNumber));
  const groups =
    groupIds && groupIds.length ? [...new Set(groupIds)] : [...new Set([...agents.flatMap((a) => a.groupIds), ...queues.keys()])].sort();
  const queueOf = (g: string) => queues.get(g) ?? Object.assign(new QueueState(), { groupId: g, callsWaiting: 0 });
  return Object.assign(new Wallboard(), {
    cursor: formatCursor(snapshot.epoch, snapshot.rev),
    stale: snapshot.stale,
    agents,
    groups: groups.map((g) =>
      figures(
        g,
        names.get(g),
        agents.filter((a) => a.groupIds.includes(g)),
        [queueOf(g)],
        stats,
      ),
    ),
    totals: figures(undefined, undefined, agents, groups.map(queueOf), stats),
  });
}

/**
 * A logged change → the update a subscriber of these groups sees (undefined when not for it). The
 * marker of a new generation (member "", see LiveState) is an update without agent, queue or group, for all.
 */
export function toUpdate(change: LiveChange, groupIds?: string[]): WallboardUpdate | undefined {
  const update = Object.assign(new WallboardUpdate(), { cursor: formatCursor(change.epoch, change.rev), stale: change.stale });
  if (change.member === '') return update;
  if (change.member.startsWith('agent:')) {
    const agent = toLiveAgent(change.member.slice(6), change.fields);
    if (!inGroups(groupIds, agent)) return undefined;
    update.agent = agent;
  } else if (change.member.startsWith('queue:')) {
    const queue = toQueueState(change.member.slice(6), change.fields);
    if (groupIds && groupIds.length && !groupIds.includes(queue.groupId)) return undefined;
    update.queue = queue;
  } else return undefined;
  return update;
}

/** Today's figures of one agent (AgentDayRaw: ms per activity) → AgentDay. */
export function toAgentDay(raw: AgentDayRaw): AgentDay {
  const s = (activity: string) => (raw.ms[activity] ?? 0) / 1000;
  const loggedIn = Object.entries(raw.ms).reduce((n, [activity, ms]) => (activity === AgentActivity.LOGGED_OUT ? n : n + ms), 0) / 1000;
  const talk = s(AgentActivity.TALKING);
  const afterCall = s(AgentActivity.AFTER_CALL);
  return Object.assign(new AgentDay(), {
    callsHandled: raw.calls,
    talkSeconds: talk,
    afterCallSeconds: afterCall,
    busySeconds: s(AgentActivity.BUSY),
    loggedInSeconds: loggedIn,
    occupancyPercent: loggedIn > 0 ? (100 * (talk + afterCall)) / loggedIn : undefined,
  });
}
