import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HostName } from '../config';
import { ENDPOINTS } from '../spec';

/**
 * What became of one GraphQL operation, from its first error's `extensions.code`:
 * ok (no error), client_error (the request was wrong or not allowed), upstream_error (the platform
 * answered an error code), unavailable (the platform or Redis could not be used, a toolbar timeout),
 * refused (a limit or rate limit), internal (anything else).
 */
export type OperationOutcome = 'ok' | 'client_error' | 'upstream_error' | 'unavailable' | 'refused' | 'internal';

const OUTCOME_OF_CODE: Readonly<Record<string, OperationOutcome>> = {
  UNAUTHENTICATED: 'client_error',
  FORBIDDEN: 'client_error',
  BAD_USER_INPUT: 'client_error',
  NOT_FOUND: 'client_error',
  BAD_REQUEST: 'client_error',
  CURSOR_EXPIRED: 'client_error',
  GRAPHQL_PARSE_FAILED: 'client_error',
  GRAPHQL_VALIDATION_FAILED: 'client_error',
  PERSISTED_QUERY_NOT_FOUND: 'client_error',
  PERSISTED_QUERY_NOT_SUPPORTED: 'client_error',
  OPERATION_RESOLUTION_FAILURE: 'client_error',
  UPSTREAM_ERROR: 'upstream_error',
  UPSTREAM_UNAVAILABLE: 'unavailable',
  UNAVAILABLE: 'unavailable',
  TIMEOUT: 'unavailable',
  OPERATION_LIMIT: 'refused',
  RATE_LIMITED: 'refused',
  SLOW_SUBSCRIBER: 'refused',
};

/** Formatted GraphQL errors as the client gets them (`extensions.code`, `extensions.limit`). */
export type FormattedErrors = readonly { extensions?: Record<string, unknown> }[] | undefined;

export function operationOutcome(errors: FormattedErrors): OperationOutcome {
  if (!errors || errors.length === 0) return 'ok';
  const code = errors[0].extensions?.code;
  return (typeof code === 'string' && OUTCOME_OF_CODE[code]) || 'internal';
}

/** What became of one platform request: answered with success, answered with an error code, not answered, or not made. */
export type UpstreamOutcome = 'ok' | 'platform_error' | 'unavailable' | 'refused';

export type OperationType = 'query' | 'mutation' | 'subscription' | 'unknown';

/** Most distinct operation names kept as label values (each is a series per type, outcome and bucket); later ones are `other`. */
export const MAX_OPERATION_NAMES = 200;
const MAX_OPERATION_NAME_LENGTH = 64;

/** Client-chosen operation names as label values: [A-Za-z0-9_] only, at most 64 characters, the first 200 distinct ones. */
export class OperationNames {
  private readonly kept = new Set<string>();

  label(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    const clean = name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, MAX_OPERATION_NAME_LENGTH);
    if (this.kept.has(clean)) return clean;
    if (this.kept.size >= MAX_OPERATION_NAMES) return 'other';
    this.kept.add(clean);
    return clean;
  }
}

/** Platform codes a label may carry: those of the spec's tables and success codes, and short numbers; anything else is `other`. */
const SPEC_CODES: ReadonlySet<string> = new Set(ENDPOINTS.flatMap((e) => [String(e.successCode), ...e.errors.map((x) => String(x.code))]));

export function platformCodeLabel(code: string | undefined): string {
  if (code === undefined || code === '') return 'none';
  if (SPEC_CODES.has(code) || /^-?\d{1,4}$/.test(code)) return code;
  return 'other';
}

/** The gauge value of a breaker state (gateway_breaker_state). */
const BREAKER_VALUE = { closed: 0, halfOpen: 1, open: 2 } as const;

/** Per-kind lookup counts since start (PhoneLookupCache.instanceStats). */
type LookupCounts = () => readonly { kind: string; hits: number; misses: number }[];

/** What the gauges read when scraped (set once the services exist). */
export interface MetricSources {
  breakerState?: (host: HostName) => keyof typeof BREAKER_VALUE;
  hosts?: readonly HostName[];
  websocketsOpen?: () => number;
  lookups?: LookupCounts;
}

