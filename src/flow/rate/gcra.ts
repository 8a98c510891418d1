import type { RateBooking, RateLimit } from './rate-store.ts';

/** One GCRA step: the booking, and the key's theoretical arrival time to store after it. */
export interface GcraStep {
  booking: RateBooking;
  /** The new TAT (epoch ms), or undefined when nothing was booked (the state stays). */
  tat: number | undefined;
}

/**
 * Books one start with the generic cell rate algorithm: starts are `perMs / count` apart, and
 * up to `burst` may start at once after a quiet spell. `tat` is the key's theoretical arrival
 * time (undefined when the key has no state). The Redis script `book-rate.lua` does the same.
 */
export function gcraBook(
  tat: number | undefined,
  limit: RateLimit,
  now: number,
  horizonMs: number,
): GcraStep {
  const interval = limit.perMs / limit.count;
  const tolerance = ((limit.burst ?? 1) - 1) * interval;
  const base = Math.max(tat ?? now, now);
  const at = Math.max(now, base - tolerance);
  if (at - now > horizonMs) {
    return { booking: { at: now + horizonMs, booked: false, now }, tat: undefined };
  }
  return { booking: { at, booked: true, now }, tat: base + interval };
}

/** The override as the brokers store it: `'<count> <perMs> <burst>'` or `'off'`. */
export function encodeOverride(override: RateLimit | 'off'): string {
  if (override === 'off') return 'off';
  return `${override.count} ${override.perMs} ${override.burst ?? 1}`;
}

/** Reads a stored override back; undefined for text this release does not understand. */
export function decodeOverride(text: string): RateLimit | 'off' | undefined {
  if (text === 'off') return 'off';
  const [count, perMs, burst] = text.split(' ').map(Number);
  if (!(count && perMs && burst && count > 0 && perMs > 0 && burst >= 1)) return undefined;
  return { count, perMs, burst };
}
