import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import express, { type Express } from 'express';
import { getOperationAST, GraphQLError, type ExecutionResult, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { JwtVerifier } from './auth/jwt';
import type { Config } from './config';
import { GatewayContext, type Services } from './context';
import { UpstreamClient } from './upstream/http';
import { lookupCacheSettings, PhoneLookupCache } from './upstream/phone-cache';
import { TokenProvider } from './upstream/token';
import { formatError, GatewayError, OperationLimitError } from './errors';
import { StoreUnavailableError } from './store/store';
import { HookRoutes } from './hooks/routes';
import type { Logger } from './logger';
import { buildGatewaySchema } from './build-schema';
import { IvrRouting } from './ivr/routing';
import { MemoryStore } from './store/memory';
import { RedisStore } from './store/redis';
import type { Store } from './store/store';
import {
  coalescingWebSocketServer,
  handedCursor,
  slowSubscriptionsEnd,
  trackSubscriptionCursors,
  type CoalescingWebSocket,
} from './subscriptions/coalescing-socket';
import { sharedSubscribe } from './subscriptions/shared-execution';
import { SharedFrames } from './subscriptions/shared-frames';
import { StreamEventBus } from './subscriptions/stream-bus';
import { EVENT_KIND_VALUES } from './events/kinds';
import { corsGuard } from './guards/cors';
import { authenticateFirst } from './guards/http';
import { OperationGuard } from './guards/operation-limits';
import { admitOperation, operationAdmissionPlugin } from './guards/operation-plugin';
import { RateLimits } from './guards/rate-limits';
import { SocketLimits } from './guards/socket-limits';
import { clientAddressResolver } from './http/client-address';
import { GraphqlHttp } from './http/graphql-http';
import { InFlightRequests } from './http/in-flight';
import { listenOrExplain } from './http/listen';
import { multipartUploads } from './http/multipart';
import { persistedQueries } from './persisted-queries';
import { staticPages } from './http/static-pages';
import type { Principal } from './auth/principal';
import { GatewayMetrics } from './observability/metrics';
import { metricsRoute, startMetricsServer } from './observability/metrics-endpoint';
import { operationObserver } from './observability/operation-plugin';
import { SocketOperations } from './observability/socket-operations';
import { tracing as processTracing } from './observability/tracing';

export interface Gateway {
  url: string;
  port: number;
  /** Where GET /metrics is served: the main port, or METRICS_PORT's. */
  metricsUrl: string;
  services: Services;
  /** The first step of a graceful stop: /readyz answers 503 from now on; everything else is still served. */
  beginShutdown(): void;
  /**
   * Graceful stop (after the drain, src/main.ts): no new connections, WebSockets closed with 1012
   * (service restart: clients reconnect elsewhere and resume after their cursor), in-flight requests
   * finish within SHUTDOWN_TIMEOUT_MS or are answered UNAVAILABLE, then everything is closed.
   */
  close(): Promise<void>;
}

/** Hooks a feature adds to the HTTP app, the platform-facing routes or shutdown (webhooks, event fan-out, …). */
export interface GatewayFeature {
  mount?(app: Express, services: Services): void | Promise<void>;
  /** Adds routes under /hooks/<HOOK_SECRET> (served ahead of Express, see hooks/routes.ts). */
  hooks?(routes: HookRoutes): void;
  close?(): void | Promise<void>;
}

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  /** Features started with the gateway (event backbone, IVR routing, …). */
  features?: ((services: Services) => GatewayFeature)[];
}

function createStore(config: Config, logger: Logger): Store {
  if (config.redis) {
    return new RedisStore({
      connection: config.redis,
      prefix: config.redisPrefix,
      logger,
      waitReplicas: config.eventsWaitReplicas,
      waitTimeoutMs: config.eventsWaitTimeoutMs,
    });
  }
  logger.warn('no REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS: using the in-process store (single instance only)');
  return new MemoryStore();
}

