import { setTimeout as sleep } from 'node:timers/promises';
import {
  bulkhead,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { Agent, FormData, type Dispatcher } from 'undici';
import type { HostName, UpstreamHosts } from '../config';
import { BadInputError, UpstreamError, UpstreamUnavailableError } from '../errors';
import type { Logger } from '../logger';
import type { GatewayMetrics, UpstreamOutcome } from '../observability/metrics';
import type { Tracing } from '../observability/tracing';
import type { EndpointId } from '../../spec/endpoint-ids';
import { endpoint as endpointSpec, type EndpointSpec } from '../spec';

/** A file sent in a multipart body. */
export interface UpstreamFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface CallOptions {
  /** Values for `{name}` segments of the path. */
  params?: Record<string, string | number>;
  /** Query-string parameters (besides a query token). */
  query?: Record<string, unknown>;
  /** JSON body, form fields or multipart fields, as the endpoint's content type says. */
  body?: Record<string, unknown>;
  files?: UpstreamFile[];
  /** Envelope codes that also mean success for this call (e.g. "0001": binding overwritten). */
  alsoSuccess?: string[];
  timeoutMs?: number;
}

export interface UpstreamResult<T> {
  data: T;
  code: string;
  msg: string;
  /** The whole decoded envelope, for the few endpoints that answer fields beside `data`. */
  envelope: Record<string, unknown>;
}

/** Supplies the platform token of a host; implemented by TokenProvider. */
export interface TokenSource {
  get(): Promise<string>;
  /** The token was refused (403): forget it if it is still the current one. */
  invalidate(token: string): Promise<void>;
}

/** Receives one record per upstream call (for per-operation logs and tests). */
export type CallObserver = (call: { endpoint: string; ms: number; outcome: string }) => void;

/** Who a call is made for: the operation (GatewayContext) whose log line and request id it belongs to. */
export interface CallScope {
  /** Receives one record per request made for the call. */
  observe?: CallObserver;
  /** The operation's logger (its request id bound), read only when a line is written; the client's own otherwise. */
  readonly logger?: Logger;
}

/** What a failed call means for metrics: refused without a request, answered with an error code, or not answered. */
export function upstreamOutcomeOf(err: unknown): UpstreamOutcome {
  if (err instanceof UpstreamRejectedError) return 'refused';
  if (err instanceof UpstreamError) return 'platform_error';
  return 'unavailable';
}

/**
 * The platform's clock as seen through the Date header of its answers. Token expiry is in the
 * platform's time, so it is judged against this estimate rather than the local clock.
 */
export class PlatformClock {
  private skewMs = 0;
  now(): number {
    return Date.now() + this.skewMs;
  }
  observe(dateHeader: string | undefined): void {
    if (!dateHeader) return;
    const remote = Date.parse(dateHeader);
    if (Number.isNaN(remote)) return;
    // The header has whole seconds: only a difference beyond that resolution moves the estimate.
    const skew = remote + 500 - Date.now();
    if (Math.abs(skew - this.skewMs) > 1500) this.skewMs = skew;
  }
}

export interface UpstreamClientOptions {
  hosts: UpstreamHosts;
  timeoutMs: number;
  logger: Logger;
  clock?: PlatformClock;
  /** Retries of an idempotent GET after a network error or 5xx. */
  getRetries?: number;
  /** Consecutive failed requests to one host that open its circuit breaker (0 or absent: no breaker). */
  breakerFailures?: number;
  /** How long an open breaker refuses calls before it lets one probe request through (default 10 s). */
  breakerOpenMs?: number;
  /** Platform requests in flight per REST family (absent: no bulkhead) … */
  maxConcurrencyPerFamily?: number;
  /** … and how many more may wait for a slot before calls are refused (default 0). */
  queuePerFamily?: number;
  /** Counts requests by endpoint id, outcome and platform code (gateway_upstream_*). */
  metrics?: GatewayMetrics;
  /** A span per request (only when tracing is on). */
  tracing?: Tracing;
}

/** A host's circuit breaker as metrics see it. `halfOpen`: the open time is over and the next request is (or is in flight as) the probe. */
export type BreakerState = 'closed' | 'open' | 'halfOpen';

/**
 * A call the client refused without making a request: the host's circuit is open, or the family's
 * bulkhead is full. Clients see it as UPSTREAM_UNAVAILABLE; it never counts as a host failure,
 * never opens a breaker, and is never retried.
 */
export class UpstreamRejectedError extends UpstreamUnavailableError {
  constructor(
    endpoint: string,
    reason: string,
    readonly rejectedBy: 'circuit' | 'bulkhead',
  ) {
    super(endpoint, reason);
  }
}

/**
 * The platform (or a proxy before it) refused the request itself: HTTP 4xx without an envelope,
 * e.g. 431 or 414 for an over-long URL. Clients see UPSTREAM_UNAVAILABLE; it says nothing about the
 * host's health, so it never counts towards its circuit breaker.
 */
export class UpstreamRequestRefusedError extends UpstreamUnavailableError {}

/** Longest request URL sent to the platform; a longer one is refused as bad input before it is sent. */
const MAX_URL_LENGTH = 8192;

/** One HTTP exchange with the platform, decoded. */
interface Exchange {
  httpStatus: number;
  code: string;
  msg: string;
  envelope: Record<string, unknown>;
}

interface HostBreaker {
  policy: CircuitBreakerPolicy;
  /** Local ms from which the open breaker lets a probe through. */
  probeAt: number;
  /** Why it opened, for the reason of refused calls. */
  cause: string;
}

/** Token endpoints get a bulkhead of their own: a busy family (notice.*) must never starve its host's token fetch. */
const TOKEN_ENDPOINTS = new Set(['auth.token', 'notice.token']);

const SUCCESS = /^0+$/;

function isSuccess(code: unknown, also: string[] | undefined): boolean {
  const s = String(code ?? '').trim();
  return SUCCESS.test(s) || (also !== undefined && also.includes(s));
}

function isAuthFailure(httpStatus: number, code: string): boolean {
  return httpStatus === 403 || code === '403';
}

function appendField(form: FormData | URLSearchParams, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  form.append(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
}

/**
 * The one HTTP client to the platform: keep-alive pools per host, a timeout per request, body
 * encoders per content type, token placement per endpoint, envelope decoding into typed errors,
 * one token refresh and retry after a 403, and retries with jittered backoff for GETs only.
 *
 * Resilience (cockatiel): a circuit breaker per host and a bulkhead per REST family (the endpoint
 * id before the first dot) wrap every HTTP request: bulkhead outside, breaker inside.
 * - Breaker: `breakerFailures` consecutive failed requests to a host (UpstreamUnavailableError:
 *   timeout, network error, 5xx, no envelope) open it; any answered envelope, business error codes
 *   and 403 included, is a success. Open, every call to the host is refused at once, before any
 *   token or request; after `breakerOpenMs` one probe request goes through (other calls are still
 *   refused while it runs): its success closes the breaker, its failure opens it again.
 *   A GET retried internally counts per attempt: each attempt is a real request to the host, a
 *   retry that succeeds resets the count, and once an attempt opens the breaker (or a probe
 *   fails) the remaining retries are not made.
 * - Bulkhead: at most `maxConcurrencyPerFamily` requests of one family in flight and
 *   `queuePerFamily` waiting; beyond that a call is refused at once. A slot is held for one
 *   request, not across retry pauses or token fetches; token endpoints have bulkheads of their own.
 */
export class UpstreamClient {
  readonly clock: PlatformClock;
  private readonly agent: Agent;
  private readonly tokens = new Map<HostName, TokenSource>();
  private readonly breakers = new Map<HostName, HostBreaker>();
  private readonly bulkheads = new Map<string, BulkheadPolicy>();
  /** Per endpoint id: the host's origin and the path's pieces (see pathOf). */
  private readonly routes = new Map<string, { origin: string; pieces: string[] }>();

  /** Whether each call's debug line is logged (the level is fixed at start): without it, no object is built per call. */
  private readonly logsCalls: boolean;

  constructor(private readonly options: UpstreamClientOptions) {
    this.logsCalls = options.logger.isLevelEnabled?.('debug') ?? true;
    this.clock = options.clock ?? new PlatformClock();
    this.agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, connections: 128, pipelining: 1 });
    if ((options.breakerFailures ?? 0) > 0) {
      for (const host of Object.keys(options.hosts) as HostName[]) this.breakers.set(host, this.createBreaker(host));
    }
  }

  /** The state of a host's circuit breaker (always `closed` without breakers). */
  breakerState(host: HostName): BreakerState {
    const breaker = this.breakers.get(host);
    if (!breaker) return 'closed';
    switch (breaker.policy.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'halfOpen';
      case CircuitState.Open:
        return Date.now() >= breaker.probeAt ? 'halfOpen' : 'open';
      default:
        return 'open';
    }
  }

  /** Says which token source serves a host (the `open` host uses the main host's token). */
  useTokens(host: HostName, source: TokenSource): void {
    this.tokens.set(host, source);
  }

  async call<T = unknown>(endpointId: EndpointId, options: CallOptions = {}, scope?: CallScope): Promise<UpstreamResult<T>> {
    const spec = endpointSpec(endpointId);
    // An open circuit refuses at once: no token, no request.
    const refused = this.circuitRefusal(spec);
    if (refused) throw this.refuse(spec, refused, scope);
    const tokens = spec.tokenIn === 'none' ? undefined : this.tokens.get(spec.host);
    if (spec.tokenIn !== 'none' && !tokens) throw new Error(`no token source for host ${spec.host}`);
    let token = tokens ? await tokens.get() : undefined;
    let result = await this.send(spec, options, token, scope);
    if (tokens && token && isAuthFailure(result.httpStatus, result.code)) {
      // The token was refused: drop it (once, however many requests saw it) and retry this request once.
      await tokens.invalidate(token);
      token = await tokens.get();
      result = await this.send(spec, options, token, scope);
    }
    if (!isSuccess(result.envelope.code, options.alsoSuccess)) {
      throw new UpstreamError(spec.id, result.code, result.msg, result.httpStatus);
    }
    return { data: result.envelope.data as T, code: result.code, msg: result.msg, envelope: result.envelope };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async send(spec: EndpointSpec, options: CallOptions, token: string | undefined, scope?: CallScope): Promise<Exchange> {
    const retries = spec.method === 'GET' ? (this.options.getRetries ?? 2) : 0;
    const { metrics, tracing } = this.options;
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      const span = tracing?.upstream(spec.id, spec.host);
      try {
        const out = await this.guarded(spec, options, token, span?.headers);
        const elapsed = performance.now() - started;
        const ms = Math.round(elapsed);
        const ok = isSuccess(out.envelope.code, options.alsoSuccess);
        if (this.logsCalls)
          (scope?.logger ?? this.options.logger).debug(
            { endpoint: spec.id, status: out.httpStatus, code: out.code, ms, attempt },
            'upstream call',
          );
        scope?.observe?.({ endpoint: spec.id, ms, outcome: ok ? 'ok' : `code ${out.code}` });
        metrics?.upstream(spec.id, ok ? 'ok' : 'platform_error', out.code, elapsed / 1000);
        span?.end(
          { 'http.response.status_code': out.httpStatus, 'gateway.upstream.code': out.code, 'gateway.upstream.attempt': attempt },
          !ok,
        );
        return out;
      } catch (err) {
        const elapsed = performance.now() - started;
        const ms = Math.round(elapsed);
        span?.end({ 'gateway.upstream.outcome': upstreamOutcomeOf(err), 'gateway.upstream.attempt': attempt }, true);
        if (err instanceof UpstreamRejectedError) throw this.refuse(spec, err, scope, attempt);
        if (err instanceof BadInputError) throw err;
        const failure = err instanceof UpstreamUnavailableError ? err : new UpstreamUnavailableError(spec.id, (err as Error).message);
        // No retry into a host whose breaker this failure (or another call's) has just opened.
        const retryable = attempt < retries && !failure.timedOut && this.breakerState(spec.host) === 'closed';
        (scope?.logger ?? this.options.logger).warn(
          { endpoint: spec.id, ms, attempt, reason: failure.reason, retrying: retryable },
          'upstream call failed',
        );
        scope?.observe?.({ endpoint: spec.id, ms, outcome: 'unavailable' });
        metrics?.upstream(spec.id, 'unavailable', undefined, elapsed / 1000);
        if (!retryable) throw failure;
        await sleep(100 * 2 ** attempt * (0.5 + Math.random()));
      }
    }
  }

  /** One request through the family's bulkhead and the host's breaker. */
  private async guarded(
    spec: EndpointSpec,
    options: CallOptions,
    token: string | undefined,
    extraHeaders: Record<string, string> | undefined,
  ): Promise<Exchange> {
    const breaker = this.breakers.get(spec.host);
    const request = (): Promise<Exchange> => {
      if (!breaker) return this.sendOnce(spec, options, token, extraHeaders);
      // Checked again here: the breaker may have opened, or a probe started, while this call waited
      // for a slot. Check and execute run in one synchronous step, so only one call becomes the probe.
      const refused = this.circuitRefusal(spec);
      if (refused) throw refused;
      return breaker.policy.execute(() => this.sendOnce(spec, options, token, extraHeaders));
    };
    const family = bulkheadKey(spec);
    const limiter = this.bulkheadFor(family);
    try {
      return await (limiter ? limiter.execute(request) : request());
    } catch (err) {
      if (isBulkheadRejectedError(err)) {
        throw new UpstreamRejectedError(spec.id, `too many concurrent platform calls for family ${family}`, 'bulkhead');
      }
      if (isBrokenCircuitError(err) && breaker) throw this.circuitOpen(spec, breaker);
      throw err;
    }
  }

  /** Why the host's breaker refuses a request now, or undefined when it lets one through. */
  private circuitRefusal(spec: EndpointSpec): UpstreamRejectedError | undefined {
    const breaker = this.breakers.get(spec.host);
    if (!breaker) return undefined;
    const state = breaker.policy.state;
    if (state === CircuitState.Closed) return undefined;
    // Open and its time is over: this request is the probe (cockatiel moves to half-open on it).
    if (state === CircuitState.Open && Date.now() >= breaker.probeAt) return undefined;
    return this.circuitOpen(spec, breaker);
  }

  private circuitOpen(spec: EndpointSpec, breaker: HostBreaker): UpstreamRejectedError {
    const reason =
      breaker.policy.state === CircuitState.HalfOpen
        ? `circuit open for host ${spec.host} (${breaker.cause}): a probe request is in flight, calls fail fast until it succeeds`
        : `circuit open for host ${spec.host} (${breaker.cause}): calls fail fast; the next probe goes through in ${Math.max(0, breaker.probeAt - Date.now())} ms`;
    return new UpstreamRejectedError(spec.id, reason, 'circuit');
  }

  /** A refused call: made no request, so it is logged at debug level only (an open circuit refuses every call). */
  private refuse(spec: EndpointSpec, err: UpstreamRejectedError, scope: CallScope | undefined, attempt = 0): UpstreamRejectedError {
    (scope?.logger ?? this.options.logger).debug({ endpoint: spec.id, attempt, reason: err.reason }, 'upstream call refused');
    scope?.observe?.({ endpoint: spec.id, ms: 0, outcome: err.rejectedBy === 'circuit' ? 'circuit open' : 'bulkhead full' });
    this.options.metrics?.upstream(spec.id, 'refused', undefined, 0);
    return err;
  }

  private createBreaker(host: HostName): HostBreaker {
    const { breakerFailures = 0, breakerOpenMs = 10_000, logger } = this.options;
    // Only the host failing counts: an envelope with an error code is the platform answering.
    const hostFailure = handleWhen(
      (err) =>
        err instanceof UpstreamUnavailableError && !(err instanceof UpstreamRejectedError) && !(err instanceof UpstreamRequestRefusedError),
    );
    const policy = circuitBreaker(hostFailure, { halfOpenAfter: breakerOpenMs, breaker: new ConsecutiveBreaker(breakerFailures) });
    const breaker: HostBreaker = { policy, probeAt: 0, cause: '' };
    let probing = false;
    policy.onHalfOpen(() => {
      probing = true;
      logger.debug({ host }, 'upstream circuit half-open: one probe request goes through');
    });
    policy.onBreak((result) => {
      const error = 'error' in result ? result.error : undefined;
      const last = error instanceof UpstreamUnavailableError ? error.reason : (error?.message ?? 'isolated');
      breaker.probeAt = Date.now() + breakerOpenMs;
      breaker.cause = probing ? `the probe request failed: ${last}` : `${breakerFailures} consecutive failures, the last: ${last}`;
      logger.warn({ host, reason: breaker.cause, probeInMs: breakerOpenMs }, 'upstream circuit open: calls to this host fail fast');
      probing = false;
    });
    policy.onReset(() => {
      probing = false;
      logger.info({ host }, 'upstream circuit closed: calls to this host go through again');
    });
    return breaker;
  }

  private bulkheadFor(family: string): BulkheadPolicy | undefined {
    const limit = this.options.maxConcurrencyPerFamily;
    if (!limit || limit <= 0) return undefined;
    let policy = this.bulkheads.get(family);
    if (!policy) {
      policy = bulkhead(limit, this.options.queuePerFamily ?? 0);
      this.bulkheads.set(family, policy);
    }
    return policy;
  }

  /** The request path of an endpoint on its host, `{name}` segments filled in (its pieces computed once per endpoint). */
  private pathOf(spec: EndpointSpec, params: CallOptions['params']): string {
    let route = this.routes.get(spec.id);
    if (!route) {
      const base = new URL(this.options.hosts[spec.host]);
      const prefix = base.pathname.replace(/\/$/, '');
      // Even pieces literal, odd pieces the names of path parameters.
      route = { origin: base.origin, pieces: (prefix + spec.path).split(/\{(\w+)\}/) };
      this.routes.set(spec.id, route);
    }
    const { pieces } = route;
    if (pieces.length === 1) return pieces[0];
    let path = pieces[0];
    for (let i = 1; i < pieces.length; i += 2) {
      const value = params?.[pieces[i]];
      if (value === undefined) throw new Error(`missing path parameter ${pieces[i]} for ${spec.id}`);
      path += encodeURIComponent(String(value)) + pieces[i + 1];
    }
    return path;
  }

  private async sendOnce(
    spec: EndpointSpec,
    options: CallOptions,
    token: string | undefined,
    extraHeaders: Record<string, string> | undefined,
  ): Promise<Exchange> {
    const path = this.pathOf(spec, options.params);
    const origin = this.routes.get(spec.id)!.origin;
    const query = new FormFields();
    if (options.query) for (const k of Object.keys(options.query)) query.append(k, options.query[k]);
    if (spec.tokenIn === 'query' && token) query.set('token', token);

    let headers: Record<string, string>;
    let body: Dispatcher.DispatchOptions['body'];
    const tokenInBody = (spec.tokenIn === 'body' || spec.tokenIn === 'form') && token;
    const fields = options.body;
    switch (spec.contentType) {
      case 'json': {
        headers = { accept: 'application/json', 'content-type': 'application/json' };
        body = JSON.stringify(tokenInBody ? { ...fields, token } : { ...fields });
        break;
      }
      case 'form': {
        const form = new FormFields();
        const all = tokenInBody ? { ...fields, token } : (fields ?? {});
        for (const k of Object.keys(all)) form.append(k, all[k]);
        headers = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
        body = form.toString();
        break;
      }
      case 'multipart': {
        const form = new FormData();
        const all = tokenInBody ? { ...fields, token } : (fields ?? {});
        for (const [k, v] of Object.entries(all)) appendField(form, k, v);
        for (const f of options.files ?? []) form.append(f.field, new Blob([f.data], { type: f.contentType }), f.filename);
        headers = { accept: 'application/json' };
        body = form as unknown as Dispatcher.DispatchOptions['body'];
        break;
      }
      default: // 'query': the fields go in the query string (a token there is the endpoint's own placement, above)
        if (fields) for (const k of Object.keys(fields)) if (k !== 'token') query.append(k, fields[k]);
        headers = { accept: 'application/json' };
    }
    if (extraHeaders) Object.assign(headers, extraHeaders);
    const search = query.toString();
    if (path.length + search.length + 1 > MAX_URL_LENGTH) {
      // Platforms and proxies refuse long URLs (414, 431) without an envelope: say so before sending.
      throw new BadInputError('arguments', `too long for the platform: the request URL would be over ${MAX_URL_LENGTH} characters`);
    }
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    let res: Answer;
    try {
      res = await exchange(
        this.agent,
        {
          origin,
          path: search ? `${path}?${search}` : path,
          method: spec.method,
          headers,
          body,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        },
        timeoutMs,
      );
    } catch (err) {
      throw unavailable(spec.id, err, timeoutMs);
    }
    this.clock.observe(res.date);
    if (res.statusCode >= 500) throw new UpstreamUnavailableError(spec.id, `HTTP ${res.statusCode}`);
    let envelope: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(res.text);
      if (!parsed || typeof parsed !== 'object' || !('code' in parsed)) throw new Error('no envelope');
      envelope = parsed as Record<string, unknown>;
    } catch {
      if (res.statusCode === 403) return { httpStatus: 403, code: '403', msg: 'no auth', envelope: { code: 403 } };
      const reason = `HTTP ${res.statusCode} without a platform envelope`;
      throw res.statusCode >= 400 ? new UpstreamRequestRefusedError(spec.id, reason) : new UpstreamUnavailableError(spec.id, reason);
    }
    return {
      httpStatus: res.statusCode,
      code: String(envelope.code).trim(),
      msg: typeof envelope.msg === 'string' ? envelope.msg : '',
      envelope,
    };
  }
}

