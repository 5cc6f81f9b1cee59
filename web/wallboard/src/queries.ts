/**
 * Every GraphQL document the wallboard sends, and the one place that knows the schema's field
 * names: the rest of the page works on the types below.
 *
 * STATS_AVAILABLE switches on the fields issue #15 adds to the schema: `GroupFigures.name`,
 * `stats(window:)`, `trend`, `longestWaitingSince` (which replaces `longestWaitSince`),
 * `LiveAgent.agentName`, `today`, and `WallboardUpdate.group`. Until the gateway has them the
 * page asks for the basic fields only, works out the agent figures of each group from the agents
 * itself, shows "–" for the statistics and draws its trend from what it saw since it was opened.
 */
export const STATS_AVAILABLE = true;

/** The page's two documents, with or without the statistics fields (both are checked against the schema by test/wallboard-page.test.ts). */
export function documents(stats: boolean): { snapshot: string; updates: string } {
  const agent = [
    'id agentNumber activity since loggedInAt callDirection peerNumber platformBusyType groupIds',
    stats ? 'agentName today { callsHandled talkSeconds afterCallSeconds busySeconds loggedInSeconds occupancyPercent }' : '',
  ].join(' ');
  const statsFields =
    'offered answered abandoned answeredWithinThreshold serviceLevelPercent averageSpeedOfAnswerSeconds longestAnswerWaitSeconds averageHandleSeconds handled';
  const group = stats
    ? `groupId name loggedIn callsInProgress callsWaiting longestWaitingSince longestIdleSince agentsByActivity { activity count }
       today: stats(window: TODAY) { ${statsFields} } trend { startedAt offered answered abandoned callsWaiting }`
    : 'groupId loggedIn callsInProgress callsWaiting longestWaitSince longestIdleSince agentsByActivity { activity count }';
  return {
    snapshot: `query WallboardSnapshot($groupIds: [ID!]) {
  wallboard(groupIds: $groupIds) { cursor stale agents { ${agent} } groups { ${group} } ${stats ? `totals { ${group} }` : ''} }
}`,
    updates: `subscription WallboardUpdates($after: ID!, $groupIds: [ID!]) {
  wallboardUpdates(after: $after, groupIds: $groupIds) {
    cursor stale
    agent { ${agent} }
    queue { groupId callsWaiting longestWaitSince }
    ${stats ? `group { ${group} }` : ''}
  }
}`,
  };
}

export const { snapshot: SNAPSHOT_QUERY, updates: UPDATES_SUBSCRIPTION } = documents(STATS_AVAILABLE);

export type Activity = 'LOGGED_OUT' | 'LOGGED_IN' | 'IDLE' | 'BUSY' | 'DIALING' | 'RINGING' | 'TALKING' | 'AFTER_CALL' | 'OTHER';

/** Times are epoch milliseconds (undefined when the gateway has none). */
export interface Agent {
  agentNumber: string;
  name?: string;
  activity: Activity;
  since?: number;
  loggedInAt?: number;
  callDirection?: 'INBOUND' | 'OUTBOUND';
  peerNumber?: string;
  busyType?: string;
  groupIds: string[];
  today?: AgentDay;
}

export interface AgentDay {
  callsHandled: number;
  talkSeconds: number;
  afterCallSeconds: number;
  busySeconds: number;
  loggedInSeconds: number;
  occupancyPercent?: number;
}

export interface QueueStats {
  offered: number;
  answered: number;
  abandoned: number;
  answeredWithinThreshold: number;
  serviceLevelPercent?: number;
  averageSpeedOfAnswerSeconds?: number;
  longestAnswerWaitSeconds?: number;
  averageHandleSeconds?: number;
  handled: number;
}

export interface QueueMinute {
  startedAt: number;
  offered: number;
  answered: number;
  abandoned: number;
  callsWaiting: number;
}

/** The groupId the page gives the figures of all groups together (the gateway's groupId null). */
export const TOTALS_ID = '';

export interface Group {
  /** The skill group, or TOTALS_ID for all groups together. */
  groupId: string;
  name?: string;
  loggedIn: number;
  callsInProgress: number;
  callsWaiting: number;
  longestWaitingSince?: number;
  longestIdleSince?: number;
  agentsByActivity: Partial<Record<Activity, number>>;
  /** Today's figures (STATS_AVAILABLE only). */
  today?: QueueStats;
  /** The last 60 minutes, one entry a minute (STATS_AVAILABLE only). */
  trend?: QueueMinute[];
}

