/**
 * Fuzz inputs for POST /graphql (test/fuzz.test.ts): GraphQL-ish documents built from the real
 * schema's names (fields, arguments, types, enum values), random arguments, nesting, fragments,
 * directives, aliases and variable definitions, then sometimes corrupted (truncated, unbalanced,
 * NUL bytes, lone surrogates, very long names); `variables` of right and wrong shapes (deep
 * nesting, huge strings and arrays, null, arrays where objects belong); random `operationName`.
 *
 * Everything that goes into a request body is built as JSON text, so that nesting 10,000 levels
 * deep never goes through JSON.stringify in the test process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import {
  buildSchema,
  GraphQLBoolean,
  GraphQLNonNull,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
} from 'graphql';

export const schema = buildSchema(readFileSync(join(__dirname, '../../schema.graphql'), 'utf8'));

type G = fc.GeneratorValue;

const PERMILLE = fc.noBias(fc.integer({ min: 0, max: 999 }));
const UNIT = fc.noBias(fc.integer({ min: 0, max: 1_000_000 }));

/** True with probability p (unbiased: fast-check's integers lean towards their bounds). */
export function chance(g: G, p: number): boolean {
  return g(() => PERMILLE) < p * 1000;
}

/** One element, uniformly. */
export function pick<T>(g: G, xs: readonly T[]): T {
  return xs[g(() => UNIT) % xs.length];
}

/** An integer in [min, max], uniformly. */
export function between(g: G, min: number, max: number): number {
  return min + (g(() => UNIT) % (max - min + 1));
}

/** One of several builders, by weight. */
export function weighted<T>(g: G, options: [number, () => T][]): T {
  const total = options.reduce((s, [w]) => s + w, 0);
  let n = g(() => UNIT) % total;
  for (const [w, make] of options) {
    if (n < w) return make();
    n -= w;
  }
  return options[0][1]();
}

// ---------------------------------------------------------------------------------------------
// Names from the schema

const typeMap = schema.getTypeMap();
const namedTypes = Object.values(typeMap).filter((t) => !t.name.startsWith('__'));
const objectTypes = namedTypes.filter(isObjectType);
const inputTypeNames = namedTypes.filter((t) => isInputObjectType(t) || isScalarType(t) || isEnumType(t)).map((t) => t.name);
const fieldNames = [...new Set(objectTypes.flatMap((t) => Object.keys(t.getFields())))];
const argNames = [...new Set(objectTypes.flatMap((t) => Object.values(t.getFields()).flatMap((f) => f.args.map((a) => a.name))))];
const enumValues = [...new Set(namedTypes.filter(isEnumType).flatMap((t) => t.getValues().map((v) => v.name)))];
export const schemaNames = [...new Set([...namedTypes.map((t) => t.name), ...fieldNames, ...argNames, ...enumValues])];

/**
 * Mutations whose well-typed random arguments are harmless on the local sandbox (lookups evicted,
 * unknown ids updated or removed). Every other mutation (sends, calls, bindings, creations, agent
 * toolbar commands) only ever gets arguments of random kinds, which nearly always fail validation.
 */
export const TYPED_MUTATIONS = new Set([
  'evictPhoneInfo',
  'updateIvrRoute',
  'deleteIvrRoute',
  'removeIvrBlacklistEntry',
  'setAgentEnabled',
  'updateAgent',
  'updateSkillGroup',
  'unbindPrivacyNumber',
  'unbindDirectCall',
  'setTaskStatus',
]);

// ---------------------------------------------------------------------------------------------
// Strings

const SPECIAL_CHARS = [
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  '\u00e9',
  '\u4e2d',
  '\u200b',
  '\u2028',
  '\ufeff',
  '\ufffd',
  '\uffff',
  '\ud800',
  '\udfff',
  '\ud83d\ude00',
  '"',
  '\\',
  '\n',
  '\r',
  '\t',
  '$',
  '{',
  '}',
  '%',
  '&',
  '=',
];

/** The string with its lone surrogates (which a GraphQL string cannot carry) as U+FFFD. */
export function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** encodeURIComponent, with lone surrogates (which it refuses) as U+FFFD. */
export function pct(s: string): string {
  return encodeURIComponent(wellFormed(s));
}

