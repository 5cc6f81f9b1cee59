import { randomBytes, randomUUID } from 'node:crypto';
import { addAgent, agentPlatform, findAgentBySn, type SimAgent } from '../agent-sim';
import { PlatformFault } from '../envelope';
import type { SandboxContext } from '../server';

interface AgentExtras {
  level: number;
  workingOffline: number;
  agentAutoIdleTime: number | null;
  displayCaller: string | null;
  offlineCallType: number;
  callMode: number;
}

function intIn(input: Record<string, unknown>, field: string, allowed?: number[]): number | undefined {
  const v = input[field];
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || (allowed && !allowed.includes(n))) throw new PlatformFault('-1', `${field}参数错误`);
  return n;
}

/** Agents: create, edit, page, enable/disable, reset password, and the click-to-call endpoint. */
export function registerAgent(ctx: SandboxContext): void {
  const p = agentPlatform(ctx);
  const extras = new WeakMap<SimAgent, AgentExtras>();
  const extra = (a: SimAgent) => {
    let e = extras.get(a);
    if (!e)
      extras.set(a, (e = { level: 1, workingOffline: 0, agentAutoIdleTime: null, displayCaller: null, offlineCallType: 0, callMode: 0 }));
    return e;
  };
  const applyCommon = (a: SimAgent, input: Record<string, unknown>) => {
    const groupSn = String(input.groupSn);
    if (!p.groups.has(groupSn)) throw new PlatformFault('-1', '技能组不存在');
    a.groupSn = groupSn;
    if (input.phone !== undefined) a.phone = String(input.phone ?? '');
    a.type = intIn(input, 'type', [0, 1]) ?? a.type;
    const e = extra(a);
    e.level = intIn(input, 'level') ?? e.level;
    e.workingOffline = intIn(input, 'workingOffline', [0, 1]) ?? e.workingOffline;
    e.agentAutoIdleTime = intIn(input, 'agentAutoIdleTime') ?? e.agentAutoIdleTime;
    e.offlineCallType = intIn(input, 'offlineCallType', [0, 1]) ?? e.offlineCallType;
    e.callMode = intIn(input, 'callMode', [0, 1, 2, 3]) ?? e.callMode;
    if (input.displayCaller !== undefined) e.displayCaller = String(input.displayCaller);
  };

  // Before agent.update: POST /api/agent/open/call would otherwise match /api/agent/open/{sn}.
  ctx.route('agent.call', (req) => {
    const a = p.agents.get(String(req.input.agentNum));
    const type = req.input.type === undefined ? 'default' : String(req.input.type);
    if (!a || a.status !== 1 || !['default', 'phone', 'sip'].includes(type)) throw new PlatformFault('-1', '发起呼叫失败');
    return { callId: randomUUID().replace(/-/g, '') };
  });

  ctx.route('agent.create', (req) => {
    const input = req.input;
    const agentNumber = String(input.agentNumber);
    if (p.agents.has(agentNumber)) throw new PlatformFault('-1', '工号已存在');
    const isSip = intIn(input, 'isSip', [0, 1]);
    if (!p.groups.has(String(input.groupSn))) throw new PlatformFault('-1', '技能组不存在');
    const a = addAgent(p, agentNumber, String(input.groupSn));
    try {
      a.agentName = String(input.agentName);
      a.password = String(input.password);
      a.isSip = isSip ?? 0;
      a.sipId = input.sipId ? String(input.sipId) : isSip === 1 ? `21${agentNumber.padStart(7, '0')}` : '';
      applyCommon(a, input);
    } catch (err) {
      p.agents.delete(agentNumber);
      throw err;
    }
    return a.sn;
  });

  ctx.route('agent.update', (req) => {
    const a = findAgentBySn(p, req.params.sn);
    const agentNumber = String(req.input.agentNumber);
    if (agentNumber !== a.agentNumber) {
      if (p.agents.has(agentNumber)) throw new PlatformFault('-1', '工号已存在');
      p.agents.delete(a.agentNumber);
      a.agentNumber = agentNumber;
      p.agents.set(agentNumber, a);
    }
    applyCommon(a, req.input);
    return a.sn;
  });

  ctx.route('agent.page', (req) => {
    const q = req.input;
    const pageNo = Math.max(1, Number(q.pageNo ?? 1) || 1);
    const pageSize = Math.max(1, Number(q.pageSize ?? 10) || 10);
    const has = (f: string) => q[f] !== undefined && q[f] !== '';
    const all = [...p.agents.values()].filter(
      (a) =>
        (!has('agentName') || a.agentName.includes(String(q.agentName))) &&
        (!has('agentNumber') || a.agentNumber.includes(String(q.agentNumber))) &&
        (!has('groupSn') || a.groupSn === String(q.groupSn)) &&
        (!has('phone') || a.phone.includes(String(q.phone))) &&
        (!has('status') || a.status === Number(q.status)) &&
        (!has('type') || a.type === Number(q.type)),
    );
    const records = all.slice((pageNo - 1) * pageSize, pageNo * pageSize).map((a) => {
      const e = extra(a);
      return {
        sn: a.sn,
        agentNumber: a.agentNumber,
        agentName: a.agentName,
        type: a.type,
        groupSn: a.groupSn,
        groupName: p.groups.get(a.groupSn)?.name ?? '',
        sipId: a.sipId,
        phone: a.phone,
        status: a.status,
        sipPassword: a.sipPassword,
        paramsData: JSON.stringify({ anumber: a.agentNumber }),
        level: e.level,
        workingOffline: e.workingOffline,
        agentAutoIdleTime: e.agentAutoIdleTime,
        displayCaller: e.displayCaller,
        offlineCallType: e.offlineCallType,
      };
    });
    return { records, total: all.length };
  });

  ctx.route('agent.setStatus', (req) => {
    const a = findAgentBySn(p, req.params.sn);
    const status = intIn(req.input, 'status', [0, 1]);
    a.status = status ?? a.status;
    return null;
  });

  ctx.route('agent.resetPassword', (req) => {
    const a = findAgentBySn(p, req.params.sn);
    a.password = randomBytes(6).toString('base64url');
    return a.password;
  });
}
