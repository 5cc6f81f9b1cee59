/**
 * Operations generated from the built schema (test/personal-data.test.ts): for a root field, a
 * selection of every field reachable from it, `__typename` on every object, an inline fragment for
 * every possible type of an interface or union, cycles cut (a type is not entered again below
 * itself). Required arguments are filled from a table keyed by argument name (or `field.argument`,
 * or `InputType.field`), then by type; optional arguments are left out.
 */
import {
  getNamedType,
  GraphQLError,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

export type OperationKind = 'query' | 'mutation' | 'subscription';

/**
 * Values for required arguments and input fields. `byName` is tried first as `<field>.<argument>`
 * (or `<InputType>.<field>`), then as the bare name; `byType` by the named input type.
 */
export interface ArgTable {
  byName: Record<string, unknown>;
  byType: Record<string, unknown>;
}

/** No value could be made for a required argument (an Upload, say): the field is left out. */
class NoValue extends Error {}

/** Whether an argument or input field must be given (non-null without a default). */
function required(arg: { type: GraphQLInputType; defaultValue?: unknown }): boolean {
  return isNonNullType(arg.type) && arg.defaultValue === undefined;
}

const BUILT_IN: Record<string, unknown> = { Int: 1, Float: 1, Boolean: false, String: 'x', ID: 'x' };

/** A value for an input of `type`, named `name` inside `owner` (a field or an input object type). */
export function fillValue(type: GraphQLInputType, owner: string, name: string, table: ArgTable, depth = 0): unknown {
  if (depth > 8) throw new NoValue(`${owner}.${name}: input nests too deep`);
  for (const key of [`${owner}.${name}`, name]) if (Object.hasOwn(table.byName, key)) return table.byName[key];
  if (isNonNullType(type)) return fillValue(type.ofType, owner, name, table, depth);
  if (isListType(type)) return [fillValue(type.ofType as GraphQLInputType, owner, name, table, depth + 1)];
  if (Object.hasOwn(table.byType, type.name)) return table.byType[type.name];
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) if (required(f)) out[f.name] = fillValue(f.type, type.name, f.name, table, depth + 1);
    return out;
  }
  if (Object.hasOwn(BUILT_IN, type.name)) return BUILT_IN[type.name];
  throw new NoValue(`${owner}.${name}: no value for ${type.name}`);
}

/**
 * A GraphQL literal of a value for an input type. Enum values are given by name (the internal
 * value of a type-graphql enum, its platform code, is taken too); custom scalars as JSON.
 */
export function literal(value: unknown, type: GraphQLInputType): string {
  if (value === null || value === undefined) return 'null';
  if (isNonNullType(type)) return literal(value, type.ofType);
  if (isListType(type)) {
    const items = Array.isArray(value) ? value : [value];
    return `[${items.map((v) => literal(v, type.ofType as GraphQLInputType)).join(', ')}]`;
  }
  if (isEnumType(type)) {
    const named = type.getValues().find((v) => v.name === value) ?? type.getValues().find((v) => v.value === value);
    if (!named) throw new GraphQLError(`${JSON.stringify(value)} is no value of ${type.name}`);
    return named.name;
  }
  if (isInputObjectType(type)) {
    const fields = type.getFields();
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => {
        if (!fields[k]) throw new GraphQLError(`${type.name} has no field ${k}`);
        return `${k}: ${literal(v, fields[k].type)}`;
      })
      .join(', ')}}`;
  }
  return jsonLiteral(value);
}

/** A JSON value as a GraphQL literal (what a JSON scalar's parseLiteral reads). */
function jsonLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(jsonLiteral).join(', ')}]`;
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${jsonLiteral(v)}`)
      .join(', ')}}`;
  throw new GraphQLError(`cannot write ${String(value)} as a literal`);
}

/** `(a: 1, b: "x")` for the given argument values. */
export function printArgs(args: readonly GraphQLArgument[], values: Record<string, unknown>): string {
  const parts = Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([name, v]) => {
      const arg = args.find((a) => a.name === name);
      if (!arg) throw new Error(`no argument ${name}`);
      return `${name}: ${literal(v, arg.type)}`;
    });
  return parts.length ? `(${parts.join(', ')})` : '';
}

/** The required arguments of a field, filled from the table (NoValue when one cannot be). */
function requiredArgs(field: GraphQLField<unknown, unknown>, table: ArgTable): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of field.args) if (required(a)) out[a.name] = fillValue(a.type, field.name, a.name, table);
  return out;
}

export interface WalkOptions {
  table: ArgTable;
  /** Deepest nesting of object selections (a guard; cycles are cut anyway). */
  maxDepth?: number;
}

/** Fields left out of a generated selection (cycle cut, no value for a required argument), for the test's record. */
export interface Omitted {
  field: string;
  reason: string;
}

export class SchemaWalker {
  readonly omitted: Omitted[] = [];
  /** Object types some generated selection selects (directly or as a fragment). */
  readonly entered = new Set<string>();

