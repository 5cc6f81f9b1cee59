/**
 * Checks GraphQL answers against the personal-data rules (src/auth/personal-data.ts), walking the
 * answer alongside the operation and the schema (abstract types resolved by `__typename`):
 *
 * (a) every value of a field that declares a sensitivity follows the rule for the role and for
 *     ownership (an object naming an agent belongs to that agent; otherwise it inherits from the
 *     nearest ancestor object; a mutation's answer belongs to its caller);
 * (b) a scan independent of the declarations: what a viewer (or an agent, outside its own objects)
 *     is answered holds no full customer number the test used, nor any 11-digit mobile number, in
 *     any field but those declared not personal;
 * (c) no credential (SIP passwords, platform tokens, the gateway's secrets) appears anywhere in an
 *     answer (errors included) of anyone but its owner;
 * and it records which sensitive fields were seen with a value by someone allowed to see them, for
 * the coverage check (d).
 */
import {
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  parse,
  type DocumentNode,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { fieldSensitivity } from '../../src/apply-sensitivity';
import { isCredentialKey, REDACTED } from '../../src/auth/personal-data';
import { hasAnyRole, type Role } from '../../src/auth/principal';
import { Sensitivity } from '../../src/schema/sensitivity';

export interface CheckedPrincipal {
  /** What the reports call it (viewer, agent 1001, …). */
  label: string;
  roles: Role[];
  agentNumber?: string;
}

/** A credential value and whom it belongs to: an agent number, or nobody (the gateway's and platform's own secrets). */
export interface Credential {
  value: string;
  what: string;
  ownerAgent?: string;
}

export interface Answer {
  data?: Record<string, unknown> | null;
  errors?: unknown[];
}

/** What a role sees of a value of a sensitivity, on an object it owns or not. */
export type Expectation = 'full' | 'masked' | 'null' | 'redacted';

export function expectation(sensitivity: Sensitivity, principal: CheckedPrincipal, owned: boolean): Expectation {
  if (owned) return 'full';
  if (sensitivity === Sensitivity.CREDENTIAL) return 'null';
  if (hasAnyRole({ sub: principal.label, roles: principal.roles }, ['supervisor']))
    return sensitivity === Sensitivity.RAW ? 'redacted' : 'full';
  return sensitivity === Sensitivity.CUSTOMER_PHONE ? 'masked' : 'null';
}

/**
 * Whether a phone value is masked as maskPhone masks it: of its n digit positions (digits and
 * stars), the first ⌊3n/11⌋ and the last min(⌊4n/11⌋, n − head − 1) are digits, the rest stars.
 * A value without digits is answered as it is.
 */
export function looksMasked(value: string): boolean {
  const positions = [...value].filter((c) => c === '*' || (c >= '0' && c <= '9'));
  const n = positions.length;
  if (n === 0) return true;
  const head = Math.floor((n * 3) / 11);
  const tail = Math.min(Math.floor((n * 4) / 11), n - head - 1);
  return positions.every((c, i) => (i < head || i >= n - tail ? c !== '*' : c === '*'));
}

/** An 11-digit mainland mobile number standing alone (not inside a longer run of digits or an id). */
const MOBILE = /(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])/;

/** Key paths of credentials left in raw platform data (an object, or a body as JSON or form text). */
export function unredactedCredentials(value: unknown, path = ''): string[] {
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('{') || text.startsWith('[')) {
      try {
        return unredactedCredentials(JSON.parse(text), path);
      } catch {
        return [];
      }
    }
    if (/^[^\s=&]+=/.test(text)) {
      const out: string[] = [];
      for (const [k, v] of new URLSearchParams(text)) if (isCredentialKey(k) && v !== '' && v !== REDACTED) out.push(`${path}${k}`);
      return out;
    }
    return [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => unredactedCredentials(v, `${path}${i}.`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      isCredentialKey(k) && v !== null && v !== undefined && v !== '' && v !== REDACTED && typeof v !== 'object'
        ? [`${path}${k}`]
        : unredactedCredentials(v, `${path}${k}.`),
    );
  }
  return [];
}

/** Every string in a value (numbers too, as text: platform data carries phone numbers as JSON numbers). */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'number') out.push(String(value));
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => strings(v, out));
  return out;
}

