import type { Envelope } from '../../envelope/envelope.ts';

/** The envelope header a deferred message carries its booked start in. */
export const BOOKING_HEADER = 'celeriac.rate.booking';

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
 * True when the envelope carries a booking for this attempt (a retry books again). A booking
 * only said when to come back: the start itself is admitted against the actual starts, so a
 * booked message that returns late books again rather than bunch with the starts around it.
 */
export function holdsBooking(envelope: Envelope): boolean {
  const booking = envelope.headers?.[BOOKING_HEADER] as Partial<Booking> | undefined;
  if (typeof booking !== 'object' || booking === null) return false;
  return typeof booking.at === 'number' && booking.retries === envelope.retries;
}
