import { agentPlatform, newSn, type SimGroup } from '../agent-sim';
import { PlatformFault } from '../envelope';
import type { SandboxContext } from '../server';

const BINARY = [0, 1];

function intIn(input: Record<string, unknown>, field: string, allowed?: number[]): number | undefined {
  const v = input[field];
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || (allowed && !allowed.includes(n))) throw new PlatformFault('-1', `${field}参数错误`);
  return n;
}

/** Applies the editable fields of a create/edit body to a group (validated like the platform's bean checks). */
function applyGroupFields(g: SimGroup, input: Record<string, unknown>): void {
  if (input.name !== undefined) {
    if (String(input.name).trim() === '') throw new PlatformFault('-1', 'name不能为空');
    g.name = String(input.name);
  }
  g.policy = intIn(input, 'policy', [0, 1, 2, 3, 4]) ?? g.policy;
  g.agentAutoIdle = intIn(input, 'agentAutoIdle', BINARY) ?? g.agentAutoIdle;
  g.agentAutoIdleTime = intIn(input, 'agentAutoIdleTime') ?? g.agentAutoIdleTime;
  g.agentMakeCall = intIn(input, 'agentMakeCall', BINARY) ?? g.agentMakeCall;
  g.onlyTransferToCurrent = intIn(input, 'onlyTransferToCurrent', BINARY) ?? g.onlyTransferToCurrent;
  for (const f of ['popupWindowUrl', 'caller', 'remark'] as const) if (input[f] !== undefined) g[f] = String(input[f] ?? '');
}

/** Skill groups: create, page, edit. Members are agents whose main group is the group, plus agentSnList. */
export function registerGroup(ctx: SandboxContext): void {
  const p = agentPlatform(ctx);
  const members = new Map<string, Set<string>>();

  const setMembers = (sn: string, list: unknown) => {
    if (list === undefined) return;
    if (!Array.isArray(list)) throw new PlatformFault('-1', 'agentSnList参数错误');
    const known = new Set([...p.agents.values()].map((a) => a.sn));
    for (const s of list) if (!known.has(String(s))) throw new PlatformFault('1005009', '座席用户不存在,请联系管理员');
    members.set(sn, new Set(list.map(String)));
  };
  ctx.onReset(() => members.clear());

  ctx.route('group.create', (req) => {
    const g: SimGroup = {
      sn: newSn(),
      name: '',
      policy: 0,
      agentAutoIdle: 0,
      agentAutoIdleTime: 0,
      agentMakeCall: 1,
      remark: '',
      popupWindowUrl: '',
      caller: '',
      onlyTransferToCurrent: 0,
    };
    applyGroupFields(g, req.input);
    if ([...p.groups.values()].some((x) => x.name === g.name)) throw new PlatformFault('-1', '技能组名称已存在');
    setMembers(g.sn, req.input.agentSnList);
    p.groups.set(g.sn, g);
    return g.sn;
  });

  ctx.route('group.update', (req) => {
    const g = p.groups.get(req.params.sn);
    if (!g) throw new PlatformFault('-1', '技能组不存在');
    applyGroupFields(g, req.input);
    setMembers(g.sn, req.input.agentSnList);
    return g.sn;
  });

  ctx.route('group.page', (req) => {
    const pageNo = Math.max(1, Number(req.input.pageNo ?? 1) || 1);
    const pageSize = Math.max(1, Number(req.input.pageSize ?? 10) || 10);
    const name = req.input.name === undefined ? '' : String(req.input.name);
    const all = [...p.groups.values()].filter((g) => g.name.includes(name));
    const records = all.slice((pageNo - 1) * pageSize, pageNo * pageSize).map((g) => {
      const sns = new Set([...(members.get(g.sn) ?? []), ...[...p.agents.values()].filter((a) => a.groupSn === g.sn).map((a) => a.sn)]);
      return {
        sn: g.sn,
        name: g.name,
        deptName: '',
        policy: g.policy,
        agentTotal: sns.size,
        agentSnList: [...sns],
        popupWindowUrl: g.popupWindowUrl,
        caller: g.caller,
        agentAutoIdle: g.agentAutoIdle,
        agentAutoIdleTime: g.agentAutoIdleTime,
        agentMakeCall: String(g.agentMakeCall), // a string in the platform's example
        remark: g.remark,
      };
    });
    return { records, total: all.length };
  });
}