/** A short string: ASCII, unicode (lone surrogates included), or with control characters. */
export function shortString(g: G, maxLength = 12): string {
  return weighted(g, [
    [3, () => g(fc.string, { maxLength })],
    [3, () => g(fc.string, { unit: 'grapheme', maxLength })],
    [2, () => g(fc.string, { unit: 'binary', maxLength })],
    [2, () => Array.from({ length: between(g, 1, 4) }, () => pick(g, SPECIAL_CHARS)).join('')],
    [
      1,
      () =>
        pick(g, [
          '',
          ' ',
          'null',
          'undefined',
          'NaN',
          '0',
          '-1',
          '1e999',
          'true',
          '{}',
          '[]',
          '__proto__',
          'constructor',
          '2021-6-15 10:42:39',
          '+8613800000000',
        ]),
    ],
  ]);
}

/**
 * Room left for huge strings and arrays in one request: the gateway refuses a JSON body over
 * HTTP_MAX_BODY_BYTES (1 MiB) with 413 before any of it is parsed, so the fuzzer stays under it.
 */
export class Budget {
  constructor(
    public bytes = 600_000,
    /** Longest huge array. */
    readonly maxArray = 50_000,
  ) {}
  /** A length of up to `max` units of `unitBytes`, taken from the budget (0 when it is spent). */
  take(g: G, max: number, unitBytes: number): number {
    const n = Math.min(between(g, 1, max), Math.floor(this.bytes / unitBytes));
    this.bytes -= n * unitBytes;
    return Math.max(0, n);
  }
}

/** A huge string: one character or a short unit repeated (up to ~200,000 characters). */
export function hugeString(g: G, budget: Budget): string {
  const unit = pick(g, ['x', 'é', '中', '\u0000', '\ud83d\ude00', 'ab', '\\', '"', ' ', '{', '$a']);
  // Counted as JSON-escaped UTF-8 bytes (a NUL is 6, an emoji pair 12); mostly thousands of characters, sometimes 200,000.
  const n = budget.take(g, chance(g, 0.2) ? 200_000 : 10_000, 12);
  return unit.repeat(Math.max(1, Math.floor(n / unit.length)));
}

// ---------------------------------------------------------------------------------------------
// JSON text for variables and other body parts

/** JSON nested `depth` levels deep, as text (arrays, objects or both). */
export function deepJson(g: G, depth: number): string {
  const leaf = pick(g, ['1', 'null', '"x"', '[]', '{}', 'true']);
  return weighted(g, [
    [2, () => '['.repeat(depth) + leaf + ']'.repeat(depth)],
    [2, () => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth)],
    [1, () => '[{"a":'.repeat(depth) + leaf + '}]'.repeat(depth)],
  ]);
}

/** A JSON value of any shape, as text, the nasty ones often. */
export function chaosJson(g: G, budget: Budget, depth = 0): string {
  return weighted(g, [
    [3, () => JSON.stringify(g(fc.jsonValue, { maxDepth: 3 }))],
    [2, () => JSON.stringify(shortString(g))],
    [
      1,
      () =>
        pick(g, [
          'null',
          'true',
          'false',
          '0',
          '-0',
          '1e308',
          '-1e308',
          '9007199254740993',
          '2147483648',
          '-2147483649',
          '0.5',
          '1E-400',
          '[]',
          '{}',
          '""',
          '[null]',
          '{"__proto__":{"x":1}}',
          '{"constructor":{"prototype":{}}}',
        ]),
    ],
    [1, () => deepJson(g, Math.max(1, budget.take(g, 10_000, 8)))],
    [1, () => JSON.stringify(hugeString(g, budget))],
    [
      1,
      () => {
        const n = budget.take(g, budget.maxArray, 4);
        return `[${Array(n)
          .fill(pick(g, ['0', '1', 'null', '"a"', '{}', '[]']))
          .join(',')}]`;
      },
    ],
    [depth < 3 ? 2 : 0, () => `[${Array.from({ length: between(g, 0, 4) }, () => chaosJson(g, budget, depth + 1)).join(',')}]`],
    [
      depth < 3 ? 2 : 0,
      () =>
        `{${Array.from({ length: between(g, 0, 4) }, () => `${JSON.stringify(pick(g, [...argNames, ...fieldNames, shortString(g)]))}:${chaosJson(g, budget, depth + 1)}`).join(',')}}`,
    ],
  ]);
}

