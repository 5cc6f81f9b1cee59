import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response, type Router } from 'express';
import multer from 'multer';
import { endpointSpec, type EndpointId, type EndpointSpec, type HostName } from './spec';
import type { AgentTrafficOptions } from './agent-sim-traffic';
import { CallbackPusher, type CallbackOptions } from './callbacks';
import { SandboxClock } from './clock';
import { errorEnvelope, okEnvelope, PlatformFault } from './envelope';
import { TokenRegistry } from './tokens';
import { registerFamilies } from './families';

export const SANDBOX_ACCESS_KEY_ID = 'sandbox-access-key';
export const SANDBOX_ACCESS_KEY_SECRET = 'sandbox-access-secret';
export const SANDBOX_COMPANY_ID = '10001';

export interface UploadedFile {
  field: string;
  filename: string;
  mimetype: string;
  size: number;
  buffer: Buffer;
}

/** One request as the sandbox saw it; tests read these to assert the exact upstream request. */
export interface LoggedRequest {
  seq: number;
  at: number;
  endpoint: string | null;
  host: HostName;
  method: string;
  path: string;
  /** json, form, multipart, or none (no body) */
  contentType: string;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  files: Omit<UploadedFile, 'buffer'>[];
  /** Where a `token` was found: body, query, form, or none. */
  tokenIn: 'body' | 'query' | 'form' | 'none';
  token?: string;
  /** The envelope code answered (or the HTTP status for a non-envelope answer). */
  answered?: string | number;
  /** The W3C `traceparent` header the request carried, if any (a gateway propagating its traces). */
  traceparent?: string;
}

export interface SandboxRequest {
  endpoint: EndpointSpec;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  files: UploadedFile[];
  /** What the endpoint's content type carries: the query for GET/query endpoints, the body otherwise. */
  input: Record<string, unknown>;
  log: LoggedRequest;
}

/** Returned by a handler that must answer a body other than `{msg, code, data}`. */
export class RawAnswer {
  constructor(
    readonly body: unknown,
    readonly status = 200,
  ) {}
}

export type SandboxHandler = (req: SandboxRequest) => unknown | Promise<unknown>;

export interface Fault {
  endpoint: string;
  kind: 'delay' | 'http' | 'envelope' | 'reset';
  ms?: number;
  status?: number;
  code?: string | number;
  msg?: string;
  /** How many requests it affects; -1 for all until cleared. */
  times: number;
}

export interface SandboxOptions {
  port?: number;
  host?: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  companyId?: string;
  callbacks?: Partial<CallbackOptions>;
  /** Simulated agents taking calls from the start (agent toolbar events for a moving wallboard). */
  agentTraffic?: AgentTrafficOptions;
  /** Simulated IVR callers asking the customer's IVR URL where to transfer them (calls per minute). */
  ivrTraffic?: { callsPerMinute: number };
}

/** What a family module gets to register its endpoints and keep its state. */
export interface SandboxContext {
  clock: SandboxClock;
  callbacks: CallbackPusher;
  companyId: string;
  /** The sandbox's agentTraffic option. */
  agentTraffic?: AgentTrafficOptions;
  /** The sandbox's ivrTraffic option. */
  ivrTraffic?: SandboxOptions['ivrTraffic'];
  /** Registers the handler of one endpoint of spec/endpoints.json. */
  route(endpointId: EndpointId, handler: SandboxHandler, options?: { checkRequired?: boolean }): void;
  /** Adds a test-only control route under /__sandbox (e.g. to make the platform emit a callback). */
  control(method: 'get' | 'post' | 'delete', path: string, handler: (req: Request, res: Response) => unknown): void;
  /** Registers a reset hook run by POST /__sandbox/reset. */
  onReset(fn: () => void): void;
  /** Registers a close hook (timers of simulations). */
  onClose(fn: () => void): void;
}

const MAX_LOG = 10_000;

/**
 * A simulator of the v-call platform: the same paths, content types, envelopes, token rules and
 * error codes, mounted per host under /cc, /notice and /open on one port. The gateway reaches it
 * only over HTTP, exactly as it reaches the real platform.
 */
