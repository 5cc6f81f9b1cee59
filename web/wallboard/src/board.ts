import { TOTALS_ID, type Activity, type Agent, type Group, type QueueChange, type Snapshot, type Update } from './queries';

/** Activities with a call (the gateway's ON_CALL: callsInProgress counts them). */
export const ON_CALL: ReadonlySet<Activity> = new Set<Activity>(['DIALING', 'RINGING', 'TALKING']);

/** The order agents are shown in: what needs attention first. */
export const ACTIVITY_ORDER: readonly Activity[] = ['RINGING', 'TALKING', 'DIALING', 'AFTER_CALL', 'BUSY', 'IDLE', 'LOGGED_IN', 'OTHER'];

/** One point of the trend the page keeps itself when the gateway sends none. */
export interface Sample {
  at: number;
  callsWaiting: number;
  callsInProgress: number;
}

const TREND_MS = 60 * 60_000;
/** An unchanged figure is still recorded this often. */
const SAMPLE_KEEP_MS = 15_000;

/**
 * What the page shows: a snapshot with the updates after its cursor applied. Agent figures of a
 * group (logged in, by activity, longest idle, calls in progress) are worked out here from the
 * agents, with the gateway's rules, so an agent update moves them at once; queue figures come from
 * queue updates, and everything a group update carries (STATS_AVAILABLE) replaces what was there.
 */
export class Board {
  cursor = '';
  stale = false;
  loaded = false;
  /** Snapshots loaded so far (the first, then one after each CURSOR_EXPIRED or rebuilt live state). */
  snapshots = 0;
  /** When the last snapshot or update was applied (browser clock). */
  updatedAt = 0;
  readonly agents = new Map<string, Agent>();
  readonly groups = new Map<string, Group>();
  /** All groups together (the gateway's totals), when it sends them. */
  totals?: Group;
  /** Per group, the trend sampled by the page (oldest first, at most the last 60 minutes). */
  readonly samples = new Map<string, Sample[]>();

  /** The groups asked for (all the gateway knows when none). */
  constructor(readonly groupIds?: string[]) {}

  load(snapshot: Snapshot, now = Date.now()): void {
    this.cursor = snapshot.cursor;
    this.stale = snapshot.stale;
    this.agents.clear();
    for (const a of snapshot.agents) this.agents.set(a.agentNumber, a);
    this.groups.clear();
    for (const g of snapshot.groups) this.groups.set(g.groupId, g);
    this.totals = snapshot.totals;
    this.loaded = true;
    this.snapshots++;
    this.updatedAt = now;
    this.sample(now);
  }

  /**
   * Applies one update. Answers false for the marker of a new generation of the live state (an
   * update with nothing in it: the gateway's store lost its data and rebuilds it), after which
   * the board must be loaded from a new snapshot.
   */
  apply(update: Update, now = Date.now()): boolean {
    this.cursor = update.cursor;
    this.stale = update.stale;
    this.updatedAt = now;
    if (!update.agent && !update.queue && !update.group) return false;
    if (update.group?.groupId === TOTALS_ID) this.totals = { ...this.totals, ...update.group };
    else if (update.group) this.groups.set(update.group.groupId, { ...this.groups.get(update.group.groupId), ...update.group });
    if (update.queue) this.applyQueue(update.queue);
    if (update.agent) this.applyAgent(update.agent);
    return true;
  }

  private wanted(groupId: string): boolean {
    return !this.groupIds || this.groupIds.length === 0 || this.groupIds.includes(groupId);
  }

  private group(groupId: string): Group {
    let g = this.groups.get(groupId);
    if (!g) {
      g = { groupId, loggedIn: 0, callsInProgress: 0, callsWaiting: 0, agentsByActivity: {} };
      this.groups.set(groupId, g);
    }
    return g;
  }

