import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  getNamedType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  isLeafType,
  Kind,
  NoSchemaIntrospectionCustomRule,
  SingleFieldSubscriptionsRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import type { Config } from '../config';
import { OperationLimitError, tokenLimitRefusal } from '../errors';

/**
 * Own cost of a field whose resolver calls the platform (root fields, and nested ones that declare
 * it with `complexity: PLATFORM_FIELD_COST`). Other object fields cost 1, scalars and enums 0.
 */
export const PLATFORM_FIELD_COST = 4;

/** Arguments whose value is how many items a list field answers (so what they select counts that often). */
const SIZE_ARGUMENTS = new Set(['pageSize', 'limit', 'first', 'last']);

/**
 * What of the variables a cost depends on: list lengths, numbers, booleans (@include/@skip) and
 * keys, down to a little below the depth `multiplier` looks at; not strings.
 */
function shapeOf(value: unknown, depth = 0): string {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? 's' : String(value);
  if (depth > 12) return '…';
  if (Array.isArray(value)) {
    let out = `[${value.length}`;
    for (const v of value) if (typeof v !== 'string') out += `,${shapeOf(v, depth + 1)}`;
    return `${out}]`;
  }
  let out = '{';
  for (const [k, v] of Object.entries(value)) out += `${JSON.stringify(k)}:${shapeOf(v, depth + 1)},`;
  return `${out}}`;
}

/** The largest list in a field's arguments (inputs included), or its page size: how often its selection is paid. */
function multiplier(args: Record<string, unknown>): number {
  let most = 1;
  const visit = (value: unknown, depth: number) => {
    if (depth > 8 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      most = Math.max(most, value.length);
      for (const v of value) if (v !== null && typeof v === 'object') visit(v, depth + 1);
      return;
    }
    for (const v of Object.values(value)) visit(v, depth + 1);
  };
  for (const [name, value] of Object.entries(args)) {
    if (SIZE_ARGUMENTS.has(name) && typeof value === 'number' && Number.isFinite(value)) most = Math.max(most, value);
    else visit(value, 0);
  }
  return most;
}

/**
 * The cost model, one estimator for every field so that a new field cannot forget it:
 * cost = own cost + multiplier × cost of the selection, where the own cost is the field's declared
 * `complexity` (extensions), else PLATFORM_FIELD_COST for a root field, 1 for an object and 0 for
 * a scalar or enum, and the multiplier is the page size or the longest list argument.
 */
function costEstimator(schema: GraphQLSchema): ComplexityEstimator {
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean));
  return ({ type, field, args, childComplexity }) => {
    const declared = field.extensions?.complexity;
    const own =
      typeof declared === 'number'
        ? declared
        : roots.has(type as never)
          ? PLATFORM_FIELD_COST
          : isLeafType(getNamedType(field.type))
            ? 0
            : 1;
    return own + multiplier(args) * childComplexity;
  };
}

const FOUND = /found (\d+)/;

/** A validation rule of graphql-armor whose refusal becomes an OperationLimitError (code OPERATION_LIMIT). */
function armorRule(
  limit: string,
  maximum: number,
  make: (options: {
    n: number;
    propagateOnRejection: false;
    onReject: ((ctx: ValidationContext | null, err: GraphQLError) => void)[];
  }) => ValidationRule,
): ValidationRule {
  return make({
    n: maximum,
    propagateOnRejection: false,
    onReject: [
      (ctx, err) => {
        const value = Number(FOUND.exec(err.message)?.[1] ?? maximum + 1);
        const refusal = new OperationLimitError(
          limit,
          value,
          maximum,
          `Operation refused: ${limit} ${value} is over the maximum of ${maximum}`,
        );
        ctx?.reportError(new GraphQLError(refusal.message, { originalError: refusal }));
      },
    ],
  });
}

const CONDITIONAL_SUBSCRIPTION_ROOT = "A subscription's root field cannot carry @skip or @include";

/**
 * Whether graphql-js's single-root-field rule throws on the document instead of reporting an error
 * (it evaluates @skip/@include on a subscription's root fields and fragments without variables).
 */
export function subscriptionRuleThrows(schema: GraphQLSchema, document: DocumentNode): boolean {
  if (!document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'subscription')) return false;
  try {
    validate(schema, document, [SingleFieldSubscriptionsRule]);
    return false;
  } catch {
    return true;
  }
}

/** The document with every subscription's selection reduced to `__typename` (for a refusal that validates). */
export function withoutSubscriptionSelections(document: DocumentNode): DocumentNode {
  const typename: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };
  return {
    ...document,
    definitions: document.definitions.map((d) =>
      d.kind === Kind.OPERATION_DEFINITION && d.operation === 'subscription'
        ? { ...d, selectionSet: { kind: Kind.SELECTION_SET, selections: [typename] } }
        : d,
    ),
  };
}

export type OperationLimits = Config['limits'];

/**
 * The operation limits of issue #12, the same for HTTP and WebSocket operations, all checked before
 * execution: tokens (graphql-js's own parser limit), depth and aliases (graphql-armor validation
 * rules) and cost (graphql-query-complexity, with the variables). A limit of 0 is off.
 */