function createServices(config: Config, logger: Logger): Services {
  if (!config.upstream) throw new Error('no upstream hosts configured');
  if (!config.accessKeyId || !config.accessKeySecret) throw new Error('no platform credentials configured');
  const store = createStore(config, logger);
  const resilience = config.upstreamResilience;
  const metrics = new GatewayMetrics();
  const tracing = processTracing();
  const upstream = new UpstreamClient({
    metrics,
    tracing,
    hosts: config.upstream,
    timeoutMs: config.upstreamTimeoutMs,
    logger,
    breakerFailures: resilience.breakerFailures,
    breakerOpenMs: resilience.breakerOpenMs,
    maxConcurrencyPerFamily: resilience.maxConcurrencyPerFamily,
    queuePerFamily: resilience.queuePerFamily,
  });
  const tokenOptions = {
    accessKeyId: config.accessKeyId,
    accessKeySecret: config.accessKeySecret,
    client: upstream,
    store,
    clock: upstream.clock,
    logger,
    lockTtlMs: config.upstreamTimeoutMs + 5000,
    backoffMaxMs: resilience.tokenBackoffMaxMs,
    metrics,
  };
  const tokens = {
    cc: new TokenProvider({ ...tokenOptions, endpointId: 'auth.token' }),
    notice: new TokenProvider({ ...tokenOptions, endpointId: 'notice.token' }),
  };
  upstream.useTokens('cc', tokens.cc);
  upstream.useTokens('open', tokens.cc);
  upstream.useTokens('notice', tokens.notice);
  const jwt = new JwtVerifier({ secret: config.jwtSecret, jwksUrl: config.jwksUrl, maxLifetimeMs: config.authMaxTokenLifetimeMs });
  const events = new StreamEventBus(store, logger, {
    kinds: EVENT_KIND_VALUES,
    maxLenPerKind: config.eventsMaxLenPerKind,
    dedupeTtlMs: config.eventsDedupeTtlMs,
    metrics,
    tracing,
  });
  const lookups = new PhoneLookupCache(store, logger, lookupCacheSettings(config));
  const ivr = new IvrRouting(store, logger, config.ivrRulesRefreshMs);
  const rateLimits = new RateLimits(store, config.rateLimits, logger);
  metrics.watch({
    hosts: Object.keys(config.upstream) as (keyof typeof config.upstream)[],
    breakerState: (host) => upstream.breakerState(host),
    lookups: () => lookups.instanceStats(),
  });
  return { config, logger, store, upstream, tokens, jwt, events, lookups, ivr, rateLimits, metrics, tracing };
}

/**
 * Closes every WebSocket with 1012 (service restart): graphql-ws clients reconnect (to another
 * instance) and resume their subscriptions after the last cursor they received.
 */
function closeSocketsForRestart(sockets: Iterable<{ close(code: number, reason: string): void }>): void {
  for (const socket of sockets) socket.close(1012, 'Service restart');
}

