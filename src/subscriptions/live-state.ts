import type { Logger } from '../logger';
import type { LiveChange, LivePart, LiveChanges, Store } from '../store/store';
import type { AgentEventData } from './agent-event';
import type { DeliveredEvent, EventBus } from './bus';
import { afterCallInput, mainGroupOf, QueueStatistics, queueInfoInput } from './queue-stats';

/** The live collection of agents and queues in the store. */
export const LIVE_COLLECTION = 'live:wallboard';
/** Changes kept for wallboardUpdates catch-up. */
export const LIVE_LOG_MAX = 20_000;
/** How long the wallboard stays stale after a loss at most when EVENTS_LOSS_REPORT_S is not given (see LiveState). */
export const DEFAULT_REBUILD_MS = 600_000;

/** What an agent is doing, as the wallboard shows it. */
export enum AgentActivity {
  LOGGED_OUT = 'LOGGED_OUT',
  LOGGED_IN = 'LOGGED_IN',
  IDLE = 'IDLE',
  BUSY = 'BUSY',
  DIALING = 'DIALING',
  RINGING = 'RINGING',
  TALKING = 'TALKING',
  AFTER_CALL = 'AFTER_CALL',
  /** A platform state that is none of the above (only an event's nowState; never a live agent's activity). */
  OTHER = 'OTHER',
}

/** Activities of an agent that has a call (counted as calls in progress). */
export const ON_CALL: ReadonlySet<AgentActivity> = new Set([AgentActivity.DIALING, AgentActivity.RINGING, AgentActivity.TALKING]);

/** The platform's state names (its event names) that say what the agent does whatever the call's direction. */
const STATE_ACTIVITY: Record<string, AgentActivity> = {
  Login: AgentActivity.LOGGED_IN,
  Logout: AgentActivity.LOGGED_OUT,
  Kick: AgentActivity.LOGGED_OUT,
  SipError: AgentActivity.LOGGED_OUT,
  Idle: AgentActivity.IDLE,
  Busy: AgentActivity.BUSY,
  MakeCall: AgentActivity.DIALING,
  CalledRinging: AgentActivity.DIALING,
  CalledAnswer: AgentActivity.TALKING,
  Conversation: AgentActivity.TALKING,
  After: AgentActivity.AFTER_CALL,
};

/**
 * A platform state name (nowState; the platform names its states after its events) → the activity
 * it means, or undefined for a state the gateway does not map. The agent's own leg means dialling on
 * an outbound call (its phone rings first), ringing / talking on an inbound one.
 */
export function activityOf(state: string | null | undefined, outbound: boolean): AgentActivity | undefined {
  if (!state) return undefined;
  if (Object.hasOwn(STATE_ACTIVITY, state)) return STATE_ACTIVITY[state];
  if (state === 'AgentOriginate' || state === 'AgentRinging') return outbound ? AgentActivity.DIALING : AgentActivity.RINGING;
  if (state === 'AgentAnswer') return outbound ? AgentActivity.DIALING : AgentActivity.TALKING;
  return undefined;
}

/**
 * Rank of an event inside one request's flow: events of one request can share a millisecond, and
 * this keeps their order (Ringing before Answer before Conversation before After) in the version.
 */
const FLOW_RANK: Record<string, number> = {
  Login: 1,
  Reconnect: 2,
  Busy: 3,
  MakeCall: 4,
  AgentOriginate: 5,
  AgentRinging: 6,
  AgentAnswer: 7,
  CalledRinging: 8,
  CalledAnswer: 9,
  Conversation: 10,
  MakeCallFail: 11,
  CancelCall: 12,
  ForceBreak: 12,
  After: 13,
  Idle: 14,
  Kick: 15,
  SipError: 15,
  Logout: 16,
};

const pad = (n: number, width: number) => String(Math.max(0, Math.trunc(n))).padStart(width, '0');

