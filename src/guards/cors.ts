import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config';
import { sendErrors } from '../http/respond';

/** What a browser frontend may send: the token, JSON, Apollo's CSRF header and a request id. */
export const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'x-request-id',
];

const ALLOWED_METHODS = 'GET,POST,OPTIONS';
const EXPOSED_HEADERS = 'retry-after,x-request-id';
const MAX_AGE = '600';

/** Appends Origin to the answer's Vary header (the `vary` package's behaviour for one field). */
function varyOrigin(res: ServerResponse): void {
  const current = res.getHeader('vary');
  if (current === undefined || current === '') return void res.setHeader('Vary', 'Origin');
  const list = String(current);
  if (list.trim() === '*' || list.toLowerCase().split(/ *, */).includes('origin')) return;
  res.setHeader('Vary', `${list}, Origin`);
}

/**
 * CORS for browser frontends on other origins (CORS_ORIGINS: exact origins, or `*` without
 * credentials). An allowed origin's preflight is answered 204 with the allowed methods and
 * headers; a preflight from any other origin gets 403, so it never reaches Apollo's CSRF check
 * (which answers simple cross-site requests, as before). The headers are those the `cors` package
 * wrote with these options (reflected origin and `Vary: Origin` for a list, `*` for any origin,
 * nothing for an origin not on the list), computed here without its per-request option objects.
 * Returns true when it answered the request (a preflight), false when the request goes on.
 */
export function corsGuard(settings: Config['cors']): (req: IncomingMessage, res: ServerResponse) => boolean {
  const any = settings.origins.includes('*');
  const allowed = new Set(settings.origins);
  const isAllowed = (origin: string | undefined) => origin !== undefined && (any || allowed.has(origin));
  const star = any && !settings.credentials;
  /** The headers every answer to an allowed origin carries; false: the origin gets none. */
  const originHeaders = (res: ServerResponse, origin: string | undefined): boolean => {
    if (star) {
      res.setHeader('Access-Control-Allow-Origin', '*');
    } else {
      if (!isAllowed(origin)) return false;
      res.setHeader('Access-Control-Allow-Origin', origin!);
      varyOrigin(res);
    }
    if (settings.credentials) res.setHeader('Access-Control-Allow-Credentials', 'true');
    return true;
  };
  return (req, res) => {
    const origin = req.headers.origin;
    if (req.method !== 'OPTIONS') {
      if (originHeaders(res, origin)) res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
      return false;
    }
    if (!isAllowed(origin)) {
      sendErrors(req, res, 403, `Origin ${origin ?? '(none)'} is not allowed by CORS_ORIGINS`, { code: 'FORBIDDEN' });
      return true;
    }
    originHeaders(res, origin);
    res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
    res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS.join(','));
    res.setHeader('Access-Control-Max-Age', MAX_AGE);
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    // Safari needs Content-Length 0 on a 204 (as the cors package sends it).
    res.statusCode = 204;
    res.setHeader('Content-Length', '0');
    res.end();
    return true;
  };
}
