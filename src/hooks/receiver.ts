import { randomUUID } from 'node:crypto';
import type { GatewayFeature } from '../app';
import type { Services } from '../context';
import { callbackKind, recognise, type CallbackKindName, type EventData } from '../events/kinds';
import { StoreUnavailableError } from '../store/store';
import { DEAD_LETTER_STREAM } from '../subscriptions/bus';
import { checkJsonText, readableBody, UnusableCallback, type Body } from './normalize';
import type { HookReply, HookRequest } from './routes';

const MAX_BODY = 1024 * 1024;

/** A callback as the log keeps it: its kind, its idempotency key and its typed data. */
export interface NormalizedEvent<K extends CallbackKindName = CallbackKindName> {
  kind: K;
  key: string;
  data: EventData<K>;
}

/** The key from a body's identifying fields; a callback without one cannot be told from its duplicates. */
function keyOfFields(kind: string, fields: readonly string[], body: Body): string {
  return fields
    .map((f) => {
      const v = body[f];
      if (v === undefined || v === null || v === '') throw new UnusableCallback(`${kind} without its identifying field ${f}`);
      // An object would become "[object Object]": distinct callbacks taken for duplicates of each other.
      if (typeof v === 'object') throw new UnusableCallback(`${kind} with a non-scalar identifying field ${f}`);
      return String(v);
    })
    .join('|');
}

function normalizeAs<K extends CallbackKindName>(kind: K, body: Body): NormalizedEvent<K> {
  const { idFields, normalize } = callbackKind(kind);
  if (typeof idFields === 'function') {
    const data = normalize(body);
    return { kind, key: idFields(data), data };
  }
  const key = keyOfFields(kind, idFields, body);
  return { kind, key, data: normalize(body) };
}

/** A parsed callback body → its kind (by the kind map's discriminators), idempotency key and data. Throws UnusableCallback. */
export function normalizeCallback(parsed: Body): NormalizedEvent {
  const body = readableBody(parsed);
  const kind = recognise(body);
  if (kind === undefined) {
    const event = body.event;
    throw new UnusableCallback(
      typeof event === 'string' && event !== ''
        ? `unknown callback event "${event}"`
        : 'no event, type or msgType field to recognise the callback by',
    );
  }
  return normalizeAs(kind, body);
}

/**
 * JSON or form-encoded (whatever the header says, since the platform's own labels are unreliable).
 * JSON text nested deeper than BODY_LIMITS.depth is refused before it is parsed; form bodies are
 * flat (`a[b][c]=` is one field named `a[b][c]`), and their JSON fields are checked, with the rest
 * of BODY_LIMITS, by normalizeCallback.
 */
export function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  const text = raw.trim();
  const looksJson = text.startsWith('{');
  if (contentType?.includes('json') || (looksJson && !contentType?.includes('x-www-form-urlencoded'))) {
    checkJsonText(text);
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
  const { config, logger, store, events, metrics, tracing } = services;
  /** Counts the callback and names its span (kind: a known kind or `unknown`, never body text). */
  const received = (kind: string, result: 'accepted' | 'duplicate' | 'dead_letter') => {
    metrics.callback(kind, result);
    tracing?.annotate({ 'gateway.callback.kind': kind, 'gateway.callback.result': result }, `callback ${kind}`);
  };
  return {
    hooks(routes) {
      routes.add({
        path: '',
        maxBody: MAX_BODY,
        // Oversized or unreadable bodies: a status, never a stack trace.
        unreadable: (status) => ({ code: status, msg: status === 413 ? 'body too large' : 'bad request' }),
        // With tracing on, the callback's span is active while its event is appended: the event carries its trace context.
        handle: (request, reply) => (tracing ? tracing.callback(() => receive(request, reply)) : receive(request, reply)),
      });
      async function receive({ body: raw, contentType, requestId }: HookRequest, reply: HookReply): Promise<void> {
        let kind = 'unknown';
        try {
          const event = normalizeCallback(parseBody(raw, contentType));
          kind = event.kind;
          const cursor = await events.publish(event.kind, event.key, event.data);
          received(kind, cursor === null ? 'duplicate' : 'accepted');
          // Debug: the platform pushes several a second, every one of them acknowledged.
          logger.debug({ requestId, kind, duplicate: cursor === null, cursor }, 'callback received');
          return reply(200, { code: 0, msg: 'success' });
        } catch (err) {
          if (err instanceof StoreUnavailableError) {
            logger.warn({ requestId, kind }, 'callback refused: event log unavailable (the platform will push it again)');
            return reply(503, { code: 503, msg: 'try again later' });
          }
          const unusable = err instanceof UnusableCallback || err instanceof SyntaxError;
          const reason = unusable ? err.message : 'normalisation failed';
          if (!unusable) logger.error({ requestId, err: (err as Error).message }, 'callback normalisation failed');
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
          received(kind, 'dead_letter');
          logger.warn({ requestId, reason }, 'callback kept as a dead letter');
          reply(200, { code: 0, msg: 'received' });
        }
      }
    },
  };
}
