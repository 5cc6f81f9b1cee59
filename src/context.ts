import type { Principal } from './auth/principal';
import type { JwtVerifier } from './auth/jwt';
import type { Config } from './config';
import type { CallOptions, UpstreamClient, UpstreamResult } from './datasources/http';
import type { PhoneLookupCache } from './datasources/phone-cache';
import type { TokenProvider } from './datasources/token';
import type { IvrRouting } from './ivr/routing';
import type { Logger } from './logger';
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
export class GatewayContext {
  readonly upstreamCalls: UpstreamCallRecord[] = [];
  private readonly sources = new Map<abstract new (ctx: GatewayContext) => unknown, unknown>();

  constructor(
    readonly services: Services,
    readonly principal: Principal,
    readonly requestId: string,
  ) {}

  /** The per-request instance of a datasource (created on first use, so its loaders batch per request). */
  dataSource<T>(Source: new (ctx: GatewayContext) => T): T {
    let source = this.sources.get(Source) as T | undefined;
    if (!source) {
      source = new Source(this);
      this.sources.set(Source, source);
    }
    return source;
  }

  /** Calls a platform endpoint, recording the call for this operation's log line. */
  call<T>(endpointId: string, options?: CallOptions): Promise<UpstreamResult<T>> {
    return this.services.upstream.call<T>(endpointId, options, (c) => this.upstreamCalls.push(c));
  }
}
