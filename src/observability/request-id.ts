import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What a client may choose as its request id: 1–128 characters of [A-Za-z0-9._:-] (it reaches logs and headers as is). */
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's `x-request-id` when it is acceptable, else a new random one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
}

/**
 * Gives the request its id and echoes it in the `x-request-id` response header, where every answer
 * written for it later finds it (src/http/respond.ts puts it in the errors it writes).
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const id = requestIdOf(req);
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** The request id an answer carries (set by assignRequestId), if any. */
export function requestIdOfAnswer(res: ServerResponse): string | undefined {
  const id = res.getHeader(REQUEST_ID_HEADER);
  return typeof id === 'string' ? id : undefined;
}
