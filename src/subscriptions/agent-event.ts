import { fromEpochMs, toNumber } from '../upstream/convert';

/**
 * One agent-toolbar event (the "agent control event receipt" callback, kind `agentEvent`) in the
 * gateway's fixed normalised shape: what the event backbone publishes and live state consumes.
 */
export interface AgentEventData extends Record<string, unknown> {
  /** Event name as the platform writes it (`Login`, `Idle`, `AgentRinging`, …). */
  event: string;
  agentNumber: string;
  agentId: string | null;
  companyId: string | null;
  nowState: string | null;
  eventTime: Date;
  /** The request's sequence echoed back; 0 when the request had none. */
  sequence: number;
  userData: string | null;
  ivrParam: string | null;
  data: Record<string, unknown> | null;
}

const str = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : String(v));

/** Whether a pushed body is an agent-toolbar event (`"type": "event"` with an event name). */
export function isAgentEventBody(body: Record<string, unknown>): boolean {
  return body.type === 'event' && typeof body.event === 'string' && body.event !== '';
}

/**
 * A pushed agent event body → the normalised event; throws on a body that is not one (no event
 * name, no agent number or no valid eventTime). The platform types eventTime as a string in its
 * table and a number in its example; both are accepted, as is a JSON string `data`.
 */
export function normalizeAgentEvent(body: Record<string, unknown>): AgentEventData {
  const event = str(body.event);
  const agentNumber = str(body.agentNumber);
  const eventTime = fromEpochMs(body.eventTime);
  if (!event) throw new Error('agent event without an event name');
  if (!agentNumber) throw new Error(`agent event ${event} without an agentNumber`);
  if (!eventTime) throw new Error(`agent event ${event} without a valid eventTime`);
  let data: Record<string, unknown> | null = null;
  if (body.data && typeof body.data === 'object' && !Array.isArray(body.data)) data = body.data as Record<string, unknown>;
  else if (typeof body.data === 'string' && body.data.trim().startsWith('{')) {
    try {
      data = JSON.parse(body.data) as Record<string, unknown>;
    } catch {
      data = null;
    }
  }
  return {
    event,
    agentNumber,
    agentId: str(body.agentId),
    companyId: str(body.companyId),
    nowState: str(body.nowState),
    eventTime,
    sequence: toNumber(body.sequence) ?? 0,
    userData: str(body.userData ?? body.userdata),
    ivrParam: str(body.ivrParam),
    data,
  };
}

/** The idempotency key of an agent event: one agent, one event name, one time, one request. */
export function agentEventKey(e: Pick<AgentEventData, 'agentNumber' | 'event' | 'eventTime' | 'sequence'>): string {
  return `${e.agentNumber}:${e.event}:${e.eventTime.getTime()}:${e.sequence}`;
}
