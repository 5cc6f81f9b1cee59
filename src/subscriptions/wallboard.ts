import { fromEpochMs, toInt } from '../upstream/convert';
import { CallDirection } from '../schema/agentcontrol';
import { ActivityCount, GroupFigures, LiveAgent, QueueState, Wallboard, WallboardUpdate } from '../schema/wallboard';
import type { LiveChange, LiveSnapshot } from '../store/store';
import { formatCursor } from './bus';
import { AgentActivity, ON_CALL } from './live-state';

const ACTIVITIES = Object.values(AgentActivity);
const opt = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/** A stored agent member → LiveAgent. */
export function toLiveAgent(agentNumber: string, f: Record<string, string>): LiveAgent {
  const activity = ACTIVITIES.includes(f.activity as AgentActivity) ? (f.activity as AgentActivity) : AgentActivity.LOGGED_OUT;
  return Object.assign(new LiveAgent(), {
    id: agentNumber,
    agentNumber,
    agentId: opt(f.agentId),
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

export function toQueueState(f: Record<string, string>): QueueState {
  return Object.assign(new QueueState(), {
    groupId: f.groupId,
    callsWaiting: toInt(f.waiting) ?? 0,
    longestWaitSince: (toInt(f.waiting) ?? 0) > 0 ? fromEpochMs(f.longestWaitSince) : undefined,
  });
}

/** Whether an agent belongs on a wallboard of these groups (all agents when no group is given). */
export function inGroups(groupIds: string[] | undefined, agent: LiveAgent): boolean {
  return !groupIds || groupIds.length === 0 || agent.groupIds.some((g) => groupIds.includes(g));
}

function figures(groupId: string | undefined, agents: LiveAgent[], queues: QueueState[]): GroupFigures {
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
    agentsByActivity: ACTIVITIES.filter((s) => counts.has(s)).map((activity) =>
      Object.assign(new ActivityCount(), { activity, count: counts.get(activity)! }),
    ),
    loggedIn: [...counts.values()].reduce((a, b) => a + b, 0),
    longestIdleSince: longestIdle,
    callsWaiting: queues.reduce((n, q) => n + q.callsWaiting, 0),
    longestWaitSince: waits.length ? new Date(Math.min(...waits.map((d) => d.getTime()))) : undefined,
    callsInProgress: agents.filter((a) => ON_CALL.has(a.activity)).length,
  });
}

/** A store snapshot → the wallboard of the given groups (all groups seen when none is given). */
export function buildWallboard(snapshot: LiveSnapshot, groupIds?: string[]): Wallboard {
  const all: LiveAgent[] = [];
  const queues: QueueState[] = [];
  for (const [member, fields] of Object.entries(snapshot.members)) {
    if (member.startsWith('agent:')) all.push(toLiveAgent(member.slice(6), fields));
    else if (member.startsWith('queue:')) queues.push(toQueueState(fields));
  }
  const agents = all.filter((a) => inGroups(groupIds, a)).sort((a, b) => a.agentNumber.localeCompare(b.agentNumber));
  const groups =
    groupIds && groupIds.length
      ? [...new Set(groupIds)]
      : [...new Set([...agents.flatMap((a) => a.groupIds), ...queues.map((q) => q.groupId)])].sort();
  const shownQueues = queues.filter((q) => groups.includes(q.groupId));
  return Object.assign(new Wallboard(), {
    cursor: formatCursor(snapshot.epoch, snapshot.rev),
    stale: snapshot.stale,
    agents,
    groups: groups.map((g) =>
      figures(
        g,
        agents.filter((a) => a.groupIds.includes(g)),
        shownQueues.filter((q) => q.groupId === g),
      ),
    ),
    totals: figures(undefined, agents, shownQueues),
  });
}

/**
 * A logged change → the update a subscriber of these groups sees (undefined when not for it). The
 * marker of a new generation (member "", see LiveState) is an update without agent or queue, for all.
 */
export function toUpdate(change: LiveChange, groupIds?: string[]): WallboardUpdate | undefined {
  const update = Object.assign(new WallboardUpdate(), { cursor: formatCursor(change.epoch, change.rev), stale: change.stale });
  if (change.member === '') return update;
  if (change.member.startsWith('agent:')) {
    const agent = toLiveAgent(change.member.slice(6), change.fields);
    if (!inGroups(groupIds, agent)) return undefined;
    update.agent = agent;
  } else if (change.member.startsWith('queue:')) {
    const queue = toQueueState(change.fields);
    if (groupIds && groupIds.length && !groupIds.includes(queue.groupId)) return undefined;
    update.queue = queue;
  } else return undefined;
  return update;
}
