import { randomUUID } from 'node:crypto';
import type { AgentPlatform, PushStep, SimAgent } from './agent-sim';

/** Event sequences of a simulated agent's calls, shared by the toolbar family and the simulated traffic. */

/**
 * The data of the Login / Reconnect events (original-zh.txt 2960–3086: domain, sipId, sipPassword, token, agentType,
 * groupIdList, busyType, agentMakeCall, registered, webrtc*, currentBusyType, groupInfoList [{id, name, isMaster}],
 * ivrList, and the example's loginType). The agent's groups are its main group (groupSn): its id in groupIdList
 * and its id and name in groupInfoList, as the example gives them.
 */
export function loginData(p: AgentPlatform, a: SimAgent, loginType: string) {
  const g = p.groups.get(a.groupSn);
  return {
    domain: 'sip.sandbox.local',
    sipId: a.sipId,
    sipPassword: a.sipPassword,
    token: randomUUID(),
    agentType: a.type,
    groupIdList: [a.groupSn],
    busyType: '',
    agentMakeCall: g?.agentMakeCall ?? 1,
    registered: 1,
    webrtcSipId: `w${a.sipId}`,
    webrtcSipPassword: a.sipPassword,
    webrtcDomain: 'webrtc.sandbox.local',
    currentBusyType: '',
    groupInfoList: g ? [{ id: g.sn, name: g.name, isMaster: true }] : [],
    ivrList: [],
    loginType,
  };
}

/** The platform's call data of an agent event (AgentRinging, AgentAnswer, …). */
export function callData(a: SimAgent, direction: '0' | '1', peer: string, extra: Record<string, unknown> = {}) {
  const outbound = direction === '1';
  return {
    callDirection: direction,
    caller: outbound ? a.agentNumber : peer,
    called: outbound ? peer : a.agentNumber,
    inQueueTime: 0,
    occCallId: extra.occCallId ?? randomUUID(),
    isPredictive: 0,
    origCaller: outbound ? a.agentNumber : peer,
    origCalled: outbound ? peer : a.agentNumber,
    ...extra,
  };
}

/** The end of a call: After (with cause), then back to Idle when the group sets agents idle automatically. */
export function hangupSteps(p: AgentPlatform, a: SimAgent, cause = 0, causeName = 'NORMAL_CLEARING'): PushStep[] {
  const direction = a.callDirection ?? '1';
  const steps: PushStep[] = [
    {
      event: 'After',
      state: 'After',
      extra: { cause },
      data: {
        callDirection: direction,
        cause,
        data: causeName,
        hangupDirection: 1,
        caller: a.call?.caller ?? (direction === '1' ? a.agentNumber : a.peer),
        called: a.call?.called ?? (direction === '1' ? a.peer : a.agentNumber),
        endTime: Date.now(),
        agentAutoIdleTime: p.groups.get(a.groupSn)?.agentAutoIdleTime ?? 0,
        // After carries the call's id and its queue-entry time (original-zh.txt 3486–3527: inQueueTime, occCallId).
        ...(a.call ? { occCallId: a.call.occCallId, inQueueTime: a.call.inQueueTime } : {}),
      },
      apply: (x) => {
        x.callDirection = undefined;
        x.peer = undefined;
        x.call = undefined;
        x.held = false;
        x.muted = false;
      },
    },
  ];
  if ((p.groups.get(a.groupSn)?.agentAutoIdle ?? 1) === 1) steps.push({ event: 'Idle', state: 'Idle', data: { loginType: '1' } });
  return steps;
}

/** An inbound call: who called, the number dialled, and (for a call out of a skill-group queue) when it was queued. */
export interface InboundCall {
  caller: string;
  /** The number the caller dialled; without it the call is to the agent's own number (a direct call). */
  called?: string;
  /** Epoch ms the call entered the queue (AgentRinging's inQueueTime); 0 for a call that was never queued. */
  inQueueTime?: number;
  occCallId?: string;
}

/** An inbound call offered to an idle agent: ringing, answer, conversation. */
export function inboundSteps(a: SimAgent, call: string | InboundCall): PushStep[] {
  const c = typeof call === 'string' ? { caller: call } : call;
  const extra: Record<string, unknown> = { inQueueTime: c.inQueueTime ?? 0 };
  if (c.occCallId) extra.occCallId = c.occCallId;
  if (c.called) Object.assign(extra, { called: c.called, origCalled: c.called });
  const data = callData(a, '0', c.caller, extra);
  const enter = (x: SimAgent) => {
    x.callDirection = '0';
    x.peer = c.caller;
    x.call = data;
  };
  return [
    { event: 'AgentRinging', state: 'AgentRinging', data, apply: enter },
    { event: 'AgentAnswer', state: 'AgentAnswer', data },
    { event: 'Conversation', state: 'Conversation', data },
  ];
}
