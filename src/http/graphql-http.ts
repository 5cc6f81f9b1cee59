import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseUrl } from 'node:url';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import express from 'express';
import type { Principal } from '../auth/principal';
import type { GatewayContext } from '../context';
import { answerBodyError, wantsLandingPage } from '../guards/http';
import type { Logger } from '../logger';
import type { GatewayMetrics } from '../observability/metrics';
import { assignRequestId } from '../observability/request-id';
import type { Tracing } from '../observability/tracing';
import { isMultipart } from './multipart';
import { sendText } from './respond';

export interface GraphqlHttpOptions {
  apollo: ApolloServer<GatewayContext>;
  /** The context of one operation. */
  context(principal: Principal, requestId: string): GatewayContext;
  /** CORS: true when it answered the request (a preflight). */
  cors(req: IncomingMessage, res: ServerResponse): boolean;
  /** The bearer token, before any body is read: the principal, or undefined when it answered (401, 429). */
  authenticate(req: IncomingMessage, res: ServerResponse): Promise<Principal | undefined>;
  /** A multipart request's operations, or undefined when it answered. */
  uploads(req: IncomingMessage, res: ServerResponse): Promise<unknown>;
  /** HTTP_MAX_BODY_BYTES. */
  maxBodyBytes: number;
  /** Where a browser asking /graphql for a page is sent (the explorer), or undefined: it needs a token like any request. */
  browserPage?: string;
  /** COMPRESSION_MIN_BYTES: answers from this size on are compressed when the client accepts it. */
  compressFrom: number;
  logger: Logger;
  /** Counts the refusals answered here (bodyBytes, authFailures); Apollo's answers are counted by its plugin. */
  metrics?: GatewayMetrics;
  /** With tracing on, each authenticated request runs in its operation span. */
  tracing?: Tracing;
}

/**
 * Whether a request target is /graphql or below it, as Express's `app.use('/graphql')` took it:
 * the path in any case, then the end, `/`, a query or a fragment.
 */
export function isGraphqlPath(url: string): boolean {
  if (url.charCodeAt(0) !== 47 /* / */) {
    // An absolute-form target (http://host/graphql): its path, as Express's router read it.
    const pathname = url === '' ? null : parseUrl(url).pathname;
    return pathname !== null && pathname.charCodeAt(0) === 47 && isGraphqlPath(pathname);
  }
  if (url.length < 8) return false;
  if (url.length > 8) {
    const next = url.charCodeAt(8);
    if (next !== 47 /* / */ && next !== 63 /* ? */ && next !== 35 /* # */) return false;
  }
  const head = url.slice(0, 8);
  return head === '/graphql' || head.toLowerCase() === '/graphql';
}

/** The Content-Types read by the fast path (lower-cased): JSON in UTF-8, stated or implied. */
const PLAIN_JSON = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

const BOM = 0xfeff;

/** body-parser's strict JSON: the first character that is not JSON whitespace opens an object or an array. */
function firstIsOpening(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    return c === 123 /* { */ || c === 91; /* [ */
  }
  return false;
}

/** A body that is not valid JSON, shaped as body-parser's error (answerBodyError reads `type` and `status`). */
const parseFailed = () => Object.assign(new SyntaxError('invalid JSON'), { status: 400, type: 'entity.parse.failed' });

/**
 * POST /graphql (and GET) served by Node's HTTP server directly, with Apollo's
 * `executeHTTPGraphQLRequest`, ahead of Express: Express's router, its request and response
 * prototypes, body-parser (type-is, raw-body, iconv-lite, on-finished) and `res.send` cost about a
 * sixth of a small query's CPU (docs/benchmarks.md, "Overhead"). The steps and answers are those
 * of the Express chain this replaces, in its order:
 * 1. CORS (src/guards/cors.ts): preflights answered here.
 * 2. The bearer token, before any body is read (src/guards/http.ts): 401 / 429, connection closed;
 *    not for a browser asking for Apollo's landing page.
 * 3. Multipart uploads (src/http/multipart.ts), with their CSRF header and limits.
 * 4. The JSON body, at most HTTP_MAX_BODY_BYTES: a POST of `application/json` (UTF-8) with a
 *    Content-Length within the limit and no Content-Encoding is read here (body-parser's strict
 *    parse: empty is `{}`, a BOM is dropped, anything but an object or array is 400); every other
 *    request goes through body-parser itself (express.json, unchanged: charsets, compressed
 *    bodies, chunked bodies, bodies over the limit — read off before 413, as before).
 * 5. Apollo (its CSRF prevention, GET, content negotiation, errors), answered as `res.send` did
 *    (src/http/respond.ts: the same headers, ETag included).
 * Body and other errors are answered by answerBodyError (413 OPERATION_LIMIT, 4xx BAD_REQUEST, 500).
 */
