import { BadInputError } from '../errors';
import {
  AgentAccount,
  AgentAccountStatus,
  AgentType,
  OfflineCallType,
  type AgentCallStarted,
  type AgentCreateInput,
  type AgentFilter,
  type AgentPage,
  type AgentUpdateInput,
} from '../schema/agent';
import type { AnswerMode } from '../schema/agentcontrol';
import { toInt, toOptionalString } from '../upstream/convert';
import { DataSource } from './datasource';
import { checkPage } from './group';

const nonBlank = (field: string, v: string) => {
  if (v.trim() === '') throw new BadInputError(field, 'must not be empty');
  return v.trim();
};

function updateBody(input: AgentUpdateInput): Record<string, unknown> {
  // phone and displayNumber arrive as Phones (validated and normalised by the scalar).
  // The spec: agentAutoIdleTime is seconds, -1 = auto-idle disabled; nothing below -1 means anything.
  if (input.autoIdleSeconds !== undefined && input.autoIdleSeconds < -1)
    throw new BadInputError('input.autoIdleSeconds', 'must be -1 (off) or more');
  const body: Record<string, unknown> = {
    agentNumber: nonBlank('input.agentNumber', input.agentNumber),
    groupSn: nonBlank('input.groupSn', input.groupSn),
    phone: input.phone,
    type: input.type,
    level: input.level,
    workingOffline: input.workingOffline === undefined ? undefined : input.workingOffline ? 1 : 0,
    agentAutoIdleTime: input.autoIdleSeconds,
    displayCaller: input.displayNumber,
    offlineCallType: input.offlineCallType,
    callMode: input.callMode,
  };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

function parseParams(v: unknown): Record<string, unknown> | undefined {
  if (typeof v !== 'string' || !v.trim().startsWith('{')) return undefined;
  try {
    return JSON.parse(v) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function toAccount(r: Record<string, unknown>): AgentAccount {
  const type = toInt(r.type);
  const status = toInt(r.status);
  const offline = toInt(r.offlineCallType); // a string in the table, a number in the example
  return Object.assign(new AgentAccount(), {
    id: String(r.sn),
    sn: String(r.sn),
    agentNumber: String(r.agentNumber),
    agentName: String(r.agentName ?? ''),
    type: type === 1 ? AgentType.SUPERVISOR : AgentType.AGENT,
    groupSn: toOptionalString(r.groupSn),
    groupName: toOptionalString(r.groupName),
    sipId: toOptionalString(r.sipId),
    phone: toOptionalString(r.phone),
    status: status === 1 ? AgentAccountStatus.ENABLED : status === 0 ? AgentAccountStatus.DISABLED : undefined,
    customFields: parseParams(r.paramsData),
    level: toInt(r.level),
    workingOffline: r.workingOffline === undefined || r.workingOffline === null ? undefined : toInt(r.workingOffline) === 1,
    autoIdleSeconds: toInt(r.agentAutoIdleTime),
    displayNumber: toOptionalString(r.displayCaller),
    offlineCallType: offline === 1 ? OfflineCallType.MOBILE : offline === 0 ? OfflineCallType.DESK_PHONE : undefined,
  });
}

/** Agent accounts (agent.create/update/page/setStatus/resetPassword) and click-to-call (agent.call). */
export class AgentDataSource extends DataSource {
  async create(input: AgentCreateInput): Promise<string> {
    if (input.password === '') throw new BadInputError('input.password', 'must not be empty');
    const body = {
      ...updateBody(input),
      agentName: nonBlank('input.agentName', input.agentName),
      password: input.password,
      isSip: input.generateSip ? 1 : 0,
      ...(input.sipId ? { sipId: input.sipId } : {}),
    };
    const { data } = await this.ctx.call<string>('agent.create', { body });
    return String(data);
  }

  async update(sn: string, input: AgentUpdateInput): Promise<string> {
    const { data } = await this.ctx.call<string>('agent.update', { params: { sn: nonBlank('sn', sn) }, body: updateBody(input) });
    return String(data ?? sn);
  }

  async page(filter: AgentFilter | undefined, page: number, pageSize: number): Promise<AgentPage> {
    checkPage(page, pageSize);
    const query: Record<string, unknown> = { pageNo: page, pageSize };
    for (const [k, v] of Object.entries(filter ?? {})) if (v !== undefined && v !== null && v !== '') query[k] = v;
    const { data } = await this.ctx.call<{ total?: unknown; records?: Record<string, unknown>[] }>('agent.page', { query });
    return { total: toInt(data?.total) ?? 0, records: (data?.records ?? []).map(toAccount) };
  }

  async setEnabled(sn: string, enabled: boolean): Promise<boolean> {
    await this.ctx.call('agent.setStatus', { params: { sn: nonBlank('sn', sn) }, query: { status: enabled ? 1 : 0 } });
    return enabled;
  }

  /** The new password, returned once to the caller (never logged: the client logs no response data). */
  async resetPassword(sn: string): Promise<string> {
    const { data } = await this.ctx.call<string>('agent.resetPassword', { params: { sn: nonBlank('sn', sn) } });
    return String(data);
  }

  async call(
    agentNumber: string,
    called: string,
    options: { userData?: string; displayNumber?: string; answerMode?: AnswerMode },
  ): Promise<AgentCallStarted> {
    // called and displayNumber arrive as Phones: validated and normalised by the scalar.
    const body: Record<string, unknown> = { agentNum: nonBlank('agentNumber', agentNumber), called };
    if (options.userData !== undefined) body.userData = options.userData;
    if (options.displayNumber !== undefined) body.callnum = options.displayNumber;
    if (options.answerMode !== undefined) body.type = options.answerMode;
    const { data } = await this.ctx.call<{ callId?: unknown }>('agent.call', { body });
    return { callId: String(data?.callId ?? '') };
  }
}
