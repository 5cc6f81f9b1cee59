import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type AuthChecker } from 'type-graphql';
import { hasAnyRole, type Role } from './auth/principal';
import type { GatewayContext } from './context';
import { applySensitivity } from './apply-sensitivity';
import { resolvers } from './resolvers';
import { DateTimeScalar } from './schema/scalars';

/** One auth checker for every @Authorized field: the principal needs one of the roles (or a higher one). */
export const authChecker: AuthChecker<GatewayContext, Role> = ({ context }, roles) => hasAnyRole(context.principal, roles);

/**
 * type-graphql insists on a PubSub once there are subscriptions, but every subscription here brings
 * its own `subscribe` (the event log): topic-based subscriptions are a mistake, said loudly.
 */
const noTopics = {
  publish(): never {
    throw new Error('topic pub/sub is not used: subscriptions read the event log (src/subscriptions)');
  },
  subscribe(): never {
    throw new Error('topic pub/sub is not used: subscriptions read the event log (src/subscriptions)');
  },
};

let built: Promise<GraphQLSchema> | undefined;

/** Builds the schema once per process (type-graphql metadata is global), with the personal-data rules applied. */
export function buildGatewaySchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers,
    authChecker,
    authMode: 'error',
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validate: false,
    pubSub: noTopics,
  }).then(applySensitivity);
  return built;
}
