import spec from '../../spec/agent-control.json';
import { hasAnyRole } from '../auth/principal';
import { BadInputError, ForbiddenError, TimeoutError, UpstreamUnavailableError } from '../errors';
import { AgentEvent, type AgentRegistration, type ToolbarAck, type ToolbarArgs } from '../schema/agentcontrol';
import type { AgentEventData } from '../subscriptions/agent-event';
import type { DeliveredEvent } from '../subscriptions/bus';
import { toInt } from '../upstream/convert';
import { DataSource } from './datasource';

const REQUESTS = new Map(spec.requests.map((r) => [r.request, r]));

/** After / MakeCallFail cause code → name and meaning (agent-control.json causeCodes; several names share a code: the first wins). */
const CAUSES: ReadonlyMap<number, { name: string; meaning: string }> = (() => {
  const map = new Map<number, { name: string; meaning: string }>();
  for (const c of spec.causeCodes) if (!map.has(c.cause)) map.set(c.cause, { name: c.name, meaning: c.meaning });
  return map;
})();

const MIN_WAIT_MS = 100;
const MAX_WAIT_MS = 30_000;

function registration(data: Record<string, unknown>): AgentRegistration {
  const s = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  return {
    domain: s(data.domain),
    sipId: s(data.sipId),
    sipPassword: s(data.sipPassword),
    webrtcDomain: s(data.webrtcDomain),
    webrtcSipId: s(data.webrtcSipId),
    webrtcSipPassword: s(data.webrtcSipPassword),
    registered: toInt(data.registered) === 1,
    canMakeCalls: toInt(data.agentMakeCall) === 1,
    agentType: toInt(data.agentType) ?? 0,
    groupIds: Array.isArray(data.groupIdList) ? data.groupIdList.map(String) : [],
    token: s(data.token),
  };
}

/** A normalised agent event → its GraphQL shape (typed registration for Login/Reconnect, named cause for After/MakeCallFail). */
export function toAgentEvent(e: AgentEventData): AgentEvent {
  const out = Object.assign(new AgentEvent(), {
    event: e.event,
    agentNumber: e.agentNumber,
    agentId: e.agentId ?? undefined,
    nowState: e.nowState ?? undefined,
    eventTime: e.eventTime,
    sequence: String(e.sequence),
    userData: e.userData ?? undefined,
    ivrParam: e.ivrParam ?? undefined,
    data: e.data ?? undefined,
  });
  if ((e.event === 'Login' || e.event === 'Reconnect') && e.data) out.registration = registration(e.data);
  const cause = toInt(e.data?.cause);
  if (cause !== undefined) {
    const known = CAUSES.get(cause);
    out.cause = cause;
    out.causeName = known?.name ?? (typeof e.data?.data === 'string' ? e.data.data : undefined);
    out.causeMeaning = known?.meaning;
  }
  return out;
}

/** Per-instance counter that keeps sequences unique within one millisecond. */
let localCounter = 0;

/**
 * The agent toolbar (agentcontrol.request): one endpoint, `request` names the operation. The
 * platform only acknowledges; the outcome is a pushed event, which this source can wait for.
 */
export class AgentControlDataSource extends DataSource {
  /** The agent number the caller may act as: its own; admins any. */
  private actingAgent(requested: string | undefined): string {
    const principal = this.ctx.principal;
    const own = principal.agentNumber;
    const agentNumber = requested ?? own;
    if (!agentNumber) throw new BadInputError('agentNumber', 'required (the token carries no agent number)');
    if (agentNumber !== own && !principal.roles.includes('admin')) {
      throw new ForbiddenError(`An agent may act only as itself (token agent ${own ?? 'none'}, requested ${agentNumber})`);
    }
    return agentNumber;
  }

  /** A sequence unique across instances: epoch ms × 1000 + a counter shared through the store. */
  private async nextSequence(): Promise<number> {
    let n: number;
    try {
      n = await this.ctx.services.store.incrBy('agentcontrol:sequence');
    } catch {
      n = ++localCounter; // the store is down: unique within this instance still
    }
    return Date.now() * 1000 + (n % 1000);
  }

  /**
   * Sends one toolbar request. `params` are the request's own fields (already platform-typed);
   * `targets` are the agents whose events may answer it (the acting agent, or the monitored agent).
   */
  async send(request: string, args: ToolbarArgs, params: Record<string, unknown> = {}, beAgentNumber?: string): Promise<ToolbarAck> {
    const def = REQUESTS.get(request);
    if (!def) throw new Error(`unknown toolbar request ${request}`);
    if (def.supervisor && !hasAnyRole(this.ctx.principal, ['supervisor'])) {
      throw new ForbiddenError(`${request} is a supervisor operation`);
    }
    const agentNumber = this.actingAgent(args.agentNumber);
    const companyId = this.ctx.services.config.companyId;
    if (!companyId) throw new UpstreamUnavailableError('agentcontrol.request', 'VCALL_COMPANY_ID is not configured');
    if (args.waitForEvent) {
      if (def.resultEvents.length === 0) throw new BadInputError('waitForEvent', `the platform pushes no event for ${request}`);
      if (!Number.isInteger(args.timeoutMs) || args.timeoutMs < MIN_WAIT_MS || args.timeoutMs > MAX_WAIT_MS) {
        throw new BadInputError('timeoutMs', `must be an integer from ${MIN_WAIT_MS} to ${MAX_WAIT_MS}`);
      }
    }
    const sequence = await this.nextSequence();
    const body: Record<string, unknown> = { companyId, agentNumber, sequence, request, ...params };
    if (beAgentNumber !== undefined) body.beAgentNumber = beAgentNumber;
    if (args.userData !== undefined) body.userData = args.userData;

    const answers = new Set(def.resultEvents);
    const from = new Set([agentNumber, ...(beAgentNumber ? [beAgentNumber] : [])]);
    const waiter = args.waitForEvent
      ? this.waitFor((e) => e.sequence === sequence && from.has(e.agentNumber) && answers.has(e.event), args.timeoutMs, request)
      : undefined;
    try {
      await this.ctx.call('agentcontrol.request', { body });
    } catch (err) {
      waiter?.cancel();
      throw err;
    }
    const event = waiter ? toAgentEvent(await waiter.promise) : undefined;
    return { request, sequence: String(sequence), agentNumber, event };
  }

  /** Listens (before the request goes out, so a fast event is not missed) for the first matching agent event. */
  private waitFor(match: (e: AgentEventData) => boolean, timeoutMs: number, request: string) {
    let unsubscribe = () => {};
    let timer: NodeJS.Timeout | undefined;
    let rejectWait: (e: Error) => void = () => {};
    const promise = new Promise<AgentEventData>((resolve, reject) => {
      rejectWait = reject;
      unsubscribe = this.ctx.services.events.subscribe((delivered: DeliveredEvent) => {
        if (delivered.kind !== 'agentEvent') return;
        const e = delivered.data as unknown as AgentEventData;
        if (!match(e)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(e);
      });
      timer = setTimeout(() => {
        unsubscribe();
        reject(new TimeoutError(`No event answered ${request} within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    promise.catch(() => {});
    return {
      promise,
      cancel: () => {
        clearTimeout(timer);
        unsubscribe();
        rejectWait(new Error('cancelled'));
      },
    };
  }
}
