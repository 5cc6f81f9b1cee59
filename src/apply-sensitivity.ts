import {
  defaultFieldResolver,
  getNamedType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { reveal } from './auth/personal-data';
import type { Config } from './config';
import type { GatewayContext } from './context';
import { Sensitivity, sensitivityOf } from './schema/sensitivity';

type Resolver = GraphQLFieldResolver<unknown, GatewayContext>;

/** The sensitivity of an object type's field: its own, or the one its interface declares for it. */
export function fieldSensitivity(type: GraphQLObjectType, name: string): Sensitivity | undefined {
  const own = sensitivityOf(type.getFields()[name]);
  if (own) return own;
  for (const i of type.getInterfaces()) {
    const declared = i.getFields()[name] && sensitivityOf(i.getFields()[name]);
    if (declared) return declared;
  }
  return undefined;
}

/** Object types that hold a sensitive field, directly or through the objects they lead to. */
function typesHoldingSensitiveData(schema: GraphQLSchema): Set<string> {
  const objects = Object.values(schema.getTypeMap()).filter((t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith('__'));
  const holding = new Set<string>();
  for (const t of objects) {
    const own = Object.keys(t.getFields()).some((name) => {
      const s = fieldSensitivity(t, name);
      return s !== undefined && s !== Sensitivity.NOT_PERSONAL;
    });
    if (own) holding.add(t.name);
  }
  // Close over "leads to": repeat until no type is added.
  for (let grew = true; grew;) {
    grew = false;
    for (const t of objects) {
      if (!holding.has(t.name) && Object.values(t.getFields()).some((f) => leadsToHolding(schema, getNamedType(f.type), holding))) {
        holding.add(t.name);
        grew = true;
      }
    }
  }
  return holding;
}

/**
 * Whether an object of the answer belongs to the principal. An object that names an agent
 * (`agentNumber`: an agent's call, event, live state or toolbar answer) belongs to that agent alone,
 * whoever asked; any other object belongs to the principal when it was marked so (a mutation's
 * answer, or what an owned object leads to).
 */
function ownedBy(ctx: GatewayContext, parent: unknown): boolean {
  if (!parent || typeof parent !== 'object') return false;
  const agent = (parent as { agentNumber?: unknown }).agentNumber;
  if (typeof agent === 'string' && agent !== '') return agent === ctx.principal?.agentNumber;
  return ctx.owned.has(parent);
}

function markOwned(ctx: GatewayContext, value: unknown): unknown {
  if (value instanceof Promise) return value.then((v) => markOwned(ctx, v));
  if (Array.isArray(value)) for (const v of value) markOwned(ctx, v);
  else if (value && typeof value === 'object') ctx.owned.add(value);
  return value;
}

/** Known secret values (the hook secret, the platform key secret, the JWT secret) to redact wherever they appear. */
const secretsByConfig = new WeakMap<Config, string[]>();
function secretsOf(config: Config | undefined): readonly string[] {
  if (!config) return [];
  let secrets = secretsByConfig.get(config);
  if (!secrets) {
    secrets = [config.hookSecret, config.accessKeySecret, config.jwtSecret].filter((s): s is string => !!s);
    secretsByConfig.set(config, secrets);
  }
  return secrets;
}

function revealing(sensitivity: Sensitivity, resolve: Resolver): Resolver {
  return (parent, args, ctx, info) => {
    const apply = (value: unknown) => reveal(sensitivity, value, ctx.principal, ownedBy(ctx, parent), secretsOf(ctx.services?.config));
    const value = resolve(parent, args, ctx, info);
    return value instanceof Promise ? value.then(apply) : apply(value);
  };
}

/** An object field on the way to personal data: what it answers belongs to the principal when its parent does. */
function passingOwnership(resolve: Resolver): Resolver {
  return (parent, args, ctx, info) => {
    const value = resolve(parent, args, ctx, info);
    return ownedBy(ctx, parent) ? markOwned(ctx, value) : value;
  };
}

/** A mutation's answer belongs to whoever made it (a direct-call binding answers its SIP password to its maker), but for what names another agent. */
function answeringTheCaller(resolve: Resolver): Resolver {
  return (parent, args, ctx, info) => markOwned(ctx, resolve(parent, args, ctx, info));
}

/**
 * Applies the personal-data rules (src/auth/personal-data.ts) to the schema, in place: every field
 * that declares a sensitivity answers what the principal may see of it, and the object fields that
 * lead to such fields carry ownership down. Fields that lead to no personal data are untouched, so
 * they cost nothing. Queries, mutations, subscription events and the wallboard all resolve through
 * these fields, so no path can skip the rules.
 */
export function applySensitivity(schema: GraphQLSchema): GraphQLSchema {
  const holding = typesHoldingSensitiveData(schema);
  const mutation = schema.getMutationType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields()) as GraphQLField<unknown, GatewayContext>[]) {
      const resolve = (field.resolve ?? defaultFieldResolver) as Resolver;
      const sensitivity = fieldSensitivity(type, field.name);
      if (sensitivity && sensitivity !== Sensitivity.NOT_PERSONAL) field.resolve = revealing(sensitivity, resolve);
      else if (!leadsToHolding(schema, getNamedType(field.type), holding)) continue;
      else if (type === mutation) field.resolve = answeringTheCaller(resolve);
      else field.resolve = passingOwnership(resolve);
    }
  }
  return schema;
}

/** Whether a field's type is, or may be (an interface or union), an object type that holds personal data. */
function leadsToHolding(schema: GraphQLSchema, t: GraphQLNamedType, holding: Set<string>): boolean {
  if (isObjectType(t)) return holding.has(t.name);
  if (isInterfaceType(t)) return schema.getPossibleTypes(t).some((p) => holding.has(p.name));
  if (isUnionType(t)) return t.getTypes().some((p) => holding.has(p.name));
  return false;
}