/** A phone-ish string (the Phone scalar): valid numbers, near misses and junk. */
function phoneish(g: G): string {
  return weighted(g, [
    [3, () => `1${between(g, 3, 9)}${String(between(g, 0, 999_999_999)).padStart(9, '0')}`],
    [1, () => `+86${between(g, 130_000_000, 199_999_999)}${between(g, 10, 99)}`],
    [1, () => String(between(g, 0, 99_999))],
    [1, () => shortString(g)],
  ]);
}

function scalarValue(g: G, name: string, budget: Budget, valid = false): unknown {
  switch (name) {
    case 'Int':
      return weighted<unknown>(g, [
        [4, () => g(fc.integer, { min: -5, max: 100 })],
        [1, () => g(fc.integer)],
        [1, () => pick(g, [2147483647, -2147483648, 2147483648, 1e21, 0.5, -1])],
      ]);
    case 'Float':
      return weighted<unknown>(g, [
        [3, () => g(fc.double, { noNaN: true, noDefaultInfinity: true })],
        [1, () => pick(g, [0, -0, 1e308, 5e-324])],
      ]);
    case 'Boolean':
      return chance(g, 0.5);
    case 'Phone':
      return valid ? `1${between(g, 3, 9)}${String(between(g, 0, 999_999_999)).padStart(9, '0')}` : phoneish(g);
    case 'DateTime':
      if (valid) return new Date(between(g, 0, 2_000_000_000) * 1000).toISOString();
      return pick(g, ['2024-01-01T00:00:00Z', '2021-06-15T10:42:39+08:00', '2024-13-45T99:99:99Z', '', 'yesterday', '1700000000000']);
    case 'LocalDate':
      if (valid) return new Date(between(g, 1_500_000_000, 1_900_000_000) * 1000).toISOString().slice(0, 10);
      return pick(g, ['2024-01-01', '2024-02-30', '0000-00-00', '2024-1-1', '', '99999-01-01']);
    case 'JSONObject':
      return weighted<unknown>(g, [
        [3, () => g(fc.dictionary, fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })],
        [1, () => shortString(g)],
      ]);
    case 'Upload':
      return null;
    default: // String, ID and anything new
      return weighted<unknown>(g, [
        [6, () => (valid ? wellFormed(shortString(g)) : shortString(g))],
        [1, () => hugeString(g, budget)],
        [valid ? 0 : 4, () => between(g, 0, 99_999)],
      ]);
  }
}

/** A variable value for an input type, as JSON text: usually of the type's shape, sometimes not. */
export function variableJson(g: G, type: GraphQLInputType, budget: Budget, noise = 1, depth = 0): string {
  const oops = (p: number) => noise > 0 && chance(g, p * noise);
  if (oops(depth === 0 ? 0.3 : 0.08)) return chaosJson(g, budget);
  if (isNonNullType(type)) return variableJson(g, type.ofType, budget, noise, depth + 1);
  if (oops(0.05)) return 'null';
  if (isListType(type)) {
    if (chance(g, 0.15)) return variableJson(g, type.ofType, budget, noise, depth + 1); // one item for a list (coerced)
    return `[${Array.from({ length: between(g, 0, 4) }, () => variableJson(g, type.ofType, budget, noise, depth + 1)).join(',')}]`;
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    const parts = fields
      .filter((f) => (isNonNullType(f.type) ? !oops(0.1) : chance(g, 0.5)))
      .map((f) => `${JSON.stringify(f.name)}:${variableJson(g, f.type, budget, noise, depth + 1)}`);
    if (oops(0.1)) parts.push(`${JSON.stringify(shortString(g))}:${chaosJson(g, budget)}`);
    return `{${parts.join(',')}}`;
  }
  if (isEnumType(type)) return JSON.stringify(oops(0.15) ? pick(g, [...enumValues, shortString(g)]) : pick(g, type.getValues()).name);
  return JSON.stringify(scalarValue(g, (type as GraphQLNamedType).name, budget, noise === 0)) ?? 'null';
}

// ---------------------------------------------------------------------------------------------
// GraphQL literals and documents