export class Sandbox {
  readonly clock = new SandboxClock();
  readonly tokens: Record<'cc' | 'notice', TokenRegistry>;
  readonly callbacks: CallbackPusher;
  readonly companyId: string;
  private readonly app = express();
  private readonly routers: Record<HostName, Router> = { cc: express.Router(), notice: express.Router(), open: express.Router() };
  private readonly requestLog: LoggedRequest[] = [];
  private readonly counters = new Map<string, number>();
  private faults: Fault[] = [];
  private seq = 0;
  private readonly resetHooks: (() => void)[] = [];
  private readonly closeHooks: (() => void)[] = [];
  private server?: http.Server;
  private readonly accessKeyId: string;
  private readonly accessKeySecret: string;

  constructor(private readonly options: SandboxOptions = {}) {
    this.tokens = { cc: new TokenRegistry(this.clock), notice: new TokenRegistry(this.clock) };
    this.callbacks = new CallbackPusher({ retryIntervalMs: 2000, maxRetries: 3, ...options.callbacks });
    this.companyId = options.companyId ?? SANDBOX_COMPANY_ID;
    this.accessKeyId = options.accessKeyId ?? SANDBOX_ACCESS_KEY_ID;
    this.accessKeySecret = options.accessKeySecret ?? SANDBOX_ACCESS_KEY_SECRET;
    this.app.disable('x-powered-by');
    this.app.set('query parser', 'simple');
    // The platform's clock is the sandbox clock, also in the Date header the gateway reads.
    this.app.use((_req, res, next) => {
      res.setHeader('Date', new Date(this.clock.now()).toUTCString());
      next();
    });
    this.mountControl();
    this.app.use('/cc', this.routers.cc);
    this.app.use('/notice', this.routers.notice);
    this.app.use('/open', this.routers.open);
    this.registerTokenEndpoints();
    registerFamilies(this.context());
    this.app.use((_req, res) => res.status(404).json({ msg: 'not found', code: 404 }));
  }

  /** Base URLs to give the gateway (VCALL_BASE_URL, VCALL_NOTICE_BASE_URL, VCALL_OPEN_BASE_URL). */
  get urls(): Record<HostName, string> {
    const base = this.url;
    return { cc: `${base}/cc`, notice: `${base}/notice`, open: `${base}/open` };
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null;
    if (!addr) throw new Error('sandbox not listening');
    return `http://127.0.0.1:${addr.port}`;
  }

  get credentials() {
    return { accessKeyId: this.accessKeyId, accessKeySecret: this.accessKeySecret, companyId: this.companyId };
  }

  async listen(): Promise<string> {
    this.server = http.createServer(this.app);
    this.server.keepAliveTimeout = 65_000;
    this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1');
    await once(this.server, 'listening');
    return this.url;
  }

