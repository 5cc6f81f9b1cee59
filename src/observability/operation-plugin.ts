import type { ApolloServerPlugin, GraphQLResponse } from '@apollo/server';
import { getOperationAST, GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { GatewayContext, Services } from '../context';
import { GatewayError } from '../errors';
import { operationOutcome, type OperationType } from './metrics';

/** The errors an HTTP answer carries, as the client gets them (formatted). */
function answeredErrors(response: GraphQLResponse): readonly GraphQLFormattedError[] | undefined {
  const body = response.body;
  return body.kind === 'single' ? body.singleResult.errors : body.initialResult.errors;
}

/** The same errors with the request id in each one's extensions. */
function withRequestId(response: GraphQLResponse, requestId: string): void {
  const body = response.body;
  const result = (body.kind === 'single' ? body.singleResult : body.initialResult) as { errors?: readonly GraphQLFormattedError[] };
  if (result.errors) result.errors = result.errors.map((e) => ({ ...e, extensions: { ...e.extensions, requestId } }));
}

/**
 * What every GraphQL operation over HTTP leaves behind, once, when its answer is sent:
 * - `extensions.requestId` in each of its errors;
 * - gateway_operations_total and its duration (type, bounded name, outcome), the limits it was refused by;
 * - the name, outcome and request id on its span (tracing on);
 * - one info line (name, type, duration, upstream calls, outcome and error codes), its request id on it.
 * Unexpected resolver errors are logged with their stack (never sent).
 */
export function operationObserver({
  logger,
  metrics,
  tracing,
}: Pick<Services, 'logger' | 'metrics' | 'tracing'>): ApolloServerPlugin<GatewayContext> {
  const unexpected = async ({ errors, contextValue }: { errors: readonly GraphQLError[]; contextValue?: GatewayContext }) => {
    for (const e of errors) {
      const original = e.originalError;
      if (original && !(original instanceof GatewayError) && !(original instanceof GraphQLError)) {
        logger.error(
          { requestId: contextValue?.requestId, err: { message: original.message, stack: original.stack } },
          'unexpected resolver error',
        );
      }
    }
  };
  // The level is fixed at start: below info (LOG_LEVEL=warn and up) no line is built.
  const logs = logger.isLevelEnabled('info');
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        didEncounterErrors: unexpected,
        async willSendResponse({ contextValue, operation, document, request, response }) {
          const requestId = contextValue?.requestId;
          if (requestId && answeredErrors(response)) withRequestId(response, requestId);
          const errors = answeredErrors(response);
          // A document refused by validation was parsed: its operation is known, though not resolved.
          const op = operation ?? (document ? getOperationAST(document, request.operationName) : undefined);
          const type: OperationType = op?.operation ?? 'unknown';
          const operationName = op?.name?.value ?? request.operationName;
          const outcome = operationOutcome(errors);
          const seconds = (performance.now() - started) / 1000;
          metrics.operation(type, operationName, outcome, seconds);
          metrics.refusedIn(errors);
          tracing?.annotate(
            {
              'graphql.operation.type': type,
              'graphql.operation.name': operationName ?? undefined,
              'gateway.outcome': outcome,
              'gateway.request_id': requestId,
            },
            `${type} ${operationName ?? 'anonymous'}`,
            outcome !== 'ok',
          );
          if (!logs) return;
          const codes = errors ? [...new Set(errors.map((e) => String(e.extensions?.code ?? 'INTERNAL')))] : [];
          logger.info(
            {
              requestId,
              operation: operationName ?? null,
              type,
              ms: Math.round(seconds * 1000),
              upstreamCalls: contextValue?.upstreamCalls.length ?? 0,
              outcome,
              ...(codes.length > 0 ? { codes: codes.join(',') } : {}),
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