async function checkReadiness(services: Services) {
  const checks: Record<string, string> = {};
  if (services.store.kind === 'memory') checks.store = 'in-process';
  else {
    try {
      await services.store.ping();
      checks.redis = 'up';
    } catch {
      checks.redis = 'down';
    }
  }
  try {
    await Promise.race([
      services.tokens.cc.get(),
      new Promise((_r, reject) => setTimeout(() => reject(new Error('timeout')), 3000).unref()),
    ]);
    checks.platformToken = 'ok';
  } catch (err) {
    checks.platformToken = `unavailable: ${(err as Error).message}`;
  }
  // A store that lost the event log (Redis restarted without its data, flushed, a failover that lost
  // its latest writes) is named for EVENTS_LOSS_REPORT_S; the gateway still serves (live subscribers
  // go on with the new log, older cursors get CURSOR_EXPIRED), so it stays ready.
  const loss = services.events.lastLoss();
  if (loss && Date.now() - loss.at.getTime() < services.config.eventsLossReportMs) {
    checks.eventLog = 'lost';
    checks.eventLogLostAt = loss.at.toISOString();
  }
  const ready = checks.redis !== 'down' && checks.platformToken === 'ok';
  return { ready, checks };
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, logger } = options;
  const services = createServices(config, logger);
  if (services.store instanceof RedisStore && !(await services.store.waitUntilReady(5000))) {
    logger.warn('redis not reachable at start: serving degraded until it is');
  }
  await services.events.start();
  await services.ivr.start();
  const schema: GraphQLSchema = await buildGatewaySchema();
  const guard = new OperationGuard(schema, config.limits, { introspection: config.allowIntrospection });
  const admission = { guard, rateLimits: services.rateLimits, logger };
  const socketLimits = new SocketLimits(services.store, config.ws.maxSocketsPerPrincipal, logger);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const hookRoutes = new HookRoutes(config, logger);
  // Platform callbacks, IVR requests and /graphql are answered by Node's HTTP server directly; the rest is Express.
  const served: { graphql?: GraphqlHttp } = {}; // /graphql: set once Apollo has started, before the server listens
  const pages = staticPages({ explorer: config.explorer, compressFrom: config.compressionMinBytes });
  // GET /metrics: on the main port, or on METRICS_PORT alone.
  const metricsAt = metricsRoute(services.metrics, config.metrics.token, logger);
  const metricsServer =
    config.metrics.port === undefined ? undefined : await startMetricsServer(metricsAt, config.metrics.port, config.host);
  const inFlight = new InFlightRequests();
  let shuttingDown = false;
  const httpServer = http.createServer((req, res) => {
    inFlight.track(req, res);
    if (pages(req, res)) return; // GET /, /wallboard, /explorer and their assets (src/http/static-pages.ts)
    if (!metricsServer && metricsAt(req, res)) return;
    if (!hookRoutes.handle(req, res) && !served.graphql?.handle(req, res)) app(req, res);
  });
  const frames = new SharedFrames();
  // A reader judged slow (WS_MAX_BUFFERED_BYTES waiting, or nothing written for half the keep-alive
  // interval while sends wait) gets its subscriptions' SLOW_SUBSCRIBER errors and a 4413 close frame
  // behind what it was sent, and WS_KEEPALIVE_MS to read them before it is dropped.
  const wsServer = coalescingWebSocketServer({ server: httpServer, path: '/graphql', maxPayload: config.ws.maxPayloadBytes }, frames, {
    maxBufferedBytes: config.wsMaxBufferedBytes,
    stallMs: Math.max(1, Math.floor(config.ws.keepAliveMs / 2)),
    graceMs: config.ws.keepAliveMs,
  });
  services.metrics.watch({ websocketsOpen: () => wsServer.clients.size });
  // The cursor of every event message is known when it is sent (the resume cursor of a slow reader).
  trackSubscriptionCursors(schema);
  // Results with errors get the same shape as over HTTP; mapped once per result, shared like the result.
  const formatted = new WeakMap<ExecutionResult, FormattedExecutionResult>();
  const formatResult = (result: ExecutionResult): ExecutionResult | FormattedExecutionResult => {
    if (!result.errors) return result;
    let mapped = formatted.get(result);
    if (!mapped) {
      mapped = { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) };
      formatted.set(result, mapped);
    }
    return mapped;
  };

  /** What a socket carries once its connection_init is accepted, and its operations' contexts by id. */
  type SocketState = {
    principal?: Principal;
    socketId?: string;
    operations?: Map<string, GatewayContext>;
    /** Its operations as metrics and the log see them. */
    observed?: SocketOperations;
    socket: CoalescingWebSocket;
  };
  const refusal = (err: GatewayError | StoreUnavailableError) => new GraphQLError(err.message, { originalError: err });
  const maxSubscriptions = config.ws.maxSubscriptionsPerSocket;

  const wsCleanup = useServer<{ authorization?: string }, SocketState>(
    {
      schema,
      connectionInitWaitTimeout: config.ws.connectionInitTimeoutMs, // then 4408
      // Each event is executed once per distinct subscription, not once per subscriber.
      subscribe: sharedSubscribe(),
      onConnect: async (ctx) => {
        let principal: Principal;
        try {
          principal = await services.jwt.verify(ctx.connectionParams?.authorization);
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
        const socketId = randomUUID();
        if (!(await socketLimits.admit(principal, socketId))) {
          services.metrics.refused('socketsPerPrincipal');
          // Closed before graphql-ws's own 4403 for `false`, which then has no effect.
          ctx.extra.socket.close(
            4429,
            `Too many sockets for this principal (WS_MAX_SOCKETS_PER_PRINCIPAL ${config.ws.maxSocketsPerPrincipal})`,
          );
          return false;
        }
        const operations = new Map<string, GatewayContext>();
        Object.assign(ctx.extra, { principal, socketId, operations, observed: new SocketOperations(services) });
        const { socket } = ctx.extra;
        socket.slowReaderEnd = () => {
          const open = [...operations].filter(([id]) => id in ctx.subscriptions);
          const end = slowSubscriptionsEnd(socket, open);
          services.metrics.refused('slowSubscriber');
          logger.warn({ sub: principal.sub, subscriptions: open.length, reason: end.reason }, 'slow subscriber cut off');
          return {
            ...end,
            // Nothing more is sent: stop executing their events now rather than when the socket is gone.
            closed: () => {
              for (const sub of Object.values(ctx.subscriptions)) void (sub as AsyncGenerator | null)?.return?.(undefined);
            },
          };
        };
        return true;
      },
      onClose: (ctx) => {
        const { principal, socketId } = ctx.extra;
        if (principal && socketId) void socketLimits.release(principal, socketId);
      },
      onComplete: (ctx, id) => {
        ctx.extra.observed?.end(id);
        ctx.extra.operations?.delete(id);
        ctx.extra.socket.forget(id);
      },
      // The same limits as over HTTP: parse (tokens), validation (depth, aliases, introspection), cost, rate.
      onSubscribe: async (ctx, id, payload) => {
        const requestId = ctx.extra.observed?.begin(id, payload.operationName) ?? randomUUID();
        const active = Object.keys(ctx.subscriptions).length; // this one included
        if (maxSubscriptions > 0 && active > maxSubscriptions) {
          return [
            refusal(
              new OperationLimitError(
                'subscriptionsPerSocket',
                active,
                maxSubscriptions,
                `Too many operations on this socket: at most ${maxSubscriptions} at once (WS_MAX_SUBSCRIPTIONS_PER_SOCKET)`,
              ),
            ),
          ];
        }
        const parsed = guard.parseAndValidate(payload.query);
        if ('errors' in parsed) return parsed.errors;
        const principal = ctx.extra.principal!;
        try {
          await admitOperation(admission, principal, parsed.document, payload.operationName, payload.variables ?? undefined);
        } catch (err) {
          if (err instanceof GatewayError || err instanceof StoreUnavailableError) return [refusal(err)];
          throw err;
        }
        const contextValue = new GatewayContext(services, principal, requestId);
        ctx.extra.operations?.set(id, contextValue);
        const operation = getOperationAST(parsed.document, payload.operationName);
        ctx.extra.observed?.admitted(id, operation?.operation ?? 'unknown', operation?.name?.value, contextValue);
        return {
          schema,
          document: parsed.document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
      },
      // Subscription results get the same error shape as HTTP ones (codes, no internals); each
      // result object is serialised once for all its subscribers (SharedFrames). The socket is told
      // which event each message carries (graphql-ws sends them in this order).
      onNext: (ctx, id, _payload, args, result) => {
        ctx.extra.socket.expectNext(id, handedCursor(args.contextValue));
        const answer = formatResult(result);
        if (answer.errors) ctx.extra.observed?.answered(id, answer.errors as FormattedExecutionResult['errors']);
        return frames.share(answer);
      },
      jsonMessageReplacer: frames.replacer,
      onError: (ctx, id, _payload, errors) => {
        const requestId = ctx.extra.observed?.requestIdOf(id);
        const formatted = errors.map((e) => {
          const original = e.originalError;
          if (original && !(original instanceof GatewayError) && !(original instanceof StoreUnavailableError)) {
            logger.warn({ requestId, message: e.message }, 'subscription error');
          }
          const error = formatError(e.toJSON(), e);
          return requestId ? { ...error, extensions: { ...error.extensions, requestId } } : error;
        });
        ctx.extra.observed?.failed(id, formatted);
        return formatted;
      },
    },
    wsServer,
    config.ws.keepAliveMs, // a socket that does not answer a ping within this is closed
  );

  const apollo = new ApolloServer<GatewayContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false, // main.ts owns the signals and the order of shutdown
    introspection: config.allowIntrospection,
    // Without introspection, no "Did you mean …" either: both tell a stranger the schema.
    hideSchemaDetailsFromClientErrors: !config.allowIntrospection,
    // Shared by every instance through Redis (src/persisted-queries.ts), bounded by APQ_TTL_S and APQ_MAX_BYTES.
    persistedQueries: persistedQueries(services.store, config.apq, logger),
    parseOptions: guard.parseOptions,
    validationRules: guard.validationRules,
    plugins: [
      operationAdmissionPlugin(admission),
      // No HTTP cache hints or federated traces are used: without these, no plugin hooks every field.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      operationObserver(services),
      // Apollo's landing page loads Apollo Sandbox from Apollo's CDN: the gateway serves its own explorer (/explorer).
      ApolloServerPluginLandingPageDisabled(),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'alive' });
  });
  app.get('/readyz', async (_req, res) => {
    // Stopping: the load balancer is told at once and moves new traffic away during the drain.
    if (shuttingDown) return void res.status(503).json({ status: 'shutting down' });
    const { ready, checks } = await checkReadiness(services);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', ...checks });
  });

  const features = (options.features ?? []).map((make) => make(services));
  for (const f of features) {
    await f.mount?.(app, services);
    f.hooks?.(hookRoutes);
  }

  // /graphql over HTTP, ahead of Express (src/http/graphql-http.ts): CORS, then the token before any
  // body is read; uploads and JSON bodies have their own limits; then Apollo.
  served.graphql = new GraphqlHttp({
    apollo,
    context: (principal, requestId) => new GatewayContext(services, principal, requestId),
    cors: corsGuard(config.cors),
    authenticate: authenticateFirst(services.jwt, services.rateLimits, clientAddressResolver(config.trustProxy)),
    uploads: multipartUploads(config.uploadMaxBytes),
    maxBodyBytes: config.httpMaxBodyBytes,
    compressFrom: config.compressionMinBytes,
    browserPage: config.explorer ? '/explorer' : undefined,
    logger,
    metrics: services.metrics,
    tracing: services.tracing,
  });

  await listenOrExplain(httpServer, config.port, config.host);
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  logger.info({ url: `${url}/graphql`, port, store: services.store.kind }, 'gateway listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    metricsUrl: metricsServer ? `http://127.0.0.1:${metricsServer.port}` : url,
    services,
    beginShutdown: () => {
      shuttingDown = true;
    },
    close: () =>
      (closing ??= (async () => {
        shuttingDown = true;
        httpServer.close(); // no new connections; idle keep-alive ones are closed
        httpServer.closeIdleConnections();
        closeSocketsForRestart(wsServer.clients);
        const { timeoutMs } = config.shutdown;
        if (!(await inFlight.settle(timeoutMs))) {
          const cut = inFlight.cutOff(`The gateway is shutting down and the operation did not finish within ${timeoutMs} ms; try again`);
          logger.warn({ requests: cut, timeoutMs }, 'shutdown deadline: requests still in flight answered UNAVAILABLE');
        }
        httpServer.closeAllConnections();
        await apollo.stop(); // its drainServer hook disposes of graphql-ws (sockets still open: 1001)
        socketLimits.close();
        for (const f of features) await f.close?.();
        wsServer.close();
        await services.events.close();
        services.ivr.close();
        await services.lookups.close();
        await services.upstream.close();
        await services.store.close();
        for (const socket of wsServer.clients) socket.terminate(); // a peer that never answered the close
        await metricsServer?.close();
        await services.tracing?.flush();
        logger.info('gateway stopped');
      })()),
  };
}
