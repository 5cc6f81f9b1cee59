import { BadInputError } from '../errors';
import { RoutingPolicy, SkillGroup, type SkillGroupCreateInput, type SkillGroupPage, type SkillGroupUpdateInput } from '../schema/group';
import { toInt, toOptionalString } from '../upstream/convert';
import { DataSource } from './datasource';

/** Checks a page request (1-based page, at least 1 row; the spec states no maximum page size). */
export function checkPage(page: number, pageSize: number): void {
  if (!Number.isInteger(page) || page < 1) throw new BadInputError('page', 'must be 1 or more');
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new BadInputError('pageSize', 'must be 1 or more');
}

const bit = (b: boolean | undefined) => (b === undefined ? undefined : b ? 1 : 0);

/** The body of group.create / group.update: only the given fields (the name is required by the create input's type). */
function groupBody(input: SkillGroupCreateInput | SkillGroupUpdateInput): Record<string, unknown> {
  if (input.name !== undefined && input.name !== null && input.name.trim() === '')
    throw new BadInputError('input.name', 'must not be empty');
  // A number of seconds (agentAutoIdleTime): never negative.
  if (input.autoIdleSeconds !== undefined && input.autoIdleSeconds < 0)
    throw new BadInputError('input.autoIdleSeconds', 'must be 0 or more');
  const body: Record<string, unknown> = {
    name: input.name?.trim(),
    policy: input.policy,
    agentSnList: input.agentSns,
    popupWindowUrl: input.popupWindowUrl,
    caller: input.displayNumber,
    // agentAutoIdle is typed string in the create/edit tables (an integer in the list).
    agentAutoIdle: input.autoIdle === undefined ? undefined : String(bit(input.autoIdle)),
    agentAutoIdleTime: input.autoIdleSeconds,
    onlyTransferToCurrent: bit(input.onlyTransferToCurrent),
    agentMakeCall: bit(input.agentsCanCall),
    remark: input.remark,
  };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

interface PlatformGroup {
  sn: string;
  name: string;
  deptName?: string;
  policy?: unknown;
  agentSnList?: unknown[];
  agentTotal?: unknown;
  popupWindowUrl?: string;
  caller?: string;
  agentAutoIdle?: unknown;
  agentAutoIdleTime?: unknown;
  agentMakeCall?: unknown;
  remark?: string;
}

function toSkillGroup(r: PlatformGroup): SkillGroup {
  const policy = toInt(r.policy);
  return Object.assign(new SkillGroup(), {
    id: String(r.sn),
    sn: String(r.sn),
    name: String(r.name ?? ''),
    departmentName: toOptionalString(r.deptName),
    policy: policy !== undefined && policy in RoutingPolicy ? (policy as RoutingPolicy) : undefined,
    agentSns: (r.agentSnList ?? []).map(String),
    agentTotal: toInt(r.agentTotal) ?? (r.agentSnList ?? []).length,
    popupWindowUrl: toOptionalString(r.popupWindowUrl),
    displayNumber: toOptionalString(r.caller),
    autoIdle: toInt(r.agentAutoIdle) === 1,
    autoIdleSeconds: toInt(r.agentAutoIdleTime),
    agentsCanCall: toInt(r.agentMakeCall) === 1, // "1" (a string) in the platform's example
    remark: toOptionalString(r.remark),
  });
}

/** Skill groups (group.create, group.page, group.update). */
export class GroupDataSource extends DataSource {
  async create(input: SkillGroupCreateInput): Promise<string> {
    const { data } = await this.ctx.call<string>('group.create', { body: groupBody(input) });
    return String(data);
  }

  async update(sn: string, input: SkillGroupUpdateInput): Promise<string> {
    if (sn.trim() === '') throw new BadInputError('sn', 'must not be empty');
    const { data } = await this.ctx.call<string>('group.update', { params: { sn }, body: groupBody(input) });
    return String(data ?? sn);
  }

  async page(name: string | undefined, page: number, pageSize: number): Promise<SkillGroupPage> {
    checkPage(page, pageSize);
    const query: Record<string, unknown> = { pageNo: page, pageSize };
    if (name !== undefined && name !== '') query.name = name;
    const { data } = await this.ctx.call<{ total?: unknown; records?: PlatformGroup[] }>('group.page', { query });
    return { total: toInt(data?.total) ?? 0, records: (data?.records ?? []).map(toSkillGroup) };
  }
}
