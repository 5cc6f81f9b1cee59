import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import type { JwtVerifier } from '../auth/jwt';
import type { Principal } from '../auth/principal';
import { GatewayError, RateLimitedError } from '../errors';
import type { RateLimits } from './rate-limits';
import type { Logger } from '../logger';

function sendErrors(res: Response, status: number, message: string, extensions: Record<string, unknown>): void {
  res.status(status).json({ errors: [{ message, extensions }] });
}

/** The principal the request was authenticated as (set by authenticateFirst). */
export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

/** A browser asking /graphql for a page (Apollo's landing page): no query, HTML accepted. */
function wantsLandingPage(req: Parameters<RequestHandler>[0]): boolean {
  return req.method === 'GET' && !req.url.includes('?') && (req.headers.accept ?? '').includes('text/html');
}

/**
 * Verifies the bearer token before anything reads the body: a request without a valid one is
 * answered 401 at once and its connection closed, so an unauthenticated client cannot make the
 * gateway read, buffer or parse a large body.
 */
export function authenticateFirst(
  jwt: JwtVerifier,
  rateLimits: RateLimits,
  clientAddress: (req: IncomingMessage) => string,
): RequestHandler {
  return (req, res, next) => {
    if (wantsLandingPage(req)) return next();
    jwt
      .verify(req.headers.authorization)
      .then(
        (principal) => {
          res.locals.principal = principal;
          next();
        },
        async (err: unknown) => {
          // The unread body is not drained: the connection ends with this answer.
          res.setHeader('connection', 'close');
          try {
            await rateLimits.authFailure(clientAddress(req));
          } catch (limited) {
            if (!(limited instanceof RateLimitedError)) throw limited;
            res.setHeader('retry-after', String(limited.retryAfterSeconds));
            return sendErrors(res, 429, limited.message, { code: limited.code, ...limited.extensions() });
          }
          const message = err instanceof GatewayError ? err.message : 'A valid bearer token is required';
          res.setHeader('www-authenticate', 'Bearer');
          sendErrors(res, 401, message, { code: 'UNAUTHENTICATED' });
        },
      )
      .catch(next);
  };
}

/**
 * Body-parser and other Express errors as GraphQL-shaped JSON: a body over HTTP_MAX_BODY_BYTES is
 * OPERATION_LIMIT (413), unreadable JSON or an unsupported charset BAD_REQUEST; never a stack trace.
 */
export function bodyErrors(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const e = err as { type?: string; status?: number; limit?: number; length?: number; message?: string };
    if (e.type === 'entity.too.large') {
      res.setHeader('connection', 'close');
      return sendErrors(res, 413, `The request body is over the limit of ${e.limit} bytes (HTTP_MAX_BODY_BYTES)`, {
        code: 'OPERATION_LIMIT',
        limit: 'bodyBytes',
        value: e.length ?? null,
        maximum: e.limit,
      });
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      const message = e.type === 'entity.parse.failed' ? 'The request body is not valid JSON' : String(e.message ?? 'Bad request');
      return sendErrors(res, e.status, message, { code: 'BAD_REQUEST' });
    }
    logger.error({ err: { message: e.message } }, 'unexpected HTTP error');
    sendErrors(res, 500, 'Internal error', { code: 'INTERNAL' });
  };
}
