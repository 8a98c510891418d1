import { MalformedMessage } from '../errors/errors.ts';
import { quoteValue } from './quote-value.ts';

/** A decoded message's fields, as read before they are known to have their types. */
export type Fields = Record<string, unknown>;

/** Throws a MalformedMessage naming the field's path, what it must be and what it was. */
export function badField(path: string, expected: string, got: unknown): never {
  // A missing field says only what it must be, as before values were quoted.
  const received = got === undefined ? '' : `, got ${quoteValue(got)}`;
  throw new MalformedMessage(`field "${path}" must be ${expected}${received}`);
}

/** Requires a non-empty string. */
export function requireString(v: Fields, key: string): void {
  if (typeof v[key] !== 'string' || v[key] === '') badField(key, 'a non-empty string', v[key]);
}

/** Allows the field to be absent; otherwise requires a non-empty string. */
export function optionalString(v: Fields, key: string): void {
  if (v[key] !== undefined) requireString(v, key);
}

/** Requires a non-empty string or null (a field whose absence means null). */
export function stringOrNull(v: Fields, key: string): void {
  const value = v[key];
  if (value === null || (typeof value === 'string' && value !== '')) return;
  badField(key, 'a non-empty string or null', value);
}

/** Requires a finite number. */
export function requireNumber(v: Fields, key: string): void {
  if (!Number.isFinite(v[key])) badField(key, 'a number', v[key]);
}

/** Requires an integer from 0 up. */
export function requireCount(v: Fields, key: string): void {
  const value = v[key];
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    badField(key, 'a non-negative integer', value);
  }
}

/** Allows the field to be absent; otherwise requires a finite number from 0 up. */
export function optionalTime(v: Fields, key: string): void {
  const value = v[key];
  if (value !== undefined && !isNonNegative(value)) {
    badField(key, 'a non-negative number', value);
  }
}

/** Allows the field to be absent; otherwise requires an array. */
export function requireArray(v: Fields, key: string): void {
  if (!Array.isArray(v[key])) badField(key, 'an array', v[key]);
}

/** Allows the field to be absent; otherwise requires a plain object (not an array, not null). */
export function optionalObject(v: Fields, key: string): void {
  if (v[key] !== undefined && !isPlainObject(v[key])) badField(key, 'an object', v[key]);
}

/** Allows the field to be absent or null (which it removes); otherwise requires an ISO date. */
export function optionalDate(v: Fields, key: string): void {
  const value = v[key];
  if (value === null) delete v[key];
  if (value === undefined || value === null) return;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    badField(key, 'an ISO 8601 date', value);
  }
}

/**
 * Allows the field to be absent or null (which it removes); otherwise requires Celery's
 * `[soft, hard]` pair of seconds, each a non-negative number or null.
 */
export function optionalTimeLimits(v: Fields, key: string): void {
  const value = v[key];
  if (value === null) delete v[key];
  if (value === undefined || value === null) return;
  if (!Array.isArray(value) || value.length !== 2) {
    badField(key, 'an array of two entries, [soft, hard]', value);
  }
  value.forEach((limit: unknown, i) => {
    if (limit !== null && !isNonNegative(limit)) {
      badField(`${key}[${i}]`, 'a non-negative number or null', limit);
    }
  });
}

/** True for an object that is neither null nor an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegative(value: unknown): boolean {
  return Number.isFinite(value) && (value as number) >= 0;
}
