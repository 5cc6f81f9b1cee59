/**
 * Conversions between the platform's wire values and the gateway's types, shared by every family.
 * Platform date-time strings ("2021-6-15 10:42:39", no zero padding) are China Standard Time
 * (UTC+08:00, no daylight saving); 13-digit numbers (or such numbers in strings) are epoch ms.
 */

import { BadInputError } from '../errors';

const CST_OFFSET_MS = 8 * 60 * 60 * 1000;
const PLATFORM_TIME = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T\t]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?$/;

/** "2021-6-15 10:42:39" (UTC+08:00) → Date; undefined for empty or unparseable values. */
export function fromPlatformTime(value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  if (text === '') return undefined;
  const m = PLATFORM_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - CST_OFFSET_MS;
  const date = new Date(utc);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Date → the platform's "2021-6-15 10:42:39" in UTC+08:00 (no zero padding of month/day, as the platform writes it). */
export function toPlatformTime(date: Date): string {
  const cst = new Date(date.getTime() + CST_OFFSET_MS);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${cst.getUTCFullYear()}-${cst.getUTCMonth() + 1}-${cst.getUTCDate()} ` +
    `${two(cst.getUTCHours())}:${two(cst.getUTCMinutes())}:${two(cst.getUTCSeconds())}`
  );
}

/** Epoch ms as a number or a numeric string → Date; undefined for empty values. */
export function fromEpochMs(value: unknown): Date | undefined {
  const n = toNumber(value);
  if (n === undefined) return undefined;
  const date = new Date(n);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Any platform time (epoch ms number, numeric string, or date-time string) → Date. */
export function fromAnyPlatformTime(value: unknown): Date | undefined {
  if (typeof value === 'number') return fromEpochMs(value);
  if (typeof value === 'string' && /^\d{10,}$/.test(value.trim())) return fromEpochMs(value);
  return fromPlatformTime(value);
}

/** A number or numeric string ("216.0", " 3 ") → number; undefined for empty or non-numeric values. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Like toNumber, truncated to an integer (platform counts such as `"total": 216.0`). */
export function toInt(value: unknown): number | undefined {
  const n = toNumber(value);
  return n === undefined ? undefined : Math.trunc(n);
}

/** A value as a string, or undefined when absent, null or empty. */
export function toOptionalString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text === '' ? undefined : text;
}

/** Midnight (00:00:00.000) of the given instant's day in UTC+08:00. */
export function startOfPlatformDay(date: Date): Date {
  const cst = date.getTime() + CST_OFFSET_MS;
  return new Date(cst - (((cst % 86_400_000) + 86_400_000) % 86_400_000) - CST_OFFSET_MS);
}

/** Refuses a text longer than the platform (or the gateway) takes, naming the field. */
export function checkMaxLength(field: string, value: string, max: number): void {
  if (value.length > max) throw new BadInputError(field, `must be at most ${max} characters`);
}

/** A dialable number as the platform takes it: digits with an optional leading +, 3–20 digits. */
export function isPhoneNumber(value: string): boolean {
  return /^\+?\d{3,20}$/.test(value);
}
