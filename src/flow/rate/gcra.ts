import type { RateAdmission, RateLimit, RateRequest } from '../../brokers/contract/rate-store.ts';

/**
 * A key's state: two theoretical arrival times (epoch ms on the store's clock), undefined when
 * unset. `started` runs over the starts actually admitted; `booked` over the bookings handed
 * out, and is never behind `started`.
 */
export interface RateState {
  booked: number | undefined;
  started: number | undefined;
}

/** One admission step: the decision, and the key's state to store after it. */
export interface GcraStep {
  admission: RateAdmission;
  /** The state to store; undefined when it stays as it was. */
  state: RateState | undefined;
}

/**
 * Decides one delivery with GCRA on actual starts: a start is admitted only when it conforms
 * to the starts admitted before it (`1/rate` apart, `burst` at once after a quiet spell), so
 * admitted starts never exceed `rate × W + burst` in any window `W`, whatever the deliveries
 * did. A message that finds no start free books a later one on the second sequence, which
 * only says when to come back. The Redis script `admit-rate.lua` does the same.
 */
export function gcraAdmit(
  state: RateState,
  limit: RateLimit,
  request: RateRequest & { now: number },
): GcraStep {
  const { now, holdMs } = request;
  const interval = limit.perMs / limit.count;
  const tolerance = ((limit.burst ?? 1) - 1) * interval;
  const started = state.started ?? now;
  const booked = Math.max(state.booked ?? now, started, now);
  // A new message does not jump the queue of bookings: it starts only when none is waiting.
  const queued = !request.booked && booked - tolerance > now + holdMs;
  const at = Math.max(now, started - tolerance);
  if (!queued && at - now <= holdMs) {
    const nextStart = Math.max(started, at) + interval;
    return {
      admission: { kind: 'start', at, now, intervalMs: interval },
      state: { started: nextStart, booked: Math.max(booked, nextStart) },
    };
  }
  return book(booked, interval, tolerance, state, request);
}

/** Books a later start on the booking sequence, unless it lies beyond the horizon. */
function book(
  booked: number,
  interval: number,
  tolerance: number,
  state: RateState,
  { now, horizonMs }: { now: number; horizonMs: number },
): GcraStep {
  const at = Math.max(now, booked - tolerance);
  if (at - now > horizonMs) {
    return { admission: { kind: 'full', at: now + horizonMs, now }, state: undefined };
  }
  return {
    admission: { kind: 'booked', at, now },
    state: { started: state.started, booked: booked + interval },
  };
}

/** The time after which a state means nothing (both sequences have passed). */
export function stateExpiry(state: RateState): number {
  return Math.max(state.booked ?? 0, state.started ?? 0);
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
