import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BlockList, isIP, isIPv4 } from 'node:net';
import contentType from 'content-type';
import getRawBody from 'raw-body';
import type { Config } from '../config';
import { clientAddressResolver } from '../http/client-address';
import type { Logger } from '../logger';
import { assignRequestId } from '../observability/request-id';

/** A platform request under /hooks/<HOOK_SECRET>, its body read and decoded. */
export interface HookRequest {
  body: string;
  contentType: string | undefined;
  /** The request's id (its `x-request-id`, or a new one), echoed in the answer's header; for its log lines. */
  requestId: string;
}

/** Answers a hook request with a JSON body. */
export type HookReply = (status: number, body: unknown) => void;

export interface HookRoute {
  /** The path below /hooks/<HOOK_SECRET>: '' for the callbacks, '/ivr' for IVR transfer requests. */
  path: string;
  /** Largest body read; a larger one is answered 413 without reaching the handler. */
  maxBody: number;
  /** The JSON body answered with 413 (too large) or 400 (unreadable: aborted, bad length or charset). */
  unreadable(status: 413 | 400): unknown;
  handle(request: HookRequest, reply: HookReply): void | Promise<void>;
}

export const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison of a given secret with the secret's digest (hashing makes the lengths equal). */
export function secretMatches(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
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

/** The client address (IPv4-mapped already plain) against the list; anything that is not an IP address is refused. */
function sourceAllowed(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function charsetOf(req: IncomingMessage): string {
  try {
    return contentType.parse(req).parameters.charset ?? 'utf-8';
  } catch {
    return 'utf-8'; // no or malformed Content-Type: the platform writes UTF-8
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-length': 0 });
  res.end();
}

/**
 * The platform-facing routes, POST /hooks/<HOOK_SECRET>[/…], served by Node's HTTP server directly,
 * ahead of Express: every callback and every IVR transfer request passes here, and Express's router
 * and body parser cost about three times Node's own request handling (docs/benchmarks.md). A wrong
 * or missing secret, a source outside HOOK_ALLOW_CIDRS, another method or an unknown path all get
 * the same empty 404: nothing tells a prober what exists. The source is the client address as
 * TRUST_PROXY reads it (src/http/client-address.ts): the socket's peer unless the peer is a trusted
 * proxy, so an X-Forwarded-For from anyone else is ignored.
 */
export class HookRoutes {
  private readonly routes = new Map<string, HookRoute>();
  private readonly secret: Buffer | undefined;
  private readonly allowed: BlockList | undefined;
  private readonly clientAddress: (req: IncomingMessage) => string;

  constructor(
    config: Pick<Config, 'hookSecret' | 'hookAllowCidrs' | 'trustProxy'>,
    private readonly logger: Logger,
  ) {
    this.secret = config.hookSecret ? digest(config.hookSecret) : undefined;
    this.allowed = allowList(config.hookAllowCidrs);
    this.clientAddress = clientAddressResolver(config.trustProxy);
  }

  add(route: HookRoute): void {
    this.routes.set(route.path, route);
  }

  /** Serves the request when its path is /hooks or below; false when it is not (Express takes it). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '';
    if (!url.startsWith('/hooks') || (url.length > 6 && url[6] !== '/' && url[6] !== '?')) return false;
    const query = url.indexOf('?');
    const path = (query === -1 ? url : url.slice(0, query)).slice(7);
    const slash = path.indexOf('/');
    const given = decodeSegment(slash === -1 ? path : path.slice(0, slash));
    let rest = slash === -1 ? '' : path.slice(slash);
    if (rest.endsWith('/')) rest = rest.slice(0, -1);
    if (!this.secret || given === undefined || !secretMatches(given, this.secret)) return (notFound(res), true);
    if (this.allowed && !sourceAllowed(this.allowed, this.clientAddress(req))) return (notFound(res), true);
    const route = this.routes.get(rest.toLowerCase());
    if (!route || req.method !== 'POST') return (notFound(res), true);
    void this.serve(route, req, res);
    return true;
  }

  private async serve(route: HookRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = assignRequestId(req, res);
    let body: string;
    try {
      body = await getRawBody(req, { limit: route.maxBody, length: req.headers['content-length'], encoding: charsetOf(req) });
    } catch (err) {
      const status = (err as { status?: number }).status === 413 ? 413 : 400;
      return sendJson(res, status, route.unreadable(status));
    }
    let answered = false;
    const reply: HookReply = (status, answer) => {
      if (answered) return;
      answered = true;
      sendJson(res, status, answer);
    };
    try {
      await route.handle({ body, contentType: req.headers['content-type'], requestId }, reply);
    } catch (err) {
      this.logger.error({ requestId, route: route.path || '/', err: (err as Error).message }, 'hook handler failed');
    }
    // A handler that failed without answering: a status, never a stack trace.
    if (!answered) reply(500, { code: 500, msg: 'internal error' });
  }
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