/** What one HTTP exchange with the platform answered: status, Date header (the first), body as text. */
interface Answer {
  statusCode: number;
  date: string | undefined;
  text: string;
}

/**
 * One request through undici's `dispatch`, answered as `request()` and `body.text()` answered it
 * (the same status, the first Date header, the body decoded as UTF-8 without a BOM, the same
 * errors), without the response stream, header object and abort-signal plumbing they build per
 * request (about a quarter of undici's CPU per call). One deadline covers the whole exchange —
 * waiting for a connection, headers, body: after `ms` the request is aborted with the
 * TimeoutError `AbortSignal.timeout` gave (the timer is cleared when the exchange ends, where
 * AbortSignal.timeout's stays armed until its signal is collected).
 */
function exchange(agent: Dispatcher, options: Dispatcher.DispatchOptions, ms: number): Promise<Answer> {
  return new Promise((resolve, reject) => agent.dispatch(options, new ExchangeHandler(ms, resolve, reject)));
}

class ExchangeHandler implements Dispatcher.DispatchHandler {
  private statusCode = 0;
  private date: string | undefined;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private abortRequest: ((err: Error) => void) | undefined;
  private reason: Error | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    ms: number,
    private readonly resolve: (answer: Answer) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.timer = setTimeout(() => this.timeout(), ms);
    this.timer.unref();
  }

  private timeout(): void {
    this.reason = new DOMException('The operation was aborted due to timeout', 'TimeoutError') as unknown as Error;
    // Not dispatched yet (waiting for a connection): aborted as soon as it is (onConnect).
    this.abortRequest?.(this.reason);
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.reason) return abort(this.reason);
    this.abortRequest = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (statusCode < 200) return true; // informational: the answer is still to come
    this.statusCode = statusCode;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i];
      if (name.length === 4 && name.toString('latin1').toLowerCase() === 'date') {
        this.date = rawHeaders[i + 1].toString('latin1');
        break;
      }
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.size += chunk.length;
    return true;
  }

  onComplete(): void {
    clearTimeout(this.timer);
    const { chunks, size } = this;
    let text = '';
    if (chunks.length > 0 && size > 0) {
      const buffer = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      const bom = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
      text = buffer.toString('utf8', bom ? 3 : 0);
    }
    this.resolve({ statusCode: this.statusCode, date: this.date, text });
  }

  onError(err: Error): void {
    clearTimeout(this.timer);
    this.reject(err);
  }
}

