import type { Envelope } from '../../envelope/envelope.ts';

/** The envelope header a deferred message carries its booked start in. */
export const BOOKING_HEADER = 'celeriac.rate.booking';

/**
 * How late a booked message may reach a worker and still start on its booking. Later than this
 * it books again: starting then could bunch starts that were booked apart.
 */
export const LATE_GRACE_MS = 1000;

/** A start booked for one attempt: `at` on the worker clock, `retries` of the attempt. */
export interface Booking {
  at: number;
  retries: number;
}

/** The envelope with its booking in the headers (other headers kept). */
export function withBooking(envelope: Envelope, at: number): Envelope {
  const booking: Booking = { at, retries: envelope.retries };
  return { ...envelope, headers: { ...envelope.headers, [BOOKING_HEADER]: booking } };
}

/**
 * True when the envelope carries a booking for this attempt that is not stale: a retry (more
 * retries) or a redelivery long after its time (a worker died running it) books again.
 */
export function holdsBooking(envelope: Envelope, now: number): boolean {
  const booking = envelope.headers?.[BOOKING_HEADER] as Partial<Booking> | undefined;
  if (typeof booking !== 'object' || booking === null) return false;
  const { at, retries } = booking;
  return typeof at === 'number' && retries === envelope.retries && now <= at + LATE_GRACE_MS;
}
