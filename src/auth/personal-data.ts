import { Sensitivity } from '../schema/sensitivity';
import { hasAnyRole, type Principal } from './principal';

/**
 * What each role sees of personal data and secrets (README "Personal data by role"). One rule per
 * sensitivity, applied by the schema transform of src/build-schema.ts to every field that declares
 * one (src/schema/sensitivity.ts):
 *
 * | sensitivity    | viewer (and an agent, on what is not its own) | supervisor, admin        | the agent it belongs to |
 * |----------------|-----------------------------------------------|--------------------------|-------------------------|
 * | customerPhone  | masked `138****8000`                          | full                     | full                    |
 * | messageText    | null                                          | full                     | full                    |
 * | dialogue       | null                                          | full                     | full                    |
 * | recording      | null                                          | full                     | full                    |
 * | credential     | null                                          | null                     | full                    |
 * | raw            | null                                          | credentials redacted     | full                    |
 */
export function reveal(
  sensitivity: Sensitivity,
  value: unknown,
  principal: Principal,
  isOwner: boolean,
  secrets: readonly string[],
): unknown {
  if (value === null || value === undefined || sensitivity === Sensitivity.NOT_PERSONAL) return value;
  if (isOwner) return value;
  if (sensitivity === Sensitivity.CREDENTIAL) return null;
  if (hasAnyRole(principal, ['supervisor'])) return sensitivity === Sensitivity.RAW ? redactCredentials(value, secrets) : value;
  if (sensitivity === Sensitivity.CUSTOMER_PHONE) return Array.isArray(value) ? value.map(maskAny) : maskAny(value);
  return null;
}

function maskAny(value: unknown): unknown {
  return typeof value === 'string' ? maskPhone(value) : value === null || value === undefined ? value : maskPhone(String(value));
}

/**
 * A phone number with its middle digits starred: 11 digits keep the first 3 and the last 4
 * (`138****8000`); other lengths keep proportionally less (at least one digit is always starred).
 * Characters that are not digits (a `+`, dashes, a SIP prefix) stay where they are.
 */
export function maskPhone(value: string): string {
  let digits = 0;
  for (let i = 0; i < value.length; i++) if (isDigit(value.charCodeAt(i))) digits++;
  if (digits === 0) return value;
  const head = Math.floor((digits * 3) / 11);
  const tail = Math.min(Math.floor((digits * 4) / 11), digits - head - 1);
  let seen = 0;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!isDigit(c)) {
      out += value[i];
      continue;
    }
    out += seen < head || seen >= digits - tail ? value[i] : '*';
    seen++;
  }
  return out;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** Names of fields that hold a credential, in any platform payload (sipPassword, webrtcSipPassword, token, accessKeySecret, …). */
const CREDENTIAL_KEY = /(password|passwd|pwd|secret|token)$/i;
export const REDACTED = '[redacted]';

/** Whether a key of a platform payload names a credential. */
export function isCredentialKey(key: string): boolean {
  return CREDENTIAL_KEY.test(key);
}

/**
 * A platform payload without its credentials: an object (copied, credentials replaced by
 * `[redacted]`, at any depth, without recursion) or a body as text (JSON or form-encoded). Known
 * secret values (the hook secret, the platform key secret) are replaced wherever they appear.
 */
export function redactCredentials(value: unknown, secrets: readonly string[] = []): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (!value || typeof value !== 'object') return value;
  const stack: { from: unknown; into: unknown[] | Record<string, unknown>; key: string | number }[] = [];
  const result: unknown[] = [];
  stack.push({ from: value, into: result, key: 0 });
  while (stack.length > 0) {
    const { from, into, key } = stack.pop()!;
    let copy: unknown;
    if (Array.isArray(from)) {
      const arr: unknown[] = new Array(from.length);
      from.forEach((v, i) => stack.push({ from: v, into: arr, key: i }));
      copy = arr;
    } else if (from && typeof from === 'object' && !(from instanceof Date)) {
      const obj: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(from)) {
        if (isCredentialKey(k) && v !== null && v !== undefined && v !== '') obj[k] = REDACTED;
        else stack.push({ from: v, into: obj, key: k });
      }
      copy = obj;
    } else copy = typeof from === 'string' ? redactText(from, secrets) : from;
    (into as Record<string | number, unknown>)[key] = copy;
  }
  return result[0];
}

const CREDENTIAL_NAME = '([A-Za-z0-9_]*?(?:password|passwd|pwd|secret|token))';
/** `"sipPassword": "…"` (or a number) in JSON text. */
const JSON_CREDENTIAL = new RegExp(`("${CREDENTIAL_NAME}"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"|-?\\d[\\d.eE+-]*)`, 'gi');
/** The same inside JSON that is itself a string value (`"data": "{\"token\": …}"`), at any level of escaping. */
const ESCAPED_JSON_CREDENTIAL = new RegExp(
  `(\\\\+)"${CREDENTIAL_NAME}\\1"\\s*:\\s*(\\1"(?:(?!\\1")[\\s\\S])*?\\1"|-?\\d[\\d.eE+-]*)`,
  'gi',
);

function redactText(text: string, secrets: readonly string[]): string {
  const trimmed = text.trimStart();
  let out: string;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    out = text
      .replace(JSON_CREDENTIAL, (_m, prefix: string) => `${prefix}"${REDACTED}"`)
      .replace(
        ESCAPED_JSON_CREDENTIAL,
        (_m, slashes: string, name: string) => `${slashes}"${name}${slashes}":${slashes}"${REDACTED}${slashes}"`,
      );
  } else if (/^[^\s=&{}"]+=/.test(trimmed)) {
    const form = new URLSearchParams(text);
    const redacted = new URLSearchParams();
    for (const [k, v] of form) redacted.append(k, isCredentialKey(k) && v !== '' ? REDACTED : redactText(v, secrets));
    out = redacted.toString();
  } else out = text;
  return replaceSecrets(out, secrets);
}

function replaceSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 6 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}