export class GraphqlHttp {
  private readonly jsonParser: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

  constructor(private readonly options: GraphqlHttpOptions) {
    this.jsonParser = express.json({ limit: options.maxBodyBytes }) as never;
  }

  /** Serves the request when its path is /graphql or below; false when it is not (the caller passes it on). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (!isGraphqlPath(req.url ?? '')) return false;
    // The id is in the answer's header from here on: every answer, Apollo's or an early refusal, carries it.
    const requestId = assignRequestId(req, res);
    this.serve(req, res, requestId).catch((err: unknown) => {
      answerBodyError(this.options.logger, req, res, err);
      if (res.statusCode === 413) this.options.metrics?.refused('bodyBytes');
    });
    return true;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const { options } = this;
    if (options.cors(req, res)) return;
    if (options.browserPage && wantsLandingPage(req)) {
      res.writeHead(302, { location: options.browserPage, 'cache-control': 'no-store', 'content-length': '0' });
      res.end();
      return;
    }
    const principal = await options.authenticate(req, res);
    if (!principal) {
      if (res.statusCode === 429) options.metrics?.refused('authFailures');
      return;
    }
    const { tracing } = options;
    return tracing
      ? tracing.operation(req.headers, () => this.answer(req, res, principal, requestId))
      : this.answer(req, res, principal, requestId);
  }

  /** Reads the body and answers with Apollo (in the operation's span, when tracing is on). */
  private async answer(req: IncomingMessage, res: ServerResponse, principal: Principal, requestId: string): Promise<void> {
    const { options } = this;
    let body: unknown;
    if (isMultipart(req)) {
      body = await options.uploads(req, res);
      if (body === undefined) return;
    } else {
      body = await this.readBody(req, res);
      if (body === ABORTED) return;
    }
    const url = req.url ?? '';
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: req.method!.toUpperCase(),
      headers: headerMap(req),
      search: url.includes('?') ? (parseUrl(url).search ?? '') : '',
      body,
    };
    const answer = await options.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: async () => options.context(principal, requestId),
    });
    // Answered meanwhile: the gateway stopped and its deadline cut the operation (src/http/in-flight.ts).
    if (res.headersSent) return;
    for (const [key, value] of answer.headers) res.setHeader(key, value);
    const status = answer.status || 200;
    if (answer.body.kind === 'complete') return sendText(req, res, status, answer.body.string, options.compressFrom);
    res.statusCode = status;
    for await (const chunk of answer.body.asyncIterator) res.write(chunk);
    res.end();
  }

  /** The parsed JSON body (undefined without one, as body-parser leaves `req.body`), or ABORTED (the client went away). */
  private readBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const h = req.headers;
    const type = h['content-type'];
    const length = h['content-length'];
    if (
      req.method !== 'POST' ||
      type === undefined ||
      length === undefined ||
      h['transfer-encoding'] !== undefined ||
      (h['content-encoding'] !== undefined && h['content-encoding'].toLowerCase() !== 'identity') ||
      Number(length) > this.options.maxBodyBytes ||
      !PLAIN_JSON.has(type.toLowerCase())
    ) {
      return new Promise((resolve, reject) =>
        this.jsonParser(req, res, (err) => (err ? reject(err) : resolve((req as { body?: unknown }).body))),
      );
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let ended = false;
      req.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
      });
      req.once('end', () => {
        ended = true;
        let text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)).toString('utf8');
        if (text.charCodeAt(0) === BOM) text = text.slice(1); // iconv-lite, under body-parser, drops it
        if (text.length === 0) return resolve({});
        if (!firstIsOpening(text)) return reject(parseFailed());
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(parseFailed());
        }
      });
      // Closed before the whole body came: nobody is left to answer.
      req.once('close', () => {
        if (!ended) resolve(ABORTED);
      });
      req.once('error', () => {
        if (!ended) resolve(ABORTED);
      });
    });
  }
}

const ABORTED = Symbol('aborted');

/** The request's headers as Apollo's HeaderMap (repeated ones joined with ", ", as the Express integration did). */
function headerMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  const raw = req.headers;
  for (const key in raw) {
    const value = raw[key];
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}