export interface CheckOptions {
  /** A mutation's answer: owned by its caller unless an object names another agent. */
  mutation?: boolean;
  /** Credentials this answer may carry besides the principal's own (a binding's SIP password answered to its maker). */
  mayCarry?: readonly string[];
}

export class PersonalDataChecker {
  readonly violations: string[] = [];
  /** `Type.field` of sensitive fields seen with a value by a principal allowed to see it (in full, or redacted for raw data). */
  readonly seen = new Map<string, string>();
  /** How many values of declared fields were checked, per expectation (a sanity figure for the report). */
  readonly checked: Record<Expectation, number> = { full: 0, masked: 0, null: 0, redacted: 0 };

  constructor(
    readonly schema: GraphQLSchema,
    readonly customerPhones: ReadonlySet<string>,
    readonly credentials: readonly Credential[],
  ) {}

  /** Checks one answer of `principal` to `operation`; violations are collected, labelled by `where`. */
  check(
    principal: CheckedPrincipal,
    where: string,
    operation: string | DocumentNode,
    answer: Answer,
    options: CheckOptions = {},
  ): string[] {
    const before = this.violations.length;
    const document = typeof operation === 'string' ? parse(operation) : operation;
    const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (!op) throw new Error('no operation');
    const root =
      op.operation === 'query'
        ? this.schema.getQueryType()
        : op.operation === 'mutation'
          ? this.schema.getMutationType()
          : this.schema.getSubscriptionType();
    const label = `${principal.label} ${where}`;
    if (answer.data) this.walkObject(principal, label, root!, op.selectionSet, answer.data, options.mutation === true, '');
    // Error messages too: whoever asked, a message must not name a customer's number in full.
    if (answer.errors?.length && !hasAnyRole({ sub: '', roles: principal.roles }, ['supervisor']))
      this.scanPhones(label, 'errors', 'an error', answer.errors);
    this.scanCredentials(principal, label, answer, options.mayCarry ?? []);
    return this.violations.slice(before);
  }

  private fail(label: string, path: string, message: string): void {
    this.violations.push(`${label} at ${path || '(root)'}: ${message}`);
  }

