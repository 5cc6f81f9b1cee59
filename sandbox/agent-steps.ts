import { randomUUID } from 'node:crypto';
import type { AgentPlatform, PushStep, SimAgent } from './agent-sim';

/** Event sequences of a simulated agent's calls, shared by the toolbar family and the simulated traffic. */

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
        caller: direction === '1' ? a.agentNumber : a.peer,
        called: direction === '1' ? a.peer : a.agentNumber,
        endTime: Date.now(),
        agentAutoIdleTime: p.groups.get(a.groupSn)?.agentAutoIdleTime ?? 0,
      },
      apply: (x) => {
        x.callDirection = undefined;
        x.peer = undefined;
        x.held = false;
        x.muted = false;
      },
    },
  ];
  if ((p.groups.get(a.groupSn)?.agentAutoIdle ?? 1) === 1) steps.push({ event: 'Idle', state: 'Idle', data: { loginType: '1' } });
  return steps;
}

/** An inbound call offered to an idle agent: ringing, answer, conversation. */
export function inboundSteps(a: SimAgent, caller: string): PushStep[] {
  const data = callData(a, '0', caller);
  const enter = (x: SimAgent) => {
    x.callDirection = '0';
    x.peer = caller;
  };
  return [
    { event: 'AgentRinging', state: 'AgentRinging', data, apply: enter },
    { event: 'AgentAnswer', state: 'AgentAnswer', data },
    { event: 'Conversation', state: 'Conversation', data },
  ];
}
