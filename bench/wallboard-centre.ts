import { randomUUID } from 'node:crypto';
import { addAgent, seededGroup, type AgentPlatform, type PushStep, type SimAgent } from '../sandbox/agent-sim';
import { hangupSteps, inboundSteps, loginData } from '../sandbox/agent-steps';
import { queueInfoData, type QueuedCall } from '../sandbox/queue';

/**
 * The simulated contact centre of bench:wallboard: skill groups "1".."n" with their agents, and the
 * events the platform pushes for them, built with the sandbox's own builders (loginData, inboundSteps,
 * hangupSteps, queueInfoData) so they are shaped exactly as sandbox/queue.ts and sandbox/agent-steps.ts
 * shape them, without running a sandbox. Each event is the toolbar envelope of sandbox/agent-sim.ts
 * pushEvents; a QueueInfo goes to every logged-in agent of the group (one copy per agent envelope), as
 * the sandbox pushes it by default.
 */

/** One pushed event: the callback body. */
export type PushedEvent = Record<string, unknown>;

/** What a queue change leaves the group with, as a wallboard subscriber sees it (QueueState / GroupFigures). */
export interface QueueChange {
  groupId: string;
  /** `<calls waiting>|<epoch ms of the oldest inQueueTime, or ''>` */
  key: string;
  /** The QueueInfo copies, one per logged-in agent of the group. */
  copies: PushedEvent[];
}

/** The queue key of a subscriber's QueueState (or GroupFigures): the same as QueueChange.key. */
export const queueKey = (callsWaiting: number, oldest: string | number | null | undefined): string =>
  `${callsWaiting}|${oldest === null || oldest === undefined || oldest === '' ? '' : typeof oldest === 'number' ? oldest : Date.parse(oldest)}`;

/** An agent's day, as the events it pushes, cycling (the calls are inbound, not out of a queue). */
const CYCLE = ['Idle', 'AgentRinging', 'AgentAnswer', 'Conversation', 'After', 'Idle', 'Busy'] as const;

type QueueModel = Parameters<typeof queueInfoData>[0];

export class ContactCentre {
  readonly platform: AgentPlatform = {
    groups: new Map(),
    agents: new Map(),
    stepMs: 0,
    lastTime: new Map(),
    silenced: new Set(),
    timers: new Set(),
  };
  private readonly queues: QueueModel = { queues: new Map(), assignedIds: new Map(), reserved: new Set(), queueInfoTo: 'group' };
  private readonly members = new Map<string, SimAgent[]>();
  private readonly position = new Map<string, number>();
  private readonly flows = new Map<string, PushStep[]>();
  private callers = 0;

  constructor(
    agents: number,
    groups: number,
    private readonly companyId: string,
  ) {
    for (let g = 1; g <= groups; g++) {
      const sn = String(g);
      this.platform.groups.set(sn, seededGroup(sn, `Group ${g}`));
      this.members.set(sn, []);
    }
    for (let i = 0; i < agents; i++) {
      const groupSn = String(1 + (i % groups));
      const agent = addAgent(this.platform, String(7000 + i), groupSn);
      this.members.get(groupSn)!.push(agent);
    }
  }

  get agents(): SimAgent[] {
    return [...this.platform.agents.values()];
  }

  get groupIds(): string[] {
    return [...this.platform.groups.keys()];
  }

  /** The toolbar envelope of one pushed step (sandbox/agent-sim.ts pushEvents), the agent's state moved on. */
  private push(agent: SimAgent, step: PushStep): PushedEvent {
    const time = Math.max(Date.now(), (this.platform.lastTime.get(agent.agentNumber) ?? 0) + 1);
    if (step.state) agent.state = step.state;
    step.apply?.(agent);
    this.platform.lastTime.set(agent.agentNumber, time);
    return {
      type: 'event',
      event: step.event,
      nowState: agent.state,
      eventTime: time,
      sequence: 0,
      companyId: this.companyId,
      agentNumber: agent.agentNumber,
      agentId: agent.sn,
      ivrParam: '',
      ...(step.extra ?? {}),
      ...(step.data === undefined ? {} : { data: step.data }),
    };
  }

  /** The Login of an agent, with its group in groupIdList and groupInfoList. */
  login(agent: SimAgent): PushedEvent {
    agent.loggedIn = true;
    return this.push(agent, { event: 'Login', state: 'Login', data: loginData(this.platform, agent, '1') });
  }

  /** The agent's next state change of its cycle; its eventTime is the time it is sent. */
  nextChange(agent: SimAgent): PushedEvent {
    const k = this.position.get(agent.agentNumber) ?? 0;
    this.position.set(agent.agentNumber, k + 1);
    const event = CYCLE[k % CYCLE.length];
    switch (event) {
      case 'Idle':
        return this.push(agent, { event, state: event, data: { loginType: '1' } });
      case 'Busy':
        return this.push(agent, { event, state: event, data: { currentBusyType: '1' } });
      case 'AgentRinging': {
        const flow = inboundSteps(agent, `139${String(++this.callers).padStart(8, '0')}`);
        this.flows.set(agent.agentNumber, flow);
        return this.push(agent, flow[0]);
      }
      case 'AgentAnswer':
        return this.push(agent, this.flows.get(agent.agentNumber)![1]);
      case 'Conversation':
        return this.push(agent, this.flows.get(agent.agentNumber)![2]);
      case 'After':
        return this.push(agent, hangupSteps(this.platform, agent)[0]);
    }
  }

  /** The QueueInfo after a change of a group's queue, to every logged-in agent of the group. */
  private announce(groupSn: string, isInQueue: 0 | 1, handleAgentID: string): QueueChange {
    const groupID = Number(groupSn);
    const data = queueInfoData(this.queues, groupSn, groupID, isInQueue, handleAgentID);
    const oldest = data.data.length ? Math.min(...data.data.map((c) => c.inQueueTime)) : '';
    const recipients = this.members.get(groupSn)!.filter((a) => a.loggedIn);
    return {
      groupId: groupSn,
      key: queueKey(data.groupWaitNumber, oldest),
      copies: recipients.map((a) => this.push(a, { event: 'QueueInfo', data })),
    };
  }

  /** A call joins a group's queue now (QueueInfo isInQueue 1, the new call in data[]). */
  join(groupSn: string): { call: QueuedCall; change: QueueChange } {
    const call: QueuedCall = {
      caller: `138${String(++this.callers).padStart(8, '0')}`,
      called: '4008001000',
      groupID: Number(groupSn),
      inQueueTime: Date.now(),
      occCallId: randomUUID(),
      groupSn,
    };
    let q = this.queues.queues.get(groupSn);
    if (!q) this.queues.queues.set(groupSn, (q = []));
    q.push(call);
    return { call, change: this.announce(groupSn, 1, '') };
  }

  /** A waiting call leaves the queue: answered by an agent of its group (handleAgentID), or abandoned (""). */
  leave(call: QueuedCall, answered: boolean): QueueChange {
    const q = this.queues.queues.get(call.groupSn)!;
    q.splice(q.indexOf(call), 1);
    const group = this.members.get(call.groupSn)!;
    const agent = answered ? group[Math.floor(Math.random() * group.length)].agentNumber : '';
    return this.announce(call.groupSn, 0, agent);
  }
}
