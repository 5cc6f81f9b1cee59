import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Principal } from '../auth/principal';
import type { GatewayContext } from '../context';
import { BadRequestError, GatewayError, RateLimitedError } from '../errors';
import type { Logger } from '../logger';
import { subscriptionRuleThrows, withoutSubscriptionSelections, type OperationGuard } from './operation-limits';
import type { RateLimits } from './rate-limits';

export interface OperationAdmission {
  guard: OperationGuard;
  rateLimits: RateLimits;
  logger: Logger;
}

/**
 * What every operation passes after parsing and validation, over HTTP and WebSocket alike: its
 * cost (with the variables), then the principal's operations-per-minute budget. Throws the
 * GatewayError a client gets.
 */
export async function admitOperation(
  { guard, rateLimits }: OperationAdmission,
  principal: Principal,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
): Promise<void> {
  guard.checkCost(document, operationName, variables);
  await rateLimits.operation(principal);
}

/** A GatewayError thrown from an Apollo hook, with the HTTP status (and Retry-After) it answers with. */
function asHttpError(err: GatewayError): GraphQLError {
  const headers = new HeaderMap();
  if (err instanceof RateLimitedError) headers.set('retry-after', String(err.retryAfterSeconds));
  const status = err instanceof RateLimitedError ? 429 : 400;
  return new GraphQLError(err.message, { originalError: err, extensions: { http: { status, headers } } });
}

export const SUBSCRIPTIONS_OVER_HTTP =
  'Subscriptions are served over WebSocket only: connect to /graphql with the graphql-transport-ws protocol (ws:// or wss://)';

/** The HTTP side of admitOperation, as an Apollo plugin; a subscription sent over HTTP gets a 400 BAD_REQUEST. */
export function operationAdmissionPlugin(admission: OperationAdmission): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        // graphql-js's single-root-field rule throws (instead of reporting) on conditional
        // subscription root fields, and Apollo answers an exception there with a 500. No
        // subscription runs over HTTP (didResolveOperation refuses them), so such a document's
        // subscriptions lose their selections before validation and the refusal is the usual 400.
        async validationDidStart(requestContext) {
          const { document, schema } = requestContext;
          if (document && subscriptionRuleThrows(schema, document)) {
            (requestContext as { document: DocumentNode }).document = withoutSubscriptionSelections(document);
          }
        },
        async didResolveOperation({ operation, document, request, contextValue }) {
          const op = operation as OperationDefinitionNode | undefined;
          if (op?.operation === 'subscription') {
            admission.logger.debug({ requestId: contextValue.requestId }, 'subscription sent over HTTP refused');
            throw asHttpError(new BadRequestError(SUBSCRIPTIONS_OVER_HTTP));
          }
          try {
            await admitOperation(admission, contextValue.principal, document, request.operationName, request.variables);
          } catch (err) {
            throw err instanceof GatewayError ? asHttpError(err) : err;
          }
        },
      };
    },
  };
}