/** Total order of events: time, then request sequence, then place in the flow (fixed width, so string order is numeric order). */
export function eventVersion(e: Pick<AgentEventData, 'eventTime' | 'sequence' | 'event'>): string {
  return `${pad(e.eventTime.getTime(), 15)}.${pad(e.sequence, 20)}.${pad(FLOW_RANK[e.event] ?? 0, 3)}`;
}

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** The member of the live collection an agent lives in. */
export const agentMember = (agentNumber: string) => `agent:${agentNumber}`;
/** The member of the live collection a skill group's queue lives in. */
export const queueMember = (groupId: string) => `queue:${groupId}`;

/**
 * One agent event → the parts of the live state it sets: `state` (activity and since when),
 * `session` (login time, groups), `call` (direction, peer, call id), `busy` (busy type). Each part
 * keeps the newest event that set it, so any arrival order of the same events ends in the same state.
 */
export function agentEventParts(e: AgentEventData): { member: string; parts: Record<string, LivePart> } | null {
  const version = eventVersion(e);
  const at = String(e.eventTime.getTime());
  const d = e.data ?? {};
  if (e.event === 'QueueInfo') {
    // original-zh.txt 4506–4533: groupID, groupWaitNumber, isInQueue, handleAgentID, data[] (caller, called, groupID, inQueueTime).
    const q = queueInfoInput(e);
    if (!q) return null;
    const oldest = q.calls.length ? Math.min(...q.calls.map((c) => c.inQueueTime)) : undefined;
    return {
      member: queueMember(q.groupId),
      parts: {
        queue: {
          version,
          fields: { groupId: q.groupId, waiting: String(q.waiting), oldestAt: oldest === undefined ? '' : String(oldest) },
        },
      },
    };
  }
  const parts: Record<string, LivePart> = {};
  const state = (activity: AgentActivity) =>
    (parts.state = { version, fields: { activity, since: at, nowState: str(e.nowState), agentId: str(e.agentId) } });
  const clearCall = () => (parts.call = { version, fields: { callDirection: '', peer: '', callId: '' } });
  const setCall = () => {
    const direction = str(d.callDirection);
    parts.call = {
      version,
      fields: {
        callDirection: direction,
        peer: direction === '0' ? str(d.caller) : str(d.called),
        callId: str(d.occCallId),
      },
    };
  };
  const outbound = str(d.callDirection) === '1';
  switch (e.event) {
    case 'Login':
    case 'Reconnect': {
      if (e.event === 'Login') state(AgentActivity.LOGGED_IN);
      const groups = Array.isArray(d.groupIdList) ? d.groupIdList.map(String) : [];
      const fields: Record<string, string> = { groups: groups.join(',') };
      if (e.event === 'Login') fields.loginTime = at;
      parts.session = { version, fields };
      if (str(d.currentBusyType) !== '') parts.busy = { version, fields: { busyType: str(d.currentBusyType) } };
      break;
    }
    case 'Logout':
    case 'Kick':
    case 'SipError':
      state(AgentActivity.LOGGED_OUT);
      parts.session = { version, fields: { loginTime: '' } };
      parts.busy = { version, fields: { busyType: '' } };
      clearCall();
      break;
    case 'Idle':
      state(AgentActivity.IDLE);
      parts.busy = { version, fields: { busyType: '' } };
      break;
    case 'Busy':
      state(AgentActivity.BUSY);
      parts.busy = { version, fields: { busyType: str(d.currentBusyType) } };
      break;
    case 'MakeCall':
      state(AgentActivity.DIALING);
      break;
    case 'AgentOriginate':
    case 'AgentRinging':
      state(outbound ? AgentActivity.DIALING : AgentActivity.RINGING);
      setCall();
      break;
    case 'AgentAnswer':
    case 'CalledRinging':
      state(outbound ? AgentActivity.DIALING : AgentActivity.TALKING);
      setCall();
      break;
    case 'CalledAnswer':
    case 'Conversation':
      state(AgentActivity.TALKING);
      setCall();
      break;
    case 'After':
      state(AgentActivity.AFTER_CALL);
      clearCall();
      break;
    case 'MakeCallFail': {
      // The failed call leaves the agent where it was: its nowState says where.
      const back = activityOf(str(e.nowState), true);
      if (back && back !== AgentActivity.DIALING) state(back);
      clearCall();
      break;
    }
    default:
      return null; // consult, transfer, listen, mute…: no change of the wallboard state
  }
  return { member: agentMember(e.agentNumber), parts };
}

