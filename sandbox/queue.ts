import { randomUUID } from 'node:crypto';
import { agentPlatform, pushEvents, type AgentPlatform, type PushStep, type SimAgent } from './agent-sim';
import { inboundSteps } from './agent-steps';
import type { SandboxContext } from './server';

/**
 * The skill-group queues of the simulated contact centre, and the toolbar's QueueInfo event that reports them.
 *
 * QueueInfo ("队列等待消息", original-zh.txt 4506–4533; vcall-api.md "Event `QueueInfo`") is only in the SDK's
 * EventMap; its HTTP push is not documented, so the sandbox sends the SDK's object as `data` of the common toolbar
 * envelope, as vcall-api.md's constructed example does:
 *
 *   groupID          number         the skill group
 *   groupWaitNumber  number         calls waiting in the group now (after the change)
 *   isInQueue        number         1 a call joined the queue, 0 a call left it
 *   handleAgentID    string         the agent number the call was assigned to ("" when it joined, or was abandoned)
 *   data             Array<Info>    the calls waiting after the change: caller, called, groupID (number),
 *                                   inQueueTime (number, epoch ms)
 *
 * Group ids. The platform's skill-group ids are strings everywhere else (Login groupIdList / groupInfoList[].id,
 * original-zh.txt 3064–3086; GroupInfo / Surveillance groupList[].id, 3590–3620, 3557–3563, 4539–4547, 4590–4594), but QueueInfo types
 * groupID as a number (4517, 4531). The sandbox's seeded groups have decimal ids ("1", "2"), so their QueueInfo
 * groupID is that id as a number: String(groupID) is the id the same sandbox puts in Login's groupIdList and
 * groupInfoList. A group created through group.create has a 32-hex sn with no documented numeric form; the sandbox
 * gives such a group the next free number (shown by GET /__sandbox/queue), which nothing else of the platform carries.
 *
 * Recipients. The original does not say which agent's envelope carries a QueueInfo. The sandbox pushes it to every
 * logged-in agent of the group (the agents whose main group it is, the group that agent's Login event lists), as
 * each agent's toolbar shows its groups' queues: one change thus arrives once per logged-in agent, with the same
 * data, under each agent's envelope. `POST /__sandbox/queue/config {queueInfoTo: "one"}` sends it to one agent
 * instead (the assigned agent for an answered call, else the group's lowest-numbered logged-in agent). With no agent
 * of the group logged in the queue still changes but nobody is told.
 */

/** One call waiting in a skill group's queue. */
export interface QueuedCall {
  caller: string;
  called: string;
  /** The group's QueueInfo id. */
  groupID: number;
  /** Epoch ms (sandbox clock) the call joined the queue. */
  inQueueTime: number;
  /** The call's id in the agent's call events (AgentRinging's occCallId) once an agent takes it; not in QueueInfo. */
  occCallId: string;
  groupSn: string;
}

export type QueueInfoRecipients = 'group' | 'one';

interface QueueModel {
  /** Waiting calls per group sn, oldest first. */
  queues: Map<string, QueuedCall[]>;
  /** QueueInfo ids of groups whose sn is not a decimal number. */
  assignedIds: Map<string, number>;
  /** Agents given a call whose AgentRinging has not gone out yet (still Idle, but no longer free). */
  reserved: Set<string>;
  queueInfoTo: QueueInfoRecipients;
}

const models = new WeakMap<AgentPlatform, QueueModel>();

/** The queue model of a sandbox (created on first use; /__sandbox/reset empties it). */
export function queueModel(ctx: SandboxContext): QueueModel {
  const p = agentPlatform(ctx);
  let m = models.get(p);
  if (!m) {
    const fresh: QueueModel = { queues: new Map(), assignedIds: new Map(), reserved: new Set(), queueInfoTo: 'group' };
    m = fresh;
    models.set(p, fresh);
    ctx.onReset(() => {
      fresh.queues.clear();
      fresh.assignedIds.clear();
      fresh.reserved.clear();
      fresh.queueInfoTo = 'group';
    });
  }
  return m;
}

const DECIMAL_ID = /^\d{1,9}$/;

