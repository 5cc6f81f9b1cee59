import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JwtVerifier } from '../auth/jwt';
import type { Principal } from '../auth/principal';
import { GatewayError, RateLimitedError } from '../errors';
import { sendErrors } from '../http/respond';
import type { RateLimits } from './rate-limits';
import type { Logger } from '../logger';

/** A browser asking /graphql for a page (sent to the explorer): no query, HTML accepted. */
export function wantsLandingPage(req: IncomingMessage): boolean {
  return req.method === 'GET' && !(req.url ?? '').includes('?') && (req.headers.accept ?? '').includes('text/html');
}

/**
 * Verifies the bearer token before anything reads the body: a request without a valid one is
 * answered 401 at once and its connection closed, so an unauthenticated client cannot make the
 * gateway read, buffer or parse a large body. Failures count against the client address
 * (RATE_LIMIT_AUTH_FAILURES…); over that limit the answer is 429 with Retry-After.
 * The returned function resolves to the principal, or to undefined when it has answered the request.
 */
export function authenticateFirst(
  jwt: JwtVerifier,
  rateLimits: RateLimits,
  clientAddress: (req: IncomingMessage) => string,
): (req: IncomingMessage, res: ServerResponse) => Promise<Principal | undefined> {
  return async (req, res) => {
    try {
      return await jwt.verify(req.headers.authorization);
    } catch (err) {
      // The unread body is not drained: the connection ends with this answer.
      res.setHeader('connection', 'close');
      try {
        await rateLimits.authFailure(clientAddress(req));
      } catch (limited) {
        if (!(limited instanceof RateLimitedError)) throw limited;
        res.setHeader('retry-after', String(limited.retryAfterSeconds));
        sendErrors(req, res, 429, limited.message, { code: limited.code, ...limited.extensions() });
        return undefined;
      }
      const message = err instanceof GatewayError ? err.message : 'A valid bearer token is required';
      res.setHeader('www-authenticate', 'Bearer');
      sendErrors(req, res, 401, message, { code: 'UNAUTHENTICATED' });
      return undefined;
    }
  };
}

/** A body-parser (raw-body, http-errors) error as it reaches bodyErrorAnswer. */
interface BodyError {
  type?: string;
  status?: number;
  limit?: number;
  length?: number;
  message?: string;
}

/**
 * Body-parser and other request errors as GraphQL-shaped JSON: a body over HTTP_MAX_BODY_BYTES is
 * OPERATION_LIMIT (413, connection closed), unreadable JSON or an unsupported charset BAD_REQUEST
 * (its 4xx status); anything else 500 INTERNAL, logged; never a stack trace.
 */
export function answerBodyError(logger: Logger, req: IncomingMessage, res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const e = err as BodyError;
  if (e.type === 'entity.too.large') {
    res.setHeader('connection', 'close');
    return sendErrors(req, res, 413, `The request body is over the limit of ${e.limit} bytes (HTTP_MAX_BODY_BYTES)`, {
      code: 'OPERATION_LIMIT',
      limit: 'bodyBytes',
      value: e.length ?? null,
      maximum: e.limit,
    });
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    const message = e.type === 'entity.parse.failed' ? 'The request body is not valid JSON' : String(e.message ?? 'Bad request');
    return sendErrors(req, res, e.status, message, { code: 'BAD_REQUEST' });
  }
  logger.error({ err: { message: e.message } }, 'unexpected HTTP error');
  sendErrors(req, res, 500, 'Internal error', { code: 'INTERNAL' });
}