/** One member of the live collection and the parts an event sets in it. */
export interface LiveUpdate {
  member: string;
  parts: Record<string, LivePart>;
}

/** The lowest version there is: a part written with it only fills in a part never written (see surveillanceUpdates). */
const FILL_IN_VERSION = eventVersion({ eventTime: new Date(0), sequence: 0, event: '' });

/** A Surveillance entry's time field: 13-digit epoch ms (HTTP), or how long the state lasted in ms (the SDK's operatingTime). */
function stateSince(value: unknown, eventTime: Date): Date | undefined {
  const n = Number(value);
  if (value === undefined || value === null || value === '' || !Number.isFinite(n) || n < 0) return undefined;
  return new Date(n >= 1e12 ? n : eventTime.getTime() - n);
}

/**
 * A `Surveillance` answer (a supervisor's snapshot of agents and their states, from the
 * surveillance toolbar request or the SDK's surveillanceStart polling) → the parts it sets per
 * listed agent. Its parts carry the version of the agent's own state change (operatingTime) when it
 * gives one, otherwise the lowest version: then they only fill in an agent the live state has no
 * part of yet (after a loss of the store, or an agent logged in before the gateway ran) and never
 * override what the agent's own events said. An agent in a state the gateway does not map is left out.
 */
export function surveillanceUpdates(e: AgentEventData): LiveUpdate[] {
  const d = e.data ?? {};
  const list: unknown[] = Array.isArray(d.agentList) ? d.agentList : Array.isArray(d.infoList) ? d.infoList : [];
  const updates: LiveUpdate[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const a = item as Record<string, unknown>;
    const agentNumber = str(a.agentNumber);
    const direction = str(a.callDirection);
    const activity = activityOf(str(a.nowState), direction === '1');
    if (!agentNumber || !activity || activity === AgentActivity.OTHER) continue;
    const since = stateSince(a.operatingTime, e.eventTime);
    const version = since ? eventVersion({ eventTime: since, sequence: 0, event: '' }) : FILL_IN_VERSION;
    const state: Record<string, string> = { activity, nowState: str(a.nowState), agentId: str(a.agentId ?? a.agentID) };
    if (since) state.since = String(since.getTime());
    const parts: Record<string, LivePart> = { state: { version, fields: state } };
    const name = str(a.agentName);
    if (name) parts.name = { version: eventVersion(e), fields: { agentName: name } };
    const session: Record<string, string> = {};
    if (Array.isArray(a.groupList)) {
      session.groups = a.groupList
        .map((g) => str((g as { id?: unknown } | null)?.id))
        .filter(Boolean)
        .join(',');
    }
    const login = stateSince(a.loginTime, e.eventTime);
    if (login && Number(a.loginTime) >= 1e12) session.loginTime = String(login.getTime());
    if (Object.keys(session).length > 0) parts.session = { version, fields: session };
    parts.call = ON_CALL.has(activity)
      ? { version, fields: { callDirection: direction, peer: str(a.peerId) } }
      : { version, fields: { callDirection: '', peer: '', callId: '' } };
    updates.push({ member: agentMember(agentNumber), parts });
  }
  return updates;
}

/** The objects of a list field of an event's data. */
const listOf = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object') : [];

/**
 * Names an event carries: agents' (IdleAgent agentList[].agentName, original-zh.txt 3624–3634) and
 * skill groups' (Login / Reconnect groupInfoList[{id, name}], 3064–3086; GroupInfo groupList[{id,
 * name}], 3590–3600). The newest event naming a member wins.
 */