/** The number QueueInfo gives a group (see the header: the decimal sn itself, else an assigned number). */
export function queueGroupId(p: AgentPlatform, m: QueueModel, groupSn: string): number {
  if (DECIMAL_ID.test(groupSn)) return Number(groupSn);
  let id = m.assignedIds.get(groupSn);
  if (id === undefined) {
    const taken = [...p.groups.keys()].filter((sn) => DECIMAL_ID.test(sn)).map(Number);
    taken.push(...m.assignedIds.values());
    id = Math.max(0, ...taken) + 1;
    m.assignedIds.set(groupSn, id);
  }
  return id;
}

/** A group given by its sn (as in Login's groupIdList) or its QueueInfo number. */
export function resolveGroup(p: AgentPlatform, m: QueueModel, groupId: unknown): string {
  if (groupId === undefined || groupId === null || String(groupId).trim() === '') throw new Error('give groupId');
  const key = String(groupId).trim();
  if (p.groups.has(key)) return key;
  for (const sn of p.groups.keys()) if (String(queueGroupId(p, m, sn)) === key) return sn;
  throw new Error(`no skill group ${key}`);
}

function waiting(m: QueueModel, groupSn: string): QueuedCall[] {
  let q = m.queues.get(groupSn);
  if (!q) m.queues.set(groupSn, (q = []));
  return q;
}

/** The logged-in agents of a group (main group = the group their Login lists), by agent number. */
export function groupAgents(p: AgentPlatform, groupSn: string): SimAgent[] {
  return [...p.agents.values()]
    .filter((a) => a.loggedIn && a.groupSn === groupSn)
    .sort((x, y) => x.agentNumber.localeCompare(y.agentNumber, 'en', { numeric: true }));
}

/** Agents of a group free to take a call: logged in, Idle, not already given one; the longest idle first. */
export function freeAgents(p: AgentPlatform, m: QueueModel, groupSn: string): SimAgent[] {
  return groupAgents(p, groupSn)
    .filter((a) => a.state === 'Idle' && !m.reserved.has(a.agentNumber))
    .sort((x, y) => (x.stateSince ?? 0) - (y.stateSince ?? 0));
}

/** The calls of a group as QueueInfo's Info lists them. */
function infoList(q: QueuedCall[]) {
  return q.map((c) => ({ caller: c.caller, called: c.called, groupID: c.groupID, inQueueTime: c.inQueueTime }));
}

/** The QueueInfo data after a change of a group's queue. */
export function queueInfoData(m: QueueModel, groupSn: string, groupID: number, isInQueue: 0 | 1, handleAgentID: string) {
  const q = waiting(m, groupSn);
  return { groupID, groupWaitNumber: q.length, isInQueue, handleAgentID, data: infoList(q) };
}

/**
 * Pushes one QueueInfo to the group's recipients; the assigned agent (if any) gets `after` right behind it, in the
 * same flow, so its AgentRinging follows the QueueInfo that handed it the call.
 */
function announce(
  ctx: SandboxContext,
  m: QueueModel,
  groupSn: string,
  data: ReturnType<typeof queueInfoData>,
  assigned?: SimAgent,
  after: PushStep[] = [],
): string[] {
  const p = agentPlatform(ctx);
  const all = groupAgents(p, groupSn);
  const recipients = m.queueInfoTo === 'group' ? all : assigned ? [assigned] : all.slice(0, 1);
  const step: PushStep = { event: 'QueueInfo', data };
  for (const a of recipients) pushEvents(ctx, a, 0, a === assigned ? [step, ...after] : [step]);
  if (assigned && !recipients.includes(assigned) && after.length) pushEvents(ctx, assigned, 0, after);
  return recipients.map((a) => a.agentNumber);
}

export interface JoinInput {
  caller: string;
  called?: string;
  /** Epoch ms the call joined (defaults to the sandbox clock's now). */
  at?: number;
}

/** Caps a group's queue (a simulated trunk turns further callers away, without a QueueInfo). */
export const MAX_WAITING = 200;

/** A call joins a group's queue: QueueInfo isInQueue 1 with every call now waiting (the new one included). */
export function joinQueue(ctx: SandboxContext, groupSn: string, input: JoinInput) {
  const p = agentPlatform(ctx);
  const m = queueModel(ctx);
  const g = p.groups.get(groupSn);
  if (!g) throw new Error(`no skill group ${groupSn}`);
  const q = waiting(m, groupSn);
  if (q.length >= MAX_WAITING) throw new Error(`the queue of group ${groupSn} is full (${MAX_WAITING} waiting)`);
  const groupID = queueGroupId(p, m, groupSn);
  const call: QueuedCall = {
    caller: input.caller,
    called: input.called ?? (g.caller || SANDBOX_HOTLINE),
    groupID,
    inQueueTime: Math.round(input.at ?? ctx.clock.now()),
    occCallId: randomUUID(),
    groupSn,
  };
  // Oldest first; a call given an earlier `at` goes before the calls that joined after it.
  let i = q.length;
  while (i > 0 && q[i - 1].inQueueTime > call.inQueueTime) i--;
  q.splice(i, 0, call);
  const pushedTo = announce(ctx, m, groupSn, queueInfoData(m, groupSn, groupID, 1, ''));
  return { call, groupWaitNumber: q.length, pushedTo };
}