/** Characters application/x-www-form-urlencoded leaves as they are (besides the ones encodeURIComponent also keeps). */
const FORM_PLAIN = /^[\w.*-]*$/;

/**
 * A value as URLSearchParams serialises it (application/x-www-form-urlencoded): UTF-8 percent-encoded
 * except `*-._` and alphanumerics, a space as `+`; lone surrogates as U+FFFD.
 */
function formEncode(value: string): string {
  if (FORM_PLAIN.test(value)) return value;
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    encoded = encodeURIComponent(value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
  }
  return encoded.replace(/[!'()~]|%20/g, (c) => (c === '%20' ? '+' : `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
}

/**
 * Name-value pairs serialised as URLSearchParams serialises them (the same bytes), without its
 * per-pair objects: what a query string or a form body of one request is built with.
 */
class FormFields {
  private readonly pairs: string[] = [];

  /** Adds a field; undefined and null are left out, objects sent as JSON (appendField's rules). */
  append(key: string, value: unknown): void {
    if (value === undefined || value === null) return;
    this.pairs.push(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }

  /** URLSearchParams.set: the first pair of that name takes the value and the others go, else it is added. */
  set(key: string, value: string): void {
    let first = -1;
    for (let i = 0; i < this.pairs.length; i += 2) {
      if (this.pairs[i] !== key) continue;
      if (first === -1) {
        first = i;
        this.pairs[i + 1] = value;
      } else {
        this.pairs.splice(i, 2);
        i -= 2;
      }
    }
    if (first === -1) this.pairs.push(key, value);
  }

  toString(): string {
    let out = '';
    for (let i = 0; i < this.pairs.length; i += 2) {
      out += `${i === 0 ? '' : '&'}${formEncode(this.pairs[i])}=${formEncode(this.pairs[i + 1])}`;
    }
    return out;
  }
}

/** The bulkhead of an endpoint: its REST family (the id before the first dot); a token endpoint has its own. */
function bulkheadKey(spec: EndpointSpec): string {
  return TOKEN_ENDPOINTS.has(spec.id) ? spec.id : spec.id.split('.')[0];
}

function unavailable(endpointId: string, err: unknown, timeoutMs: number): UpstreamUnavailableError {
  const e = err as Error & { code?: string };
  const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError' || /Timeout/i.test(e.code ?? '');
  // A timed-out request may have reached the platform: it is never retried automatically.
  return new UpstreamUnavailableError(endpointId, timedOut ? `no answer within ${timeoutMs} ms` : (e.code ?? e.message), timedOut);
}
