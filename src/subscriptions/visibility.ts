import { hasAnyRole, type Principal } from '../auth/principal';
import type { DeliveredEvent } from './bus';

function eventAgent(event: DeliveredEvent<string, object>): string | undefined {
  const n = (event.data as { agentNumber?: unknown }).agentNumber;
  return typeof n === 'string' && n !== '' ? n : undefined;
}

/**
 * The one place every delivered event passes on its way to a subscriber: who may see it. Viewers
 * and above see every event; an agent sees only events that carry its own agent number. What of an
 * event each one sees (masked numbers, credentials) is decided by the schema's personal-data rules
 * (src/apply-sensitivity.ts), as for every other answer.
 */
export function visibleTo<E extends DeliveredEvent<string, object>>(principal: Principal, event: E): E | undefined {
  const owner = eventAgent(event);
  if (owner !== undefined && owner === principal.agentNumber) return event;
  return hasAnyRole(principal, ['viewer']) ? event : undefined;
}
