import { quoteValue } from '../envelope/quote-value.ts';

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/;

/** A duration in milliseconds, or a string such as `500ms`, `30s`, `5m`, `2h`, `1d`. */
export type Duration = number | string;

/** Parses a Duration into milliseconds; throws a RangeError that quotes the bad value. */
export function parseDuration(value: Duration): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`expected a non-negative number of milliseconds, got ${value}`);
    }
    return value;
  }
  const match = typeof value === 'string' ? PATTERN.exec(value) : null;
  const ms = match ? Math.round(Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1)) : Number.NaN;
  // Not finite: a string of hundreds of digits, which would otherwise read as Infinity.
  if (!Number.isFinite(ms)) {
    throw new RangeError(
      `expected a duration such as 500ms, 30s, 5m, 2h or 1d, got ${quoteValue(value)}`,
    );
  }
  return ms;
}
