import { randomUUID } from 'node:crypto';
import type { GatewayFeature } from '../app';
import type { Services } from '../context';
import { StoreUnavailableError } from '../store/store';
import { normalizeCallback, UnusableCallback } from './normalize';

export const DEAD_LETTER_STREAM = 'events:deadletters';
const MAX_BODY = 1024 * 1024;

/** JSON or form-encoded (whatever the header says, since the platform's own labels are unreliable). */
export function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  const text = raw.trim();
  const looksJson = text.startsWith('{');
  if (contentType?.includes('json') || (looksJson && !contentType?.includes('x-www-form-urlencoded'))) {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UnusableCallback('JSON body is not an object');
    return parsed as Record<string, unknown>;
  }
  const params = new URLSearchParams(text);
  const body: Record<string, unknown> = {};
  for (const [k, v] of params) body[k] = v;
  if (Object.keys(body).length === 0) throw new UnusableCallback('empty body');
  return body;
}

/**
 * POST /hooks/<HOOK_SECRET>: every platform callback. A callback is acknowledged (200) only once it
 * is durably in the event log or known as a duplicate; 503 when the log cannot take it, so the
 * platform pushes it again. An authentic body that cannot be used goes to the dead letters (200).
 */
export function webhookReceiver(services: Services): GatewayFeature {
  const { config, logger, store, events } = services;
  return {
    hooks(routes) {
      routes.add({
        path: '',
        maxBody: MAX_BODY,
        // Oversized or unreadable bodies: a status, never a stack trace.
        unreadable: (status) => ({ code: status, msg: status === 413 ? 'body too large' : 'bad request' }),
        async handle({ body: raw, contentType }, reply) {
          let kind = 'unknown';
          try {
            const event = normalizeCallback(parseBody(raw, contentType));
            kind = event.kind;
            const cursor = await events.publish(event.kind, event.key, event.data);
            logger.info({ kind, duplicate: cursor === null, cursor }, 'callback received');
            return reply(200, { code: 0, msg: 'success' });
          } catch (err) {
            if (err instanceof StoreUnavailableError) {
              logger.warn({ kind }, 'callback refused: event log unavailable (the platform will push it again)');
              return reply(503, { code: 503, msg: 'try again later' });
            }
            const unusable = err instanceof UnusableCallback || err instanceof SyntaxError;
            const reason = unusable ? err.message : 'normalisation failed';
            if (!unusable) logger.error({ err: (err as Error).message }, 'callback normalisation failed');
            try {
              await store.appendEvent(DEAD_LETTER_STREAM, `deadletter:${randomUUID()}`, 60_000, config.eventsMaxLenPerKind, {
                at: String(Date.now()),
                reason,
                contentType: String(contentType ?? ''),
                raw,
              });
            } catch {
              return reply(503, { code: 503, msg: 'try again later' });
            }
            logger.warn({ reason }, 'callback kept as a dead letter');
            reply(200, { code: 0, msg: 'received' });
          }
        },
      });
    },
  };
}
