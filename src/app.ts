import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import express, { type Express } from 'express';
import { GraphQLError, type ExecutionResult, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
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
import { multipartUploads } from './http/multipart';
import { staticPages } from './http/static-pages';
import type { Principal } from './auth/principal';

export interface Gateway {
  url: string;
  port: number;
  services: Services;
  /** Graceful stop: no new connections, in-flight requests finish, sockets close with 1001. */
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
  const upstream = new UpstreamClient({
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
  });
  const lookups = new PhoneLookupCache(store, logger, lookupCacheSettings(config));
  const ivr = new IvrRouting(store, logger, config.ivrRulesRefreshMs);
  const rateLimits = new RateLimits(store, config.rateLimits, logger);
  return { config, logger, store, upstream, tokens, jwt, events, lookups, ivr, rateLimits };
}

/** One log line per GraphQL operation: name, duration, upstream calls, outcome. */
function operationLog(logger: Logger): ApolloServerPlugin<GatewayContext> {
  const unexpected = async ({ errors }: { errors: readonly GraphQLError[] }) => {
    for (const e of errors) {
      const original = e.originalError;
      if (original && !(original instanceof GatewayError) && !(original instanceof GraphQLError)) {
        logger.error({ err: { message: original.message, stack: original.stack } }, 'unexpected resolver error');
      }
    }
  };
  // Below info (LOG_LEVEL=warn and up) there is no line to write: one listener for every request, nothing timed or built.
  const errorsOnly = { didEncounterErrors: unexpected };
  return {
    async requestDidStart() {
      if (!logger.isLevelEnabled('info')) return errorsOnly;
      const started = performance.now();
      return {
        async willSendResponse({ contextValue, operationName, errors }) {
          const codes = (errors ?? []).map((e) => (e.extensions?.code as string | undefined) ?? 'INTERNAL');
          logger.info(
            {
              requestId: contextValue?.requestId,
              operation: operationName ?? null,
              ms: Math.round(performance.now() - started),
              upstreamCalls: contextValue?.upstreamCalls.length ?? 0,
              outcome: codes.length === 0 ? 'ok' : [...new Set(codes)].join(','),
            },
            'graphql operation',
          );
        },
        didEncounterErrors: unexpected,
      };
    },
  };
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
  const pages = staticPages();
  const httpServer = http.createServer((req, res) => {
    if (pages(req, res)) return; // GET /, /wallboard and its assets (src/http/static-pages.ts)
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
          // Closed before graphql-ws's own 4403 for `false`, which then has no effect.
          ctx.extra.socket.close(
            4429,
            `Too many sockets for this principal (WS_MAX_SOCKETS_PER_PRINCIPAL ${config.ws.maxSocketsPerPrincipal})`,
          );
          return false;
        }
        const operations = new Map<string, GatewayContext>();
        Object.assign(ctx.extra, { principal, socketId, operations });
        const { socket } = ctx.extra;
        socket.slowReaderEnd = () => {
          const open = [...operations].filter(([id]) => id in ctx.subscriptions);
          const end = slowSubscriptionsEnd(socket, open);
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
        ctx.extra.operations?.delete(id);
        ctx.extra.socket.forget(id);
      },
      // The same limits as over HTTP: parse (tokens), validation (depth, aliases, introspection), cost, rate.
      onSubscribe: async (ctx, id, payload) => {
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
        const contextValue = new GatewayContext(services, principal, randomUUID());
        ctx.extra.operations?.set(id, contextValue);
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
        return frames.share(formatResult(result));
      },
      jsonMessageReplacer: frames.replacer,
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((e) => {
          const original = e.originalError;
          if (original && !(original instanceof GatewayError) && !(original instanceof StoreUnavailableError)) {
            logger.warn({ message: e.message }, 'subscription error');
          }
          return formatError(e.toJSON(), e);
        }),
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
    parseOptions: guard.parseOptions,
    validationRules: guard.validationRules,
    plugins: [
      operationAdmissionPlugin(admission),
      // No HTTP cache hints or federated traces are used: without these, no plugin hooks every field.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      operationLog(logger),
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
    context: (principal) => new GatewayContext(services, principal!, randomUUID()),
    cors: corsGuard(config.cors),
    authenticate: authenticateFirst(services.jwt, services.rateLimits, clientAddressResolver(config.trustProxy)),
    uploads: multipartUploads(config.uploadMaxBytes),
    maxBodyBytes: config.httpMaxBodyBytes,
    logger,
  });

  httpServer.listen(config.port, config.host);
  await once(httpServer, 'listening');
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  logger.info({ url: `${url}/graphql`, port, store: services.store.kind }, 'gateway listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    services,
    close: () =>
      (closing ??= (async () => {
        // Apollo's drain plugin stops accepting, waits for in-flight requests, then the WS cleanup closes sockets with 1001.
        await apollo.stop();
        socketLimits.close();
        for (const f of features) await f.close?.();
        wsServer.close();
        await services.events.close();
        services.ivr.close();
        await services.lookups.close();
        await services.upstream.close();
        await services.store.close();
        logger.info('gateway stopped');
      })()),
  };
}
