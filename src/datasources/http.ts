import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, FormData, type Dispatcher } from 'undici';
import type { HostName, UpstreamHosts } from '../config';
import { UpstreamError, UpstreamUnavailableError } from '../errors';
import type { Logger } from '../logger';
import { endpoint as endpointSpec, errorMeaning, type EndpointSpec } from '../spec';

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
}

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
 */
export class UpstreamClient {
  readonly clock: PlatformClock;
  private readonly agent: Agent;
  private readonly tokens = new Map<HostName, TokenSource>();

  constructor(private readonly options: UpstreamClientOptions) {
    this.clock = options.clock ?? new PlatformClock();
    this.agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, connections: 128, pipelining: 1 });
  }

  /** Says which token source serves a host (the `open` host uses the main host's token). */
  useTokens(host: HostName, source: TokenSource): void {
    this.tokens.set(host, source);
  }

  async call<T = unknown>(endpointId: string, options: CallOptions = {}, observe?: CallObserver): Promise<UpstreamResult<T>> {
    const spec = endpointSpec(endpointId);
    const tokens = spec.tokenIn === 'none' ? undefined : this.tokens.get(spec.host);
    if (spec.tokenIn !== 'none' && !tokens) throw new Error(`no token source for host ${spec.host}`);
    let token = tokens ? await tokens.get() : undefined;
    let result = await this.send<T>(spec, options, token, observe);
    if (tokens && token && isAuthFailure(result.httpStatus, result.code)) {
      // The token was refused: drop it (once, however many requests saw it) and retry this request once.
      await tokens.invalidate(token);
      token = await tokens.get();
      result = await this.send<T>(spec, options, token, observe);
    }
    if (!isSuccess(result.envelope.code, options.alsoSuccess)) {
      throw new UpstreamError(spec.id, result.code, result.msg, result.httpStatus, errorMeaning(spec.id, result.code));
    }
    return { data: result.envelope.data as T, code: result.code, msg: result.msg, envelope: result.envelope };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async send<T>(spec: EndpointSpec, options: CallOptions, token: string | undefined, observe?: CallObserver) {
    const retries = spec.method === 'GET' ? (this.options.getRetries ?? 2) : 0;
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      try {
        const out = await this.sendOnce<T>(spec, options, token);
        const ms = Math.round(performance.now() - started);
        const outcome = isSuccess(out.envelope.code, options.alsoSuccess) ? 'ok' : `code ${out.code}`;
        this.options.logger.info({ endpoint: spec.id, status: out.httpStatus, code: out.code, ms, attempt }, 'upstream call');
        observe?.({ endpoint: spec.id, ms, outcome });
        return out;
      } catch (err) {
        const ms = Math.round(performance.now() - started);
        const failure = err instanceof UpstreamUnavailableError ? err : new UpstreamUnavailableError(spec.id, (err as Error).message);
        const retryable = attempt < retries && !failure.timedOut;
        this.options.logger.warn({ endpoint: spec.id, ms, attempt, reason: failure.reason, retrying: retryable }, 'upstream call failed');
        observe?.({ endpoint: spec.id, ms, outcome: 'unavailable' });
        if (!retryable) throw failure;
        await sleep(100 * 2 ** attempt * (0.5 + Math.random()));
      }
    }
  }

  private async sendOnce<T>(spec: EndpointSpec, options: CallOptions, token: string | undefined) {
    const base = new URL(this.options.hosts[spec.host]);
    let path = spec.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const value = options.params?.[name];
      if (value === undefined) throw new Error(`missing path parameter ${name} for ${spec.id}`);
      return encodeURIComponent(String(value));
    });
    path = base.pathname.replace(/\/$/, '') + path;
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query ?? {})) appendField(query, k, v);
    if (spec.tokenIn === 'query' && token) query.set('token', token);

    const headers: Record<string, string> = { accept: 'application/json' };
    let body: Dispatcher.DispatchOptions['body'];
    const fields = { ...(options.body ?? {}) };
    if ((spec.tokenIn === 'body' || spec.tokenIn === 'form') && token) fields.token = token;
    switch (spec.contentType) {
      case 'json':
        headers['content-type'] = 'application/json';
        body = JSON.stringify(fields);
        break;
      case 'form': {
        const form = new URLSearchParams();
        for (const [k, v] of Object.entries(fields)) appendField(form, k, v);
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = form.toString();
        break;
      }
      case 'multipart': {
        const form = new FormData();
        for (const [k, v] of Object.entries(fields)) appendField(form, k, v);
        for (const f of options.files ?? []) form.append(f.field, new Blob([f.data], { type: f.contentType }), f.filename);
        body = form as unknown as Dispatcher.DispatchOptions['body'];
        break;
      }
      case 'query':
        for (const [k, v] of Object.entries(fields)) if (k !== 'token') appendField(query, k, v);
        break;
    }
    const search = query.toString();
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.agent.request({
        origin: base.origin,
        path: search ? `${path}?${search}` : path,
        method: spec.method,
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (err) {
      throw unavailable(spec.id, err, timeoutMs);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw unavailable(spec.id, err, timeoutMs);
    }
    const date = res.headers.date;
    this.clock.observe(Array.isArray(date) ? date[0] : date);
    if (res.statusCode >= 500) throw new UpstreamUnavailableError(spec.id, `HTTP ${res.statusCode}`);
    let envelope: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || !('code' in parsed)) throw new Error('no envelope');
      envelope = parsed as Record<string, unknown>;
    } catch {
      if (res.statusCode === 403) return { httpStatus: 403, code: '403', msg: 'no auth', envelope: { code: 403 } as Record<string, unknown> } as const;
      throw new UpstreamUnavailableError(spec.id, `HTTP ${res.statusCode} without a platform envelope`);
    }
    return {
      httpStatus: res.statusCode,
      code: String(envelope.code).trim(),
      msg: typeof envelope.msg === 'string' ? envelope.msg : '',
      envelope,
    };
  }
}

function unavailable(endpointId: string, err: unknown, timeoutMs: number): UpstreamUnavailableError {
  const e = err as Error & { code?: string };
  const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError' || /Timeout/i.test(e.code ?? '');
  // A timed-out request may have reached the platform: it is never retried automatically.
  return new UpstreamUnavailableError(endpointId, timedOut ? `no answer within ${timeoutMs} ms` : (e.code ?? e.message), timedOut);
}