  /** The fields of a selection set that apply to an object of `type`, by response key (as graphql-js collects them). */
  private collect(type: GraphQLObjectType, set: SelectionSetNode, out = new Map<string, FieldNode[]>()): Map<string, FieldNode[]> {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        const key = s.alias?.value ?? s.name.value;
        out.set(key, [...(out.get(key) ?? []), s]);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        const cond = s.typeCondition?.name.value;
        const applies = !cond || cond === type.name || type.getInterfaces().some((i) => i.name === cond) || this.unionHas(cond, type);
        if (applies) this.collect(type, s.selectionSet, out);
      } else throw new Error('the checker reads inline fragments only');
    }
    return out;
  }

  private unionHas(name: string, type: GraphQLObjectType): boolean {
    const t = this.schema.getType(name);
    return !!t && isAbstractType(t) && this.schema.isSubType(t, type);
  }

  private walkObject(
    principal: CheckedPrincipal,
    label: string,
    type: GraphQLObjectType,
    set: SelectionSetNode,
    value: Record<string, unknown>,
    inherited: boolean,
    path: string,
  ): void {
    const fields = this.collect(type, set);
    const agentKey = [...fields].find(([, nodes]) => nodes[0].name.value === 'agentNumber')?.[0];
    const agent = agentKey === undefined ? undefined : value[agentKey];
    const owned = typeof agent === 'string' && agent !== '' ? agent === principal.agentNumber : inherited;
    for (const [key, nodes] of fields) {
      const name = nodes[0].name.value;
      if (name === '__typename') continue;
      const field = type.getFields()[name];
      if (!field) {
        this.fail(label, `${path}${key}`, `${type.name} has no field ${name}`);
        continue;
      }
      const at = `${path}${key}`;
      const v = value[key];
      const sensitivity = fieldSensitivity(type, name);
      if (sensitivity && sensitivity !== Sensitivity.NOT_PERSONAL)
        this.rule(principal, label, at, `${type.name}.${name}`, sensitivity, v, owned);
      const named = getNamedType(field.type);
      if (isLeafType(named)) {
        const scanned =
          sensitivity !== Sensitivity.NOT_PERSONAL && !owned && !hasAnyRole({ sub: '', roles: principal.roles }, ['supervisor']);
        if (scanned) this.scanPhones(label, at, `${type.name}.${name}`, v);
        continue;
      }
      const merged: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: nodes.flatMap((n) => n.selectionSet?.selections ?? []) };
      this.walkValue(principal, label, field.type, merged, v, owned, at);
    }
  }

  private walkValue(
    principal: CheckedPrincipal,
    label: string,
    type: GraphQLOutputType,
    set: SelectionSetNode,
    value: unknown,
    owned: boolean,
    path: string,
  ): void {
    if (value === null || value === undefined) return;
    const t = getNullableType(type);
    if (isListType(t)) {
      if (!Array.isArray(value)) return this.fail(label, path, 'a list field answered no list');
      value.forEach((v, i) => this.walkValue(principal, label, t.ofType as GraphQLOutputType, set, v, owned, `${path}[${i}]`));
      return;
    }
    if (!isCompositeType(t)) return;
    const obj = value as Record<string, unknown>;
    const typename = obj.__typename;
    const concrete = typeof typename === 'string' ? this.schema.getType(typename) : undefined;
    if (!concrete || !isObjectType(concrete)) return this.fail(label, path, `no usable __typename (${String(typename)})`);
    if (isObjectType(t) && t.name !== concrete.name) return this.fail(label, path, `__typename ${concrete.name} where ${t.name} belongs`);
    this.walkObject(principal, label, concrete, set, obj, owned, `${path}.`);
  }

  /** (a): the value of a declared field, for this principal and ownership. */
  private rule(
    principal: CheckedPrincipal,
    label: string,
    path: string,
    field: string,
    sensitivity: Sensitivity,
    value: unknown,
    owned: boolean,
  ): void {
    const expected = expectation(sensitivity, principal, owned);
    this.checked[expected]++;
    const present = value !== null && value !== undefined;
    const whose = owned ? 'its own' : 'not its own';
    switch (expected) {
      case 'null':
        if (present) this.fail(label, path, `${field} (${sensitivity}, ${whose}) must be null, was ${JSON.stringify(value)}`);
        return;
      case 'masked':
        for (const s of strings(value))
          if (!looksMasked(s)) this.fail(label, path, `${field} (${sensitivity}, ${whose}) must be masked, was ${JSON.stringify(s)}`);
        return;
      case 'redacted': {
        const left = unredactedCredentials(value);
        if (left.length) this.fail(label, path, `${field} (raw) keeps credentials unredacted: ${left.join(', ')}`);
        break;
      }
      case 'full':
        if (sensitivity === Sensitivity.CUSTOMER_PHONE)
          for (const s of strings(value))
            if (s.includes('*')) this.fail(label, path, `${field} is answered masked (${s}) to a principal who sees it in full`);
        break;
    }
    if (present && !(Array.isArray(value) && value.length === 0) && !this.seen.has(field)) this.seen.set(field, `${label} at ${path}`);
  }

  /** (b): full customer numbers in a leaf value (JSON scalars walked). */
  private scanPhones(label: string, path: string, field: string, value: unknown): void {
    for (const s of strings(value)) {
      for (const phone of this.customerPhones)
        if (s.includes(phone)) this.fail(label, path, `${field} shows the customer number ${phone} in full: ${JSON.stringify(s)}`);
      const mobile = MOBILE.exec(s);
      if (mobile && !this.customerPhones.has(mobile[0]))
        this.fail(label, path, `${field} shows a mobile number in full: ${JSON.stringify(s)}`);
    }
  }

  /** (c): credentials anywhere in the answer text. */
  private scanCredentials(principal: CheckedPrincipal, label: string, answer: Answer, mayCarry: readonly string[]): void {
    const text = JSON.stringify(answer);
    for (const c of this.credentials) {
      if (!text.includes(c.value)) continue;
      if (c.ownerAgent !== undefined && c.ownerAgent === principal.agentNumber) continue;
      if (mayCarry.includes(c.value)) continue;
      const at = text.indexOf(c.value);
      this.fail(
        label,
        '(anywhere)',
        `carries ${c.what} (${c.ownerAgent ? `of agent ${c.ownerAgent}` : 'nobody may see it'}): …${text.slice(Math.max(0, at - 80), at + c.value.length + 20)}…`,
      );
    }
  }
}
