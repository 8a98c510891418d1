import type { Envelope } from '../../envelope/envelope.ts';

/** How many times a message has found its slots taken; carried so it survives redelivery. */
export const SLOT_WAITS_HEADER = 'celeriac.slotWaits';

const FIRST_WAIT_MS = 100;
const LONGEST_WAIT_MS = 5000;

/** How many times this message was deferred for its slots before. */
export function slotWaitsOf(envelope: Envelope): number {
  const waits = envelope.headers?.[SLOT_WAITS_HEADER];
  return typeof waits === 'number' && Number.isInteger(waits) && waits > 0 ? waits : 0;
}

/**
 * The wait before a message asks for its slots again: doubling from 100 ms to 5 s, spread
 * over [wait/2, wait] so waiting messages do not all return in the same instant.
 */
export function slotBackoffMs(waits: number, random: () => number = Math.random): number {
  const wait = Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** Math.min(waits, 16));
  return Math.round(wait / 2 + (random() * wait) / 2);
}

/** The envelope with one more wait counted in its headers. */
export function withOneMoreWait(envelope: Envelope): Envelope {
  const headers = { ...envelope.headers, [SLOT_WAITS_HEADER]: slotWaitsOf(envelope) + 1 };
  return { ...envelope, headers };
}
