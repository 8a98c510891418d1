import type { Envelope } from '../../envelope/envelope.ts';
import { CeleriacError, coerceError } from '../../errors/errors.ts';

/** The envelope field that names the claim a message holds (absent: it holds none). */
const CLAIM_FIELD = 'uniqueKey';

/**
 * The claim key of one send: the task's name and what its key function returns, so two tasks
 * whose key functions agree do not block each other. Throws a CeleriacError naming the task
 * when the function throws or returns something other than a non-empty string.
 */
export function claimKeyOf(
  taskName: string,
  keyOf: (...args: unknown[]) => unknown,
  args: unknown[],
): string {
  let key: unknown;
  try {
    key = keyOf(...args);
  } catch (error) {
    const cause = coerceError(error);
    throw new CeleriacError(
      'UNIQUE_KEY',
      `unique key of task "${taskName}" threw: ${cause.message}`,
      { cause },
    );
  }
  if (typeof key !== 'string' || key === '') {
    const got = typeof key === 'string' ? 'an empty string' : describe(key);
    throw new CeleriacError(
      'UNIQUE_KEY',
      `unique key of task "${taskName}" must return a non-empty string, got ${got}`,
    );
  }
  return `${taskName}:${key}`;
}

/** Marks an envelope as the holder of a claim, so the worker knows what to release. */
export function markClaim(envelope: Envelope, claimKey: string): void {
  envelope[CLAIM_FIELD] = claimKey;
}

/** The claim a delivered message holds, or undefined (sent by a workflow, or by an old release). */
export function claimOf(envelope: Envelope): string | undefined {
  const key = envelope[CLAIM_FIELD];
  return typeof key === 'string' && key !== '' ? key : undefined;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}
