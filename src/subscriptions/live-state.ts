import type { Logger } from '../logger';
import type { LiveChange, LivePart, Store } from '../store/store';
import type { AgentEventData } from './agent-event';
import type { DeliveredEvent, EventBus } from './bus';

/** The live collection of agents and queues in the store. */
export const LIVE_COLLECTION = 'live:wallboard';
/** Changes kept for wallboardUpdates catch-up. */
export const LIVE_LOG_MAX = 20_000;

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
    // Undocumented payload: the gateway reads the group id, the waiting count and the first waiting call's enqueue time.
    const groupId = str(d.groupId ?? d.id);
    if (!groupId) return null;
    return {
      member: queueMember(groupId),
      parts: {
        queue: { version, fields: { groupId, waiting: str(d.waiting ?? d.queueCount ?? 0), longestWaitSince: str(d.longestWaitSince) } },
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

type ChangeListener = (change: LiveChange) => void;

/**
 * The single consumer of agent events in one instance: writes each event's parts to the store
 * (idempotent and ordered there, so every instance applying every event is harmless), then reads
 * the store's change log in revision order and hands each change to the local listeners (the
 * wallboard subscriptions). Every change reaches the listeners once, whichever instance wrote it.
 */
export class LiveState {
  private readonly listeners = new Set<ChangeListener>();
  private unsubscribe?: () => void;
  /** Last revision handed to the listeners. */
  private position = -1;
  private pulling?: Promise<void>;
  private again = false;
  private applying = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly events: EventBus,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.unsubscribe = this.events.subscribe((e) => this.onEvent(e));
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
    const update = agentEventParts({ ...data, eventTime, sequence: Number(data.sequence) || 0 });
    if (!update) return;
    // One write at a time per instance keeps the store load bounded under bursts.
    this.applying = this.applying
      .then(() => this.store.liveApply(LIVE_COLLECTION, update.member, update.parts, LIVE_LOG_MAX))
      .then(() => this.pull())
      .catch((err: Error) => this.logger.warn({ err: err.message, key: delivered.key }, 'live state: event not applied'));
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
          if (this.position < 0) this.position = (await this.store.liveSnapshot(LIVE_COLLECTION)).rev;
          for (;;) {
            const changes = await this.store.liveChanges(LIVE_COLLECTION, this.position, 1000);
            for (const c of changes) {
              this.position = c.rev;
              for (const l of this.listeners) l(c);
            }
            if (changes.length < 1000) break;
          }
        } while (this.again && !this.closed);
      } finally {
        this.pulling = undefined;
      }
    })();
    return this.pulling;
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
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
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

/** Starts the live state consumer with the gateway. */
export function liveStateFeature(services: { store: Store; events: EventBus; logger: Logger }) {
  const live = new LiveState(services.store, services.events, services.logger);
  instances.set(services, live);
  live.start();
  return { close: () => live.close() };
}
