import type { RequestHandler } from 'express';
import cors from 'cors';
import type { Config } from '../config';

/** What a browser frontend may send: the token, JSON, Apollo's CSRF header and a request id. */
export const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'x-request-id',
];

/**
 * CORS for browser frontends on other origins (CORS_ORIGINS: exact origins, or `*` without
 * credentials). An allowed origin's preflight is answered 204 with the allowed methods and
 * headers; a preflight from any other origin gets 403, so it never reaches Apollo's CSRF check
 * (which answers simple cross-site requests, as before).
 */
export function corsMiddleware(settings: Config['cors']): RequestHandler {
  const any = settings.origins.includes('*');
  const allowed = new Set(settings.origins);
  const isAllowed = (origin: string | undefined) => origin !== undefined && (any || allowed.has(origin));
  const handler = cors({
    origin: (origin, done) => done(null, any && !settings.credentials ? '*' : isAllowed(origin)),
    credentials: settings.credentials,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: ['retry-after', 'x-request-id'],
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (req.method === 'OPTIONS' && !isAllowed(origin)) {
      res
        .status(403)
        .json({ errors: [{ message: `Origin ${origin ?? '(none)'} is not allowed by CORS_ORIGINS`, extensions: { code: 'FORBIDDEN' } }] });
      return;
    }
    handler(req, res, next);
  };
}
