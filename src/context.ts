import type { EndpointId } from '../spec/endpoint-ids';
import type { Principal } from './auth/principal';
import type { JwtVerifier } from './auth/jwt';
import type { Config } from './config';
import type { CallScope, UpstreamClient, CallOptions, UpstreamResult } from './upstream/http';
import type { PhoneLookupCache } from './upstream/phone-cache';
import type { TokenProvider } from './upstream/token';
import type { IvrRouting } from './ivr/routing';
import type { Logger } from './logger';
import type { GatewayMetrics } from './observability/metrics';
import type { Tracing } from './observability/tracing';
import { OperationLimitError } from './errors';
import { billedUnits } from './guards/billing';
import type { RateLimits } from './guards/rate-limits';
import type { Store } from './store/store';
import type { StreamEventBus } from './subscriptions/stream-bus';

/** Singletons of one gateway instance, shared by all requests. */
export interface Services {
  config: Config;
  logger: Logger;
  store: Store;
  upstream: UpstreamClient;
  tokens: { cc: TokenProvider; notice: TokenProvider };
  jwt: JwtVerifier;
  /** Platform events after fan-out (the event backbone). */
  events: StreamEventBus;
  /** Shared cache of phone lookups (per-instance concurrency limit and statistics). */
  lookups: PhoneLookupCache;
  /** IVR transfer routing rules (shared in the store, decided from memory). */
  ivr: IvrRouting;
  /** Per-principal operation and billed-call budgets, shared by every instance. */
  rateLimits: RateLimits;
  /** This instance's Prometheus metrics (GET /metrics). */
  metrics: GatewayMetrics;
  /** OpenTelemetry spans, when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing?: Tracing;
}

export interface UpstreamCallRecord {
  endpoint: string;
  ms: number;
  outcome: string;
}

/**
 * What one GraphQL operation (or one subscription event) runs with: the principal, the upstream
 * calls it made (logged per operation), and its own datasource instances with their DataLoaders.
 */
export class GatewayContext implements CallScope {
  readonly upstreamCalls: UpstreamCallRecord[] = [];
  private operationLogger?: Logger;
  /**
   * Objects of this answer that belong to the principal (its own calls and events, and what a
   * mutation answered it), so personal data in them is shown in full (src/apply-sensitivity.ts).
   * Created on first use: most operations touch no personal data.
   */
  get owned(): WeakSet<object> {
    return (this.ownedObjects ??= new WeakSet<object>());
  }
  private ownedObjects?: WeakSet<object>;
  private readonly sources = new Map<abstract new (ctx: GatewayContext) => unknown, unknown>();

  constructor(
    readonly services: Services,
    readonly principal: Principal,
    readonly requestId: string,
  ) {}

  /** The operation's logger: every line it writes (its upstream calls' included) carries its request id. Made on first use. */
  get logger(): Logger {
    return (this.operationLogger ??= this.services.logger.child({ requestId: this.requestId }));
  }

  /** Records one platform request made for this operation (its log line counts them). */
  observe(call: UpstreamCallRecord): void {
    this.upstreamCalls.push(call);
  }

  /** The per-request instance of a datasource (created on first use, so its loaders batch per request). */
  dataSource<T>(Source: new (ctx: GatewayContext) => T): T {
    let source = this.sources.get(Source) as T | undefined;
    if (!source) {
      source = new Source(this);
      this.sources.set(Source, source);
    }
    return source;
  }

  /** Platform requests this operation has made (or is making), against LIMIT_UPSTREAM_CALLS_PER_OPERATION. */
  private platformRequests = 0;

  /**
   * Calls a platform endpoint, recording the call for this operation's log line. Refused without a
   * request once the operation spent its platform-call budget, or the principal its billed calls.
   */
  async call<T>(endpointId: EndpointId, options?: CallOptions): Promise<UpstreamResult<T>> {
    const budget = this.services.config.limits.upstreamCallsPerOperation;
    if (budget > 0 && this.platformRequests >= budget) {
      throw new OperationLimitError(
        'upstreamCalls',
        this.platformRequests + 1,
        budget,
        `This operation used its budget of ${budget} platform calls; the rest of it is not fetched`,
      );
    }
    this.platformRequests++;
    const units = billedUnits(endpointId, options);
    if (units > 0) await this.services.rateLimits.billed(this.principal, units);
    return this.services.upstream.call<T>(endpointId, options, this);
  }

  /** A context for one event of a subscription: its own datasources, loaders and platform-call budget. */
  forEvent(): GatewayContext {
    return new GatewayContext(this.services, this.principal, this.requestId);
  }
}