export interface Snapshot {
  cursor: string;
  stale: boolean;
  agents: Agent[];
  groups: Group[];
  /** All requested groups together (STATS_AVAILABLE only). */
  totals?: Group;
}

export interface QueueChange {
  groupId: string;
  callsWaiting: number;
  longestWaitingSince?: number;
}

export interface Update {
  cursor: string;
  stale: boolean;
  agent?: Agent;
  queue?: QueueChange;
  group?: Group;
}

type Raw = Record<string, any>;

const time = (v: unknown): number | undefined => {
  if (typeof v !== 'string' || v === '') return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
};
const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

function toAgent(a: Raw): Agent {
  return {
    agentNumber: String(a.agentNumber),
    name: opt(a.agentName) || undefined,
    activity: a.activity as Activity,
    since: time(a.since),
    loggedInAt: time(a.loggedInAt),
    callDirection: opt(a.callDirection),
    peerNumber: opt(a.peerNumber),
    busyType: opt(a.platformBusyType),
    groupIds: Array.isArray(a.groupIds) ? a.groupIds.map(String) : [],
    today: a.today ? { ...a.today, occupancyPercent: opt(a.today.occupancyPercent) } : undefined,
  };
}

function toGroup(g: Raw): Group {
  const counts: Partial<Record<Activity, number>> = {};
  for (const c of (g.agentsByActivity ?? []) as Raw[]) counts[c.activity as Activity] = c.count;
  const stats = g.today as Raw | null | undefined;
  return {
    groupId: g.groupId === null || g.groupId === undefined ? TOTALS_ID : String(g.groupId),
    name: opt(g.name) || undefined,
    loggedIn: g.loggedIn ?? 0,
    callsInProgress: g.callsInProgress ?? 0,
    callsWaiting: g.callsWaiting ?? 0,
    longestWaitingSince: time(g.longestWaitingSince ?? g.longestWaitSince),
    longestIdleSince: time(g.longestIdleSince),
    agentsByActivity: counts,
    today: stats
      ? {
          offered: stats.offered,
          answered: stats.answered,
          abandoned: stats.abandoned,
          answeredWithinThreshold: stats.answeredWithinThreshold,
          serviceLevelPercent: opt(stats.serviceLevelPercent),
          averageSpeedOfAnswerSeconds: opt(stats.averageSpeedOfAnswerSeconds),
          longestAnswerWaitSeconds: opt(stats.longestAnswerWaitSeconds),
          averageHandleSeconds: opt(stats.averageHandleSeconds),
          handled: stats.handled,
        }
      : undefined,
    trend: Array.isArray(g.trend)
      ? (g.trend as Raw[]).map((m) => ({
          startedAt: time(m.startedAt) ?? 0,
          offered: m.offered,
          answered: m.answered,
          abandoned: m.abandoned,
          callsWaiting: m.callsWaiting,
        }))
      : undefined,
  };
}

/** `data.wallboard` of SNAPSHOT_QUERY → Snapshot. */
export function parseSnapshot(data: Raw): Snapshot {
  const w = data.wallboard as Raw;
  return {
    cursor: String(w.cursor),
    stale: w.stale === true,
    agents: (w.agents as Raw[]).map(toAgent),
    groups: (w.groups as Raw[]).map(toGroup),
    totals: w.totals ? { ...toGroup(w.totals), groupId: TOTALS_ID } : undefined,
  };
}

/** `data.wallboardUpdates` of UPDATES_SUBSCRIPTION → Update. */
export function parseUpdate(data: Raw): Update {
  const u = data.wallboardUpdates as Raw;
  return {
    cursor: String(u.cursor),
    stale: u.stale === true,
    agent: u.agent ? toAgent(u.agent) : undefined,
    queue: u.queue
      ? { groupId: String(u.queue.groupId), callsWaiting: u.queue.callsWaiting ?? 0, longestWaitingSince: time(u.queue.longestWaitSince) }
      : undefined,
    group: u.group ? toGroup(u.group) : undefined,
  };
}
