/** Throws a RangeError unless `ttlMs` is a positive, finite number of milliseconds. */
export function checkTtl(ttlMs: number, what: string): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`${what} needs a ttl in ms above zero, got ${ttlMs}`);
  }
}

/** Throws a RangeError unless `limit` is a whole number ≥ 0 or Infinity (no limit). */
export function checkLimit(limit: number): void {
  if (limit !== Number.POSITIVE_INFINITY && !(Number.isSafeInteger(limit) && limit >= 0)) {
    throw new RangeError(`limit must be a whole number ≥ 0 or Infinity, got ${limit}`);
  }
}
