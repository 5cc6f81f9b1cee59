/**
 * What a clean answer is, for test/fuzz.test.ts: the statuses, error codes and bodies the gateway
 * may answer fuzzed GraphQL requests and platform callbacks with, and what must never leak.
 */
import { resolve } from 'node:path';
import { request } from 'undici';
import { JWT_SECRET } from './stack';

export const MAX_BODY = 1024 * 1024; // HTTP_MAX_BODY_BYTES and the callback receiver's limit

/**
 * The codes an answer may carry: the gateway's own (src/errors.ts) that these requests can meet,
 * and Apollo's request errors that formatError passes on. Not here, on purpose: INTERNAL (a bug),
 * UPSTREAM_UNAVAILABLE / TIMEOUT / UNAVAILABLE (the sandbox and Redis are up), RATE_LIMITED (off).
 */
export const CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'UPSTREAM_ERROR',
  'OPERATION_LIMIT',
  'CURSOR_EXPIRED', // a well-formed cursor the log cannot continue (e.g. digits ahead of its end)
  'BAD_REQUEST',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * HTTP statuses of /graphql answers: 200 (executed, errors in the body included), 400 (parse,
 * validation, bad request, operation limits), 401 (no or bad token), 405 (a mutation over GET,
 * Apollo), 406 (an Accept header Apollo cannot answer, e.g. text/event-stream), 413 (a body over
 * HTTP_MAX_BODY_BYTES, only for such bodies), 415 (a charset the JSON parser does not take).
 * Never 5xx: 503 would mean the platform or Redis down, which they are not. Never 429: the rate
 * limits are off for the fuzzer.
 */
export const GRAPHQL_STATUSES = new Set([200, 400, 401, 405, 406, 413, 415]);

const ROOT = resolve(__dirname, '../..');

/** What must never reach a client in an error: stack frames, source or module paths (the JWT secret is checked on the whole answer). */
const LEAKS = [
  /\bat (?:async )?[\w$.<>[\] ]+ \(.*:\d+:\d+\)/,
  /\bat \/\S+:\d+:\d+/,
  /node_modules/,
  new RegExp(ROOT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
  /\/(?:src|dist)\/\w+/,
  /\.(?:ts|js):\d+/,
  /file:\/\//,
];

export interface Answer {
  status: number;
  type: string;
  text: string;
}

/**
 * One request; a socket reset is retried once on a new connection. The gateway shares the test's
 * event loop: after a stall of a few seconds the server's keep-alive timeout (5 s) and the client's
 * reuse of the idle connection race. A reset the request itself causes happens again and fails.
 */
export async function send(
  url: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body?: string | Uint8Array,
  retried = false,
): Promise<Answer> {
  try {
    const res = await request(url, { method, headers, body, headersTimeout: 30_000, bodyTimeout: 30_000, reset: retried });
    const text = await res.body.text();
    return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), text };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (!retried && (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET')) return send(url, method, headers, body, true);
    throw err;
  }
}

export const bytes = (body: string | Uint8Array | undefined) =>
  body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
export const clip = (s: string, n = 600) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

function fail(why: string, answer: Answer): never {
  throw new Error(`${why}\nanswer: ${answer.status} ${answer.type}\n${clip(answer.text, 1500)}`);
}

/** A /graphql answer is clean: an allowed status, JSON with data or errors, errors with a string message and a known code, nothing leaked. */
export function expectCleanGraphqlAnswer(answer: Answer, sentBytes: number): void {
  if (!GRAPHQL_STATUSES.has(answer.status)) fail(`status ${answer.status} is not one of ${[...GRAPHQL_STATUSES]}`, answer);
  if (answer.status === 413 && sentBytes <= MAX_BODY) fail(`413 for a body of ${sentBytes} bytes (limit ${MAX_BODY})`, answer);
  if (!/^application\/(?:graphql-response\+)?json/.test(answer.type)) fail('the answer is not JSON', answer);
  if (answer.text.includes(JWT_SECRET)) fail('the answer contains the JWT secret', answer);
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    fail('the answer does not parse as JSON', answer);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) fail('the answer is not a JSON object', answer);
  const { data, errors } = body as { data?: unknown; errors?: unknown };
  if (data === undefined && errors === undefined) fail('the answer has neither data nor errors', answer);
  if (errors === undefined) return;
  if (!Array.isArray(errors) || errors.length === 0) fail('errors is not a non-empty array', answer);
  for (const e of errors as { message?: unknown; extensions?: Record<string, unknown> }[]) {
    if (typeof e?.message !== 'string' || e.message === '') fail('an error without a string message', answer);
    const code = e.extensions?.code;
    if (typeof code !== 'string' || !CODES.has(code)) fail(`an error with code ${JSON.stringify(code)}`, answer);
    if (e.extensions && ('stacktrace' in e.extensions || 'exception' in e.extensions))
      fail('an error with a stack trace in its extensions', answer);
    const text = JSON.stringify(e);
    for (const leak of LEAKS) if (leak.test(text)) fail(`an error matching ${leak}`, answer);
    if (answer.status === 401 && code !== 'UNAUTHENTICATED') fail('a 401 without UNAUTHENTICATED', answer);
  }
}

/** The callback receiver's answers: the platform's ack (200), or its 400/413 refusals; never 5xx (503 only if Redis could not take the event). */
export function expectCleanHookAnswer(answer: Answer, sentBytes: number): void {
  const expected: Record<number, unknown[]> = {
    200: [
      { code: 0, msg: 'success' },
      { code: 0, msg: 'received' },
    ],
    400: [{ code: 400, msg: 'bad request' }],
    413: [{ code: 413, msg: 'body too large' }],
  };
  if (!expected[answer.status]) fail(`status ${answer.status} is not 200, 400 or 413`, answer);
  if (answer.status === 413 && sentBytes <= MAX_BODY) fail(`413 for a body of ${sentBytes} bytes`, answer);
  if (answer.type !== 'application/json; charset=utf-8') fail('the answer is not JSON', answer);
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    fail('the answer does not parse as JSON', answer);
  }
  if (!expected[answer.status].some((e) => JSON.stringify(e) === JSON.stringify(body))) fail('not the platform ack or refusal', answer);
}