  async close(): Promise<void> {
    this.callbacks.close();
    for (const fn of this.closeHooks) fn();
    if (!this.server) return;
    const server = this.server;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  requests(filter: { endpoint?: string; since?: number } = {}): LoggedRequest[] {
    return this.requestLog.filter(
      (r) => (filter.endpoint === undefined || r.endpoint === filter.endpoint) && (filter.since === undefined || r.seq > filter.since),
    );
  }

  count(endpointId: string): number {
    return this.counters.get(endpointId) ?? 0;
  }

  addFault(fault: Omit<Fault, 'times'> & { times?: number }): void {
    this.faults.push({ times: 1, ...fault });
  }

  reset(): void {
    this.requestLog.length = 0;
    this.counters.clear();
    this.faults = [];
    for (const fn of this.resetHooks) fn();
  }

  private context(): SandboxContext {
    return {
      clock: this.clock,
      callbacks: this.callbacks,
      companyId: this.companyId,
      agentTraffic: this.options.agentTraffic,
      ivrTraffic: this.options.ivrTraffic,
      route: (id, handler, options) => this.route(id, handler, options),
      control: (method, path, handler) => {
        this.app[method](`/__sandbox${path}`, express.json({ limit: '10mb' }), async (req, res) => {
          try {
            const out = await handler(req, res);
            if (!res.headersSent) res.json(out ?? { ok: true });
          } catch (err) {
            res.status(400).json({ error: (err as Error).message });
          }
        });
      },
      onReset: (fn) => this.resetHooks.push(fn),
      onClose: (fn) => this.closeHooks.push(fn),
    };
  }

  private registerTokenEndpoints(): void {
    const issue = (host: 'cc' | 'notice') => (req: SandboxRequest) => {
      const { accessKeyId, accessKeySecret } = req.input;
      if (accessKeyId !== this.accessKeyId || accessKeySecret !== this.accessKeySecret) {
        throw new PlatformFault(403, 'no auth');
      }
      return this.tokens[host].issue(accessKeyId);
    };
    this.route('auth.token', issue('cc'));
    this.route('notice.token', issue('notice'));
  }

  private route(endpointId: EndpointId, handler: SandboxHandler, options: { checkRequired?: boolean } = {}): void {
    const spec = endpointSpec(endpointId);
    const path = spec.path.replace(/\{(\w+)\}/g, ':$1');
    const router = this.routers[spec.host];
    const method = spec.method === 'GET' ? 'get' : 'post';
    const tokenHost: 'cc' | 'notice' = spec.host === 'notice' ? 'notice' : 'cc';
    router[method](path, bodyParserFor(spec), async (req: Request, res: Response) => {
      const log = this.record(spec, req);
      const answer = (status: number, body: unknown) => {
        log.answered = body && typeof body === 'object' && 'code' in body ? (body as { code: string | number }).code : status;
        res.status(status).json(body);
      };
      try {
        const fault = this.takeFault(endpointId);
        if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms ?? 1000));
        if (fault?.kind === 'reset') {
          req.socket.destroy();
          return;
        }
        if (fault?.kind === 'http') {
          log.answered = fault.status ?? 500;
          res
            .status(fault.status ?? 500)
            .type('text/html')
            .send(fault.msg ?? '<html>Internal Server Error</html>');
          return;
        }
        if (fault?.kind === 'envelope') {
          answer(200, errorEnvelope(spec.successCode, fault.code ?? -1, fault.msg ?? 'error'));
          return;
        }
        if (!this.acceptsContentType(spec, req)) {
          log.answered = 415;
          res.status(415).json({ msg: `expected ${spec.contentType} request`, code: 415 });
          return;
        }
        if (spec.tokenIn !== 'none' && !this.tokens[tokenHost].isValid(log.token)) {
          answer(200, errorEnvelope(spec.successCode, 403, 'no auth'));
          return;
        }
        const files = ((req.files as Express.Multer.File[] | undefined) ?? []).map((f) => ({
          field: f.fieldname,
          filename: f.originalname,
          mimetype: f.mimetype,
          size: f.size,
          buffer: f.buffer,
        }));
        const query = (req.query ?? {}) as Record<string, unknown>;
        const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
        const input = spec.contentType === 'query' ? query : body;
        if (options.checkRequired !== false) {
          const missing = spec.required.find((f) => !f.includes('[]') && isBlank(input[f]) && !(f in req.params));
          if (missing) throw new PlatformFault(-1, `${missing}不能为空`);
        }
        const data = await handler({ endpoint: spec, params: req.params as Record<string, string>, query, body, files, input, log });
        if (data instanceof RawAnswer) return answer(data.status, data.body);
        answer(200, okEnvelope(spec.successCode, data));
      } catch (err) {
        if (err instanceof PlatformFault) {
          const body = { ...errorEnvelope(spec.successCode, err.code, err.message), ...(err.data === undefined ? {} : { data: err.data }) };
          answer(200, body);
        } else {
          log.answered = 500;
          res.status(500).json({ msg: 'internal error', code: 500 });
        }
      }
    });
  }

  private acceptsContentType(spec: EndpointSpec, req: Request): boolean {
    const type = req.headers['content-type'] ?? '';
    switch (spec.contentType) {
      case 'json':
        return type.startsWith('application/json');
      case 'form':
        return type.startsWith('application/x-www-form-urlencoded');
      case 'multipart':
        return type.startsWith('multipart/form-data');
      case 'query':
        return true;
    }
  }

  private record(spec: EndpointSpec, req: Request): LoggedRequest {
    const query = (req.query ?? {}) as Record<string, unknown>;
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const type = req.headers['content-type'] ?? '';
    const contentType = type.startsWith('application/json')
      ? 'json'
      : type.startsWith('application/x-www-form-urlencoded')
        ? 'form'
        : type.startsWith('multipart/form-data')
          ? 'multipart'
          : type === ''
            ? 'none'
            : type;
    let tokenIn: LoggedRequest['tokenIn'] = 'none';
    let token: string | undefined;
    if (typeof query.token === 'string') {
      tokenIn = 'query';
      token = query.token;
    } else if (typeof body.token === 'string') {
      tokenIn = contentType === 'json' ? 'body' : 'form';
      token = body.token;
    }
    const entry: LoggedRequest = {
      seq: ++this.seq,
      at: this.clock.now(),
      endpoint: spec.id,
      host: spec.host,
      method: req.method,
      path: req.path === '/' ? req.baseUrl : req.originalUrl.slice(req.baseUrl.length).split('?')[0],
      contentType,
      query,
      body,
      files: ((req.files as Express.Multer.File[] | undefined) ?? []).map((f) => ({
        field: f.fieldname,
        filename: f.originalname,
        mimetype: f.mimetype,
        size: f.size,
      })),
      tokenIn,
      token,
      ...(typeof req.headers.traceparent === 'string' ? { traceparent: req.headers.traceparent } : {}),
    };
    this.requestLog.push(entry);
    if (this.requestLog.length > MAX_LOG) this.requestLog.splice(0, this.requestLog.length - MAX_LOG);
    this.counters.set(spec.id, (this.counters.get(spec.id) ?? 0) + 1);
    return entry;
  }

  private takeFault(endpointId: string): Fault | undefined {
    const i = this.faults.findIndex((f) => f.endpoint === endpointId || f.endpoint === '*');
    if (i < 0) return undefined;
    const fault = this.faults[i];
    if (fault.times > 0 && --fault.times === 0) this.faults.splice(i, 1);
    return fault;
  }

  private mountControl(): void {
    const json = express.json({ limit: '10mb' });
    this.app.get('/__sandbox/requests', (req, res) => {
      const since = req.query.since === undefined ? undefined : Number(req.query.since);
      const endpointId = typeof req.query.endpoint === 'string' ? req.query.endpoint : undefined;
      res.json(this.requests({ endpoint: endpointId, since }));
    });
    this.app.get('/__sandbox/counters', (_req, res) => res.json(Object.fromEntries(this.counters)));
    this.app.get('/__sandbox/clock', (_req, res) => res.json({ now: this.clock.now() }));
    this.app.post('/__sandbox/clock', json, (req, res) => {
      const { advanceMs, set } = req.body ?? {};
      if (typeof advanceMs === 'number') this.clock.advance(advanceMs);
      else if (typeof set === 'number') this.clock.set(set);
      else return res.status(400).json({ error: 'give advanceMs or set (epoch ms)' });
      res.json({ now: this.clock.now() });
    });
    this.app.post('/__sandbox/faults', json, (req, res) => {
      const f = req.body as Fault;
      if (!f || typeof f.endpoint !== 'string' || !['delay', 'http', 'envelope', 'reset'].includes(f.kind)) {
        return res.status(400).json({ error: 'give endpoint and kind (delay|http|envelope|reset)' });
      }
      this.addFault(f);
      res.json({ ok: true });
    });
    this.app.delete('/__sandbox/faults', (_req, res) => {
      this.faults = [];
      res.json({ ok: true });
    });
    this.app.post('/__sandbox/tokens/revoke', (_req, res) => {
      this.tokens.cc.revokeAll();
      this.tokens.notice.revokeAll();
      res.json({ ok: true });
    });
    this.app.post('/__sandbox/reset', (_req, res) => {
      this.reset();
      res.json({ ok: true });
    });
    this.app.get('/__sandbox/callbacks', (_req, res) => res.json(this.callbacks.list()));
    this.app.post('/__sandbox/callbacks/config', json, (req, res) => {
      const { hookUrl, retryIntervalMs, maxRetries } = req.body ?? {};
      res.json(this.callbacks.configure({ hookUrl, retryIntervalMs, maxRetries }));
    });
  }
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

const jsonParser = express.json({ limit: '200mb' });
const formParser = express.urlencoded({ extended: false, limit: '200mb', parameterLimit: 1_000_000 });
// File names are UTF-8 (as a Java platform reads them), not busboy's default latin1.
const multipartParser = multer({ storage: multer.memoryStorage(), limits: { fileSize: 100 * 1024 * 1024 }, defParamCharset: 'utf8' }).any();

/** The platform parses what the endpoint documents; the other parsers stay off so a mismatch shows. */
function bodyParserFor(spec: EndpointSpec) {
  switch (spec.contentType) {
    case 'json':
      return jsonParser;
    case 'form':
      return formParser;
    case 'multipart':
      return multipartParser;
    case 'query':
      return formParser;
  }
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = new Sandbox(options);
  await sandbox.listen();
  return sandbox;
}
