import { hash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import contentType from 'content-type';
import fresh from 'fresh';
import { requestIdOfAnswer } from '../observability/request-id';
import { addVary, chooseEncoding, compressible, sendCompressed } from './compression';

/**
 * Answers as Express's `res.send(string)` / `res.json(value)` answered, for the routes served by
 * Node's HTTP server directly (/graphql, src/http/graphql-http.ts): the same headers, so a client
 * sees no difference — the Content-Type with `charset=utf-8`, Content-Length, a weak ETag (Express's
 * default, `W/"<length hex>-<sha1 base64, 27 chars>"`), 304 for a fresh GET/HEAD (If-None-Match,
 * If-Modified-Since, by the `fresh` package Express uses), no body for 204/304 or a HEAD request.
 */

/** Content types with Express's `setCharset(type, 'utf-8')` applied, by the type given (a handful of distinct values). */
const withCharset = new Map<string, string>();

function charsetUtf8(type: string): string {
  let out = withCharset.get(type);
  if (out === undefined) {
    const parsed = contentType.parse(type);
    parsed.parameters.charset = 'utf-8';
    out = contentType.format(parsed);
    if (withCharset.size < 64) withCharset.set(type, out);
  }
  return out;
}

/** The etag package's entity tag of a string, weak (what Express sets on every `res.send`). */
function weakEtag(body: string, length: number): string {
  if (length === 0) return 'W/"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"';
  // crypto.hash: one call, no Hash object (createHash's object cost more than the hashing of a small answer).
  return `W/"${length.toString(16)}-${hash('sha1', body, 'base64').substring(0, 27)}"`;
}

/** Express's `req.fresh`: only GET and HEAD, with a 2xx or 304 status, compared with the answer's ETag. */
function isFresh(req: IncomingMessage, res: ServerResponse): boolean {
  const method = req.method;
  if (method !== 'GET' && method !== 'HEAD') return false;
  const status = res.statusCode;
  if (!((status >= 200 && status < 300) || status === 304)) return false;
  const headers = req.headers;
  if (headers['if-none-match'] === undefined && headers['if-modified-since'] === undefined) return false;
  return fresh(headers, { etag: res.getHeader('etag'), 'last-modified': res.getHeader('last-modified') });
}

/**
 * `res.status(status).send(body)` with a string body, the Content-Type set before (or text/html, as
 * Express defaults). With `compressFrom` (COMPRESSION_MIN_BYTES), a body of that many bytes or more
 * is sent compressed when the client accepts it (src/http/compression.ts; the ETag stays that of the
 * uncompressed body, weak as it is).
 */
export function sendText(req: IncomingMessage, res: ServerResponse, status: number, body: string, compressFrom?: number): void {
  const type = res.getHeader('content-type');
  res.setHeader('Content-Type', typeof type === 'string' ? charsetUtf8(type) : 'text/html; charset=utf-8');
  const length = Buffer.byteLength(body, 'utf8');
  if (res.getHeader('transfer-encoding') === undefined) res.setHeader('Content-Length', String(length));
  if (res.getHeader('etag') === undefined) res.setHeader('ETag', weakEtag(body, length));
  res.statusCode = status;
  if (isFresh(req, res)) res.statusCode = 304;
  if (res.statusCode === 204 || res.statusCode === 304) {
    res.removeHeader('Content-Type');
    res.removeHeader('Content-Length');
    res.removeHeader('Transfer-Encoding');
    body = '';
  } else if (res.statusCode === 205) {
    res.setHeader('Content-Length', '0');
    res.removeHeader('Transfer-Encoding');
    body = '';
  }
  if (compressFrom !== undefined && body !== '' && compressible(String(res.getHeader('content-type')), length, compressFrom)) {
    addVary(res);
    const encoding = chooseEncoding(req);
    if (encoding && req.method !== 'HEAD') return sendCompressed(res, body, encoding);
  }
  // A string body leaves with the head in one write (Node prepends the head to a first string chunk).
  if (req.method === 'HEAD') res.end();
  else res.end(body, 'utf8');
}

/** `res.status(status).json(value)`. */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, value: unknown): void {
  if (res.getHeader('content-type') === undefined) res.setHeader('Content-Type', 'application/json; charset=utf-8');
  sendText(req, res, status, JSON.stringify(value));
}

/** A GraphQL-shaped error answer: `{ errors: [{ message, extensions }] }`, with the request's id when it has one. */
export function sendErrors(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  extensions: Record<string, unknown>,
): void {
  const requestId = requestIdOfAnswer(res);
  sendJson(req, res, status, { errors: [{ message, extensions: requestId ? { ...extensions, requestId } : extensions }] });
}
