import { randomUUID } from 'node:crypto';
import spec from '../../spec/agent-control.json';
import { registerAgentTraffic } from '../agent-sim-traffic';
import { callData, hangupSteps, inboundSteps, loginData } from '../agent-steps';
import { agentPlatform, pushEvents, type AgentPlatform, type PushStep, type SimAgent } from '../agent-sim';
import { PlatformFault } from '../envelope';
import { registerQueue } from '../queue';
import type { SandboxContext } from '../server';

const REQUESTS = new Map(spec.requests.map((r) => [r.request, r]));
const CALL_STATES = new Set(['AgentOriginate', 'AgentRinging', 'AgentAnswer', 'CalledRinging', 'CalledAnswer', 'Conversation', 'Hold']);
const TALKING = new Set(['Conversation', 'Hold']);
const NUMBER = /^\d{3,20}$/;

function need(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (v === undefined || v === null || String(v).trim() === '') throw new PlatformFault('-1', `${field}不能为空`);
  return String(v);
}

function target(p: AgentPlatform, number: string): SimAgent {
  const a = p.agents.get(number);
  if (!a) throw new PlatformFault('-1', '座席不存在');
  return a;
}

/** The toolbar endpoint: validates, acknowledges with the sequence, then pushes the events of the request. */
export function registerAgentControl(ctx: SandboxContext): void {
  const p = agentPlatform(ctx);

  ctx.route('agentcontrol.request', (req) => {
    const body = req.body;
    if (String(body.companyId) !== ctx.companyId) throw new PlatformFault('-1', '企业不存在');
    const request = String(body.request);
    const def = REQUESTS.get(request);
    if (!def) throw new PlatformFault('-1', `不支持的请求类型: ${request}`);
    for (const param of def.params) if (param.required) need(body, param.name);
    const agent = p.agents.get(String(body.agentNumber));
    if (!agent) throw new PlatformFault('-1', '座席不存在');
    if (agent.status !== 1) throw new PlatformFault('-1', '座席已禁用');
    const sequence = Number(body.sequence ?? 0) || 0;
    const userData = body.userData === undefined ? undefined : String(body.userData);
    const push = (steps: PushStep[], who: SimAgent = agent) => pushEvents(ctx, who, sequence, steps, userData);
    const mustBeLoggedIn = () => {
      if (!agent.loggedIn) throw new PlatformFault('-1', '座席未登录');
    };
    const inCall = () => {
      mustBeLoggedIn();
      if (!CALL_STATES.has(agent.state)) throw new PlatformFault('-1', '座席不在通话中');
    };
    const talking = () => {
      mustBeLoggedIn();
      if (!TALKING.has(agent.state)) throw new PlatformFault('-1', '座席不在通话中');
    };
    const supervisor = () => {
      mustBeLoggedIn();
      if (agent.type !== 1) throw new PlatformFault('-1', '座席不是班长');
      return target(p, need(body, 'beAgentNumber'));
    };

    switch (request) {
      case 'login': {
        if (body.password !== agent.password) throw new PlatformFault('-1', '密码错误');
        const loginType = String(body.loginType);
        if (!['1', '2', '3'].includes(loginType)) throw new PlatformFault('-1', 'loginType错误');
        const first = !agent.loggedIn;
        agent.loggedIn = true;
        push(
          first
            ? [{ event: 'Login', state: 'Login', data: loginData(p, agent, loginType) }]
            : [{ event: 'Reconnect', state: agent.state, data: loginData(p, agent, loginType) }],
        );
        break;
      }
      case 'reconnect':
        mustBeLoggedIn();
        push([{ event: 'Reconnect', data: loginData(p, agent, '1') }]);
        break;
      case 'logout':
        mustBeLoggedIn();
        if (CALL_STATES.has(agent.state)) throw new PlatformFault('-1', '通话中不能登出');
        agent.loggedIn = false;
        push([{ event: 'Logout', state: 'Logout' }]);
        break;
      case 'idle':
        mustBeLoggedIn();
        if (CALL_STATES.has(agent.state)) throw new PlatformFault('-1', '通话中不能示闲');
        push([{ event: 'Idle', state: 'Idle', data: { loginType: '1' } }]);
        break;
      case 'busy':
        mustBeLoggedIn();
        if (CALL_STATES.has(agent.state)) throw new PlatformFault('-1', '通话中不能示忙');
        push([{ event: 'Busy', state: 'Busy', data: { currentBusyType: String(body.busyType ?? '') } }]);
        break;
      case 'makeCall': {
        mustBeLoggedIn();
        if (CALL_STATES.has(agent.state)) throw new PlatformFault('-1', '座席正在通话中');
        const called = String(body.called);
        const occCallId = body.callId ? String(body.callId) : randomUUID();
        if (!NUMBER.test(called)) {
          push([{ event: 'MakeCallFail', data: { cause: 1028 } }]);
          break;
        }
        const data = callData(agent, '1', called, { occCallId, callType: 1 });
        push([
          {
            event: 'MakeCall',
            apply: (a) => {
              a.callDirection = '1';
              a.peer = called;
              a.call = data;
            },
          },
          { event: 'AgentOriginate', state: 'AgentOriginate', data },
          { event: 'AgentRinging', state: 'AgentRinging', data },
          { event: 'AgentAnswer', state: 'AgentAnswer', data },
          { event: 'CalledRinging', state: 'CalledRinging', data },
          // A number ending in 486 is busy: the call fails after the agent answered.
          ...(called.endsWith('486')
            ? hangupSteps(p, agent, 1017, 'USER_BUSY')
            : [
                { event: 'CalledAnswer', state: 'CalledAnswer', data },
                { event: 'Conversation', state: 'Conversation', data },
              ]),
        ]);
        break;
      }
      case 'cancelCall':
        inCall();
        push([{ event: 'CancelCall' }, ...hangupSteps(p, agent)]);
        break;
      case 'hold':
        talking();
        agent.held = true;
        break;
      case 'unHold':
        talking();
        agent.held = false;
        break;
      case 'mute':
        talking();
        agent.muted = true;
        push([{ event: 'Mute' }]);
        break;
      case 'unmute':
        talking();
        agent.muted = false;
        push([{ event: 'Unmute', data: { callType: 1 } }]);
        break;
      case 'consultCall': {
        talking();
        const consultType = String(body.consultType);
        const consultId = String(body.consultId);
        if (consultType === '1' && p.agents.get(consultId)?.state !== 'Idle')
          push([{ event: 'ConsultCall' }, { event: 'ConsultCallFail' }]);
        else push([{ event: 'ConsultCall' }, { event: 'ConsultCalling' }]);
        break;
      }
      case 'consultCancel':
        talking();
        push([{ event: 'ConsultCancel' }]);
        break;
      case 'tripartiteTalk':
        talking();
        push([{ event: 'TripartiteTalk' }, { event: 'TripartiteTalking' }]);
        break;
      case 'transferCall': {
        talking();
        const transferType = String(body.transferType);
        const transferId = String(body.transferId);
        if (transferType === '1' && p.agents.get(transferId)?.state !== 'Idle') {
          push([{ event: 'TransferCall' }, { event: 'TransferCallFail' }]);
          break;
        }
        const consult = String(body.transferMode ?? '0') === '1';
        push([{ event: 'TransferCall' }, { event: consult ? 'ConsultTransfer' : 'TransferCalling' }, ...hangupSteps(p, agent)]);
        const to = transferType === '1' ? p.agents.get(transferId) : undefined;
        if (to) pushEvents(ctx, to, 0, inboundSteps(to, agent.peer ?? ''));
        break;
      }
      case 'transferCancel':
        talking();
        push([{ event: 'TransferCancel' }]);
        break;
      case 'surveillance': {
        mustBeLoggedIn();
        if (agent.type !== 1) throw new PlatformFault('-1', '座席不是班长');
        // The HTTP Surveillance table (original-zh.txt 3531–3563): agentList[] of companyId, agentId, agentNumber,
        // agentName, nowState, operatingTime (13-digit state-change time), loginTime, loginDuration (now − loginTime),
        // peerId, callDirection ("0"/"1") and groupList [{id, name}], all strings. (The SDK view, 4570–4594, calls
        // the list infoList with a numeric agentID; the toolbar's HTTP push follows the HTTP table.)
        const now = ctx.clock.now();
        const list = [...p.agents.values()]
          .filter((a) => a.loggedIn && (!body.groupId || a.groupSn === String(body.groupId)))
          .map((a) => ({
            companyId: ctx.companyId,
            agentId: a.sn,
            agentNumber: a.agentNumber,
            agentName: a.agentName,
            nowState: a.state,
            operatingTime: a.stateSince === undefined ? '' : String(a.stateSince),
            loginTime: a.loginAt === undefined ? '' : String(a.loginAt),
            loginDuration: a.loginAt === undefined ? '' : String(Math.max(0, now - a.loginAt)),
            peerId: a.peer ?? '',
            callDirection: a.callDirection ?? '',
            groupList: [{ id: a.groupSn, name: p.groups.get(a.groupSn)?.name ?? '' }],
          }));
        push([{ event: 'Surveillance', data: { agentList: list } }]);
        break;
      }
      case 'idleAgent': {
        mustBeLoggedIn();
        const groupId = need(body, 'groupId');
        // IdleAgent (original-zh.txt 3624–3634, SDK view 4558–4566): agentList[] of agentId, agentNumber, agentName.
        const list = [...p.agents.values()]
          .filter((a) => a.loggedIn && a.state === 'Idle' && a.groupSn === groupId)
          .map((a) => ({ agentId: a.sn, agentNumber: a.agentNumber, agentName: a.agentName }));
        push([{ event: 'IdleAgent', data: { agentList: list } }]);
        break;
      }
      case 'forceIdle': {
        const t = supervisor();
        if (!t.loggedIn || CALL_STATES.has(t.state)) throw new PlatformFault('-1', '被操作座席状态不允许');
        push([{ event: 'Idle', state: 'Idle', data: { loginType: '1' } }], t);
        break;
      }
      case 'forceLogout': {
        const t = supervisor();
        if (!t.loggedIn) throw new PlatformFault('-1', '被操作座席未登录');
        t.loggedIn = false;
        push([{ event: 'Kick' }, { event: 'Logout', state: 'Logout' }], t);
        break;
      }
      case 'listen':
      case 'forceInsert':
      case 'intercept': {
        const t = supervisor();
        const name = request === 'listen' ? 'Listen' : request === 'forceInsert' ? 'ForceInsert' : 'Intercept';
        push(TALKING.has(t.state) ? [{ event: name }, { event: `${name}ing` }] : [{ event: name }, { event: `${name}Fail` }]);
        if (request === 'intercept' && TALKING.has(t.state)) pushEvents(ctx, t, 0, hangupSteps(p, t));
        break;
      }
      case 'forceBreak': {
        const t = supervisor();
        if (!CALL_STATES.has(t.state)) throw new PlatformFault('-1', '被操作座席不在通话中');
        push([{ event: 'ForceBreak' }]);
        pushEvents(ctx, t, 0, hangupSteps(p, t));
        break;
      }
      case 'heartbeat':
        mustBeLoggedIn();
        break;
    }
    return { sequence };
  });

  registerQueue(ctx);
  registerAgentTraffic(ctx, ctx.agentTraffic);

  ctx.control('post', '/agents/config', (req) => {
    const { stepMs } = req.body ?? {};
    if (typeof stepMs === 'number') p.stepMs = stepMs;
    return { stepMs: p.stepMs };
  });
  /** Offers an inbound call to an agent (it must be idle). */
  ctx.control('post', '/agents/:agentNumber/inbound', (req) => {
    const a = target(p, String(req.params.agentNumber));
    if (!a.loggedIn || a.state !== 'Idle') throw new Error(`agent ${a.agentNumber} is not idle`);
    pushEvents(ctx, a, 0, inboundSteps(a, String(req.body?.caller ?? '13800000000')));
    return { ok: true };
  });
  /** The caller of an agent's call hangs up. */
  ctx.control('post', '/agents/:agentNumber/hangup', (req) => {
    const a = target(p, String(req.params.agentNumber));
    pushEvents(ctx, a, 0, hangupSteps(p, a, Number(req.body?.cause ?? 0), String(req.body?.causeName ?? 'NORMAL_CLEARING')));
    return { ok: true };
  });
  /** Swallow (or release) the pushes of an agent: a lost event. */
  ctx.control('post', '/agents/:agentNumber/silence', (req) => {
    if (req.body?.silent === false) p.silenced.delete(String(req.params.agentNumber));
    else p.silenced.add(String(req.params.agentNumber));
    return { ok: true };
  });
  /** Makes an agent a supervisor (agent type 1). */
  ctx.control('post', '/agents/:agentNumber/type', (req) => {
    target(p, String(req.params.agentNumber)).type = Number(req.body?.type ?? 1);
    return { ok: true };
  });
}