/** The number callers dial when the group has no display number of its own. */
export const SANDBOX_HOTLINE = '4008001000';

/** The oldest waiting call of a group, or the oldest one of a given caller (and queue time). */
export function findWaiting(ctx: SandboxContext, groupSn: string, caller?: string, inQueueTime?: number): QueuedCall {
  const q = waiting(queueModel(ctx), groupSn);
  const call = q.find((c) => (caller === undefined || c.caller === caller) && (inQueueTime === undefined || c.inQueueTime === inQueueTime));
  if (!call) throw new Error(`no call${caller === undefined ? '' : ` of ${caller}`} waiting in group ${groupSn}`);
  return call;
}

function remove(m: QueueModel, call: QueuedCall): void {
  const q = waiting(m, call.groupSn);
  const i = q.indexOf(call);
  if (i < 0) throw new Error('the call is no longer waiting');
  q.splice(i, 1);
}

/** Whether a call is still waiting (not answered, not abandoned). */
export function isWaiting(ctx: SandboxContext, call: QueuedCall): boolean {
  return waiting(queueModel(ctx), call.groupSn).includes(call);
}

/**
 * A waiting call is assigned to an agent of its group: QueueInfo isInQueue 0 with handleAgentID = the agent's number
 * and the calls still waiting, then that agent's call steps (`steps`: AgentRinging only, the whole answer —
 * AgentRinging, AgentAnswer, Conversation — or none), carrying the call's caller, called, occCallId and inQueueTime
 * (AgentRinging's inQueueTime: original-zh.txt 3233–3255, SDK view 4297–4307).
 */
export function assignCall(ctx: SandboxContext, call: QueuedCall, agent: SimAgent, steps: 'ring' | 'answer' | 'none' = 'answer') {
  const m = queueModel(ctx);
  if (!agent.loggedIn || agent.state !== 'Idle' || m.reserved.has(agent.agentNumber)) {
    throw new Error(`agent ${agent.agentNumber} is not idle`);
  }
  if (agent.groupSn !== call.groupSn) throw new Error(`agent ${agent.agentNumber} is not in group ${call.groupSn}`);
  remove(m, call);
  let after: PushStep[] = [];
  if (steps !== 'none') {
    const flow = inboundSteps(agent, {
      caller: call.caller,
      called: call.called,
      inQueueTime: call.inQueueTime,
      occCallId: call.occCallId,
    });
    after = steps === 'ring' ? flow.slice(0, 1) : flow;
    const ringing = after[0];
    const apply = ringing.apply;
    m.reserved.add(agent.agentNumber);
    after[0] = {
      ...ringing,
      apply: (a) => {
        m.reserved.delete(a.agentNumber);
        apply?.(a);
      },
    };
  }
  const data = queueInfoData(m, call.groupSn, call.groupID, 0, agent.agentNumber);
  const pushedTo = announce(ctx, m, call.groupSn, data, agent, after);
  return { call, agentNumber: agent.agentNumber, groupWaitNumber: data.groupWaitNumber, pushedTo };
}

/** The caller hangs up while waiting: QueueInfo isInQueue 0, handleAgentID "" (nobody was assigned), without it. */
export function abandonCall(ctx: SandboxContext, call: QueuedCall) {
  const m = queueModel(ctx);
  remove(m, call);
  const data = queueInfoData(m, call.groupSn, call.groupID, 0, '');
  const pushedTo = announce(ctx, m, call.groupSn, data);
  return { call, groupWaitNumber: data.groupWaitNumber, pushedTo, waitedMs: ctx.clock.now() - call.inQueueTime };
}