/**
 * The Prometheus metrics of one gateway instance, in a registry of its own (tests run several
 * gateways in one process: nothing is shared between them). Label values are bounded sets: kinds,
 * endpoint ids, outcomes, limit names, operation names through OperationNames; never a phone
 * number or free text.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly names = new OperationNames();
  private readonly sources: MetricSources = {};

  private readonly operations = new Counter({
    name: 'gateway_operations_total',
    help: 'GraphQL operations by type, operation name and outcome',
    labelNames: ['type', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly operationSeconds = new Histogram({
    name: 'gateway_operation_duration_seconds',
    help: 'Time from request to answer of GraphQL operations (subscriptions: the time they were open)',
    labelNames: ['type', 'operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly upstreamRequests = new Counter({
    name: 'gateway_upstream_requests_total',
    help: 'Platform requests by endpoint id, outcome and platform code',
    labelNames: ['endpoint', 'outcome', 'platform_code'] as const,
    registers: [this.registry],
  });
  private readonly upstreamSeconds = new Histogram({
    name: 'gateway_upstream_request_duration_seconds',
    help: 'Duration of platform requests by endpoint id and outcome',
    labelNames: ['endpoint', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly tokenRequests = new Counter({
    name: 'gateway_token_requests_total',
    help: 'Platform token requests: fetch (no usable token) or refresh (replacing one), by outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly callbacks = new Counter({
    name: 'gateway_callbacks_total',
    help: 'Platform callbacks received by kind: accepted, duplicate or dead_letter',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });
  private readonly eventAppendSeconds = new Histogram({
    name: 'gateway_event_append_duration_seconds',
    help: 'Time to append one event to the event log (a callback is acknowledged after it)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  private readonly eventReadLag = new Gauge({
    name: 'gateway_event_read_lag_seconds',
    help: 'How far the event read loop is behind the newest appended event (0 when it has read everything)',
    registers: [this.registry],
  });
  private readonly subscriptions = new Gauge({
    name: 'gateway_subscriptions_open',
    help: 'GraphQL subscriptions open on this instance',
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'gateway_refusals_total',
    help: 'Requests refused by a limit, by the limit (the extensions.limit of the refusal, or the socket cap)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const { sources } = this;
    new Counter({
      name: 'gateway_lookup_cache_total',
      help: 'Phone lookups answered from the cache (hit) or not (miss), by lookup kind',
      labelNames: ['kind', 'result'] as const,
      registers: [this.registry],
      // Read from the cache's own counts when scraped: nothing is added on the lookup path.
      collect() {
        this.reset();
        for (const row of sources.lookups?.() ?? []) {
          this.inc({ kind: row.kind, result: 'hit' }, row.hits);
          this.inc({ kind: row.kind, result: 'miss' }, row.misses);
        }
      },
    });
    new Gauge({
      name: 'gateway_websockets_open',
      help: 'WebSocket connections open on this instance',
      registers: [this.registry],
      collect() {
        this.set(sources.websocketsOpen?.() ?? 0);
      },
    });
    new Gauge({
      name: 'gateway_breaker_state',
      help: 'Circuit breaker of each platform host: 0 closed, 1 half-open (the next request is a probe), 2 open',
      labelNames: ['host'] as const,
      registers: [this.registry],
      collect() {
        for (const host of sources.hosts ?? []) this.set({ host }, BREAKER_VALUE[sources.breakerState?.(host) ?? 'closed']);
      },
    });
  }

  /** Says where the scraped gauges read from (the services of the gateway). */
  watch(sources: MetricSources): void {
    Object.assign(this.sources, sources);
  }

  operation(type: OperationType, name: string | null | undefined, outcome: OperationOutcome, seconds: number): void {
    const labels = { type, operation: this.names.label(name), outcome };
    this.operations.inc(labels);
    this.operationSeconds.observe(labels, seconds);
  }

  /** Each limit a refused answer names, once (an operation whose fields spent its budget is one refusal). */
  refusedIn(errors: FormattedErrors): void {
    if (!errors) return;
    let seen: Set<string> | undefined;
    for (const e of errors) {
      const code = e.extensions?.code;
      const limit = e.extensions?.limit;
      if ((code !== 'OPERATION_LIMIT' && code !== 'RATE_LIMITED') || typeof limit !== 'string') continue;
      if (seen?.has(limit)) continue;
      (seen ??= new Set()).add(limit);
      this.refused(limit);
    }
  }

  /** One refusal by a limit: a limit name (`depth`, `cost`, `operations`, `bodyBytes`, …) or a socket cap. */
  refused(reason: string): void {
    this.refusals.inc({ reason });
  }

  upstream(endpoint: string, outcome: UpstreamOutcome, platformCode: string | undefined, seconds: number): void {
    this.upstreamRequests.inc({ endpoint, outcome, platform_code: platformCodeLabel(platformCode) });
    this.upstreamSeconds.observe({ endpoint, outcome }, seconds);
  }

  token(kind: 'fetch' | 'refresh', outcome: UpstreamOutcome): void {
    this.tokenRequests.inc({ kind, outcome });
  }

  callback(kind: string, result: 'accepted' | 'duplicate' | 'dead_letter'): void {
    this.callbacks.inc({ kind, result });
  }

  eventAppended(seconds: number): void {
    this.eventAppendSeconds.observe(seconds);
  }

  eventReadBehind(seconds: number): void {
    this.eventReadLag.set(Math.max(0, seconds));
  }

  subscriptionOpened(): void {
    this.subscriptions.inc();
  }

  subscriptionClosed(): void {
    this.subscriptions.dec();
  }

  /** The exposition in Prometheus's text format. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