  constructor(
    readonly schema: GraphQLSchema,
    private readonly options: WalkOptions,
  ) {}

  /** `{ __typename … }` selecting everything reachable from a composite type. */
  selection(type: GraphQLCompositeType, path: readonly string[] = []): string {
    const depth = path.length;
    const below = [...path, type.name];
    for (const t of isAbstractType(type) ? this.schema.getPossibleTypes(type) : [type]) this.entered.add(t.name);
    if (!isAbstractType(type)) return `{ __typename ${this.objectFields(type, below, depth).join(' ')} }`;
    // Fragments of different types may not use one response name for fields of different types
    // (OverlappingFieldsCanBeMerged): such a field gets an alias naming its type.
    const typesByName = new Map<string, string>();
    const fragments = this.schema.getPossibleTypes(type).map((t) => {
      const fields = this.objectFields(t, [...below, t.name], depth, (name, typeString) => {
        const seen = typesByName.get(name);
        if (seen === undefined) typesByName.set(name, typeString);
        return seen === undefined || seen === typeString ? undefined : `${name}_${t.name}`;
      });
      return `... on ${t.name} { __typename ${fields.join(' ')} }`;
    });
    return `{ __typename ${fragments.join(' ')} }`;
  }

  private objectFields(
    type: GraphQLObjectType,
    path: readonly string[],
    depth: number,
    aliasFor: (name: string, typeString: string) => string | undefined = () => undefined,
  ): string[] {
    const out: string[] = [];
    for (const field of Object.values(type.getFields())) {
      const where = `${type.name}.${field.name}`;
      let args: string;
      try {
        args = printArgs(field.args, requiredArgs(field, this.options.table));
      } catch (err) {
        if (!(err instanceof NoValue)) throw err;
        this.note(where, err.message);
        continue;
      }
      const named = getNamedType(field.type);
      const alias = aliasFor(field.name, String(field.type));
      const head = `${alias ? `${alias}: ` : ''}${field.name}${args}`;
      if (isLeafType(named)) {
        out.push(head);
        continue;
      }
      if (path.includes(named.name)) {
        this.note(where, `cycle: ${named.name} is already on the path ${path.join(' > ')}`);
        continue;
      }
      if (depth + 1 > (this.options.maxDepth ?? 16)) {
        this.note(where, 'deeper than maxDepth');
        continue;
      }
      out.push(`${head} ${this.selection(named as GraphQLCompositeType, path)}`);
    }
    return out;
  }

  private note(field: string, reason: string): void {
    if (!this.omitted.some((o) => o.field === field)) this.omitted.push({ field, reason });
  }

  /** The root type of an operation kind. */
  root(kind: OperationKind): GraphQLObjectType {
    const root =
      kind === 'query'
        ? this.schema.getQueryType()
        : kind === 'mutation'
          ? this.schema.getMutationType()
          : this.schema.getSubscriptionType();
    if (!root) throw new Error(`the schema has no ${kind} type`);
    return root;
  }

  /**
   * One operation selecting one root field with everything below it. `args` replaces the filled
   * required arguments when given (mutations name theirs); otherwise they come from the table.
   */
  operation(kind: OperationKind, fieldName: string, args?: Record<string, unknown>): string {
    const root = this.root(kind);
    const field = root.getFields()[fieldName];
    if (!field) throw new Error(`no ${kind} field ${fieldName}`);
    const values = args ?? requiredArgs(field, this.options.table);
    const named = getNamedType(field.type);
    const selection = isLeafType(named) ? '' : ` ${this.selection(named as GraphQLCompositeType, [root.name])}`;
    return `${kind} ${fieldName[0].toUpperCase()}${fieldName.slice(1)} { ${fieldName}${printArgs(field.args, values)}${selection} }`;
  }

  /** Root fields of a kind whose required arguments can all be filled from the table (the others are noted). */
  rootFields(kind: OperationKind): string[] {
    const root = this.root(kind);
    return Object.values(root.getFields())
      .filter((f) => {
        try {
          requiredArgs(f, this.options.table);
          return true;
        } catch (err) {
          if (!(err instanceof NoValue)) throw err;
          this.note(`${root.name}.${f.name}`, err.message);
          return false;
        }
      })
      .map((f) => f.name);
  }
}

/** Every object type reachable from the schema's roots (what a walk of every root field can reach). */
export function reachableObjectTypes(schema: GraphQLSchema, roots: readonly GraphQLObjectType[]): Set<string> {
  const seen = new Set<string>();
  const visit = (t: GraphQLCompositeType) => {
    const concrete = isAbstractType(t) ? schema.getPossibleTypes(t) : [t];
    for (const c of concrete) {
      if (seen.has(c.name)) continue;
      seen.add(c.name);
      for (const f of Object.values(c.getFields())) {
        const n = getNamedType(f.type);
        if (isObjectType(n) || isAbstractType(n)) visit(n as GraphQLCompositeType);
      }
    }
  };
  roots.forEach(visit);
  return seen;
}