  private applyQueue(q: QueueChange): void {
    if (!this.wanted(q.groupId)) return;
    const g = this.group(q.groupId);
    g.callsWaiting = q.callsWaiting;
    g.longestWaitingSince = q.callsWaiting > 0 ? q.longestWaitingSince : undefined;
    // The totals' group update comes at most once a second; their queue follows the groups' at once.
    if (this.totals) {
      let waiting = 0;
      let longest: number | undefined;
      for (const x of this.groups.values()) {
        waiting += x.callsWaiting;
        if (x.longestWaitingSince !== undefined && (longest === undefined || x.longestWaitingSince < longest))
          longest = x.longestWaitingSince;
      }
      this.totals.callsWaiting = waiting;
      this.totals.longestWaitingSince = longest;
    }
  }

  private applyAgent(agent: Agent): void {
    const before = this.agents.get(agent.agentNumber);
    this.agents.set(agent.agentNumber, agent);
    const touched = new Set([...(before?.groupIds ?? []), ...agent.groupIds]);
    for (const id of touched) if (this.groups.has(id) || this.wanted(id)) this.refigure(this.group(id), (a) => a.groupIds.includes(id));
    if (this.totals) this.refigure(this.totals, () => true);
  }

  /** The agent figures of a group (or of the totals) from its agents, as the gateway computes them. */
  private refigure(g: Group, member: (a: Agent) => boolean): void {
    const counts: Partial<Record<Activity, number>> = {};
    let loggedIn = 0;
    let onCalls = 0;
    let longestIdle: number | undefined;
    for (const a of this.agents.values()) {
      if (!member(a) || a.activity === 'LOGGED_OUT') continue;
      counts[a.activity] = (counts[a.activity] ?? 0) + 1;
      loggedIn++;
      if (ON_CALL.has(a.activity)) onCalls++;
      if (a.activity === 'IDLE' && a.since !== undefined && (longestIdle === undefined || a.since < longestIdle)) longestIdle = a.since;
    }
    g.agentsByActivity = counts;
    g.loggedIn = loggedIn;
    g.callsInProgress = onCalls;
    g.longestIdleSince = longestIdle;
  }

  /** Groups in id order (numeric ids by number). */
  groupList(): Group[] {
    return [...this.groups.values()].sort((a, b) => a.groupId.localeCompare(b.groupId, undefined, { numeric: true }));
  }

  /** Logged-in agents, by ACTIVITY_ORDER, then longest in their state first, then by number. */
  agentList(): Agent[] {
    const rank = (a: Agent) => {
      const i = ACTIVITY_ORDER.indexOf(a.activity);
      return i < 0 ? ACTIVITY_ORDER.length : i;
    };
    return [...this.agents.values()]
      .filter((a) => a.activity !== 'LOGGED_OUT')
      .sort(
        (a, b) =>
          rank(a) - rank(b) ||
          (a.since ?? Infinity) - (b.since ?? Infinity) ||
          a.agentNumber.localeCompare(b.agentNumber, undefined, { numeric: true }),
      );
  }

  /** Agents per activity over all shown agents (logged-out ones excluded). */
  activityCounts(): Map<Activity, number> {
    const counts = new Map<Activity, number>();
    for (const a of this.agents.values()) if (a.activity !== 'LOGGED_OUT') counts.set(a.activity, (counts.get(a.activity) ?? 0) + 1);
    return counts;
  }

  /**
   * Records the groups' queue and call figures for the page's own trend (called every second): a
   * point when they changed, or SAMPLE_KEEP_MS after the last one; what is older than 60 minutes goes.
   */
  sample(now = Date.now()): void {
    for (const g of this.totals ? [this.totals, ...this.groups.values()] : this.groups.values()) {
      let list = this.samples.get(g.groupId);
      if (!list) this.samples.set(g.groupId, (list = []));
      const last = list.at(-1);
      if (last && last.callsWaiting === g.callsWaiting && last.callsInProgress === g.callsInProgress && now - last.at < SAMPLE_KEEP_MS)
        continue;
      list.push({ at: now, callsWaiting: g.callsWaiting, callsInProgress: g.callsInProgress });
      while (list.length && list[0].at < now - TREND_MS) list.shift();
    }
  }
}
