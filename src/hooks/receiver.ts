import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { BlockList, isIPv4 } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { GatewayFeature } from '../app';
import type { Services } from '../context';
import { StoreUnavailableError } from '../store/store';
import { normalizeCallback, UnusableCallback } from './normalize';

export const DEAD_LETTER_STREAM = 'events:deadletters';
const MAX_BODY = 1024 * 1024;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison of the path secret (hashing first makes the lengths equal). */
function secretMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function allowList(cidrs: string[]): BlockList | undefined {
  if (cidrs.length === 0) return undefined;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, bits] = cidr.split('/');
    const type = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

function sourceAllowed(list: BlockList | undefined, address: string | undefined): boolean {
  if (!list) return true;
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return list.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6');
}

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
 * The gate in front of every platform → gateway route under /hooks/<HOOK_SECRET>: a wrong or
 * missing secret, or a source outside HOOK_ALLOW_CIDRS, gets 404 with no hint.
 */
export function hookGuard(config: Services['config']) {
  const secret = config.hookSecret;
  const allowed = allowList(config.hookAllowCidrs);
  return (req: Request, res: Response, next: NextFunction) => {
    if (!secret || !secretMatches(String(req.params.secret), secret)) return res.status(404).end();
    if (!sourceAllowed(allowed, req.socket.remoteAddress)) return res.status(404).end();
    next();
  };
}

/**
 * POST /hooks/<HOOK_SECRET>: every platform callback. A callback is acknowledged (200) only once it
 * is durably in the event log or known as a duplicate; 503 when the log cannot take it, so the
 * platform pushes it again. An authentic body that cannot be used goes to the dead letters (200).
 */
export function webhookReceiver(services: Services): GatewayFeature {
  const { config, logger, store, events } = services;
  return {
    mount(app) {
      const router = express.Router();
      router.post('/hooks/:secret', hookGuard(config), express.text({ type: () => true, limit: MAX_BODY }), async (req: Request, res: Response) => {
        const raw = typeof req.body === 'string' ? req.body : '';
        let kind = 'unknown';
        try {
          const event = normalizeCallback(parseBody(raw, req.headers['content-type']));
          kind = event.kind;
          const cursor = await events.publish(event.kind, event.key, event.data);
          logger.info({ kind, duplicate: cursor === null, cursor }, 'callback received');
          res.json({ code: 0, msg: 'success' });
        } catch (err) {
          if (err instanceof StoreUnavailableError) {
            logger.warn({ kind }, 'callback refused: event log unavailable (the platform will push it again)');
            return res.status(503).json({ code: 503, msg: 'try again later' });
          }
          const reason = err instanceof UnusableCallback || err instanceof SyntaxError ? err.message : 'normalisation failed';
          if (!(err instanceof UnusableCallback || err instanceof SyntaxError)) logger.error({ err: (err as Error).message }, 'callback normalisation failed');
          try {
            await store.appendEvent(DEAD_LETTER_STREAM, `deadletter:${randomUUID()}`, 60_000, config.eventsMaxLenPerKind, {
              at: String(Date.now()),
              reason,
              contentType: String(req.headers['content-type'] ?? ''),
              raw,
            });
          } catch {
            return res.status(503).json({ code: 503, msg: 'try again later' });
          }
          logger.warn({ reason }, 'callback kept as a dead letter');
          res.json({ code: 0, msg: 'received' });
        }
      });
      // Oversized or unreadable bodies: a status, never a stack trace.
      router.use('/hooks', (err: { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
        const status = err.status === 413 || err.type === 'entity.too.large' ? 413 : 400;
        res.status(status).json({ code: status, msg: status === 413 ? 'body too large' : 'bad request' });
      });
      app.use(router);
    },
  };
}