export function nameUpdates(e: AgentEventData): LiveUpdate[] {
  const d = e.data ?? {};
  const version = eventVersion(e);
  const out: LiveUpdate[] = [];
  const groups =
    e.event === 'Login' || e.event === 'Reconnect' ? listOf(d.groupInfoList) : e.event === 'GroupInfo' ? listOf(d.groupList) : [];
  for (const g of groups) {
    const id = str(g.id);
    const name = str(g.name);
    if (id && name) out.push({ member: queueMember(id), parts: { group: { version, fields: { name } } } });
  }
  if (e.event === 'IdleAgent') {
    for (const a of listOf(d.agentList)) {
      const agentNumber = str(a.agentNumber);
      const name = str(a.agentName);
      if (agentNumber && name) out.push({ member: agentMember(agentNumber), parts: { name: { version, fields: { agentName: name } } } });
    }
  }
  return out;
}

/** One agent event → the live-collection updates it makes (none, one, or one per agent of a Surveillance answer). */
export function agentEventUpdates(e: AgentEventData): LiveUpdate[] {
  if (e.event === 'Surveillance') return surveillanceUpdates(e);
  const update = agentEventParts(e);
  return [...(update ? [update] : []), ...nameUpdates(e)];
}

/** The parts that only name a member (see LiveState: written only when the name changes). */
const NAME_PARTS: Record<string, string> = { name: 'agentName', group: 'name' };

/** What an event gives the queue statistics: a QueueInfo's calls, an agent's change of activity. */
export function recordStatistics(stats: QueueStatistics, e: AgentEventData): void {
  if (e.event === 'QueueInfo') {
    const q = queueInfoInput(e);
    if (q) stats.enqueue(`QueueInfo ${q.groupId}`, () => stats.applyQueueInfo(q));
    return;
  }
  if (e.event === 'Surveillance') return;
  const state = agentEventParts(e)?.parts.state;
  if (!state) return;
  const activity = state.fields.activity;
  const input = {
    agentNumber: e.agentNumber,
    version: state.version,
    at: e.eventTime.getTime(),
    activity,
    after: e.event === 'After' ? afterCallInput(e) : undefined,
    mainGroup: e.event === 'Login' ? mainGroupOf(e) : undefined,
  };
  stats.enqueue(`${e.event} ${e.agentNumber}`, () => stats.applyAgentState(input));
}

type ChangeListener = (change: LiveChange) => void;

/**
 * The single consumer of agent events in one instance: writes each event's parts to the store
 * (idempotent and ordered there, so every instance applying every event is harmless), then reads
 * the store's change log in revision order and hands each change to the local listeners (the
 * wallboard subscriptions). Every change reaches the listeners once, whichever instance wrote it.
 *
 * The collection has generations like the event log. When its generation changes under it (the
 * store lost its data: seen in the change log's head, checked after every write and whenever the
 * event log reports a loss), this instance marks the new generation stale until every agent it last
 * saw logged in has been written again (by an event of its own, or a Surveillance answer), or
 * `rebuildMs` passed — whichever comes first (Store.liveRebuild; instances add the agents they knew,
 * agents already written meanwhile are not waited for) — and reads the new generation from its start.
 * Listeners get a marker change (member "", revision 0 of the new generation) first.
 */