export class OperationGuard {
  /** Parse options for every document (Apollo's and the WebSocket path's). */
  readonly parseOptions: ParseOptions;
  /** Validation rules added to graphql-js's specified rules. */
  readonly validationRules: ValidationRule[];
  private readonly wsRules: ValidationRule[];
  private readonly estimators: ComplexityEstimator[];

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly limits: OperationLimits,
    private readonly options: { introspection: boolean },
  ) {
    this.parseOptions = limits.tokens > 0 ? { maxTokens: limits.tokens } : {};
    this.validationRules = [
      ...(limits.depth > 0 ? [armorRule('depth', limits.depth, maxDepthRule as never)] : []),
      // Every alias counts, __typename's too: 100,000 aliased __typename were one of the attacks.
      ...(limits.aliases > 0 ? [armorRule('aliases', limits.aliases, (o) => maxAliasesRule({ ...o, allowList: [] }))] : []),
    ];
    this.wsRules = [...specifiedRules, ...this.validationRules, ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
    this.estimators = [costEstimator(schema)];
  }

  /**
   * Costs by document (Apollo hands the same DocumentNode for the same query) and by the shape of
   * the variables: strings do not change a cost, list lengths and numbers do. Computing a cost
   * coerces the variables and walks the operation (about 250 µs for phones(100)); a hit costs a
   * walk over the variables' shape.
   */
  private readonly costs = new WeakMap<DocumentNode, Map<string, number>>();

  /** The cost of an operation with its variables (see costEstimator); undefined when its variables are invalid (execution reports them). */
  cost(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | undefined,
  ): number | undefined {
    const shape = `${operationName ?? ''}\n${variables ? shapeOf(variables) : ''}`;
    let byShape = this.costs.get(document);
    const known = byShape?.get(shape);
    if (known !== undefined) return known;
    const cost = this.computeCost(document, operationName, variables);
    // Never remembered when undefined: other variables of the same shape may be valid.
    if (cost !== undefined) {
      if (!byShape) this.costs.set(document, (byShape = new Map()));
      if (byShape.size >= 32) byShape.delete(byShape.keys().next().value!);
      byShape.set(shape, cost);
    }
    return cost;
  }

  private computeCost(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | undefined,
  ): number | undefined {
    // graphql-query-complexity coerces the variables without an error limit (a list of 5,000 bad
    // items builds 5,000 errors): stop at the first; execution then reports them, up to its own limit.
    const operation = getOperationAST(document, operationName);
    if (!operation) return undefined;
    const coerced = getVariableValues(this.schema, operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 1 });
    if ('errors' in coerced) return undefined;
    try {
      return getComplexity({
        schema: this.schema,
        query: document,
        operationName: operationName ?? undefined,
        variables,
        estimators: this.estimators,
      });
    } catch (err) {
      // More nodes than graphql-query-complexity evaluates (fragment bombs): over any cost limit.
      if (/nodes/i.test((err as Error).message)) return Number.MAX_SAFE_INTEGER;
      return undefined;
    }
  }

  /** Throws OperationLimitError when the operation costs more than LIMIT_COST. */
  checkCost(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | undefined): void {
    const maximum = this.limits.cost;
    if (maximum <= 0) return;
    const cost = this.cost(document, operationName, variables);
    if (cost !== undefined && cost > maximum) {
      throw new OperationLimitError(
        'cost',
        cost,
        maximum,
        `Operation refused: its cost ${cost} is over the maximum of ${maximum} (lists multiply what they select; fields that call the platform cost ${PLATFORM_FIELD_COST})`,
      );
    }
  }

  /** Parses and validates a WebSocket operation as Apollo does an HTTP one; errors are what the client gets. */
  parseAndValidate(query: unknown): { document: DocumentNode } | { errors: GraphQLError[] } {
    if (typeof query !== 'string' || query.trim() === '') return { errors: [new GraphQLError('The operation has no query')] };
    let document: DocumentNode;
    try {
      document = parse(query, this.parseOptions);
    } catch (err) {
      const gqlError = err instanceof GraphQLError ? err : new GraphQLError(String((err as Error).message));
      return { errors: [tokenLimitError(gqlError) ?? gqlError] };
    }
    let errors: readonly GraphQLError[];
    try {
      errors = validate(this.schema, document, this.wsRules);
    } catch {
      // Only the single-root-field rule throws instead of reporting (see subscriptionRuleThrows).
      return { errors: [new GraphQLError(CONDITIONAL_SUBSCRIPTION_ROOT)] };
    }
    return errors.length > 0 ? { errors: errors.map((e) => (this.options.introspection ? e : withoutSuggestions(e))) } : { document };
  }
}

/** graphql-js's "more than N tokens" parse error as an OPERATION_LIMIT refusal (undefined for other errors). */
function tokenLimitError(error: { message: string }): GraphQLError | undefined {
  const refusal = tokenLimitRefusal(error.message);
  return refusal && new GraphQLError(refusal.message, { originalError: refusal });
}

/** Drops "Did you mean …?" (the schema's names) from an error, as Apollo's hideSchemaDetailsFromClientErrors does. */
export function withoutSuggestions(error: GraphQLError): GraphQLError {
  const message = error.message.replace(/ ?Did you mean(.+?)\?$/, '');
  return message === error.message
    ? error
    : new GraphQLError(message, { nodes: error.nodes, originalError: error.originalError, extensions: error.extensions });
}