/** Every group's queue (control route GET /__sandbox/queue). */
export function queueSnapshot(ctx: SandboxContext) {
  const p = agentPlatform(ctx);
  const m = queueModel(ctx);
  return {
    now: ctx.clock.now(),
    queueInfoTo: m.queueInfoTo,
    groups: [...p.groups.values()].map((g) => {
      const q = waiting(m, g.sn);
      return {
        groupID: queueGroupId(p, m, g.sn),
        groupSn: g.sn,
        name: g.name,
        groupWaitNumber: q.length,
        data: q.map((c) => ({ ...infoList([c])[0], occCallId: c.occCallId })),
      };
    }),
  };
}

function text(v: unknown): string | undefined {
  return v === undefined || v === null || String(v).trim() === '' ? undefined : String(v).trim();
}

function epochMs(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${field} must be epoch ms`);
  return n;
}

/** The identity of a call in the answers of the control routes. */
function callAnswer(call: QueuedCall) {
  return {
    groupID: call.groupID,
    groupSn: call.groupSn,
    caller: call.caller,
    called: call.called,
    inQueueTime: call.inQueueTime,
    occCallId: call.occCallId,
  };
}

let callerSeq = 0;

/**
 * Deterministic control routes for tests (under /__sandbox):
 *  POST /queue/join    {groupId, caller?, called?, at?}            a call joins (QueueInfo isInQueue 1)
 *  POST /queue/answer  {groupId, agentNumber, caller?, inQueueTime?, steps?: "answer" | "ring" | "none"}
 *                      the oldest (or the given) waiting call goes to the agent (QueueInfo isInQueue 0 with
 *                      handleAgentID, then the agent's AgentRinging, AgentAnswer, Conversation; end the call
 *                      with POST /agents/:agentNumber/hangup)
 *  POST /queue/abandon {groupId, caller?, inQueueTime?}            the oldest (or the given) caller hangs up
 *  GET  /queue                                                     every group's waiting calls
 *  POST /queue/config  {queueInfoTo: "group" | "one"}              who receives QueueInfo
 * groupId is the group's sn or its QueueInfo number; times are the sandbox clock's (POST /__sandbox/clock).
 */
export function registerQueue(ctx: SandboxContext): void {
  const p = agentPlatform(ctx);
  const m = queueModel(ctx);
  ctx.control('post', '/queue/join', (req) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const groupSn = resolveGroup(p, m, body.groupId);
    const caller = text(body.caller) ?? `139${String(++callerSeq).padStart(8, '0')}`;
    const out = joinQueue(ctx, groupSn, { caller, called: text(body.called), at: epochMs(body.at, 'at') });
    return { ...callAnswer(out.call), groupWaitNumber: out.groupWaitNumber, pushedTo: out.pushedTo };
  });
  ctx.control('post', '/queue/answer', (req) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const groupSn = resolveGroup(p, m, body.groupId);
    const number = text(body.agentNumber);
    if (!number) throw new Error('give agentNumber');
    const agent = p.agents.get(number);
    if (!agent) throw new Error(`no agent ${number}`);
    const steps = text(body.steps) ?? 'answer';
    if (!['answer', 'ring', 'none'].includes(steps)) throw new Error('steps must be answer, ring or none');
    const call = findWaiting(ctx, groupSn, text(body.caller), epochMs(body.inQueueTime, 'inQueueTime'));
    const out = assignCall(ctx, call, agent, steps as 'answer' | 'ring' | 'none');
    return {
      ...callAnswer(out.call),
      handleAgentID: out.agentNumber,
      waitedMs: ctx.clock.now() - out.call.inQueueTime,
      groupWaitNumber: out.groupWaitNumber,
      pushedTo: out.pushedTo,
    };
  });
  ctx.control('post', '/queue/abandon', (req) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const groupSn = resolveGroup(p, m, body.groupId);
    const call = findWaiting(ctx, groupSn, text(body.caller), epochMs(body.inQueueTime, 'inQueueTime'));
    const out = abandonCall(ctx, call);
    return {
      ...callAnswer(out.call),
      handleAgentID: '',
      waitedMs: out.waitedMs,
      groupWaitNumber: out.groupWaitNumber,
      pushedTo: out.pushedTo,
    };
  });
  ctx.control('get', '/queue', () => queueSnapshot(ctx));
  ctx.control('post', '/queue/config', (req) => {
    const to = (req.body ?? {}).queueInfoTo;
    if (to !== undefined) {
      if (to !== 'group' && to !== 'one') throw new Error('queueInfoTo must be group or one');
      m.queueInfoTo = to;
    }
    return { queueInfoTo: m.queueInfoTo };
  });
}
