import { hasAnyRole, type Principal } from '../auth/principal';
import type { DeliveredEvent } from './bus';

/** Agent-event data that only the agent itself may see (its SIP/WebRTC credentials, its CCS token). */
const AGENT_SECRETS = ['sipPassword', 'webrtcSipPassword', 'token'];

function eventAgent(event: DeliveredEvent<string, object>): string | undefined {
  const n = (event.data as { agentNumber?: unknown }).agentNumber;
  return typeof n === 'string' && n !== '' ? n : undefined;
}

/**
 * The one place every delivered event passes on its way to a subscriber: who may see it, and what
 * of it. Viewers and above see every event; an agent sees only events that carry its own agent
 * number. Agent credentials in event data reach only that agent.
 */
export function visibleTo<E extends DeliveredEvent<string, object>>(principal: Principal, event: E): E | undefined {
  const owner = eventAgent(event);
  const isOwner = owner !== undefined && owner === principal.agentNumber;
  if (!isOwner && !hasAnyRole(principal, ['viewer'])) return undefined;
  const data = (event.data as { data?: unknown }).data;
  if (isOwner || event.kind !== 'agentEvent' || !data || typeof data !== 'object') return event;
  const masked = { ...(data as Record<string, unknown>) };
  for (const key of AGENT_SECRETS) if (key in masked) masked[key] = null;
  return { ...event, data: { ...event.data, data: masked } };
}
