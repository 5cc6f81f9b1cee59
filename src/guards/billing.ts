import type { CallOptions } from '../upstream/http';

/** Toolbar requests that dial out (a call the platform bills); the other toolbar requests are free. */
const DIALLING_TOOLBAR_REQUESTS = new Set(['makeCall', 'consultCall', 'transferCall']);

const listLength = (value: unknown): number => (Array.isArray(value) ? value.length : 1);

/**
 * How many billed units a platform request is: lookups, SMS and flash messages (one per
 * recipient), outbound calls (one per callee). 0 for everything the platform does not bill per
 * request. Outbound tasks are billed when the platform dials their contacts, not when created, and
 * are not counted here.
 */
export function billedUnits(endpointId: string, options: CallOptions | undefined): number {
  if (endpointId.startsWith('lookup.')) return 1;
  const body = options?.body ?? {};
  switch (endpointId) {
    case 'sms.send':
    case 'flash.send':
      return listLength(body.msgs);
    case 'agent.call':
    case 'makecall.create':
    case 'notice.task.one':
      return 1;
    case 'notice.task.batch':
      return typeof body.contacts === 'string' ? body.contacts.split(',').length : 1;
    case 'agentcontrol.request':
      return DIALLING_TOOLBAR_REQUESTS.has(String(body.request)) ? 1 : 0;
    default:
      return 0;
  }
}
