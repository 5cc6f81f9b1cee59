import { GraphQLScalarType, Kind } from 'graphql';
import { BadInputError } from '../errors';

/** Kind of a Chinese phone number. */
export enum PhoneKind {
  MOBILE = 'mobile',
  FIXED_LINE = 'fixed',
  SERVICE = 'service',
}

/** A validated, normalised Chinese number: 11-digit mobile, or fixed line with its trunk 0 and area code. */
export interface ParsedPhone {
  number: string;
  kind: PhoneKind;
  /** Area code with its 0 ("010", "0755") for fixed lines. */
  areaCode?: string;
}

/** 11 digits, 13x–19x (every mobile and IoT-voice segment in use). */
const MOBILE = /^1[3-9]\d{9}$/;
/** 3-digit area codes (010, 02x) take 8-digit locals; 4-digit ones (03xx–09xx) 7 or 8; locals never start with 0 or 1. */
const FIXED_SHORT_AREA = /^(0(?:10|2\d))([2-9]\d{7})$/;
const FIXED_LONG_AREA = /^(0[3-9]\d{2})([2-9]\d{6,7})$/;
/**
 * Service numbers companies call from and display: 400/800 (10 digits), 95xxx/96xxx (5–8 digits),
 * carrier and government short numbers 10xxx/12xxx (5 digits).
 */
const SERVICE = /^(?:[48]00\d{7}|9[56]\d{3,6}|1[02]\d{3})$/;
/** Separators people type inside a number. */
const SEPARATORS = /[\s\-–—.()（）]/g;

/** A number without the spaces, dashes, dots and brackets people type inside it. */
export function withoutSeparators(input: string): string {
  return input.replace(SEPARATORS, '');
}

/**
 * Parses a number as people write it: spaces, dashes, dots and brackets are dropped, a +86 / 0086 /
 * 86 country code is removed (re-adding the trunk 0 a fixed line loses after +86). Returns undefined
 * when the result is not a Chinese mobile, fixed-line or service number.
 */
export function parsePhone(input: string): ParsedPhone | undefined {
  let digits = withoutSeparators(input);
  let international = false;
  if (digits.startsWith('+86')) {
    digits = digits.slice(3);
    international = true;
  } else if (digits.startsWith('0086')) {
    digits = digits.slice(4);
    international = true;
  } else if (/^86\d{11}$/.test(digits) && MOBILE.test(digits.slice(2))) {
    digits = digits.slice(2);
  }
  if (!/^\d+$/.test(digits)) return undefined;
  if (MOBILE.test(digits)) return { number: digits, kind: PhoneKind.MOBILE };
  if (!international && SERVICE.test(digits)) return { number: digits, kind: PhoneKind.SERVICE };
  if (international && !digits.startsWith('0')) digits = `0${digits}`;
  const fixed = FIXED_SHORT_AREA.exec(digits) ?? FIXED_LONG_AREA.exec(digits);
  if (fixed) return { number: digits, kind: PhoneKind.FIXED_LINE, areaCode: fixed[1] };
  return undefined;
}

/** Parses or throws BAD_USER_INPUT naming the value. */
export function requirePhone(input: unknown, field = 'phone'): ParsedPhone {
  if (typeof input !== 'string') throw new BadInputError(field, `must be a string, got ${JSON.stringify(input)}`);
  const parsed = parsePhone(input);
  if (!parsed) throw new BadInputError(field, `"${input}" is not a Chinese mobile, fixed-line or service number`);
  return parsed;
}

/**
 * `Phone`: a Chinese mobile, fixed-line or service number. Input may carry spaces, dashes and a +86 / 0086
 * country code; the value the resolvers get (and the output) is the normalised national form:
 * "13812345678", "01062345678", "075583765432".
 */
export const PhoneScalar = new GraphQLScalarType<string, string>({
  name: 'Phone',
  description:
    'A Chinese mobile (11 digits, 13x–19x), fixed-line (0 + area code + local number) or service number (400/800, 95xxx/96xxx, 10xxx/12xxx). ' +
    'Input may contain spaces, dashes and a +86 / 0086 prefix; output is the normalised national form, e.g. "13812345678" or "01062345678".',
  serialize(value) {
    if (typeof value !== 'string') throw new TypeError(`Phone cannot represent ${JSON.stringify(value)}`);
    return parsePhone(value)?.number ?? value;
  },
  // A BadInputError (not a GraphQLError) is wrapped by graphql-js with originalError kept,
  // so formatError reports BAD_USER_INPUT with the value for variables and literals alike.
  parseValue(value) {
    return requirePhone(value).number;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new BadInputError('phone', `must be a string, got ${ast.kind}`);
    return requirePhone(ast.value).number;
  },
});
