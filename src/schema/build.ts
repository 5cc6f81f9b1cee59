import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type AuthChecker, type PubSub } from 'type-graphql';
import { hasAnyRole, type Role } from '../auth/principal';
import type { GatewayContext } from '../context';
import { resolvers } from '../resolvers';
import { DateTimeScalar } from './scalars';

/** One auth checker for every @Authorized field: the principal needs one of the roles (or a higher one). */
export const authChecker: AuthChecker<GatewayContext, Role> = ({ context }, roles) => hasAnyRole(context.principal, roles);

/**
 * type-graphql requires a PubSub once the schema has a subscription, even when every subscription
 * brings its own `subscribe` iterable (as the gateway's do); topic subscriptions are not used.
 */
const noTopicPubSub: PubSub = {
  publish() {
    throw new Error('topic subscriptions are not used: subscriptions give their own iterable');
  },
  subscribe() {
    throw new Error('topic subscriptions are not used: subscriptions give their own iterable');
  },
};

let built: Promise<GraphQLSchema> | undefined;

/** Builds the schema once per process (type-graphql metadata is global). */
export function buildGatewaySchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers,
    authChecker,
    authMode: 'error',
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validate: false,
    pubSub: noTopicPubSub,
  });
  return built;
}