/** A GraphQL string literal (JSON escapes are GraphQL escapes), sometimes a block string. */
function stringLiteral(g: G, s: string, valid = false): string {
  // A block string cannot end in a quote or a backslash (`\"""` is an escaped delimiter).
  if (chance(g, 0.1) && !(valid && /["\\]/.test(s))) return `"""${s.replace(/"""/g, '\\"""')}"""`;
  return JSON.stringify(s);
}

function randomName(g: G, budget: Budget): string {
  return weighted(g, [
    [6, () => pick(g, schemaNames)],
    [2, () => g(fc.stringMatching, /^[_A-Za-z][_0-9A-Za-z]{0,12}$/)],
    [1, () => 'n'.repeat(Math.max(1, budget.take(g, 100_000, 1)))],
    [
      1,
      () => pick(g, ['__typename', '__schema', '__type', 'query', 'mutation', 'subscription', 'fragment', 'on', 'true', 'null', '_', '__']),
    ],
  ]);
}

export class DocumentBuilder {
  readonly variables: { name: string; type: GraphQLInputType | undefined }[] = [];
  private readonly fragments: string[] = [];
  private fragmentNames: string[] = [];
  private fields = 0;
  private aliases = 0;
  /** How often an argument is passed as a variable. */
  variableRate = 0.12;

  constructor(
    private readonly g: G,
    readonly budget: Budget,
    /**
     * How wrong the document is: 0 builds documents that parse and validate (so that they execute,
     * with random but well-typed arguments), 1 puts mistakes in about every other document.
     */
    private readonly noise = 1,
    /** Whether arguments follow the field's argument types (false: arguments of random kinds). */
    private typed = true,
  ) {}

  /** A mistake, with probability p scaled by the noise. */
  private oops(p: number): boolean {
    return this.noise > 0 && chance(this.g, p * this.noise);
  }

  /** A value literal of any kind, unrelated to the type expected. */
  chaosLiteral(depth = 0): string {
    const g = this.g;
    return weighted(g, [
      [2, () => String(g(fc.integer))],
      [1, () => pick(g, ['0', '-0', '2147483648', '-2147483649', '99999999999999999999', '1.5', '1e999', '-1e-999', '0x10', '00', '1.'])],
      [3, () => stringLiteral(g, shortString(g))],
      [1, () => JSON.stringify(hugeString(g, this.budget))],
      [1, () => pick(g, ['true', 'false', 'null', 'NaN', 'Infinity', 'undefined'])],
      [2, () => pick(g, enumValues)],
      [1, () => this.variableRef(undefined)],
      [1, () => '['.repeat(between(g, 2, 200)) + ']'.repeat(between(g, 0, 200))],
      [depth < 3 ? 1 : 0, () => `[${Array.from({ length: between(g, 0, 3) }, () => this.chaosLiteral(depth + 1)).join(', ')}]`],
      [
        depth < 3 ? 1 : 0,
        () =>
          `{${Array.from({ length: between(g, 0, 3) }, () => `${pick(g, [...argNames, ...fieldNames])}: ${this.chaosLiteral(depth + 1)}`).join(', ')}}`,
      ],
    ]);
  }

  /** A literal for an input type: usually fits the type, sometimes a little wrong, sometimes anything. */
  literal(type: GraphQLInputType, depth = 0, unwrapped = false): string {
    const g = this.g;
    if (!unwrapped && chance(g, this.variableRate)) return this.variableRef(type);
    if (this.oops(depth === 0 ? 0.12 : 0.04)) return this.chaosLiteral();
    if (isNonNullType(type)) return this.literal(type.ofType, depth + 1, true);
    if (unwrapped ? this.oops(0.05) : chance(g, 0.05)) return 'null';
    if (isListType(type)) {
      if (chance(g, 0.2)) return this.literal(type.ofType, depth + 1, true); // one item for a list (not a variable: those are not coerced)
      return `[${Array.from({ length: between(g, 0, 4) }, () => this.literal(type.ofType, depth + 1)).join(', ')}]`;
    }
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields());
      const parts = fields
        .filter((f) => (isNonNullType(f.type) ? !this.oops(0.1) : chance(g, 0.4)))
        .map((f) => `${f.name}: ${this.literal(f.type, depth + 1)}`);
      if (this.oops(0.08)) parts.push(`${randomName(g, this.budget)}: ${this.chaosLiteral()}`);
      if (this.oops(0.05) && parts.length) parts.push(parts[0]); // duplicate field
      return `{${parts.join(', ')}}`;
    }
    if (isEnumType(type))
      return this.oops(0.15) ? pick(g, [...enumValues, `"${pick(g, type.getValues()).name}"`]) : pick(g, type.getValues()).name;
    const value = this.noise > 0 || type.name !== 'Int' ? scalarValue(g, type.name, this.budget, this.noise === 0) : between(g, -5, 100);
    if (typeof value === 'string') return stringLiteral(g, this.noise === 0 ? wellFormed(value) : value, this.noise === 0);
    if (value === null || value === undefined) return 'null';
    if (typeof value === 'object') return this.objectLiteral(value as Record<string, unknown>);
    return String(value);
  }

  private objectLiteral(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map((v) => this.objectLiteral(v)).join(', ')}]`;
    if (value && typeof value === 'object') {
      const parts = Object.entries(value).map(
        ([k, v], i) => `${/^[_A-Za-z][_0-9A-Za-z]*$/.test(k) ? k : `k${i}`}: ${this.objectLiteral(v)}`,
      );
      return `{${parts.join(', ')}}`;
    }
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  }

  /** `$name`, declared with the expected type (usually), another type, or not at all. */
  variableRef(type: GraphQLInputType | undefined): string {
    const g = this.g;
    if (this.variables.length > 0 && this.oops(0.2)) return `$${pick(g, this.variables).name}`;
    const name = this.oops(0.05) ? randomName(g, this.budget) : `v${this.variables.length}`;
    if (!this.oops(0.05)) this.variables.push({ name, type: this.oops(0.15) ? undefined : type });
    return `$${name}`;
  }

  private directives(): string {
    const g = this.g;
    if (!chance(g, 0.12)) return '';
    const clean = () =>
      `@${pick(g, ['include', 'skip'])}(if: ${chance(g, 0.7) ? pick(g, ['true', 'false']) : this.literal(new GraphQLNonNull(GraphQLBoolean))})`;
    if (this.noise === 0) return clean();
    return Array.from({ length: between(g, 1, 2) }, () =>
      weighted(g, [
        [3, clean],
        [1, () => `@${pick(g, ['include', 'skip'])}`],
        [1, () => `@deprecated(reason: ${stringLiteral(g, shortString(g))})`],
        [1, () => `@specifiedBy(url: "x")`],
        [1, () => `@${randomName(g, this.budget)}${chance(g, 0.5) ? `(${randomName(g, this.budget)}: ${this.chaosLiteral()})` : ''}`],
      ]),
    ).join(' ');
  }

  private args(field: GraphQLField<unknown, unknown> | undefined): string {
    const g = this.g;
    const parts: string[] = [];
    for (const arg of field?.args ?? []) {
      const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
      if (required ? this.oops(0.1) : !chance(g, 0.4)) continue;
      parts.push(`${arg.name}: ${this.typed ? this.literal(arg.type) : this.chaosLiteral()}`);
    }
    if (this.oops(field ? 0.05 : 0.3)) parts.push(`${pick(g, argNames)}: ${this.chaosLiteral()}`);
    if (this.oops(0.03) && parts.length) parts.push(parts[0]);
    return parts.length || this.oops(0.02) ? `(${parts.join(', ')})` : '';
  }

  /** A selection set for a type (object, interface or union), `depth` levels below the root. */
  selection(type: GraphQLNamedType, depth: number): string {
    const g = this.g;
    const items: string[] = [];
    const count = chance(g, 0.03) ? between(g, 8, 20) : between(g, 1, 3);
    for (let i = 0; i < count && this.fields < 30; i++) {
      this.fields++;
      items.push(
        weighted(g, [
          [12, () => this.fieldSelection(type, depth)],
          [1, () => `__typename${this.directives()}`],
          [2, () => this.inlineFragment(type, depth)],
          [2, () => this.fragmentSpread(type, depth)],
        ]),
      );
    }
    if (items.length === 0) items.push('__typename'); // past the field cap
    return `{ ${items.join(' ')} }`;
  }

  private fieldSelection(parent: GraphQLNamedType, depth: number): string {
    const g = this.g;
    let fields = isObjectType(parent) || isInterfaceType(parent) ? Object.values(parent.getFields()) : [];
    // Clean documents call only the harmless mutations.
    if (this.noise === 0 && parent === schema.getMutationType()) fields = fields.filter((f) => TYPED_MUTATIONS.has(f.name));
    const field = fields.length > 0 && !this.oops(0.08) ? pick(g, fields) : undefined;
    const name = field?.name ?? randomName(g, this.budget);
    // Aliases are unique in clean documents; the same alias for different fields does not validate.
    const alias =
      chance(g, 0.1) || (this.noise === 0 && (field?.args.length ?? 0) > 0)
        ? `${this.oops(0.5) ? (chance(g, 0.6) ? `a${between(g, 0, 30)}` : randomName(g, this.budget)) : `u${this.aliases++}`}: `
        : '';
    const typed = this.typed;
    // Root mutations other than the harmless ones get arguments of random kinds only.
    if (field && parent === schema.getMutationType() && !TYPED_MUTATIONS.has(field.name)) this.typed = false;
    const args = this.args(field);
    this.typed = typed;
    const named = field ? getNamedType(field.type) : undefined;
    const maxDepth = this.noise === 0 ? 5 : 14; // LIMIT_DEPTH is 8 (fragments count as levels too)
    let sub = '';
    if (named && !isLeafType(named)) {
      if (!this.oops(0.03)) sub = depth < maxDepth ? ` ${this.selection(named, depth + 1)}` : ' { __typename }';
    } else if (this.oops(0.03)) sub = ` ${this.selection(pick(g, objectTypes), depth + 1)}`;
    return `${alias}${name}${args}${this.directives()}${sub}`;
  }

  private typeCondition(type: GraphQLNamedType): string {
    const g = this.g;
    if (!this.oops(0.3)) {
      if (isInterfaceType(type) || isUnionType(type)) return pick(g, [type, ...schema.getPossibleTypes(type)]).name;
      return type.name;
    }
    return chance(g, 0.7) ? pick(g, namedTypes).name : randomName(g, this.budget);
  }

  private inlineFragment(type: GraphQLNamedType, depth: number): string {
    const g = this.g;
    const condition = chance(g, 0.2) ? '' : ` on ${this.typeCondition(type)}`;
    const target = schema.getType(condition.slice(4)) ?? type;
    return `...${condition}${this.directives()} ${this.selection(isLeafType(target) ? type : target, depth + 1)}`;
  }

  private fragmentSpread(type: GraphQLNamedType, depth: number): string {
    const g = this.g;
    if (this.fragmentNames.length > 0 && this.oops(0.3)) return `...${pick(g, this.fragmentNames)}`; // possibly a cycle
    if (this.oops(0.05)) return `...${randomName(g, this.budget)}`; // undefined fragment
    const name = `F${this.fragmentNames.length}`;
    this.fragmentNames.push(name);
    const condition = this.typeCondition(type);
    const target = schema.getType(condition);
    const body = this.selection(target && !isLeafType(target) ? target : type, depth + 1);
    this.fragments.push(`fragment ${name} on ${condition}${this.noise === 0 ? '' : this.directives()} ${body}`);
    return `...${name}${this.directives()}`;
  }

  private typeText(type: GraphQLInputType | undefined): string {
    const g = this.g;
    if (type && !this.oops(0.1)) return String(type);
    return weighted(g, [
      [4, () => pick(g, inputTypeNames)],
      [1, () => `[${pick(g, inputTypeNames)}!]!`],
      [1, () => pick(g, objectTypes).name], // an output type: invalid for a variable
      [1, () => randomName(g, this.budget)],
      [1, () => `[[${pick(g, inputTypeNames)}]`],
    ]);
  }

  /** One operation: its keyword, name, variable definitions, directives and selection set. */
  operation(kind: 'query' | 'mutation' | 'subscription' | 'shorthand', name?: string): string {
    const root = (
      kind === 'mutation' ? schema.getMutationType() : kind === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType()
    ) as GraphQLObjectType;
    const before = this.variables.length;
    // A subscription selects exactly one root field (and no introspection field) to validate.
    const selection = kind === 'subscription' && this.noise === 0 ? `{ ${this.fieldSelection(root, 1)} }` : this.selection(root, 1);
    const vars = this.variables.slice(before);
    if (kind === 'shorthand' && vars.length === 0) return selection;
    if (this.oops(0.05)) vars.push({ name: `unused${before}`, type: undefined });
    const defs = vars.map((v) => `$${v.name}: ${this.typeText(v.type)}${this.oops(0.05) ? ` = ${this.chaosLiteral()}` : ''}`);
    return `${kind === 'shorthand' ? 'query' : kind}${name ? ` ${name}` : ''}${defs.length ? `(${defs.join(', ')})` : ''}${this.noise === 0 ? '' : this.directives()} ${selection}`;
  }

  /** A whole document: one or more operations, then the fragments they spread. */
  document(): { text: string; operationNames: string[] } {
    const g = this.g;
    const kinds =
      this.noise === 0
        ? (['query', 'query', 'query', 'query', 'shorthand', 'shorthand', 'mutation', 'subscription'] as const)
        : (['query', 'query', 'query', 'shorthand', 'mutation', 'subscription'] as const);
    const count = chance(g, 0.1) ? between(g, 2, 3) : 1;
    const names: string[] = [];
    const operations = Array.from({ length: count }, (_, i) => {
      const picked = pick(g, kinds);
      const kind = count > 1 && picked === 'shorthand' && !this.oops(0.3) ? 'query' : picked;
      const name = count > 1 || chance(g, 0.5) ? (this.oops(0.1) ? randomName(g, this.budget) : `Op${i}`) : undefined;
      if (name) names.push(name);
      return this.operation(kind, name);
    });
    return { text: [...operations, ...this.fragments].join('\n'), operationNames: names };
  }
}

/** A document gone wrong: truncated, cut, unbalanced, with stray or control characters. */
export function corrupt(g: G, text: string, budget: Budget): string {
  const at = () => between(g, 0, text.length);
  return weighted(g, [
    [2, () => text.slice(0, at())],
    [
      2,
      () => {
        const i = at();
        return text.slice(0, i) + text.slice(i + between(g, 1, 20));
      },
    ],
    [
      3,
      () => {
        const i = at();
        return (
          text.slice(0, i) +
          pick(g, [...SPECIAL_CHARS, '(', ')', '[', ']', ':', '@', '!', '...', '#', '"""', ',', '|', '&', '=', 'on']) +
          text.slice(i)
        );
      },
    ],
    [1, () => '{'.repeat(between(g, 1, 3000)) + text],
    [1, () => text + '}'.repeat(between(g, 1, 3000))],
    [1, () => text.replace(/\b[a-z]\w*/, 'x'.repeat(Math.max(1, budget.take(g, 200_000, 1))))],
    [1, () => `\ufeff# ${shortString(g)}\n${text}`],
    [1, () => text + '\n' + text], // duplicate operations and fragments
    [1, () => text.replace(/[{}]/g, (c) => (chance(g, 0.2) ? '' : c))],
  ]);
}

/** Documents that hit the operation limits: tokens, depth, aliases, fragment bombs. */
export function limitBomb(g: G): string {
  const n = between(g, 10, 3000);
  return weighted(g, [
    [1, () => `{ ${'__typename '.repeat(n)}}`],
    [1, () => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`],
    [1, () => `${'{ skillGroups { list { '.repeat(Math.min(n, 200))}__typename${' } }'.repeat(Math.min(n, 200))} }`],
    [
      1,
      () =>
        `query { ${'__schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } }'.repeat(between(g, 1, 20))} }`,
    ],
    [
      1,
      () => {
        const depth = between(g, 2, 12);
        const defs = Array.from(
          { length: depth },
          (_, i) =>
            `fragment B${i} on Query { ${Array(between(g, 2, 6))
              .fill(i + 1 < depth ? `...B${i + 1}` : '__typename')
              .join(' ')} }`,
        );
        return `{ ...B0 }\n${defs.join('\n')}`;
      },
    ],
    [
      1,
      () =>
        `{ phones(numbers: [${Array(between(g, 1, 600))
          .fill('"13800000000"')
          .join(',')}]) { number } }`,
    ],
    [1, () => `{ agents(pageSize: ${pick(g, ['100000', '2147483647', '-1', '0'])}) { list { groups { name } } } }`],
  ]);
}

/** What the `query` member of a body is: a schema-built document (maybe corrupted), random text or a limit bomb. */
export function documentText(g: G, budget: Budget): { text: string; builder?: DocumentBuilder; operationNames: string[] } {
  return weighted<{ text: string; builder?: DocumentBuilder; operationNames: string[] }>(g, [
    [
      8,
      () => {
        const builder = new DocumentBuilder(g, budget, 0);
        const doc = builder.document();
        return { ...doc, builder };
      },
    ],
    [
      5,
      () => {
        const builder = new DocumentBuilder(g, budget);
        const doc = builder.document();
        return { ...doc, builder };
      },
    ],
    [
      3,
      () => {
        const builder = new DocumentBuilder(g, budget);
        const doc = builder.document();
        return { text: corrupt(g, doc.text, budget), operationNames: doc.operationNames, builder };
      },
    ],
    [
      1,
      () => ({
        text: g(fc.string, { unit: pick(g, ['grapheme', 'binary', 'binary-ascii'] as const), maxLength: 200 }),
        operationNames: [],
      }),
    ],
    [
      1,
      () => ({
        text: Array.from({ length: between(g, 1, 60) }, () =>
          pick(g, ['{', '}', '(', ')', '...', 'on', 'query', ':', '$', '@', '!', '[', ']', '=', pick(g, schemaNames), '"x"', '1']),
        ).join(' '),
        operationNames: [],
      }),
    ],
    [1, () => ({ text: limitBomb(g), operationNames: [] })],
  ]);
}

/** The `variables` member for a builder's declared variables: right shapes, wrong ones, or not an object. */
export function variablesText(g: G, builder: DocumentBuilder | undefined, budget: Budget, noise = 1): string | undefined {
  return weighted<string | undefined>(g, [
    [
      10,
      () => {
        const vars = builder?.variables ?? [];
        const parts = vars
          .filter(() => !chance(g, 0.1 * noise))
          .map((v) => `${JSON.stringify(v.name)}:${v.type ? variableJson(g, v.type, budget, noise) : chaosJson(g, budget)}`);
        if (chance(g, 0.1 * noise)) parts.push(`${JSON.stringify(shortString(g))}:${chaosJson(g, budget)}`);
        return `{${parts.join(',')}}`;
      },
    ],
    [1, () => undefined],
    [noise, () => pick(g, ['null', '[]', '"{}"', '0', 'true', '[{}]', '""'])],
    [noise, () => chaosJson(g, budget)],
  ]);
}

/** The `operationName` member: one of the document's, another, or of the wrong type. */
export function operationNameText(g: G, names: string[]): string | undefined {
  return weighted<string | undefined>(g, [
    [names.length ? 4 : 0, () => JSON.stringify(pick(g, names))],
    [4, () => undefined],
    [1, () => 'null'],
    [1, () => JSON.stringify(shortString(g))],
    [1, () => pick(g, ['0', '[]', '{}', 'true', '["Op0"]'])],
  ]);
}

/** A POST /graphql JSON body as text, members in random order, sometimes with extra or odd members. */
export function graphqlBody(g: G, parts: { query?: string; variables?: string; operationName?: string }, budget: Budget): string {
  const members: string[] = [];
  if (parts.query !== undefined) members.push(`"query":${parts.query}`);
  if (parts.variables !== undefined) members.push(`"variables":${parts.variables}`);
  if (parts.operationName !== undefined) members.push(`"operationName":${parts.operationName}`);
  if (chance(g, 0.05))
    members.push(
      `"extensions":${chance(g, 0.5) ? `{"persistedQuery":{"version":${pick(g, ['1', '2', '"1"'])},"sha256Hash":${JSON.stringify(chance(g, 0.5) ? 'a'.repeat(64) : shortString(g))}}}` : chaosJson(g, budget)}`,
    );
  if (chance(g, 0.03)) members.push(`${JSON.stringify(shortString(g))}:${chaosJson(g, budget)}`);
  if (chance(g, 0.02) && members.length) members.push(members[0]); // a duplicate member
  for (let i = members.length - 1; i > 0; i--) {
    const j = between(g, 0, i);
    [members[i], members[j]] = [members[j], members[i]];
  }
  return `{${members.join(',')}}`;
}