export class LiveState {
  private readonly listeners = new Set<ChangeListener>();
  private unsubscribe?: () => void;
  private unlistenLoss?: () => void;
  /** Generation of the collection the position is in (undefined until first read; null: none yet). */
  private epoch: string | null | undefined;
  /** Last revision handed to the listeners. */
  private position = 0;
  /** What this instance last saw of each agent (member → activity): who to wait for after a loss. */
  private readonly known = new Map<string, string>();
  /** The names last seen per member (agentName, a group's name): a name part is written only when it changes. */
  private readonly names = new Map<string, string>();
  /**
   * Per member, the newest version of each part this instance wrote or read (of the current generation): a part
   * not newer is a no-op in the store, so it is not sent — the copies of one QueueInfo (one per logged-in agent
   * of the group, the same eventTime) cost one write and one change, not one per agent.
   */
  private readonly versions = new Map<string, Map<string, string>>();
  private pulling?: Promise<void>;
  private again = false;
  private applying = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly rebuildMs = DEFAULT_REBUILD_MS,
    /** The queue statistics fed from the same events (none: not counted). */
    readonly stats?: QueueStatistics,
  ) {}

  start(): void {
    this.unsubscribe = this.events.subscribe((e) => this.onEvent(e));
    // What was kept beside the event log is likely lost with it: look at once, not at the next event.
    this.unlistenLoss = this.events.onLoss(() =>
      this.pull().catch((err: Error) => this.logger.warn({ err: err.message }, 'live state: cannot read the store after a loss')),
    );
  }

  private onEvent(delivered: DeliveredEvent): void {
    if (delivered.kind !== 'agentEvent') return;
    const data = delivered.data as unknown as AgentEventData;
    // A bus that carried the event as JSON may hand over the time as epoch ms or ISO text.
    const eventTime = data.eventTime instanceof Date ? data.eventTime : new Date(data.eventTime as unknown as string | number);
    if (Number.isNaN(eventTime.getTime()) || !data.agentNumber) {
      this.logger.warn({ key: delivered.key }, 'live state: agent event without a usable time or agent');
      return;
    }
    const event = { ...data, eventTime, sequence: Number(data.sequence) || 0 };
    if (this.stats) recordStatistics(this.stats, event);
    const updates = agentEventUpdates(event).filter((u) => this.withoutKnownNames(u) && this.withoutKnownVersions(u));
    if (updates.length === 0) return;
    for (const u of updates) for (const [part, p] of Object.entries(u.parts)) this.knowVersion(u.member, `_v:${part}`, p.version);
    // One write at a time per instance keeps the store load bounded under bursts.
    this.applying = this.applying
      .then(async () => {
        for (const u of updates) await this.store.liveApply(LIVE_COLLECTION, u.member, u.parts, LIVE_LOG_MAX);
      })
      .then(() => this.pull())
      .catch((err: Error) => {
        for (const u of updates) this.versions.delete(u.member); // not known to be written: let the next copy try
        this.logger.warn({ err: err.message, key: delivered.key }, 'live state: event not applied');
      });
  }

  /** Reads changes after the last one handed out (coalescing concurrent calls) and hands them to the listeners. */
  pull(): Promise<void> {
    if (this.pulling) {
      this.again = true;
      return this.pulling;
    }
    this.pulling = (async () => {
      try {
        do {
          this.again = false;
          if (this.epoch === undefined) {
            const snapshot = await this.store.liveSnapshot(LIVE_COLLECTION);
            this.epoch = snapshot.epoch;
            this.position = snapshot.rev;
            for (const [member, fields] of Object.entries(snapshot.members)) this.remember(member, fields);
          }
          for (;;) {
            const page = await this.store.liveChanges(LIVE_COLLECTION, this.position, 1000);
            if (page.epoch !== this.epoch || page.rev < this.position) {
              await this.nextGeneration(page);
              continue;
            }
            for (const c of page.changes) {
              this.position = c.rev;
              if (c.epoch !== this.epoch && c.epoch !== null) continue; // logged in a generation before (a counter that outlived it)
              this.remember(c.member, c.fields);
              for (const l of this.listeners) l(c);
            }
            if (page.changes.length < 1000) break;
          }
        } while (this.again && !this.closed);
      } finally {
        this.pulling = undefined;
      }
    })();
    return this.pulling;
  }

  private remember(member: string, fields: Record<string, string>): void {
    for (const [field, value] of Object.entries(fields)) if (field.startsWith('_v:')) this.knowVersion(member, field, value);
    if (member.startsWith('agent:')) this.known.set(member, fields.activity ?? '');
    const name = member.startsWith('agent:') ? fields.agentName : fields.name;
    if (name) this.names.set(member, name);
  }

  /** Drops the name parts of an update that say what the member is known as already; false when nothing is left. */
  private withoutKnownNames(u: LiveUpdate): boolean {
    for (const [part, field] of Object.entries(NAME_PARTS)) {
      if (u.parts[part] && this.names.get(u.member) === u.parts[part].fields[field]) delete u.parts[part];
    }
    return Object.keys(u.parts).length > 0;
  }

  private knowVersion(member: string, field: string, version: string): void {
    let parts = this.versions.get(member);
    if (!parts) this.versions.set(member, (parts = new Map()));
    const known = parts.get(field);
    if (known === undefined || known < version) parts.set(field, version);
  }

  /** Drops the parts of an update not newer than the store has them already; false when nothing is left. */
  private withoutKnownVersions(u: LiveUpdate): boolean {
    const parts = this.versions.get(u.member);
    if (!parts) return true;
    for (const [part, p] of Object.entries(u.parts)) {
      const known = parts.get(`_v:${part}`);
      if (known !== undefined && p.version <= known) delete u.parts[part];
    }
    return Object.keys(u.parts).length > 0;
  }

  /** The collection is in another generation than the one read (or went back in it): follow it. */
  private async nextGeneration(page: LiveChanges): Promise<void> {
    if (this.epoch === null && page.epoch !== null && page.rev >= this.position) {
      this.epoch = page.epoch; // its first generation (a new collection, or one from before generations): nothing lost
      return;
    }
    const waitFor = [...this.known]
      .filter(([m, activity]) => activity !== AgentActivity.LOGGED_OUT && m.startsWith('agent:'))
      .map(([m]) => m);
    const renew = page.epoch !== null && page.epoch === this.epoch ? page.epoch : undefined;
    const head = await this.store.liveRebuild(LIVE_COLLECTION, waitFor, this.rebuildMs, renew);
    this.logger.warn(
      { from: this.epoch, to: head.epoch, waitingFor: waitFor.length, stale: head.stale },
      'live state lost (the store lost its data): rebuilding from the events that follow',
    );
    this.epoch = head.epoch;
    this.position = 0;
    this.versions.clear(); // the new generation has none of them
    const marker: LiveChange = { rev: 0, member: '', fields: {}, epoch: head.epoch, stale: head.stale };
    for (const l of this.listeners) l(marker);
  }

  /** Listens to every change from now on (in revision order). */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when the events in the log so far are received, applied and handed out. */
  async settled(): Promise<void> {
    await this.events.caughtUp();
    await this.applying;
    await this.pull();
    await this.stats?.settled();
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.unlistenLoss?.();
    this.listeners.clear();
  }
}

const instances = new WeakMap<object, LiveState>();

/** The live state consumer of a gateway instance (started by the liveStateFeature). */
export function liveStateOf(services: object): LiveState {
  const live = instances.get(services);
  if (!live) throw new Error('live state is not running in this instance');
  return live;
}

/** The queue statistics of a gateway instance (started with its live state); undefined when not running. */
export function queueStatsOf(services: object): QueueStatistics | undefined {
  return instances.get(services)?.stats;
}

/** Starts the live state consumer and the queue statistics with the gateway. */
export function liveStateFeature(services: {
  store: Store;
  events: EventBus;
  logger: Logger;
  config: { eventsLossReportMs: number; serviceLevelSeconds: number };
}) {
  const stats = new QueueStatistics(services.store, { serviceLevelSeconds: services.config.serviceLevelSeconds, logger: services.logger });
  const live = new LiveState(services.store, services.events, services.logger, services.config.eventsLossReportMs, stats);
  instances.set(services, live);
  live.start();
  return { close: () => live.close() };
}
